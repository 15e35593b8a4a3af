// Offers: ringing agents' phones (one agent, or all of a ring-all round), the answer that
// bridges caller and agent, no answer (RONA) or a failed phone, and the agent's leg ending.
import { randomUUID } from 'node:crypto';
import { AriHttpError } from '../ari/errors.js';
import { getCall } from '../calls/repository.js';
import { callLogger } from '../log.js';
import type { AgentDefinition } from './model.js';
import type { LiveWaitingCall } from './queue-live.js';
import { legEnded, recordAnswer, recordOffer } from './records.js';
import { type Leg, AGENT_CHANNEL, MIX_BRIDGE, RETRY_FAILED_PHONE_MS, RESERVATION_MARGIN_MS, mixingBridgeOf } from './runtime-state.js';
import { together } from './together.js';
import { AcdWaiting } from './runtime-waiting.js';

/** Why an offer ended without an answer; see offerFailed. */
export type OfferFailure = 'no_answer' | 'busy' | 'unreachable' | 'failed';

/** Q.850 causes of a phone that cannot be reached: subscriber absent, out of order, no route. */
const UNREACHABLE_CAUSES = new Set([3, 20, 27]);

/** What a failed offer's hang-up cause says about the phone. */
export function offerFailureOf(cause: number | undefined): OfferFailure {
  if (cause === 17) return 'busy';
  if (cause === 19) return 'no_answer';
  return cause !== undefined && UNREACHABLE_CAUSES.has(cause) ? 'unreachable' : 'failed';
}

export abstract class AcdOffers extends AcdWaiting {
  /** Offers the call to the best ready agent, trying the next one while offers fail at once. */
  protected override async routeWaiting(callId: string): Promise<void> {
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
      await this.offer(entry, [{ def, offerId }], now, null, this.core.agents.announce(agent.id));
      return;
    }
  }

  /** Ring-all: every qualifying ready agent rings at once; the first to answer takes the call. */
  protected async ringAll(entry: LiveWaitingCall): Promise<void> {
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

  /**
   * Rings the picked agents' phones (one, or all of a ring-all round). `announced`: the
   * reservation's journal still under way; the call is read meanwhile, and the offer is
   * written after it, in the journal's order as before.
   */
  protected async offer(
    entry: LiveWaitingCall,
    picks: Array<{ def: AgentDefinition; offerId: string }>,
    now: number,
    groupId: string | null,
    announced?: Promise<void>,
  ): Promise<void> {
    const [call] = await Promise.all([getCall(this.ctx.db, entry.callId), announced]);
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
        // Asterisk refuses the channel outright ("Allocation failed") when the endpoint has
        // no reachable contact (qualify says Unavailable) or does not exist.
        await this.offerFailed(leg, err instanceof AriHttpError && err.status === 500 ? 'unreachable' : 'failed');
      }
    }
  }

  /** Takes a leg out of its call's ringing round; true when it was in it. */
  protected takeOut(leg: Leg): boolean {
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
  protected async offerFailed(leg: Leg, why: OfferFailure): Promise<void> {
    if (leg.answered || !this.takeOut(leg)) return;
    await this.ctx.ari.channels.hangup(leg.channelId, { reason: 'normal' }).catch(() => false);
    await legEnded(this.ctx.db, leg.offerId, why);
    // No answer within the ring time: the agent is away (RONA). An unreachable phone
    // (unplugged, not registered) cannot take any call: the agent is not ready until they
    // say otherwise, which supervisors see. A busy phone or another failure: the agent
    // stays ready and this call tries someone else.
    const cmd = why === 'no_answer' || why === 'unreachable' ? ({ type: why } as const) : ({ type: 'release' } as const);
    // While Redis is away the change is held (applied once it answers) and the call goes on.
    const res = await this.core.changes.change(leg.agentId, cmd, { offerId: leg.offerId, callId: leg.callId, queueId: leg.queueId });
    const live = await this.refreshAgent(leg.agentId);
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
    if (leg.groupId) await this.releaseGroup(leg.callId, leg.groupId);
    if (entry) {
      this.engine.enqueue(entry); // same priority and arrival: back at the head
      await this.routeHeld(leg.callId);
    }
    // The agent may be free again (busy phone): give them the next call.
    if (live?.state === 'ready') this.core.agentChanged(leg.agentId, false);
  }

  protected async answered(leg: Leg): Promise<void> {
    this.clear(`ring:${leg.offerId}`);
    if (!this.offering.get(leg.callId)?.includes(leg)) {
      await this.ctx.ari.channels.hangup(leg.channelId, { reason: 'normal' }).catch(() => false);
      return;
    }
    const { result: res, journaled } = await this.core.agents.changeNow(leg.agentId, { type: 'answer' }, { offerId: leg.offerId, callId: leg.callId, queueId: leg.queueId });
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
    if (leg.groupId) await this.releaseGroup(leg.callId, leg.groupId);
    const entry = this.waiting.get(leg.callId);
    this.waiting.delete(leg.callId);
    this.tried.delete(leg.callId);
    for (const k of ['maxwait', 'widen', 'announce', 'retry', 'recheck']) this.clear(`${k}:${leg.callId}`);
    this.connected.set(leg.callId, leg);
    const agent = this.engine.agent(leg.agentId);
    if (agent) this.engine.putAgent({ ...agent, state: 'on_call', callsTaken: agent.callsTaken + 1 });
    // Caller and agent are bridged while the agent's on_call is journaled and the waiting
    // entry leaves Redis; call.connected commits after all three, so the journal keeps its
    // order (the agent's change, then the call's) and a next owner its picture, as before.
    await together(this.bridgeAnswered(leg, entry), journaled, entry ? this.removeLive(entry.queueId, leg.callId) : undefined);
    await recordAnswer(
      this.ctx.db,
      leg.offerId,
      { agentId: leg.agentId, queueId: leg.queueId },
      { callId: leg.callId, queueId: leg.queueId!, outcome: 'answered', waitMs: leg.waitMs, enteredMs: entry?.enteredMs ?? Date.now() - leg.waitMs },
      { type: 'call.connected', extra: { agent: { id: leg.agentId }, queueId: leg.queueId, waitMs: leg.waitMs } },
    );
  }

  /** Caller and agent into a mixing bridge of their own; the caller's holding bridge goes. */
  private async bridgeAnswered(leg: Leg, entry: LiveWaitingCall | undefined): Promise<void> {
    const mix = mixingBridgeOf(leg.callId);
    try {
      // The new bridge and the end of the old need nothing of each other; the caller
      // joins once both are done (out of the holding bridge, as before).
      await together(
        this.ctx.ari.bridges.create({ type: 'mixing', bridgeId: mix, name: `call ${leg.callId}` }),
        entry?.bridgeId ? this.ctx.ari.bridges.destroy(entry.bridgeId).catch(() => false) : undefined,
      );
      await this.ctx.ari.bridges.addChannel(mix, [leg.callerChannelId!, leg.channelId]);
    } catch (err) {
      this.log.warn({ err: (err as Error).message, callId: leg.callId }, 'could not bridge caller and agent');
    }
  }

  /** The agent's leg of a connected call hung up: wrap-up; the caller goes to the survey or is hung up. */
  protected async agentLegEnded(leg: Leg): Promise<void> {
    if (this.legs.get(leg.channelId) !== leg) return;
    // The bridge has nobody left to join: it goes while the agent's change is written (a
    // run again after a store failure finds it gone, which is no error).
    const unbridged = this.ctx.ari.bridges.destroy(mixingBridgeOf(leg.callId)).catch(() => false);
    // The agent's change comes first and the leg stays open in Postgres until it is asked
    // for: a store failing part-way runs this again (the PBX event is held), and a next
    // owner still finds the open leg. The change's journal needs nothing of the leg: the
    // leg ends while it is written. A change held for Redis starts the wrap-up when applied.
    const { result: res, journaled } = await this.core.changes.changeNow(leg.agentId, { type: 'hangup' }, { callId: leg.callId, queueId: leg.queueId });
    if (res.ok) {
      const agent = this.engine.agent(leg.agentId);
      if (agent) this.engine.putAgent({ ...agent, state: 'wrap_up' });
      this.scheduleWrapUp(leg.agentId, Date.now());
    }
    await together(legEnded(this.ctx.db, leg.offerId, 'completed'), unbridged, journaled);
    this.legs.delete(leg.channelId);
    this.connected.delete(leg.callId);
    if (leg.callerChannelId) this.callerChannels.delete(leg.callerChannelId);
    // A caller who hung up first has no channel left to hang up or survey.
    if (!leg.callerChannelId || leg.observed || leg.callerLeft) return;
    const surveyed = leg.survey ? await this.ctx.ivr.startSurvey(leg.callerChannelId, leg.survey).catch(() => false) : false;
    if (!surveyed) await this.ctx.calls.hangupOwn(leg.callerChannelId).catch(() => undefined);
  }

  /** Stops a ringing leg the call no longer needs; its agent is free again. */
  protected override async cancelLeg(leg: Leg, outcome: string): Promise<void> {
    if (!this.takeOut(leg)) return;
    await this.ctx.ari.channels.hangup(leg.channelId, { reason: 'normal' }).catch(() => false);
    await legEnded(this.ctx.db, leg.offerId, outcome);
    await this.core.changes.change(leg.agentId, { type: 'release' }, { offerId: leg.offerId, callId: leg.callId, queueId: leg.queueId });
    this.core.agentChanged(leg.agentId, false);
  }

  /** The ring-all round is over (its group key lapses on its own if Redis never answers). */
  protected releaseGroup(callId: string, groupId: string): Promise<void> {
    return this.core.eventually.run(`ring-all round of ${callId}`, () => this.core.agentsLive.releaseGroup(callId, groupId));
  }

  /** A followed leg ended: wrap-up after a talk, the reservation released otherwise. */
  protected async observedGone(leg: Leg): Promise<void> {
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
}
