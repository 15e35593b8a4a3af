// Takeover: the next owner of a PBX node picks up the ACD's calls from Postgres, Redis
// and the PBX's own picture (agent legs, waiting callers, reservations, wrap-ups).
import type { ResyncSnapshot } from '../ari/client.js';
import { getCall } from '../calls/repository.js';
import type { Queryable } from '../db/pool.js';
import { allOpenLegs, legEnded } from './records.js';
import { type Leg, HOLD_BRIDGE, MIX_BRIDGE } from './runtime-state.js';
import { AcdOffers } from './runtime-offers.js';
import { lostWaitingCalls } from './waiting-rebuild.js';

export abstract class AcdTakeover extends AcdOffers {
  async resync(snapshot: ResyncSnapshot): Promise<void> {
    await this.ready;
    // Redis may have come back empty or old: agents are rebuilt before anything reads them.
    await this.core.epoch.ensure();
    const alive = new Map(snapshot.channels.map((c) => [c.id, c]));
    const bridges = new Map(snapshot.bridges.map((b) => [b.id, b]));
    await this.endTrackedGone(new Set(alive.keys()));
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
      const res = await this.core.changes.change(l.agentId, cmd, { callId: l.callId, queueId: l.queueId });
      if (!res.ok && !l.answered) {
        // The previous owner put the agent on the call but died before it wrote the leg
        // answered: the agent leaves the call it no longer has through wrap-up, as after any call.
        const live = await this.core.agentsLive.get(l.agentId);
        if (live?.state === 'on_call' && live.callId === l.callId) await this.core.changes.change(l.agentId, { type: 'hangup' }, { callId: l.callId, queueId: l.queueId });
        else if (typeof (await this.core.agentsLive.sweep(l.agentId, Date.now())) === 'object') await this.core.agents.announce(l.agentId);
      }
    }
    // Waiting callers: back on hold and in the engine; gone ones abandoned. Those Redis
    // lost (it came back empty) are found in Postgres and in their holding bridges.
    const listed = await this.core.queuesLive.all();
    const holding = new Map(snapshot.bridges.filter((b) => b.id.startsWith(HOLD_BRIDGE)).map((b) => [b.id, b.channels ?? []]));
    const lost = await lostWaitingCalls(this.ctx.db, this.ctx.pbxNode, new Set(listed.map((e) => e.callId)), holding);
    for (const entry of lost) if (!this.connected.has(entry.callId)) await this.core.queuesLive.put(entry);
    if (lost.length) this.log.warn({ calls: lost.length }, 'waiting calls Redis had lost found again in Postgres');
    for (const entry of [...listed, ...lost]) {
      if (entry.pbxNode !== this.ctx.pbxNode || this.waiting.has(entry.callId)) continue;
      if (this.connected.has(entry.callId)) {
        // Its removal was lost (Redis away as the agent answered): the caller is talking.
        await this.removeLive(entry.queueId, entry.callId);
        continue;
      }
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

  /**
   * Legs and callers this runtime still tracks whose channels the PBX no longer has: their
   * hang-ups came while the ARI events socket was down (a reconnect, not a takeover), so
   * they are ended now as their events would have (agents to wrap-up, offers released).
   */
  private async endTrackedGone(alive: ReadonlySet<string>): Promise<void> {
    for (const leg of [...this.legs.values()]) {
      if (alive.has(leg.channelId)) continue;
      if (leg.observed) await this.observedGone(leg);
      else if (leg.answered) await this.serial(leg.callId, () => this.agentLegEnded(leg));
      else await this.serial(leg.callId, () => this.offerFailed(leg, 'failed'));
    }
    for (const [channelId, callId] of [...this.callerChannels]) {
      if (!alive.has(channelId)) await this.serial(callId, () => this.callerGone(callId));
    }
  }
}

/** Call control took this agent leg's call over (it keeps the leg in the call's legs). */
async function underCallControl(db: Queryable, callId: string, channelId: string): Promise<boolean> {
  const { rows } = await db.query("SELECT 1 FROM call_legs WHERE call_id = $1 AND channel_id = $2 AND role = 'agent'", [callId, channelId]);
  return rows.length > 0;
}
