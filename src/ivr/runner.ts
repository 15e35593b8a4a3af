// One IVR call: holds the interpreter's state, feeds it the call's events one at a time
// and carries out the commands it returns through a port (PBX, CRM, Postgres). The
// interpreter decides; the session only executes, so every decision is unit-tested in
// the pure core and this file only has to get the plumbing right: ids that map PBX
// events back, timers that die with the call, lookups abandoned on hang-up, and a safe
// exit (a "sorry" prompt, then hang-up) whenever something fails.
import type { Logger } from '../log.js';
import type { Flow, Interpret, IvrCommand, IvrEvent, IvrState, Media, NodeType } from './contract.js';
import type { IvrStep } from './call-store.js';
import { HandoverRefused } from './capabilities.js';
import { InFlight, OVERLAPS, stepsWrittenWith } from './command-order.js';
import type { HttpCommand } from './http-lookup.js';
import { promptFailures } from './metrics.js';
import { DEFAULT_PROMPT_BOUNDS, describeMedia, promptBoundMs, recordingNames, withoutMissing, type PromptBounds, type PromptFailure } from './prompt-watchdog.js';
import { CallTimers } from './timers.js';

/** What a session needs from the outside world, for one call. */
export interface IvrCallPort {
  answer(): Promise<void>;
  play(playbackId: string, media: Media[]): Promise<void>;
  stopPlayback(playbackId: string): Promise<void>;
  hangup(): Promise<void>;
  lookup(cmd: HttpCommand, signal: AbortSignal): Promise<IvrEvent>;
  setData(values: Record<string, string>): Promise<void>;
  step(step: IvrStep): Promise<void>;
  /** Several steps of one event, in order, written together; absent: step() for each. */
  steps?(steps: IvrStep[]): Promise<void>;
  surveyResult(rating: string | null): Promise<void>;
  /** Hands the caller to a capability; false when none takes this kind of hand-over. */
  handover(cmd: Extract<IvrCommand, { type: 'handover' }>): Promise<boolean>;
  /** Of these stored recordings, those the PBX says it does not have (none when it cannot tell). */
  missingRecordings?(names: string[]): Promise<string[]>;
}

export interface IvrSessionOptions {
  callId: string;
  flow: Flow;
  interpret: Interpret;
  port: IvrCallPort;
  log: Logger;
  /** Played before hanging up when the flow cannot go on (error, missing capability). */
  sorryMedia: Media[];
  /** Hang up anyway if the sorry prompt never reports its end. */
  sorryTimeoutMs?: number;
  /** How long a prompt may go without reporting its end (see prompt-watchdog.ts). */
  promptBounds?: PromptBounds;
  now?: () => Date;
}

const SORRY_PROMPT = '~sorry';
const SORRY_TIMER = '~sorry-guard';
const PROMPT_WATCHDOG = '~prompt-watchdog';

/** Our playback ids carry the call id so a PlaybackFinished maps back to its session. */
export function ivrPlaybackPrefix(callId: string): string {
  return `ivr-${callId}-`;
}

/**
 * `handed_over`: a capability (queue, voicemail, call control) owns the call; the session
 * only waits for a survey or the hang-up and never acts on the call meanwhile.
 */
export type SessionPhase = 'running' | 'handed_over' | 'closing' | 'finished';

export class IvrSession {
  readonly timers = new CallTimers();
  private state: IvrState | undefined;
  private queue: Promise<void> = Promise.resolve();
  private phase: SessionPhase = 'running';
  private callerGone = false;
  private readonly requests = new AbortController();
  private readonly prefix: string;
  /** The prompt the watchdog guards, with what it plays (for the timeline and logs). */
  private watched: { promptId: string; media: string[] } | undefined;

  constructor(private readonly opts: IvrSessionOptions) {
    this.prefix = ivrPlaybackPrefix(opts.callId);
  }

  get currentPhase(): SessionPhase {
    return this.phase;
  }

  /** The interpreter's state (a copy): where the caller is in the flow. */
  get snapshot(): IvrState | undefined {
    return this.state ? structuredClone(this.state) : undefined;
  }

  /** The prompt the flow is waiting on, as our PBX playback id. */
  get pendingPlayback(): string | undefined {
    if (this.phase === 'closing') return this.playbackId(SORRY_PROMPT);
    return this.state?.pendingPrompt !== undefined ? this.playbackId(this.state.pendingPrompt) : undefined;
  }

  playbackId(promptId: string): string {
    return `${this.prefix}${promptId}`;
  }

  /** The prompt id of one of our playbacks, or undefined for any other playback. */
  promptOf(playbackId: string): string | undefined {
    return playbackId.startsWith(this.prefix) ? playbackId.slice(this.prefix.length) : undefined;
  }

  start(vars: Record<string, string>): Promise<void> {
    return this.feed({ type: 'start', vars });
  }

  /** Events are handled strictly one after the other, whoever delivers them. */
  feed(event: IvrEvent): Promise<void> {
    const run = this.queue.then(() => this.handle(event)).catch((err: Error) => this.failed(err));
    this.queue = run;
    return run;
  }

  /**
   * Carrying out a command failed (Postgres unreachable, the PBX refused): the caller is
   * not left hanging on a half-done step. Never throws, so timers and lookups that feed
   * the session cannot produce an unhandled rejection.
   */
  private async failed(err: Error): Promise<void> {
    this.opts.log.error({ err: err.message, event: 'ivr.error' }, 'IVR step failed');
    if (this.phase !== 'running' || this.callerGone) return;
    await this.closeWithSorry(this.state?.node ?? this.opts.flow.entry, 'error').catch(() => this.hangupNow());
  }

  /** Ends the call politely without the interpreter: the sorry prompt, then hang-up. */
  abort(node: string, outcome: string): Promise<void> {
    const run = this.queue
      .then(() => (this.phase === 'running' && !this.callerGone ? this.closeWithSorry(node, outcome) : undefined))
      .catch((err: Error) => this.failed(err));
    this.queue = run;
    return run;
  }

  /** The caller is gone: the flow sees its hang-up, then nothing of this call runs again. */
  callerHungUp(): Promise<void> {
    const run = this.feed({ type: 'hangup' });
    // Cancel now too, not only once the queue gets there: a timer firing in between
    // would otherwise be queued behind the hang-up for nothing.
    this.stopEverything();
    return run;
  }

  /** This instance lets go of the call (lost the PBX node): stop, touch nothing more. */
  detach(): void {
    this.stopEverything();
    this.phase = 'finished';
  }

  /** The flow's timers stop: nothing of the flow may act on the call now. */
  private handedOver(): void {
    this.phase = 'handed_over';
    this.watched = undefined;
    this.timers.cancelAll();
  }

  private stopEverything(): void {
    this.callerGone = true;
    this.timers.cancelAll();
    this.requests.abort();
  }

  private async handle(event: IvrEvent): Promise<void> {
    if (this.phase === 'finished') return;
    if (event.type === 'hangup') {
      this.stopEverything();
      if (this.phase === 'closing') return this.finish();
    } else if (this.callerGone) {
      return;
    }
    if (this.phase === 'handed_over') {
      // Digits, timers and prompts of the handed-over call belong to its new owner.
      if (event.type === 'hangup') return this.finish();
      if (event.type !== 'survey') return;
      this.phase = 'running';
    }
    if (event.type === 'prompt_finished' || event.type === 'prompt_failed') await this.promptOver(event);
    if (this.phase === 'closing') {
      if ((event.type === 'prompt_finished' && event.promptId === SORRY_PROMPT) || (event.type === 'timer' && event.timerId === SORRY_TIMER)) {
        await this.hangupNow();
      }
      return;
    }

    let result;
    try {
      result = this.opts.interpret(this.opts.flow, this.state, event, this.opts.now?.() ?? new Date());
    } catch (err) {
      this.opts.log.error({ err: (err as Error).message, event: 'ivr.error' }, 'IVR interpreter failed');
      return this.closeWithSorry(this.state?.node ?? this.opts.flow.entry, 'error');
    }
    this.state = result.state;

    // Stopping a prompt and writing steps wait for nobody: they go out together with what
    // follows them, up to a prompt (which goes out with them) or anything else (which waits
    // for them). The next event is handled only once all of them are done.
    const inFlight = new InFlight();
    let carriedOut: boolean;
    try {
      carriedOut = await this.carryOut(result.commands, inFlight);
    } finally {
      await inFlight.settled();
    }
    if (!carriedOut) return;
    if (event.type === 'hangup') return this.finish();
    // A flow that ends without hanging up must not leave the caller in Stasis.
    if (this.state.done) await this.hangupNow();
  }

  /** False when a command ended the event's handling early (hand-over, hang-up, closing). */
  private async carryOut(commands: readonly IvrCommand[], inFlight: InFlight): Promise<boolean> {
    const written = new Set<IvrCommand>();
    for (let i = 0; i < commands.length; i++) {
      const cmd = commands[i]!;
      if (this.phase !== 'running') return false;
      if (!OVERLAPS.has(cmd.type)) await inFlight.settled();
      switch (cmd.type) {
        case 'answer':
          if (!this.callerGone) await this.opts.port.answer();
          break;
        case 'play':
          if (!this.callerGone) await this.play(cmd.promptId, cmd.media, inFlight);
          break;
        case 'stop_prompt':
          if (this.watched?.promptId === cmd.promptId) this.unwatch();
          if (!this.callerGone) inFlight.add(this.opts.port.stopPlayback(this.playbackId(cmd.promptId)).catch(() => undefined));
          break;
        case 'start_timer':
          if (!this.callerGone) this.timers.start(cmd.timerId, cmd.ms, () => void this.feed({ type: 'timer', timerId: cmd.timerId }));
          break;
        case 'cancel_timer':
          this.timers.cancel(cmd.timerId);
          break;
        case 'http':
          if (!this.callerGone) this.lookup(cmd);
          break;
        case 'set_data':
          await this.opts.port.setData(cmd.values);
          break;
        case 'step': {
          if (written.has(cmd)) break;
          const run = stepsWrittenWith(commands, i);
          for (const step of run) written.add(step);
          inFlight.add(this.writeSteps(run));
          break;
        }
        case 'survey_result':
          await this.opts.port.surveyResult(cmd.rating);
          break;
        case 'handover':
          if (this.callerGone) return false;
          if (cmd.to === 'fax') {
            await this.request(cmd);
            break;
          }
          // The capability owns the channel from here; the session stays for a survey
          // after the agent leg. Validation keeps flows that hand to a missing capability
          // from being published, so a refusal here is a safety net.
          if (!(await this.opts.port.handover(cmd))) {
            await this.closeWithSorry(cmd.node, 'capability_unavailable', handoverNodeType(cmd.to));
            return false;
          }
          if (this.phase === 'running') this.handedOver();
          return false;
        case 'hangup':
          await this.hangupNow();
          return false;
      }
    }
    return true;
  }

  private async writeSteps(run: IvrStep[]): Promise<void> {
    if (run.length > 1 && this.opts.port.steps) await this.opts.port.steps(run);
    else for (const step of run) await this.opts.port.step(step);
  }

  /**
   * A request hand-over (fax): the caller stays in the flow, which hears whether it was
   * taken. A missing capability ends the call like any hand-over; other errors fail it.
   */
  private async request(cmd: Extract<IvrCommand, { type: 'handover' }>): Promise<void> {
    let result: IvrEvent;
    try {
      if (!(await this.opts.port.handover(cmd))) {
        await this.closeWithSorry(cmd.node, 'capability_unavailable', handoverNodeType(cmd.to));
        return;
      }
      result = { type: 'handover_result', node: cmd.node, ok: true };
    } catch (err) {
      if (!(err instanceof HandoverRefused)) throw err;
      result = { type: 'handover_result', node: cmd.node, ok: false, detail: err.message };
    }
    // After the commands of this step: the result is the flow's next event.
    void this.feed(result);
  }

  /**
   * A PlaybackFinished of ours: `failed` when the PBX could not play it (a `sound:` it
   * does not have). Either way the flow goes on; a failure is named in the timeline.
   */
  playbackEnded(promptId: string, failed: boolean): Promise<void> {
    if (!failed || promptId === SORRY_PROMPT) return this.feed({ type: 'prompt_finished', promptId });
    const media = this.watched?.promptId === promptId ? this.watched.media : [];
    return this.feed({ type: 'prompt_failed', promptId, reason: 'failed', media });
  }

  /**
   * Plays a prompt under a watchdog. Recordings the PBX says it does not have are left
   * out (Asterisk would start the playback and never end it); a prompt with nothing left,
   * a play the PBX refuses, and a playback with no end within its bound fail, and the flow
   * goes on instead of the caller waiting in silence.
   */
  private async play(promptId: string, media: Media[], inFlight?: InFlight): Promise<void> {
    const names = recordingNames(media);
    const absent = names.length > 0 && this.opts.port.missingRecordings ? await this.opts.port.missingRecordings(names).catch(() => []) : [];
    const { play, missing } = withoutMissing(media, new Set(absent));
    if (missing.length > 0) {
      // Its step follows the ones still being written.
      await inFlight?.settled();
      this.noteFailure('missing', describeMedia(missing));
      if (play.length === 0) {
        void this.feed({ type: 'prompt_failed', promptId, reason: 'missing', media: describeMedia(missing) });
        return;
      }
      // The rest is played; the timeline still says what the caller did not hear.
      const node = this.state?.node ?? this.opts.flow.entry;
      const nodeType = this.opts.flow.nodes[node]?.type ?? 'play';
      await this.opts.port.step({ type: 'step', node, nodeType, outcome: 'prompt_incomplete: missing', media: describeMedia(missing) });
    }
    const watched = { promptId, media: describeMedia(play) };
    this.watched = watched;
    const bound = promptBoundMs(play, this.opts.promptBounds ?? DEFAULT_PROMPT_BOUNDS);
    this.timers.start(PROMPT_WATCHDOG, bound, () => void this.feed({ type: 'prompt_failed', promptId, reason: 'timeout', media: watched.media }));
    try {
      await this.opts.port.play(this.playbackId(promptId), play);
    } catch (err) {
      // The prompt will never report its end: the flow goes on as after a failed prompt.
      this.opts.log.warn({ err: (err as Error).message, promptId }, 'IVR prompt could not be played');
      if (!this.callerGone) void this.feed({ type: 'prompt_failed', promptId, reason: 'refused', media: watched.media });
    }
  }

  /** The guarded prompt ended one way or another: the watchdog stands down (and stops a hung playback). */
  private async promptOver(event: Extract<IvrEvent, { type: 'prompt_finished' | 'prompt_failed' }>): Promise<void> {
    if (this.watched?.promptId !== event.promptId) return;
    this.unwatch();
    if (event.type !== 'prompt_failed' || event.reason === 'missing') return; // missing: counted when found
    this.noteFailure(event.reason, event.media);
    // Stop what Asterisk may still hold as playing, so it cannot start talking over the next node.
    if (event.reason === 'timeout' && !this.callerGone) await this.opts.port.stopPlayback(this.playbackId(event.promptId)).catch(() => undefined);
  }

  private unwatch(): void {
    this.watched = undefined;
    this.timers.cancel(PROMPT_WATCHDOG);
  }

  private noteFailure(reason: PromptFailure, media: string[]): void {
    promptFailures.inc({ reason });
    this.opts.log.warn({ event: 'ivr.prompt_failed', reason, media, node: this.state?.node }, 'IVR prompt failed; the flow goes on');
  }

  private lookup(cmd: HttpCommand): void {
    this.opts.port
      .lookup(cmd, this.requests.signal)
      .catch((err: Error): IvrEvent => ({ type: 'http_result', requestId: cmd.requestId, outcome: 'error', detail: err.message }))
      .then((event) => this.feed(event))
      .catch((err: Error) => this.opts.log.error({ err: err.message }, 'IVR lookup result not handled'));
  }

  private async closeWithSorry(node: string, outcome: string, nodeType?: NodeType): Promise<void> {
    this.phase = 'closing';
    this.watched = undefined;
    this.timers.cancelAll();
    const type = nodeType ?? this.opts.flow.nodes[node]?.type ?? 'hangup';
    await this.opts.port.step({ type: 'step', node, nodeType: type, outcome }).catch(() => undefined);
    if (this.callerGone) return this.finish();
    this.timers.start(SORRY_TIMER, this.opts.sorryTimeoutMs ?? 15_000, () => void this.feed({ type: 'timer', timerId: SORRY_TIMER }));
    try {
      await this.opts.port.play(this.playbackId(SORRY_PROMPT), this.opts.sorryMedia);
    } catch {
      await this.hangupNow();
    }
  }

  private async hangupNow(): Promise<void> {
    this.finish();
    if (this.callerGone) return;
    await this.opts.port.hangup().catch((err: Error) => this.opts.log.warn({ err: err.message }, 'IVR hangup failed'));
  }

  private finish(): void {
    this.phase = 'finished';
    this.timers.cancelAll();
    this.requests.abort();
  }
}

function handoverNodeType(to: 'queue' | 'voicemail' | 'fax' | 'transfer'): NodeType {
  return to;
}
