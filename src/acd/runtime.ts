// The ACD on the instance that owns a PBX node: callers wait in a holding bridge with
// music, offers ring agents' phones (originated into our Stasis app with our own channel
// ids), an answer bridges caller and agent, no answer sends the call back to the head of
// its queue. It reacts to events only — a call arrives, an agent becomes ready, a
// channel answers or hangs up, a timer (ring, widening, max wait, wrap-up) fires.
// Live state is in Redis so the next owner of the node carries on after a crash.
import { randomUUID } from 'node:crypto';
import type { ResyncSnapshot } from '../ari/client.js';
import { AriHttpError } from '../ari/errors.js';
import type { AriEvent } from '../ari/types.js';
import { getCall, noteCallEvent, transitionCall, type Call } from '../calls/repository.js';
import type { IvrHandover } from '../ivr/ivr-calls.js';
import type { Queryable } from '../db/pool.js';
import { callLogger, type Logger } from '../log.js';
import { sendToVoicemail } from '../voicemail/capability.js';
import type { NodeContext, NodeCapability } from '../pbx/capability.js';
import type { AcdCore } from './core.js';
import type { LiveAgent } from './live-store.js';
import type { AgentDefinition, QueueDefinition } from './model.js';
import { expectedWaitSeconds } from './kpi.js';
import { entryPriority, nextWideningMs, qualifies, requiredSkills, skillsFromData } from './priority.js';
import type { LiveWaitingCall } from './queue-live.js';
import { allOpenLegs, legAnswered, legEnded, recordEntry, recordOffer, recordOutcome, type OfferReason } from './records.js';
import { KeyedSerial, KeyedTimers } from './keyed.js';
import { RoutingEngine } from './router.js';

const AGENT_CHANNEL = 'acd-agent-';
const HOLD_BRIDGE = 'acd-hold-';
const MIX_BRIDGE = 'acd-mix-';

/** The mixing bridge where the ACD connects a call's caller and agent. */
export const mixingBridgeOf = (callId: string) => `${MIX_BRIDGE}${callId}`;
/** A phone that was busy or unreachable is not offered the same call again for this long. */
const RETRY_FAILED_PHONE_MS = 5_000;
/** How often a waiting call is routed again behind the events (see armRecheck). */
const RECHECK_WAITING_MS = 3_000;
/** Reservations outlive the ring time by this much, then lapse if nobody cleans up. */
const RESERVATION_MARGIN_MS = 5_000;

interface Leg {
  offerId: string;
  agentId: string;
  callId: string;
  channelId: string;
  queueId: string | null;
  reason: OfferReason;
  answered: boolean;
  /** Queue calls: the caller's channel and how long they had waited when offered. */
  callerChannelId: string | null;
  waitMs: number;
  survey: string | null;
  /** Legs call control originated: observed, never driven. */
  observed: boolean;
  /** Ring-all round this leg rings in, or null for a one-agent offer. */
  groupId?: string | null;
}

export class AcdRuntime implements NodeCapability {
  readonly engine = new RoutingEngine();
  private readonly log: Logger;
  private readonly waiting = new Map<string, LiveWaitingCall>();
  private readonly offering = new Map<string, Leg[]>(); // callId -> legs ringing for it (several with ring-all)
  private readonly legs = new Map<string, Leg>(); // agent channel id -> leg
  private readonly callerChannels = new Map<string, string>(); // caller channel -> call id
  private readonly connected = new Map<string, Leg>(); // call id -> answered queue leg
  /** call id -> agent -> until when their phone is not tried again for this call (it failed). */
  private readonly tried = new Map<string, Map<string, number>>();
  private readonly timers = new KeyedTimers((err, key) => this.log.error({ err: err.message, timer: key }, 'ACD timer failed'));
  private readonly chains = new KeyedSerial();
  private agentDefs = new Map<string, AgentDefinition>();
  private stopped = false;
  readonly ready: Promise<void>;

  constructor(
    private readonly core: AcdCore,
    private readonly ctx: NodeContext,
  ) {
    this.log = ctx.log.child({ component: 'acd' });
    this.ready = this.load().catch((err: Error) => this.log.error({ err: err.message }, 'ACD could not load its definitions'));
  }

  get handovers() {
    return { queue: (h: IvrHandover) => this.fromIvr(h) };
  }

  // --- definitions and agents

  private async load(): Promise<void> {
    const { queues, agents } = await this.core.definitions();
    for (const q of queues) this.engine.putQueue(q);
    this.agentDefs = new Map(agents.map((a) => [a.id, a]));
    const live = await this.core.agentsLive.getMany(agents.map((a) => a.id));
    for (const a of agents) this.putAgent(a, live.get(a.id));
  }

  private putAgent(def: AgentDefinition, live: LiveAgent | undefined): void {
    const state = live?.state === 'reserved' && !live.reservationLive ? 'ready' : (live?.state ?? 'logged_out');
    const old = this.engine.agent(def.id);
    this.engine.putAgent({ id: def.id, skills: def.skills, state, idleSinceMs: live?.sinceMs ?? 0, callsTaken: old?.callsTaken ?? 0 });
  }

  /** An agent's definition or live state changed somewhere: refresh and route. */
  async agentChanged(agentId: string): Promise<void> {
    await this.ready;
    if (this.stopped) return;
    // Signals of one agent (or queue) are read one after the other: two reads racing
    // could otherwise leave the older state in the engine (login read, then ready read,
    // login written last).
    if (agentId.startsWith('queue:')) {
      const id = agentId.slice(6);
      await this.serial(`signal:${agentId}`, async () => {
        const q = await this.core.queue(id);
        if (q) this.engine.putQueue(q);
        else this.engine.removeQueue(id);
      });
      return;
    }
    const known = await this.serial(`signal:${agentId}`, async () => {
      const def = await this.core.agent(agentId);
      if (!def) {
        this.engine.removeAgent(agentId);
        this.agentDefs.delete(agentId);
        return false;
      }
      this.agentDefs.set(agentId, def);
      const live = await this.core.agentsLive.get(agentId);
      this.putAgent(def, live);
      if (live?.state === 'wrap_up' && !this.timers.has(`wrap:${agentId}`)) this.scheduleWrapUp(agentId, live.sinceMs);
      return true;
    });
    if (!known || this.engine.agent(agentId)?.state !== 'ready') return;
    const call = this.engine.callFor(agentId, Date.now());
    if (call) await this.serial(call.callId, () => this.routeWaiting(call.callId));
  }

  // --- calls entering a queue

  private async fromIvr(h: IvrHandover): Promise<void | false> {
    const queueId = String(h.params.queue ?? '');
    const asked = typeof h.params.priority === 'number' ? h.params.priority : 0;
    const survey = typeof h.params.survey === 'string' ? h.params.survey : null;
    await this.ready;
    if (!(await this.knownQueue(queueId))) {
      this.log.warn({ callId: h.call.id, queueId }, 'IVR hand-over to a queue that does not exist: refused');
      return false;
    }
    // The flow may have set data (VIP, language) after the call object was read.
    const call = (await getCall(this.ctx.db, h.call.id)) ?? h.call;
    await this.enqueue(call, h.channelId, queueId, { asked, survey, overflowFrom: null });
  }

  /** The queue's definition; one created a moment ago may not have reached this instance's signal yet. */
  private async knownQueue(queueId: string): Promise<QueueDefinition | undefined> {
    const known = this.engine.queue(queueId);
    if (known) return known;
    const q = await this.core.queue(queueId);
    if (q) this.engine.putQueue(q);
    return q ?? undefined;
  }

  /** `inSerial`: already running in this call's serial chain (an overflow), so route directly. */
  async enqueue(call: Call, channelId: string, queueId: string, o: { asked: number; survey: string | null; overflowFrom: string | null; inSerial?: boolean }): Promise<void> {
    const queue = this.engine.queue(queueId);
    const clog = callLogger(this.log, call);
    if (!queue) {
      clog.error({ queueId }, 'queue does not exist; hanging up');
      await this.ctx.calls.hangupOwn(channelId).catch(() => {});
      return;
    }
    const now = Date.now();
    const entry: LiveWaitingCall = {
      callId: call.id,
      queueId,
      priority: entryPriority(queue, call.data, o.asked),
      enteredMs: now,
      skills: skillsFromData(call.data),
      pbxNode: this.ctx.pbxNode,
      channelId,
      bridgeId: `${HOLD_BRIDGE}${call.id}`,
      survey: o.survey,
      overflowFrom: o.overflowFrom,
      attempts: 0,
    };
    if (queue.maxLength !== null && this.engine.waitingIn(queueId).length >= queue.maxLength && queue.overflow) {
      await this.recordEntered(entry, call);
      await this.overflow(entry, queue, 'max_length');
      return;
    }
    this.callerChannels.set(channelId, call.id);
    try {
      await this.ctx.ari.bridges.create({ type: 'holding', bridgeId: entry.bridgeId!, name: `queue ${queueId}` });
      await this.ctx.ari.bridges.addChannel(entry.bridgeId!, channelId);
      await this.ctx.ari.bridges.startMoh(entry.bridgeId!, queue.musicOnHold);
    } catch (err) {
      clog.warn({ err: (err as Error).message }, 'could not put the caller on hold (caller gone?)');
    }
    if (call.state !== 'queued') await transitionCall(this.ctx.db, call.id, 'queued', { queueId }).catch(() => undefined);
    await this.core.queuesLive.put(entry);
    this.waiting.set(call.id, entry);
    this.engine.enqueue(entry);
    await this.recordEntered(entry, call);
    clog.info({ event: 'acd.queued', queueId, priority: entry.priority }, 'call queued');
    this.armCallTimers(entry, queue);
    if (o.inSerial) await this.routeWaiting(call.id);
    else await this.serial(call.id, () => this.routeWaiting(call.id));
  }

  private async recordEntered(entry: LiveWaitingCall, _call: Call): Promise<void> {
    const position = this.engine.position(entry.callId) ?? this.engine.waitingIn(entry.queueId).length + 1;
    await recordEntry(this.ctx.db, entry.callId, entry.queueId, entry.overflowFrom, {
      queue: { id: entry.queueId, priority: entry.priority, position, ...(entry.overflowFrom ? { overflowFrom: entry.overflowFrom } : {}) },
    });
  }

  private armCallTimers(entry: LiveWaitingCall, queue: QueueDefinition): void {
    const now = Date.now();
    if (queue.maxWaitSeconds !== null && queue.overflow) {
      const check = () =>
        this.serial(entry.callId, async () => {
          const e = this.waiting.get(entry.callId);
          if (!e) return;
          // Timers may fire a millisecond early by the wall clock: never overflow before the time.
          const left = entry.enteredMs + queue.maxWaitSeconds! * 1000 - Date.now();
          if (left > 0) this.timer(`maxwait:${entry.callId}`, left, check);
          // A phone is ringing for the call: give that offer its chance, then look again.
          else if (this.offering.has(entry.callId)) this.timer(`maxwait:${entry.callId}`, 1_000, check);
          else await this.overflow(e, queue, 'max_wait');
        });
      this.timer(`maxwait:${entry.callId}`, entry.enteredMs + queue.maxWaitSeconds * 1000 - now, check);
    }
    this.armWidening(entry, queue, now);
    if (queue.announceEverySeconds) this.armAnnouncement(entry, queue.announceEverySeconds);
    this.armRecheck(entry.callId);
  }

  /**
   * A backstop behind the events: every few seconds a waiting call is routed once more, so
   * a routing attempt that failed half-way (a Redis or PBX error) or an agent signal that
   * went missing delays the caller by seconds, never for good.
   */
  private armRecheck(callId: string): void {
    this.timer(`recheck:${callId}`, RECHECK_WAITING_MS, () =>
      this.serial(callId, async () => {
        if (!this.waiting.has(callId)) return;
        this.armRecheck(callId);
        await this.routeWaiting(callId);
      }),
    );
  }

  private armWidening(entry: LiveWaitingCall, queue: QueueDefinition, now: number): void {
    const at = nextWideningMs(queue, entry, now);
    if (at === null) return;
    this.timer(`widen:${entry.callId}`, at - now, () =>
      this.serial(entry.callId, async () => {
        if (!this.waiting.has(entry.callId)) return;
        await this.routeWaiting(entry.callId);
        this.armWidening(entry, queue, Date.now());
      }),
    );
  }

  private armAnnouncement(entry: LiveWaitingCall, everySeconds: number): void {
    let n = 0;
    const tick = () =>
      this.serial(entry.callId, async () => {
        if (!this.waiting.has(entry.callId)) return;
        // Nothing is said while a phone rings for the call; the next round will.
        const position = this.offering.has(entry.callId) ? undefined : this.engine.position(entry.callId);
        if (position !== undefined) {
          const media = ['sound:queue-thereare', `number:${position}`, 'sound:queue-callswaiting'];
          const minutes = this.expectedWaitMinutes(entry);
          if (minutes !== null && minutes > 0) media.push('sound:queue-holdtime', `number:${minutes}`, 'sound:queue-minutes');
          await this.ctx.ari.channels.play(entry.channelId, { media, playbackId: `acd-ann-${entry.callId}-${n++}` }).catch(() => undefined);
        }
        this.timer(`announce:${entry.callId}`, everySeconds * 1000, tick);
      });
    this.timer(`announce:${entry.callId}`, everySeconds * 1000, tick);
  }

  /** The caller's expected wait in whole minutes (null: nobody logged in can serve it). */
  private expectedWaitMinutes(entry: LiveWaitingCall): number | null {
    const queue = this.engine.queue(entry.queueId);
    const position = this.engine.position(entry.callId);
    if (!queue || position === undefined) return null;
    const required = requiredSkills(queue, entry, Date.now());
    let ready = 0;
    let busy = 0;
    for (const a of this.engine.allAgents()) {
      if (!qualifies(a.skills, required)) continue;
      if (a.state === 'ready') ready++;
      else if (a.state === 'reserved' || a.state === 'on_call' || a.state === 'wrap_up') busy++;
    }
    const seconds = expectedWaitSeconds(position, ready, busy);
    return seconds === null ? null : Math.ceil(seconds / 60);
  }

  // --- offers

  /** Offers the call to the best ready agent, trying the next one while offers fail at once. */
  private async routeWaiting(callId: string): Promise<void> {
    if (this.stopped) return;
    const entry = this.waiting.get(callId);
    if (!entry || this.offering.has(callId)) return;
    if (this.engine.queue(entry.queueId)?.strategy === 'ring_all') return this.ringAll(entry);
    for (let guard = 0; guard < 50; guard++) {
      const now = Date.now();
      const agent = this.engine.agentFor(entry, now, this.excluded(callId, now));
      if (!agent) return;
      const def = this.agentDefs.get(agent.id);
      if (!def) {
        this.engine.removeAgent(agent.id);
        continue;
      }
      const offerId = randomUUID();
      const ttl = def.ringSeconds * 1000 + RESERVATION_MARGIN_MS;
      const res = await this.core.agentsLive.reserve(agent.id, callId, offerId, ttl, now, '', { callId, queueId: entry.queueId });
      if (!res.ok) {
        // Someone else (another instance, the API) changed the agent first: learn and go on.
        if (res.reason === 'call_taken') return;
        const live = await this.core.agentsLive.get(agent.id);
        this.putAgent(def, live);
        if (this.engine.agent(agent.id)?.state === 'ready') this.engine.setAgentState(agent.id, 'reserved');
        continue;
      }
      this.engine.setAgentState(agent.id, 'reserved');
      await this.core.agents.announce(agent.id);
      await this.offer(entry, [{ def, offerId }], now, null);
      return;
    }
  }

  /** Ring-all: every qualifying ready agent rings at once; the first to answer takes the call. */
  private async ringAll(entry: LiveWaitingCall): Promise<void> {
    const now = Date.now();
    const groupId = randomUUID();
    const picks: Array<{ def: AgentDefinition; offerId: string }> = [];
    for (const agent of this.engine.offerOrder(entry, now, this.excluded(entry.callId, now))) {
      const def = this.agentDefs.get(agent.id);
      if (!def) continue;
      const offerId = randomUUID();
      const res = await this.core.agentsLive.reserve(agent.id, entry.callId, offerId, def.ringSeconds * 1000 + RESERVATION_MARGIN_MS, now, groupId, {
        callId: entry.callId,
        queueId: entry.queueId,
      });
      if (!res.ok) {
        if (res.reason === 'call_taken') break;
        this.putAgent(def, await this.core.agentsLive.get(agent.id));
        continue;
      }
      this.engine.setAgentState(agent.id, 'reserved');
      await this.core.agents.announce(agent.id);
      picks.push({ def, offerId });
    }
    if (picks.length === 0) {
      await this.core.agentsLive.releaseGroup(entry.callId, groupId);
      return;
    }
    await this.offer(entry, picks, now, groupId);
  }

  /** Rings the picked agents' phones (one, or all of a ring-all round). */
  private async offer(entry: LiveWaitingCall, picks: Array<{ def: AgentDefinition; offerId: string }>, now: number, groupId: string | null): Promise<void> {
    const call = await getCall(this.ctx.db, entry.callId);
    if (!call) return;
    entry.attempts++;
    const waitMs = now - entry.enteredMs;
    const legs = picks.map(({ def, offerId }): Leg => ({
      offerId,
      agentId: def.id,
      callId: entry.callId,
      channelId: `${AGENT_CHANNEL}${offerId}`,
      queueId: entry.queueId,
      reason: 'queue',
      answered: false,
      callerChannelId: entry.channelId,
      waitMs,
      survey: entry.survey,
      observed: false,
      groupId,
    }));
    this.offering.set(entry.callId, legs);
    for (const leg of legs) this.legs.set(leg.channelId, leg);
    this.engine.dequeue(entry.callId);
    for (const [i, leg] of legs.entries()) {
      const def = picks[i]!.def;
      this.engine.noteOffered(entry.queueId, def.id);
      await recordOffer(this.ctx.db, { ...leg, channelId: leg.channelId }, {
        call,
        extra: {
          offer: { id: leg.offerId, agentId: def.id, queueId: entry.queueId, attempt: entry.attempts, waitMs, reason: 'queue' },
          queue: { id: entry.queueId, position: 1 },
        },
      });
      callLogger(this.log, call).info({ event: 'acd.offered', agentId: def.id, attempt: entry.attempts }, 'offering the call');
      this.timer(`ring:${leg.offerId}`, def.ringSeconds * 1000, () => this.serial(entry.callId, () => this.offerFailed(leg, 'no_answer')));
    }
    for (const [i, leg] of legs.entries()) {
      const def = picks[i]!.def;
      try {
        await this.ctx.ari.channels.originate({
          endpoint: def.endpoint,
          channelId: leg.channelId,
          app: this.ctx.ari.app,
          appArgs: ['acd-agent', leg.offerId],
          callerId: call.callerNumber ?? undefined,
          timeout: def.ringSeconds,
          originator: entry.channelId,
        });
      } catch (err) {
        this.log.warn({ err: (err as Error).message, agentId: def.id }, 'offer could not be originated');
        await this.offerFailed(leg, 'failed');
      }
    }
  }

  /** Takes a leg out of its call's ringing round; true when it was in it. */
  private takeOut(leg: Leg): boolean {
    const round = this.offering.get(leg.callId);
    const i = round?.indexOf(leg) ?? -1;
    if (!round || i < 0) return false;
    round.splice(i, 1);
    if (round.length === 0) this.offering.delete(leg.callId);
    this.legs.delete(leg.channelId);
    this.clear(`ring:${leg.offerId}`);
    return true;
  }

  /** The offer ended without an answer: the agent is released (or paused), the call goes back. */
  private async offerFailed(leg: Leg, why: 'no_answer' | 'busy' | 'failed'): Promise<void> {
    if (leg.answered || !this.takeOut(leg)) return;
    await this.ctx.ari.channels.hangup(leg.channelId, { reason: 'normal' }).catch(() => false);
    await legEnded(this.ctx.db, leg.offerId, why);
    // No answer within the ring time: the agent is away (RONA). A busy or unreachable
    // phone fails at once: the agent stays ready and this call tries someone else.
    const cmd = why === 'no_answer' ? ({ type: 'no_answer' } as const) : ({ type: 'release' } as const);
    const res = await this.core.agents.change(leg.agentId, cmd, { offerId: leg.offerId, callId: leg.callId, queueId: leg.queueId });
    const live = await this.core.agentsLive.get(leg.agentId);
    const def = this.agentDefs.get(leg.agentId);
    if (def) this.putAgent(def, live);
    if (why !== 'no_answer') {
      // Like Asterisk's queue retry: that phone is left alone for this call for a while,
      // then the call tries everyone again.
      const until = Date.now() + RETRY_FAILED_PHONE_MS;
      const map = this.tried.get(leg.callId) ?? new Map<string, number>();
      map.set(leg.agentId, until);
      this.tried.set(leg.callId, map);
      this.timer(`retry:${leg.callId}`, RETRY_FAILED_PHONE_MS, () => this.serial(leg.callId, () => this.routeWaiting(leg.callId)));
    }
    if (!res.ok) this.log.debug({ agentId: leg.agentId, detail: res.detail }, 'agent had moved on already');
    const entry = this.waiting.get(leg.callId);
    // A ring-all round goes on while any of its phones still rings.
    if (this.offering.has(leg.callId)) return;
    if (leg.groupId) await this.core.agentsLive.releaseGroup(leg.callId, leg.groupId);
    if (entry) {
      this.engine.enqueue(entry); // same priority and arrival: back at the head
      await this.routeWaiting(leg.callId);
    }
    // The agent may be free again (busy phone): give them the next call.
    if (live?.state === 'ready') void this.agentChanged(leg.agentId);
  }

  private async answered(leg: Leg): Promise<void> {
    this.clear(`ring:${leg.offerId}`);
    if (!this.offering.get(leg.callId)?.includes(leg)) {
      await this.ctx.ari.channels.hangup(leg.channelId, { reason: 'normal' }).catch(() => false);
      return;
    }
    const res = await this.core.agents.change(leg.agentId, { type: 'answer' }, { offerId: leg.offerId, callId: leg.callId, queueId: leg.queueId });
    if (!res.ok) {
      // The reservation lapsed (this instance stalled): the agent was released meanwhile.
      this.log.warn({ agentId: leg.agentId, detail: res.detail }, 'answer after the reservation ended; dropping the agent leg');
      await this.offerFailed(leg, 'failed');
      return;
    }
    leg.answered = true;
    this.takeOut(leg);
    this.legs.set(leg.channelId, leg);
    // Ring-all: the others stop ringing and are free again.
    for (const other of [...(this.offering.get(leg.callId) ?? [])]) await this.cancelLeg(other, 'answered_elsewhere');
    if (leg.groupId) await this.core.agentsLive.releaseGroup(leg.callId, leg.groupId);
    const entry = this.waiting.get(leg.callId);
    this.waiting.delete(leg.callId);
    this.tried.delete(leg.callId);
    for (const k of ['maxwait', 'widen', 'announce', 'retry', 'recheck']) this.clear(`${k}:${leg.callId}`);
    this.connected.set(leg.callId, leg);
    const agent = this.engine.agent(leg.agentId);
    if (agent) this.engine.putAgent({ ...agent, state: 'on_call', callsTaken: agent.callsTaken + 1 });
    const mix = `${MIX_BRIDGE}${leg.callId}`;
    try {
      await this.ctx.ari.bridges.create({ type: 'mixing', bridgeId: mix, name: `call ${leg.callId}` });
      if (entry?.bridgeId) await this.ctx.ari.bridges.destroy(entry.bridgeId).catch(() => false);
      await this.ctx.ari.bridges.addChannel(mix, [leg.callerChannelId!, leg.channelId]);
    } catch (err) {
      this.log.warn({ err: (err as Error).message, callId: leg.callId }, 'could not bridge caller and agent');
    }
    if (entry) await this.core.queuesLive.remove(entry.queueId, leg.callId);
    await legAnswered(this.ctx.db, leg.offerId);
    await transitionCall(this.ctx.db, leg.callId, 'connected', { agentId: leg.agentId, queueId: leg.queueId }).catch(() => undefined);
    await recordOutcome(
      this.ctx.db,
      { callId: leg.callId, queueId: leg.queueId!, outcome: 'answered', waitMs: leg.waitMs, enteredMs: entry?.enteredMs ?? Date.now() - leg.waitMs },
      { type: 'call.connected', extra: { agent: { id: leg.agentId }, queueId: leg.queueId, waitMs: leg.waitMs } },
    );
  }

  /** The agent's leg of a connected call hung up: wrap-up; the caller goes to the survey or is hung up. */
  private async agentLegEnded(leg: Leg): Promise<void> {
    if (this.legs.get(leg.channelId) !== leg) return;
    this.legs.delete(leg.channelId);
    this.connected.delete(leg.callId);
    if (leg.callerChannelId) this.callerChannels.delete(leg.callerChannelId);
    await legEnded(this.ctx.db, leg.offerId, 'completed');
    const res = await this.core.agents.change(leg.agentId, { type: 'hangup' }, { callId: leg.callId, queueId: leg.queueId });
    if (res.ok) {
      const agent = this.engine.agent(leg.agentId);
      if (agent) this.engine.putAgent({ ...agent, state: 'wrap_up' });
      this.scheduleWrapUp(leg.agentId, Date.now());
    }
    await this.ctx.ari.bridges.destroy(`${MIX_BRIDGE}${leg.callId}`).catch(() => false);
    if (!leg.callerChannelId || leg.observed) return;
    const surveyed = leg.survey ? await this.ctx.ivr.startSurvey(leg.callerChannelId, leg.survey).catch(() => false) : false;
    if (!surveyed) await this.ctx.calls.hangupOwn(leg.callerChannelId).catch(() => undefined);
  }

  private scheduleWrapUp(agentId: string, sinceMs: number): void {
    const seconds = this.agentDefs.get(agentId)?.wrapUpSeconds ?? 0;
    this.timer(`wrap:${agentId}`, sinceMs + seconds * 1000 - Date.now(), async () => {
      const res = await this.core.agents.change(agentId, { type: 'wrap_up_done' });
      if (res.ok) await this.agentChanged(agentId);
    });
  }

  // --- callers leaving

  private async callerGone(callId: string): Promise<void> {
    const entry = this.waiting.get(callId);
    const connected = this.connected.get(callId);
    if (connected) {
      // The agent's hang-up then runs the wrap-up.
      await this.ctx.ari.channels.hangup(connected.channelId, { reason: 'normal' }).catch(() => false);
      return;
    }
    if (!entry) return;
    const queue = this.engine.queue(entry.queueId);
    const position = this.engine.position(callId) ?? 1;
    this.forgetWaiting(entry);
    for (const leg of [...(this.offering.get(callId) ?? [])]) await this.cancelLeg(leg, 'abandoned');
    await this.ctx.ari.bridges.destroy(entry.bridgeId!).catch(() => false);
    await this.core.queuesLive.remove(entry.queueId, callId);
    const waitMs = Date.now() - entry.enteredMs;
    const short = waitMs < (queue?.shortAbandonSeconds ?? 0) * 1000;
    await recordOutcome(
      this.ctx.db,
      { callId, queueId: entry.queueId, outcome: 'abandoned', waitMs, short, enteredMs: entry.enteredMs },
      { type: 'call.abandoned', extra: { queue: { id: entry.queueId, position }, waitMs, short } },
    );
  }

  /** Stops a ringing leg the call no longer needs; its agent is free again. */
  private async cancelLeg(leg: Leg, outcome: string): Promise<void> {
    if (!this.takeOut(leg)) return;
    await this.ctx.ari.channels.hangup(leg.channelId, { reason: 'normal' }).catch(() => false);
    await legEnded(this.ctx.db, leg.offerId, outcome);
    await this.core.agents.change(leg.agentId, { type: 'release' }, { offerId: leg.offerId, callId: leg.callId, queueId: leg.queueId });
    void this.agentChanged(leg.agentId);
  }

  private forgetWaiting(entry: LiveWaitingCall): void {
    this.waiting.delete(entry.callId);
    this.engine.dequeue(entry.callId);
    this.tried.delete(entry.callId);
    this.callerChannels.delete(entry.channelId);
    for (const k of ['maxwait', 'widen', 'announce', 'retry', 'recheck']) this.clear(`${k}:${entry.callId}`);
  }

  private async overflow(entry: LiveWaitingCall, queue: QueueDefinition, why: 'max_wait' | 'max_length'): Promise<void> {
    const to = queue.overflow!;
    const waitMs = Date.now() - entry.enteredMs;
    this.forgetWaiting(entry);
    await this.core.queuesLive.remove(entry.queueId, entry.callId);
    await this.ctx.ari.bridges.destroy(entry.bridgeId!).catch(() => false);
    await recordOutcome(
      this.ctx.db,
      { callId: entry.callId, queueId: entry.queueId, outcome: 'overflowed', waitMs, enteredMs: entry.enteredMs },
      { type: 'call.overflowed', extra: { queue: { id: entry.queueId }, waitMs, to, reason: why } },
    );
    const call = await getCall(this.ctx.db, entry.callId);
    if (!call) return;
    await noteCallEvent(this.ctx.db, call.id, 'acd.overflowed', { from: entry.queueId, to, reason: why });
    if (to.type === 'queue') {
      await this.enqueue(call, entry.channelId, to.id, { asked: 0, survey: entry.survey, overflowFrom: entry.queueId, inSerial: true });
      return;
    }
    // The holding bridge is gone, so the caller is answered and out of any bridge: what
    // voicemail and a flow need. A target that fails (mailbox or flow deleted since the
    // queue was saved) hangs up rather than leaving the caller in silence.
    const clog = callLogger(this.log, call);
    try {
      if (to.type === 'voicemail') {
        await sendToVoicemail(this.ctx.pbxNode, { call, channelId: entry.channelId, node: `acd-overflow:${entry.queueId}`, params: { mailbox: to.id } });
        return;
      }
      if (await this.ctx.ivr.startFlow(call, to.id)) return;
      clog.warn({ flowId: to.id }, 'overflow flow is not published; hanging up');
    } catch (err) {
      clog.warn({ err: (err as Error).message, to }, 'overflow target failed; hanging up');
    }
    await this.ctx.calls.hangupOwn(entry.channelId).catch(() => undefined);
  }

  // --- ARI events

  async route(event: AriEvent): Promise<boolean> {
    return this.onEvent(event);
  }

  private async onEvent(event: AriEvent): Promise<boolean> {
    await this.ready;
    const e = event as { type: string; channel?: { id: string; state?: string }; args?: string[]; cause?: number; playback?: { id: string } };
    if (e.type === 'PlaybackFinished' || e.type === 'PlaybackStarted' || e.type === 'PlaybackContinuing') return !!e.playback?.id.startsWith('acd-');
    const channelId = e.channel?.id;
    if (!channelId) return false;
    const leg = this.legs.get(channelId);
    if (!leg && e.type === 'StasisStart' && e.args?.[0] === 'acd-agent') {
      // An offer we no longer make (timed out, caller gone) answered late: let it go.
      await this.ctx.ari.channels.hangup(channelId, { reason: 'normal' }).catch(() => false);
      return true;
    }
    if (leg) {
      const answeredNow = (e.type === 'StasisStart' && e.args?.[0] === 'acd-agent') || (leg.observed && e.type === 'ChannelStateChange' && e.channel?.state === 'Up');
      const gone = e.type === 'ChannelDestroyed' || e.type === 'StasisEnd' || e.type === 'ChannelHangupRequest';
      if (leg.observed) {
        if (answeredNow && !leg.answered) await this.core.desk.observedAnswer(leg.agentId, leg.callId, leg.offerId);
        if (answeredNow) leg.answered = true;
        if (gone) await this.observedGone(leg);
        return false;
      }
      await this.serial(leg.callId, async () => {
        if (answeredNow && !leg.answered) await this.answered(leg);
        else if (gone && leg.answered && this.legs.has(channelId)) await this.agentLegEnded(leg);
        else if (gone && !leg.answered) await this.offerFailed(leg, e.cause === 17 ? 'busy' : e.cause === 19 ? 'no_answer' : 'failed');
      });
      return true;
    }
    const callId = this.callerChannels.get(channelId);
    if (callId && (e.type === 'ChannelHangupRequest' || e.type === 'StasisEnd' || e.type === 'ChannelDestroyed')) {
      await this.serial(callId, () => this.callerGone(callId));
    }
    // The caller's own events go on to the call handler (the call ends with its CDR).
    return false;
  }

  /** A followed leg ended: wrap-up after a talk, the reservation released otherwise. */
  private async observedGone(leg: Leg): Promise<void> {
    if (this.legs.get(leg.channelId) === leg) this.legs.delete(leg.channelId);
    await this.core.desk.observedHangup(leg.agentId, leg.callId, leg.offerId, leg.answered);
    if (leg.answered) this.scheduleWrapUp(leg.agentId, Date.now());
  }

  /** Call control's leg to a directly reserved agent: observe it from now on. */
  observe(l: { offerId: string; agentId: string; callId: string; channelId: string }): void {
    this.legs.set(l.channelId, { ...l, queueId: null, reason: 'transfer', answered: false, callerChannelId: null, waitMs: 0, survey: null, observed: true });
  }

  /**
   * Call control takes this connected queue call over (a hold or a transfer): the agent's
   * leg is only followed from now on (hang-up: wrap-up), and neither side's hang-up ends
   * the other here any more; call control and the inbound handler end the call.
   */
  handOver(callId: string): { agentId: string; channelId: string; bridgeId: string } | undefined {
    const leg = this.connected.get(callId);
    if (!leg || !this.legs.has(leg.channelId)) return undefined;
    this.connected.delete(callId);
    if (leg.callerChannelId) this.callerChannels.delete(leg.callerChannelId);
    leg.observed = true;
    return { agentId: leg.agentId, channelId: leg.channelId, bridgeId: `${MIX_BRIDGE}${callId}` };
  }

  // --- takeover

  async resync(snapshot: ResyncSnapshot): Promise<void> {
    await this.ready;
    const alive = new Map(snapshot.channels.map((c) => [c.id, c]));
    const bridges = new Map(snapshot.bridges.map((b) => [b.id, b]));
    // Agent legs the previous owner left: connected ones are followed again, ringing ones end.
    for (const l of await allOpenLegs(this.ctx.db)) {
      if (!l.channelId || this.legs.has(l.channelId)) continue;
      const channel = alive.get(l.channelId);
      if (l.reason !== 'queue' || (await underCallControl(this.ctx.db, l.callId, l.channelId))) {
        // Legs call control drives (a transfer's target, a call handed over): followed again.
        const leg: Leg = { ...l, channelId: l.channelId, callerChannelId: null, waitMs: 0, survey: null, observed: true };
        if (channel && (await this.channelExists(l.channelId))) this.legs.set(l.channelId, leg);
        else await this.observedGone(leg);
        continue;
      }
      if (l.answered && channel) {
        const callerChannel = (await getCall(this.ctx.db, l.callId))?.channelId ?? null;
        const leg: Leg = { ...l, channelId: l.channelId, answered: true, callerChannelId: callerChannel, waitMs: 0, survey: null, observed: false };
        this.legs.set(l.channelId, leg);
        this.connected.set(l.callId, leg);
        if (callerChannel) this.callerChannels.set(callerChannel, l.callId);
        if (callerChannel && !alive.has(callerChannel)) await this.callerGone(l.callId);
        // Events between the snapshot and now reached nobody: ask the PBX once more.
        if (!(await this.channelExists(l.channelId))) await this.serial(l.callId, () => this.agentLegEnded(leg));
        else if (callerChannel && !(await this.channelExists(callerChannel))) await this.serial(l.callId, () => this.callerGone(l.callId));
        continue;
      }
      if (channel) await this.ctx.ari.channels.hangup(l.channelId, { reason: 'normal' }).catch(() => false);
      if (l.answered) {
        // The agent left while nobody owned the node: the caller is alone in the bridge.
        const caller = (await getCall(this.ctx.db, l.callId))?.channelId;
        if (caller && alive.has(caller)) await this.ctx.calls.hangupOwn(caller).catch(() => undefined);
        await this.ctx.ari.bridges.destroy(`${MIX_BRIDGE}${l.callId}`).catch(() => false);
      }
      await legEnded(this.ctx.db, l.offerId, l.answered ? 'completed' : 'takeover');
      const cmd = l.answered ? ({ type: 'hangup' } as const) : ({ type: 'release' } as const);
      const res = await this.core.agents.change(l.agentId, cmd, { callId: l.callId, queueId: l.queueId });
      if (!res.ok && !l.answered && typeof (await this.core.agentsLive.sweep(l.agentId, Date.now())) === 'object') await this.core.agents.announce(l.agentId);
    }
    // Waiting callers: back on hold and in the engine; gone ones abandoned.
    for (const entry of await this.core.queuesLive.all()) {
      if (entry.pbxNode !== this.ctx.pbxNode || this.waiting.has(entry.callId)) continue;
      if (!this.engine.queue(entry.queueId)) {
        // The queue was deleted while nobody owned the node: nobody can serve this caller.
        this.log.warn({ callId: entry.callId, queueId: entry.queueId }, 'waiting call of a queue that no longer exists; hanging up');
        await this.core.queuesLive.remove(entry.queueId, entry.callId);
        if (alive.has(entry.channelId)) await this.ctx.calls.hangupOwn(entry.channelId).catch(() => undefined);
        continue;
      }
      if (!alive.has(entry.channelId)) {
        this.waiting.set(entry.callId, entry);
        this.engine.enqueue(entry);
        await this.callerGone(entry.callId);
        continue;
      }
      this.callerChannels.set(entry.channelId, entry.callId);
      if (!bridges.has(entry.bridgeId!)) {
        await this.ctx.ari.bridges.create({ type: 'holding', bridgeId: entry.bridgeId!, name: `queue ${entry.queueId}` }).catch(() => undefined);
        await this.ctx.ari.bridges.addChannel(entry.bridgeId!, entry.channelId).catch(() => undefined);
      }
      const queue = this.engine.queue(entry.queueId);
      this.waiting.set(entry.callId, entry);
      this.engine.enqueue(entry);
      if (queue) {
        await this.ctx.ari.bridges.startMoh(entry.bridgeId!, queue.musicOnHold).catch(() => undefined);
        this.armCallTimers(entry, queue);
      }
      if (!(await this.channelExists(entry.channelId))) await this.serial(entry.callId, () => this.callerGone(entry.callId));
    }
    // Agents: lapsed reservations swept, wrap-ups re-armed, everyone re-read.
    for (const def of this.agentDefs.values()) {
      const swept = await this.core.agentsLive.sweep(def.id, Date.now());
      if (typeof swept === 'object') await this.core.agents.announce(def.id);
      const live = await this.core.agentsLive.get(def.id);
      this.putAgent(def, live);
      if (live?.state === 'wrap_up') this.scheduleWrapUp(def.id, live.sinceMs);
    }
    for (const callId of [...this.waiting.keys()]) await this.serial(callId, () => this.routeWaiting(callId));
  }

  stop(): void {
    this.stopped = true;
    this.timers.stop();
    this.core.detach(this);
  }

  // --- helpers

  /** False only when the PBX says the channel does not exist. */
  private async channelExists(channelId: string): Promise<boolean> {
    try {
      await this.ctx.ari.channels.get(channelId);
      return true;
    } catch (err) {
      return !(err instanceof AriHttpError && err.status === 404);
    }
  }

  private excluded(callId: string, now: number): Set<string> | undefined {
    const map = this.tried.get(callId);
    if (!map) return undefined;
    const out = new Set<string>();
    for (const [agentId, until] of map) {
      if (until > now) out.add(agentId);
      else map.delete(agentId);
    }
    return out;
  }

  private timer(key: string, ms: number, fn: () => unknown): void {
    this.timers.set(key, ms, fn);
  }

  private clear(key: string): void {
    this.timers.clear(key);
  }

  private serial<T>(key: string, fn: () => Promise<T>): Promise<T> {
    return this.chains.run(key, fn);
  }
}

/** Call control took this agent leg's call over (it keeps the leg in the call's legs). */
async function underCallControl(db: Queryable, callId: string, channelId: string): Promise<boolean> {
  const { rows } = await db.query("SELECT 1 FROM call_legs WHERE call_id = $1 AND channel_id = $2 AND role = 'agent'", [callId, channelId]);
  return rows.length > 0;
}
