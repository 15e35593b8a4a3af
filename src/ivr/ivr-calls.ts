// The IVR side of the Stasis app on one instance: which calls run a flow, and routing
// each of their PBX events to its session. Stasis hands a new call here first; a DID
// with no published flow is declined and gets the plain greeting as before.
//
// An IVR session lives in this process only. When the instance that owns a PBX node dies,
// the next owner finds the call in state `ivr` with no session at its resync and starts
// the flow again at its entry (the caller hears the welcome again rather than silence or
// a hang-up); when the flow is no longer published it plays the sorry prompt and hangs up.
import type { Call } from '../calls/repository.js';
import { advanceCall, noteCallEvent } from '../calls/repository.js';
import type { CallChannelPort, StasisChannel, StasisEvent } from '../calls/stasis.js';
import type { Db } from '../db/pool.js';
import { callLogger, type Logger } from '../log.js';
import { mergeCallData, publicStep, recordIvrStep, recordIvrSteps, recordSurvey } from './call-store.js';
import type { HandoverCapability } from './capabilities.js';
import type { Flow, Interpret, IvrEvent, Media } from './contract.js';
import type { HttpCommand } from './http-lookup.js';
import { linkPublishedSubflows, publishedFlow } from './repository.js';
import type { PromptBounds } from './prompt-watchdog.js';
import { IvrSession, type IvrCallPort } from './runner.js';

export interface IvrCallsOptions {
  db: Db;
  pbx: CallChannelPort;
  log: Logger;
  interpret: Interpret;
  flowForNumber: (did: string) => Promise<Flow | undefined>;
  /** Runs a flow's CRM lookup (the guarded client, with IVR_SECRETS). */
  lookup: (cmd: HttpCommand, signal: AbortSignal) => Promise<IvrEvent>;
  sorryMedia: Media[];
  /** Hangs a channel up and remembers that we did (so the call ends as completed). */
  hangup: (channelId: string) => Promise<void>;
  /** How long a prompt may go without reporting its end. */
  promptBounds?: PromptBounds;
  /** Of these stored recordings, those the PBX does not have (see recording-presence.ts). */
  missingRecordings?: (names: string[]) => Promise<string[]>;
}

interface Running {
  call: Call;
  session: IvrSession;
  /** The flow's start as stored (answered, ivr): settles once its statement is done. */
  start: { stored: Promise<unknown> };
}

/** An IVR `queue`, `voicemail`, `fax` or `transfer` node handing its caller over. */
export interface IvrHandover {
  call: Call;
  /** The caller's channel, in Stasis and answered. */
  channelId: string;
  /** The flow node that handed over (for the timeline). */
  node: string;
  /** The node's parameters (queue id, mailbox, priority, survey node...). */
  params: Record<string, unknown>;
}

/**
 * Carries out a hand-over; the capability owns the caller's channel once this resolves.
 * Resolving `false` refuses it (e.g. the named queue does not exist): the flow then says
 * sorry and hangs up, as for a capability that is missing.
 */
export type HandoverTaker = (handover: IvrHandover) => Promise<void | false>;

export class IvrCalls {
  private readonly byChannel = new Map<string, Running>();
  private readonly byCall = new Map<string, Running>();
  private readonly handovers = new Map<HandoverCapability, HandoverTaker>();

  constructor(private readonly opts: IvrCallsOptions) {}

  /** A capability (ACD, voicemail, fax, call control) takes this kind of hand-over. */
  addHandover(to: HandoverCapability, take: HandoverTaker): void {
    this.handovers.set(to, take);
  }

  /**
   * The agent leg of a handed-over call ended: the caller goes on to the flow's survey
   * node. False when the call has no session here (then nobody asks the caller).
   */
  async startSurvey(channelId: string, surveyNode: string): Promise<boolean> {
    const running = this.byChannel.get(channelId);
    if (!running) return false;
    await running.session.feed({ type: 'survey', node: surveyNode });
    return true;
  }

  /** Sessions alive on this instance (tests, metrics). */
  get size(): number {
    return this.byChannel.size;
  }

  sessionFor(channelId: string): IvrSession | undefined {
    return this.byChannel.get(channelId)?.session;
  }

  /**
   * Runs the DID's published flow for a new call. False when the DID has none (or it
   * cannot be read): the caller then gets the plain greeting.
   */
  async offer(call: Call, channelState: string, early?: Promise<Flow | undefined>): Promise<boolean> {
    const flow = early ? await early : await this.lookupFlow(call);
    if (!flow) return false;
    await this.begin(call, flow, channelState);
    return true;
  }

  /**
   * Runs a named published flow for a call that is already answered and out of any
   * bridge (an ACD overflow). A session the call still had (kept for its survey) is
   * replaced. False when the flow does not exist or has nothing published.
   */
  async startFlow(call: Call, flowId: string): Promise<boolean> {
    const found = await publishedFlow(this.opts.db, flowId);
    if (!found) return false;
    const flow = await linkPublishedSubflows(this.opts.db, found);
    const old = this.byChannel.get(call.channelId);
    if (old) {
      old.session.detach();
      this.byChannel.delete(call.channelId);
      this.byCall.delete(old.call.id);
    }
    // Still in state ivr (the queue overflowed as the call entered it): the timeline says
    // which flow runs now, as a state change would.
    if (call.state === 'ivr') await noteCallEvent(this.opts.db, call.id, 'call.ivr', { from: 'ivr', flowId: flow.id, flowVersion: flow.version });
    await this.begin(call, flow, 'Up');
    return true;
  }

  /** Routes a call's PBX event to its session; false when no session of ours wants it. */
  async route(event: StasisEvent): Promise<boolean> {
    switch (event.type) {
      case 'ChannelDtmfReceived': {
        const running = this.byChannel.get(event.channel.id);
        // A handed-over call's digits belong to its new owner (the queue, call control).
        if (!running || running.session.currentPhase === 'handed_over') return false;
        await running.session.feed({ type: 'dtmf', digit: event.digit });
        return true;
      }
      case 'PlaybackFinished': {
        const running = this.forPlayback(event.playback.id);
        if (!running) return false;
        const promptId = running.session.promptOf(event.playback.id)!;
        await running.session.playbackEnded(promptId, event.playback.state === 'failed');
        return true;
      }
      default:
        return false;
    }
  }

  /** The caller's channel is gone: its session hears the hang-up and is forgotten. */
  async callerGone(channelId: string): Promise<void> {
    const running = this.byChannel.get(channelId);
    if (!running) return;
    this.byChannel.delete(channelId);
    this.byCall.delete(running.call.id);
    await running.session.callerHungUp();
    // The call's end is written after this: never ahead of its answer.
    await running.start.stored.catch(() => undefined);
  }

  /** Forgets every session without touching the calls (this instance lost the node). */
  dropAll(): void {
    for (const { session } of this.byChannel.values()) session.detach();
    this.byChannel.clear();
    this.byCall.clear();
  }

  /**
   * Resync of a call in state `ivr` whose channel still exists. A session of ours may have
   * missed the end of its prompt while the socket was down; a call with no session here
   * was left by an instance that died and starts over at the flow's entry.
   */
  async resume(call: Call, channel: StasisChannel): Promise<void> {
    const running = this.byChannel.get(call.channelId);
    if (running) {
      const playbackId = running.session.pendingPlayback;
      if (playbackId && !(await this.opts.pbx.playbackActive(playbackId).catch(() => true))) {
        await running.session.feed({ type: 'prompt_finished', promptId: running.session.promptOf(playbackId)! });
      }
      return;
    }
    const clog = callLogger(this.opts.log, call);
    const flow = await this.lookupFlow(call);
    if (!flow) {
      // Nothing to restart: say sorry and hang up, recorded against the flow it was in.
      clog.warn({ event: 'ivr.lost' }, 'IVR call without a session and without a published flow: hanging up');
      const last = await lastFlowOf(this.opts.db, call.id);
      const gone: Flow = { id: last.id, version: last.version, entry: 'unavailable', nodes: { unavailable: { type: 'hangup' } } };
      await this.track(call, gone, channel.state).session.abort('unavailable', 'flow_unavailable');
      return;
    }
    clog.info({ event: 'ivr.restarted', flowId: flow.id, flowVersion: flow.version }, 'IVR call taken over: restarting its flow');
    await this.begin(call, flow, channel.state);
  }

  /** The DID's published flow, read before its call is stored (see IvrRouter.flowFor). */
  flowFor(did: string | null): Promise<Flow | undefined> {
    return this.readFlow(did, () => this.opts.log.child({ dnis: did }));
  }

  private lookupFlow(call: Call): Promise<Flow | undefined> {
    return this.readFlow(call.dnis, () => callLogger(this.opts.log, call));
  }

  private async readFlow(did: string | null, log: () => Logger): Promise<Flow | undefined> {
    if (!did) return undefined;
    try {
      return await this.opts.flowForNumber(did);
    } catch (err) {
      log().error({ err: (err as Error).message }, 'IVR flow lookup failed; greeting instead');
      return undefined;
    }
  }

  private forPlayback(playbackId: string): Running | undefined {
    // "ivr-<uuid>-<prompt>": the call id is a uuid of fixed length.
    if (!playbackId.startsWith('ivr-')) return undefined;
    return this.byCall.get(playbackId.slice(4, 40));
  }

  /**
   * A session for the call, registered so its PBX events reach it, and the one way its
   * channel is answered: begin() and the flow's own `answer` share whether it is up, so
   * the channel is answered once (one ARI request), not once by each.
   */
  private track(call: Call, flow: Flow, channelState: string): { session: IvrSession; answer: () => Promise<void>; storeStart: (started: Promise<unknown>) => void } {
    const { db, pbx } = this.opts;
    const clog = callLogger(this.opts.log, call).child({ flowId: flow.id, flowVersion: flow.version });
    let up = channelState === 'Up';
    // The flow's start (answered, ivr) may still be on its way while the first prompt plays:
    // whatever writes to the call or moves it waits for it, so the timeline keeps its order
    // and the call is never handed on or ended ahead of its own start.
    const start: Running['start'] = { stored: Promise.resolve() };
    const port: IvrCallPort = {
      answer: async () => {
        if (up) return;
        await pbx.answer(call.channelId);
        up = true;
      },
      play: (playbackId, media) => pbx.play(call.channelId, media, playbackId),
      stopPlayback: (playbackId) => pbx.stopPlayback(playbackId),
      // A start that could not be stored must not keep the caller on the line.
      hangup: async () => {
        await start.stored.catch(() => undefined);
        await this.opts.hangup(call.channelId);
      },
      lookup: (cmd, signal) => this.opts.lookup(cmd, signal),
      setData: async (values) => {
        await start.stored;
        await mergeCallData(db, call.id, values);
      },
      step: async (step) => {
        await start.stored;
        clog.info({ event: 'ivr.step', ...publicStep(step) }, 'IVR step');
        await recordIvrStep(db, call.id, flow, step);
      },
      steps: async (steps) => {
        await start.stored;
        for (const step of steps) clog.info({ event: 'ivr.step', ...publicStep(step) }, 'IVR step');
        await recordIvrSteps(db, call.id, flow, steps);
      },
      surveyResult: async (rating) => {
        await start.stored;
        await recordSurvey(db, call.id, rating);
      },
      handover: async (cmd) => {
        const take = this.handovers.get(cmd.to);
        if (!take) return false;
        await start.stored;
        return (await take({ call, channelId: call.channelId, node: cmd.node, params: cmd.params })) !== false;
      },
      ...(this.opts.missingRecordings ? { missingRecordings: this.opts.missingRecordings } : {}),
    };
    const session = new IvrSession({
      callId: call.id,
      flow,
      interpret: this.opts.interpret,
      port,
      log: clog,
      sorryMedia: this.opts.sorryMedia,
      ...(this.opts.promptBounds ? { promptBounds: this.opts.promptBounds } : {}),
    });
    const running: Running = { call, session, start };
    this.byChannel.set(call.channelId, running);
    this.byCall.set(call.id, running);
    return {
      session,
      answer: port.answer,
      storeStart: (p) => {
        start.stored = p;
        // Observed here; the flow's next write reports it (and fails the flow).
        p.catch((err: Error) => clog.warn({ err: err.message }, 'IVR start not stored'));
      },
    };
  }

  private async begin(call: Call, flow: Flow, channelState: string): Promise<void> {
    const { db } = this.opts;
    const clog = callLogger(this.opts.log, call).child({ flowId: flow.id, flowVersion: flow.version });
    // A StasisStart and a resync may both offer one channel: one flow per caller, or two
    // sessions would talk over each other (and the second's prompts clash with the first's ids).
    if (this.byChannel.has(call.channelId)) {
      clog.info({ event: 'ivr.already_running' }, 'IVR flow already running for this channel');
      return;
    }
    const { session, answer, storeStart } = this.track(call, flow, channelState);
    try {
      // The call is answered before the flow speaks, so the call model reads
      // answered -> ivr whatever the flow's first node is.
      await answer();
    } catch (err) {
      // The caller may hang up while we act; that ends the call through StasisEnd.
      clog.warn({ err: (err as Error).message }, 'IVR start interrupted');
      return;
    }
    // Both changes in one statement, sent beside the flow's first prompt: the caller's
    // channel is up, and the flow's writes wait for this one (see track).
    const steps = [{ to: 'ivr' as const, data: { flowId: flow.id, flowVersion: flow.version } }];
    storeStart(
      advanceCall(db, call, call.state === 'ringing' ? [{ to: 'answered' }, ...steps] : steps).then(() => {
        clog.info({ event: 'call.answered' }, 'call answered');
        clog.info({ event: 'ivr.started' }, 'IVR flow started');
      }),
    );
    await session.start(startVars(call));
  }
}

/** The flow a call was last started on, from its timeline (for a lost session). */
async function lastFlowOf(db: Db, callId: string): Promise<{ id: string; version: number }> {
  const { rows } = await db.query<{ data: { flowId?: string; flowVersion?: number } }>(
    "SELECT data FROM call_events WHERE call_id = $1 AND type = 'call.ivr' ORDER BY at DESC, id DESC LIMIT 1",
    [callId],
  );
  return { id: rows[0]?.data.flowId ?? 'unknown', version: rows[0]?.data.flowVersion ?? 0 };
}

/** What a flow knows about its caller from the start. */
export function startVars(call: Call): Record<string, string> {
  const vars: Record<string, string> = { callId: call.id };
  if (call.callerNumber) vars.caller = call.callerNumber;
  if (call.callerName) vars.callerName = call.callerName;
  if (call.dnis) vars.dnis = call.dnis;
  return vars;
}

