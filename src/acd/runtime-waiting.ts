// Callers waiting in a queue: the holding bridge with music, position and expected-wait
// announcements, skill widening, max wait / max length overflow, and callers who hang up.
import { getCall, noteCallEvent, type Call } from '../calls/repository.js';
import type { IvrHandover } from '../ivr/ivr-calls.js';
import { callLogger, type Logger } from '../log.js';
import { sendToVoicemail } from '../voicemail/capability.js';
import type { OverflowTarget, QueueDefinition } from './model.js';
import { expectedWaitSeconds } from './kpi.js';
import { entryPriority, frontPriority, nextWideningMs, qualifies, requiredSkills, skillsFromData } from './priority.js';
import type { LiveWaitingCall } from './queue-live.js';
import { recordEntry, recordOutcome } from './records.js';
import { type Leg, HOLD_BRIDGE, RECHECK_WAITING_MS } from './runtime-state.js';
import { AcdRuntimeState } from './runtime-state.js';
import { together } from './together.js';

export abstract class AcdWaiting extends AcdRuntimeState {
  /** Stops a ringing leg the call no longer needs; its agent is free again. */
  protected abstract cancelLeg(leg: Leg, outcome: string): Promise<void>;

  protected async fromIvr(h: IvrHandover): Promise<void | false> {
    const queueId = String(h.params.queue ?? '');
    const asked = typeof h.params.priority === 'number' ? h.params.priority : 0;
    const survey = typeof h.params.survey === 'string' ? h.params.survey : null;
    await this.ready;
    if (!(await this.knownQueue(queueId))) {
      this.log.warn({ callId: h.call.id, queueId }, 'IVR hand-over to a queue that does not exist: refused');
      return false;
    }
    // The flow may have set data (VIP, language) after the call object was read. The
    // caller's holding bridge depends on none of it: it is made meanwhile.
    const holdBridge = this.createHold(h.call.id, queueId);
    const call = (await getCall(this.ctx.db, h.call.id)) ?? h.call;
    await this.enqueue(call, h.channelId, queueId, { asked, survey, overflowFrom: null, holdBridge });
  }

  /** The queue's definition; one created a moment ago may not have reached this instance's signal yet. */
  protected async knownQueue(queueId: string): Promise<QueueDefinition | undefined> {
    const known = this.engine.queue(queueId);
    if (known) return known;
    const q = await this.core.queue(queueId);
    if (q) this.engine.putQueue(q);
    return q ?? undefined;
  }

  /**
   * `inSerial`: already running in this call's serial chain (an overflow), so route directly.
   * `front`: a caller given back (their transfer failed) goes ahead of everyone waiting, even in a full queue.
   * `holdBridge`: the caller's holding bridge already being made (createHold).
   */
  async enqueue(
    call: Call,
    channelId: string,
    queueId: string,
    o: { asked: number; survey: string | null; overflowFrom: string | null; inSerial?: boolean; front?: boolean; holdBridge?: Promise<Error | undefined> },
  ): Promise<void> {
    const queue = this.engine.queue(queueId);
    const clog = callLogger(this.log, call);
    if (!queue) {
      clog.error({ queueId }, 'queue does not exist; hanging up');
      if (o.holdBridge && !(await o.holdBridge)) await this.ctx.ari.bridges.destroy(`${HOLD_BRIDGE}${call.id}`).catch(() => false);
      await this.ctx.calls.hangupOwn(channelId).catch(() => {});
      return;
    }
    const now = Date.now();
    const priority = entryPriority(queue, call.data, o.asked);
    const entry: LiveWaitingCall = {
      callId: call.id,
      queueId,
      priority: o.front ? frontPriority(queue, this.engine.waitingIn(queueId), now, priority) : priority,
      enteredMs: now,
      skills: skillsFromData(call.data),
      pbxNode: this.ctx.pbxNode,
      channelId,
      bridgeId: `${HOLD_BRIDGE}${call.id}`,
      survey: o.survey,
      overflowFrom: o.overflowFrom,
      attempts: 0,
    };
    if (!o.front && queue.maxLength !== null && this.engine.waitingIn(queueId).length >= queue.maxLength && queue.overflow) {
      // The bridge being made is destroyed with the entry's: made first, so none is left behind.
      await Promise.all([this.recordEntered(entry, call), o.holdBridge]);
      await this.overflow(entry, queue.overflow, 'max_length');
      return;
    }
    this.callerChannels.set(channelId, call.id);
    this.waiting.set(call.id, entry);
    this.engine.enqueue(entry);
    // The hold, the live entry and the entry's transaction (the move to queued with the
    // entry and its call.queued) go out together. The commit waits for the other two, as
    // when they ran one after the other: a call queued in Postgres is always one a next
    // owner finds (listed in Redis, or in its holding bridge). The call is routed after all.
    const findable = together(this.holdCaller(entry, queue.musicOnHold, clog, o.holdBridge), this.putLive(entry));
    await together(findable, this.recordEntered(entry, call, call.state !== 'queued' ? { queueId } : undefined, findable));
    clog.info({ event: 'acd.queued', queueId, priority: entry.priority }, 'call queued');
    this.armCallTimers(entry, queue);
    if (o.inSerial) await this.routeHeld(call.id);
    else await this.serial(call.id, () => this.routeHeld(call.id));
  }

  /** Makes a call's holding bridge; never rejects: the failure, if any, is the answer. */
  private createHold(callId: string, queueId: string): Promise<Error | undefined> {
    return this.ctx.ari.bridges.create({ type: 'holding', bridgeId: `${HOLD_BRIDGE}${callId}`, name: `queue ${queueId}` }).then(
      () => undefined,
      (err: Error) => err,
    );
  }

  /** The caller into a holding bridge of their own (made here, or `made` already) with the queue's music. */
  private async holdCaller(entry: LiveWaitingCall, musicOnHold: string, clog: Logger, made?: Promise<Error | undefined>): Promise<void> {
    try {
      const failed = await (made ?? this.createHold(entry.callId, entry.queueId));
      if (failed) throw failed;
      // Music on an empty holding bridge reaches whoever enters it: the order of the two does not matter.
      await together(this.ctx.ari.bridges.addChannel(entry.bridgeId!, entry.channelId), this.ctx.ari.bridges.startMoh(entry.bridgeId!, musicOnHold));
    } catch (err) {
      clog.warn({ err: (err as Error).message }, 'could not put the caller on hold (caller gone?)');
    }
  }

  /** The waiting call into Redis (the next owner's picture); while Redis is away, once it answers. */
  protected putLive(entry: LiveWaitingCall): Promise<void> {
    return this.core.eventually.run(`waiting call ${entry.callId}`, async () => {
      if (!this.stopped && this.waiting.get(entry.callId) === entry) await this.core.queuesLive.put(entry);
    });
  }

  /** The call left the queue: its Redis entry goes, now or once Redis answers. */
  protected removeLive(queueId: string, callId: string): Promise<void> {
    return this.core.eventually.run(`waiting call ${callId}`, () => this.core.queuesLive.remove(queueId, callId));
  }

  protected async recordEntered(entry: LiveWaitingCall, _call: Call, toQueued?: Record<string, unknown>, findable?: Promise<unknown>): Promise<void> {
    const position = this.engine.position(entry.callId) ?? this.engine.waitingIn(entry.queueId).length + 1;
    await recordEntry(
      this.ctx.db,
      entry.callId,
      entry.queueId,
      entry.overflowFrom,
      { queue: { id: entry.queueId, priority: entry.priority, position, ...(entry.overflowFrom ? { overflowFrom: entry.overflowFrom } : {}) } },
      toQueued,
      findable,
    );
  }

  protected armCallTimers(entry: LiveWaitingCall, queue: QueueDefinition): void {
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
          else await this.overflow(e, queue.overflow!, 'max_wait');
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
  protected armRecheck(callId: string): void {
    this.timer(`recheck:${callId}`, RECHECK_WAITING_MS, () =>
      this.serial(callId, async () => {
        if (!this.waiting.has(callId)) return;
        this.armRecheck(callId);
        await this.routeHeld(callId);
      }),
    );
  }

  protected armWidening(entry: LiveWaitingCall, queue: QueueDefinition, now: number): void {
    const at = nextWideningMs(queue, entry, now);
    if (at === null) return;
    this.timer(`widen:${entry.callId}`, at - now, () =>
      this.serial(entry.callId, async () => {
        if (!this.waiting.has(entry.callId)) return;
        await this.routeHeld(entry.callId);
        this.armWidening(entry, queue, Date.now());
      }),
    );
  }

  protected armAnnouncement(entry: LiveWaitingCall, everySeconds: number): void {
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
  protected expectedWaitMinutes(entry: LiveWaitingCall): number | null {
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

  /** `hungUp`: the caller's channel is hanging up (not only out of our app): nothing of theirs is left to end. */
  protected async callerGone(callId: string, hungUp = false): Promise<void> {
    const entry = this.waiting.get(callId);
    const connected = this.connected.get(callId);
    if (connected) {
      // The agent's hang-up then runs the wrap-up.
      if (hungUp) connected.callerLeft = true;
      await this.ctx.ari.channels.hangup(connected.channelId, { reason: 'normal' }).catch(() => false);
      return;
    }
    if (!entry) return;
    const queue = this.engine.queue(entry.queueId);
    const position = this.engine.position(callId) ?? 1;
    this.forgetWaiting(entry);
    for (const leg of [...(this.offering.get(callId) ?? [])]) await this.cancelLeg(leg, 'abandoned');
    await this.ctx.ari.bridges.destroy(entry.bridgeId!).catch(() => false);
    const waitMs = Date.now() - entry.enteredMs;
    const short = waitMs < (queue?.shortAbandonSeconds ?? 0) * 1000;
    await recordOutcome(
      this.ctx.db,
      { callId, queueId: entry.queueId, outcome: 'abandoned', waitMs, short, enteredMs: entry.enteredMs },
      { type: 'call.abandoned', extra: { queue: { id: entry.queueId, position }, waitMs, short } },
    );
    await this.removeLive(entry.queueId, callId);
  }

  protected forgetWaiting(entry: LiveWaitingCall): void {
    this.waiting.delete(entry.callId);
    this.engine.dequeue(entry.callId);
    this.tried.delete(entry.callId);
    this.callerChannels.delete(entry.channelId);
    for (const k of ['maxwait', 'widen', 'announce', 'retry', 'recheck']) this.clear(`${k}:${entry.callId}`);
  }

  /**
   * A waiting caller pressed a key: where the queue says so they leave for that key's
   * target (a phone ringing for them stops), like app_queue's exit context; other keys,
   * and keys of a caller already talking to an agent, do nothing.
   */
  protected async digitPressed(callId: string, digit: string): Promise<void> {
    const entry = this.waiting.get(callId);
    const to = entry ? this.engine.queue(entry.queueId)?.digitActions?.[digit] : undefined;
    if (!entry || !to) return;
    for (const leg of [...(this.offering.get(callId) ?? [])]) await this.cancelLeg(leg, 'caller_left');
    await this.overflow(entry, to, 'digit', digit);
  }

  /** The caller leaves the queue for `to`: max wait or length reached, or a key they pressed. */
  protected async overflow(entry: LiveWaitingCall, to: OverflowTarget, why: 'max_wait' | 'max_length' | 'digit', digit?: string): Promise<void> {
    const waitMs = Date.now() - entry.enteredMs;
    this.forgetWaiting(entry);
    await this.removeLive(entry.queueId, entry.callId);
    await this.ctx.ari.bridges.destroy(entry.bridgeId!).catch(() => false);
    await recordOutcome(
      this.ctx.db,
      { callId: entry.callId, queueId: entry.queueId, outcome: 'overflowed', waitMs, enteredMs: entry.enteredMs },
      { type: 'call.overflowed', extra: { queue: { id: entry.queueId }, waitMs, to, reason: why, ...(digit ? { digit } : {}) } },
    );
    const call = await getCall(this.ctx.db, entry.callId);
    if (!call) return;
    await noteCallEvent(this.ctx.db, call.id, 'acd.overflowed', { from: entry.queueId, to, reason: why, ...(digit ? { digit } : {}) });
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
}
