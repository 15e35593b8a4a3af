// The AgentDesk for call control: direct reservations of an agent for a transfer or a
// consultation, and the agent legs call control originates. The ACD follows those legs
// (answer: on_call and the screen pop; hang-up: wrap-up) without driving them.
import { randomUUID } from 'node:crypto';
import type { AgentDesk, AgentOnCall, DirectOffer, HandedOverCall } from '../calls/agent-desk.js';
import { getCall } from '../calls/repository.js';
import type { Db } from '../db/pool.js';
import type { AgentsService } from './agents-service.js';
import type { AgentLiveStore } from './live-store.js';
import { legAnswered, legEnded, openLegByChannel, openLegs, recordOffer } from './records.js';
import { agentIdAt, getAgent, getQueue } from './repository.js';
import { mixingBridgeOf } from './runtime-state.js';

/** How long a direct reservation holds without a leg being answered. */
const DIRECT_TTL_MS = 60_000;

export class AcdDesk implements AgentDesk {
  constructor(
    private readonly db: Db,
    private readonly live: AgentLiveStore,
    private readonly agents: AgentsService,
    private readonly runtimes: {
      follow(leg: { offerId: string; agentId: string; callId: string; channelId: string }): void;
      handOver(callId: string): Promise<HandedOverCall | undefined>;
      takeBack(callId: string, channelId: string): Promise<boolean>;
      requeue(callId: string, channelId: string, queueId: string): Promise<boolean>;
      offerOrder(queueId: string, callId: string): Promise<string[] | undefined>;
      phoneCallJoined(channelId: string, callId: string): Promise<string | undefined>;
    },
  ) {}

  async reserveDirect(agentId: string, callId: string): Promise<DirectOffer> {
    const def = await getAgent(this.db, agentId);
    if (!def) return { ok: false, status: 404, reason: `agent ${agentId} does not exist` };
    if (!(await getCall(this.db, callId))) return { ok: false, status: 404, reason: `call ${callId} does not exist` };
    const offerId = randomUUID();
    const now = Date.now();
    const res = await this.live.reserve(agentId, callId, offerId, DIRECT_TTL_MS, now, '', { callId });
    if (!res.ok) {
      const state = (await this.live.get(agentId))?.state ?? 'logged_out';
      return { ok: false, status: 409, reason: `agent ${agentId} is ${state}`, state };
    }
    await this.agents.announce(agentId);
    await recordOffer(this.db, { offerId, callId, agentId, channelId: null, queueId: null, reason: 'transfer' });
    return { ok: true, agentId, endpoint: def.endpoint };
  }

  async trackLeg(agentId: string, callId: string, channelId: string, reason: 'transfer' | 'consult' = 'transfer'): Promise<void> {
    const leg = await this.currentOffer(agentId, callId);
    if (!leg) return;
    await this.db.query('UPDATE acd_agent_legs SET channel_id = $2, reason = $3 WHERE offer_id = $1', [leg.offerId, channelId, reason]);
    this.runtimes.follow({ offerId: leg.offerId, agentId, callId, channelId });
    // The screen pop while the phone rings, as for a queue offer: the agent sees whom they take.
    const call = await getCall(this.db, callId);
    if (!call) return;
    await recordOffer(this.db, { offerId: leg.offerId, callId, agentId, channelId, queueId: null, reason }, {
      call,
      extra: { offer: { id: leg.offerId, agentId, queueId: null, attempt: 1, waitMs: 0, reason } },
    });
  }

  async phoneCallJoined(channelId: string, callId: string): Promise<string | undefined> {
    const agentId = await this.runtimes.phoneCallJoined(channelId, callId);
    const call = agentId && (await getCall(this.db, callId));
    if (!agentId || !call) return undefined;
    // The screen pop as for a transfer offer, answered already: the agent sees whom they talk to.
    const offerId = randomUUID();
    const reason = 'transfer';
    await recordOffer(this.db, { offerId, callId, agentId, channelId, queueId: null, reason }, {
      call,
      extra: { offer: { id: offerId, agentId, queueId: null, attempt: 1, waitMs: 0, reason } },
    });
    await legAnswered(this.db, offerId);
    return agentId;
  }

  async recall(agentId: string, callId: string): Promise<DirectOffer> {
    // The ACD may not have heard the phone leave yet: the talk on this call is over either way.
    const before = await this.live.get(agentId);
    if (before?.state === 'on_call' && before.callId === callId) await this.leftCall(agentId, callId);
    const now = await this.live.get(agentId);
    if (now?.state === 'wrap_up' && now.callId === callId) {
      if (now.pendingNotReady !== null) return { ok: false, status: 409, reason: `agent ${agentId} asked to be not ready`, state: 'wrap_up' };
      await this.agents.change(agentId, { type: 'ready' }, { callId });
    }
    return this.reserveDirect(agentId, callId);
  }

  async release(agentId: string, callId: string, reason: 'no_answer' | 'cancelled' | 'failed'): Promise<void> {
    const leg = await this.currentOffer(agentId, callId);
    if (leg) await legEnded(this.db, leg.offerId, reason);
    const live = await this.live.get(agentId);
    if (live?.state !== 'reserved' || live.callId !== callId) return;
    await this.agents.change(agentId, reason === 'no_answer' ? { type: 'no_answer' } : { type: 'release' }, { offerId: live.offerId ?? undefined, callId });
  }

  async leftCall(agentId: string, callId: string): Promise<void> {
    const legs = (await openLegs(this.db, callId)).filter((l) => l.agentId === agentId);
    for (const l of legs) await legEnded(this.db, l.offerId, 'left');
    const live = await this.live.get(agentId);
    if (live?.state === 'on_call' && live.callId === callId) await this.agents.change(agentId, { type: 'hangup' }, { callId });
  }

  handOver(callId: string): Promise<HandedOverCall | undefined> {
    return this.runtimes.handOver(callId);
  }

  takeBack(callId: string, channelId: string): Promise<boolean> {
    return this.runtimes.takeBack(callId, channelId);
  }

  requeue(callId: string, channelId: string, queueId: string): Promise<boolean> {
    return this.runtimes.requeue(callId, channelId, queueId);
  }

  async hasQueue(queueId: string): Promise<boolean> {
    return (await getQueue(this.db, queueId)) !== undefined;
  }

  async reserveFromQueue(queueId: string, callId: string, except: string | null): Promise<DirectOffer> {
    const order = await this.runtimes.offerOrder(queueId, callId);
    if (!order) return { ok: false, status: 404, reason: `queue ${queueId} does not exist` };
    // Reservations are atomic: an agent another call took meanwhile is skipped.
    for (const agentId of order) {
      if (agentId === except) continue;
      const offer = await this.reserveDirect(agentId, callId);
      if (offer.ok) return offer;
    }
    return { ok: false, status: 409, reason: `nobody in queue ${queueId} is ready to take a consultation now` };
  }

  mixingBridge(callId: string): string {
    return mixingBridgeOf(callId);
  }

  async agentsOnCall(callId: string): Promise<AgentOnCall[]> {
    return (await openLegs(this.db, callId)).filter((l) => l.answered && l.channelId).map((l) => ({ agentId: l.agentId, channelId: l.channelId! }));
  }

  async callOfLeg(channelId: string): Promise<string | undefined> {
    return (await openLegByChannel(this.db, channelId))?.callId;
  }

  async agentAt(endpoint: string): Promise<string | undefined> {
    return agentIdAt(this.db, endpoint);
  }

  /** A followed leg answered: on_call (the screen pop went out when it rang). */
  async observedAnswer(agentId: string, callId: string, offerId: string): Promise<void> {
    const live = await this.live.get(agentId);
    if (live?.state !== 'reserved' || live.callId !== callId) return;
    // The leg is answered before the agent shows on_call: whoever sees on_call finds it.
    await legAnswered(this.db, offerId);
    await this.agents.change(agentId, { type: 'answer' }, { offerId: live.offerId ?? undefined, callId });
  }

  /** A followed leg hung up: wrap-up after a talk, released after no answer. */
  async observedHangup(agentId: string, callId: string, offerId: string, answered: boolean): Promise<void> {
    await legEnded(this.db, offerId, answered ? 'completed' : 'no_answer');
    const live = await this.live.get(agentId);
    if (answered && live?.state === 'on_call') await this.agents.change(agentId, { type: 'hangup' }, { callId });
    if (!answered && live?.state === 'reserved' && live.callId === callId) await this.agents.change(agentId, { type: 'release' }, { offerId: live.offerId ?? undefined, callId });
  }

  private async currentOffer(agentId: string, callId: string) {
    return (await openLegs(this.db, callId)).reverse().find((l) => l.agentId === agentId);
  }
}
