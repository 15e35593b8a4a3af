// Agents' live status in Redis, shared by every instance. Changes go through the pure
// state machine and are written with a compare-and-set on a version, so two instances
// changing one agent at once cannot both win; offers go through the RESERVE script.
// A reservation is a key with a TTL: when it lapses (its instance died) the agent reads
// as `reserved` with no live reservation, and `sweep` returns them to ready.
import type { Redis } from 'ioredis';
import { applyCommand, initialStatus, type AgentCommand, type AgentStatus } from './agent-state.js';
import type { AgentState } from './model.js';
import type { DomainEvent } from '../events/catalogue.js';
import { stateChangedEvent, type StateEventContext } from './events.js';
import { CAS_AGENT, READ_AGENT, RELEASE_GROUP, RESERVE, RESTORE_AGENT } from './live-scripts.js';
import { runScript } from './lua.js';

/** The Redis list of agent.state_changed events written with their state, not yet in the outbox. */
export const stateEventsKey = (prefix: string) => `${prefix}:acd:state-events`;

export interface LiveAgent extends AgentStatus {
  agentId: string;
  version: string;
  offerId: string | null;
  /** For `reserved`: whether the reservation key is still alive. */
  reservationLive: boolean;
}

export interface StateChange {
  agentId: string;
  from: LiveAgent;
  to: AgentStatus;
  changed: boolean;
}

export type ChangeResult = { ok: true; change: StateChange } | { ok: false; status: 404 | 409; state?: AgentState; detail: string };

export type ReserveResult =
  | { ok: true; offerId: string; from: LiveAgent }
  | { ok: false; reason: 'missing' | 'busy' | 'call_taken'; state?: string };

const MAX_RETRIES = 20;

export class AgentLiveStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  private agentKey(id: string) {
    return `${this.prefix}:acd:agent:${id}`;
  }
  private agentRes(id: string) {
    return `${this.prefix}:acd:res:agent:${id}`;
  }
  private callRes(callId: string) {
    return `${this.prefix}:acd:res:call:${callId}`;
  }

  /** Creates the live record of a new agent (logged out); keeps an existing one. */
  async ensure(agentId: string, nowMs: number): Promise<void> {
    const s = initialStatus(nowMs);
    await this.redis.hsetnx(this.agentKey(agentId), 'state', s.state);
    await this.redis.hsetnx(this.agentKey(agentId), 'since', String(nowMs));
  }

  async forget(agentId: string): Promise<void> {
    await this.redis.del(this.agentKey(agentId), this.agentRes(agentId));
  }

  async get(agentId: string): Promise<LiveAgent | undefined> {
    const [flat, live] = (await runScript(this.redis, READ_AGENT, 2, this.agentKey(agentId), this.agentRes(agentId))) as [string[], number];
    const h: Record<string, string> = {};
    for (let i = 0; i + 1 < flat.length; i += 2) h[flat[i]!] = flat[i + 1]!;
    if (!h.state) return undefined;
    return parse(agentId, h, live === 1);
  }

  async getMany(agentIds: readonly string[]): Promise<Map<string, LiveAgent>> {
    const out = new Map<string, LiveAgent>();
    if (!agentIds.length) return out;
    const m = this.redis.multi();
    for (const id of agentIds) m.hgetall(this.agentKey(id)).exists(this.agentRes(id));
    const res = (await m.exec()) ?? [];
    agentIds.forEach((id, i) => {
      const h = res[2 * i]?.[1] as Record<string, string> | undefined;
      const live = res[2 * i + 1]?.[1] === 1;
      if (h?.state) out.set(id, parse(id, h, live));
    });
    return out;
  }

  /**
   * Applies a command. `offerId`, when given, must be the agent's current offer (an
   * answer or a ring timeout of an offer that has since been replaced changes nothing).
   */
  async apply(agentId: string, cmd: AgentCommand, nowMs: number, offerId?: string, ctx: StateEventContext = {}): Promise<ChangeResult> {
    for (let i = 0; i < MAX_RETRIES; i++) {
      let cur = await this.get(agentId);
      if (!cur) return { ok: false, status: 404, detail: `agent ${agentId} has no live state` };
      if (cur.state === 'reserved' && !cur.reservationLive && cmd.type !== 'release') {
        const swept = await this.sweep(agentId, nowMs);
        if (swept === 'retry') continue;
        cur = await this.get(agentId);
        if (!cur) continue;
      }
      if (offerId !== undefined && cur.offerId !== offerId) {
        return { ok: false, status: 409, state: cur.state, detail: `offer ${offerId} is no longer the agent's current offer` };
      }
      const t = applyCommand(cur, cmd, nowMs);
      if (!t.ok) return { ok: false, status: 409, state: t.state, detail: t.detail };
      const written = await this.write(cur, t.status, t.changed, nowMs, ctx);
      if (written) return { ok: true, change: { agentId, from: cur, to: t.status, changed: t.changed } };
    }
    return { ok: false, status: 409, detail: `agent ${agentId} is changing too often; try again` };
  }

  /**
   * Atomically reserves a ready agent for a call (and the call for that agent). With a
   * ring-all `group`, several agents may be reserved for the call under that group.
   */
  async reserve(agentId: string, callId: string, offerId: string, ttlMs: number, nowMs: number, group = '', ctx: StateEventContext = {}): Promise<ReserveResult> {
    for (let i = 0; i < MAX_RETRIES; i++) {
      // durationMs is set by the script, which reads since when the agent was ready.
      const event = stateChangedEvent(agentId, { state: 'ready', sinceMs: nowMs, callId: null }, { state: 'reserved', reason: null, callId }, nowMs, { callId, ...ctx });
      const [outcome, detail, pending] = (await runScript(
        this.redis,
        RESERVE,
        4,
        this.agentKey(agentId),
        this.agentRes(agentId),
        this.callRes(callId),
        stateEventsKey(this.prefix),
        callId,
        offerId,
        String(Math.max(1, Math.round(ttlMs))),
        String(nowMs),
        agentId,
        group,
        JSON.stringify(event),
      )) as [string, string, string?];
      if (outcome === 'ok') {
        const from = parse(agentId, { state: 'ready', since: detail, pending: pending ?? '' }, false);
        return { ok: true, offerId, from };
      }
      if (outcome === 'expired') {
        await this.sweep(agentId, nowMs);
        continue;
      }
      if (outcome === 'missing') return { ok: false, reason: 'missing' };
      return { ok: false, reason: outcome as 'busy' | 'call_taken', state: detail };
    }
    return { ok: false, reason: 'busy' };
  }

  /** Who holds a live offer of this call ("agentId offerId"), if anyone. */
  async callReservation(callId: string): Promise<{ agentId: string; offerId: string } | undefined> {
    const v = await this.redis.get(this.callRes(callId));
    if (!v) return undefined;
    const [agentId, offerId] = v.split(' ');
    // A ring-all round rings several agents: nobody in particular holds the call.
    if (agentId === 'group') return undefined;
    return agentId && offerId ? { agentId, offerId } : undefined;
  }

  /** The ring-all round is over: the call may be reserved again. */
  async releaseGroup(callId: string, group: string): Promise<void> {
    await runScript(this.redis, RELEASE_GROUP, 1, this.callRes(callId), group);
  }

  /** Keeps a ringing offer alive (the ring time is longer than the first TTL). */
  async extend(agentId: string, callId: string, offerId: string, ttlMs: number): Promise<boolean> {
    const cur = await this.redis.get(this.agentRes(agentId));
    if (cur !== offerId) return false;
    await this.redis.multi().pexpire(this.agentRes(agentId), ttlMs).pexpire(this.callRes(callId), ttlMs).exec();
    return true;
  }

  /**
   * Returns an agent whose reservation lapsed to ready (or the not-ready they asked for).
   * 'swept' with the change, 'none' when there was nothing to do, 'retry' on a race.
   */
  async sweep(agentId: string, nowMs: number): Promise<StateChange | 'none' | 'retry'> {
    const cur = await this.get(agentId);
    if (!cur || cur.state !== 'reserved' || cur.reservationLive) return 'none';
    const t = applyCommand(cur, { type: 'release' }, nowMs);
    if (!t.ok) return 'none';
    return (await this.write(cur, t.status, true, nowMs)) ? { agentId, from: cur, to: t.status, changed: true } : 'retry';
  }

  /**
   * Puts back a status rebuilt from Postgres (see live-epoch.ts), with the event that
   * journals it when the rebuild changed the agent; true when written.
   */
  async restore(agentId: string, s: AgentStatus, overwrite: boolean, event?: DomainEvent | null): Promise<boolean> {
    const fields = ['state', s.state, 'reason', s.reason ?? '', 'since', String(s.sinceMs), 'callId', s.callId ?? '', 'pending', s.pendingNotReady ?? '', 'offerId', ''];
    const journal = event ? JSON.stringify(event) : '';
    return (await runScript(this.redis, RESTORE_AGENT, 2, this.agentKey(agentId), stateEventsKey(this.prefix), overwrite ? '1' : '0', journal, ...fields)) === 1;
  }

  private async write(cur: LiveAgent, next: AgentStatus, changed: boolean, nowMs: number, ctx: StateEventContext = {}): Promise<boolean> {
    const leavingOffer = cur.state === 'reserved' && next.state !== 'reserved' && cur.offerId ? cur.offerId : '';
    const event = changed ? JSON.stringify(stateChangedEvent(cur.agentId, cur, next, nowMs, ctx)) : '';
    const v = (await runScript(
      this.redis,
      CAS_AGENT,
      4,
      this.agentKey(cur.agentId),
      this.agentRes(cur.agentId),
      this.callRes(cur.callId ?? '-'),
      stateEventsKey(this.prefix),
      cur.version,
      leavingOffer,
      event,
      'state',
      next.state,
      'reason',
      next.reason ?? '',
      'since',
      String(next.sinceMs),
      'callId',
      next.callId ?? '',
      'pending',
      next.pendingNotReady ?? '',
      'offerId',
      next.state === 'reserved' ? (cur.offerId ?? '') : '',
    )) as number;
    return v !== -1;
  }
}

function parse(agentId: string, h: Record<string, string>, live: boolean): LiveAgent {
  return {
    agentId,
    state: (h.state ?? 'logged_out') as AgentState,
    reason: h.reason ? h.reason : null,
    sinceMs: Number(h.since ?? 0),
    callId: h.callId ? h.callId : null,
    pendingNotReady: h.pending ? h.pending : null,
    offerId: h.offerId ? h.offerId : null,
    version: h.version ?? '0',
    reservationLive: live,
  };
}
