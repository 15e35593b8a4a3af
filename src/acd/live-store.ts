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
  /**
   * Each agent's status as this instance last read or wrote it. A change starts from it
   * instead of reading Redis first: the compare-and-set refuses it when anything moved
   * since and answers with what is there, so a stale memory costs a retry, never a wrong
   * write. A refusal is never decided on memory alone.
   */
  private readonly known = new Map<string, LiveAgent>();
  /**
   * Per agent, the pending state events' list head as the script that last appended the
   * agent's event returned it (that event included, unless a relay took it since): the
   * drain after the change starts from it instead of reading the list (see state-relay.ts).
   */
  private readonly heads = new Map<string, string[]>();

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

  /** The list head seen by the agent's last appended event, once (undefined: none kept). */
  takePendingHead(agentId: string): string[] | undefined {
    const head = this.heads.get(agentId);
    this.heads.delete(agentId);
    return head;
  }

  /** The version of the agent's status this instance last read or wrote. */
  rememberedVersion(agentId: string): string | undefined {
    return this.known.get(agentId)?.version;
  }

  /** The agent's status as this instance last saw it, when that was the given version. */
  remembered(agentId: string, version: string): LiveAgent | undefined {
    const agent = this.known.get(agentId);
    return agent?.version === version ? agent : undefined;
  }

  async forget(agentId: string): Promise<void> {
    this.known.delete(agentId);
    this.heads.delete(agentId);
    await this.redis.del(this.agentKey(agentId), this.agentRes(agentId));
  }

  async get(agentId: string): Promise<LiveAgent | undefined> {
    const [flat, live] = (await runScript(this.redis, READ_AGENT, 2, this.agentKey(agentId), this.agentRes(agentId))) as [string[], number];
    return this.remember(agentId, flat, live);
  }

  /** An agent's hash as Redis returned it (flat), kept as the agent's known status. */
  private remember(agentId: string, flat: string[], live: number): LiveAgent | undefined {
    const h: Record<string, string> = {};
    for (let i = 0; i + 1 < flat.length; i += 2) h[flat[i]!] = flat[i + 1]!;
    if (!h.state) {
      this.known.delete(agentId);
      return undefined;
    }
    const agent = parse(agentId, h, live === 1);
    this.known.set(agentId, agent);
    return agent;
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
      if (h?.state) {
        const agent = parse(id, h, live);
        out.set(id, agent);
        this.known.set(id, agent);
      } else this.known.delete(id);
    });
    return out;
  }

  /**
   * Applies a command. `offerId`, when given, must be the agent's current offer (an
   * answer or a ring timeout of an offer that has since been replaced changes nothing).
   */
  async apply(agentId: string, cmd: AgentCommand, nowMs: number, offerId?: string, ctx: StateEventContext = {}): Promise<ChangeResult> {
    // One script per change when the remembered status is still the agent's: read, check and write at once.
    let cur: LiveAgent | undefined = this.known.get(agentId);
    let fresh = false;
    for (let i = 0; i < MAX_RETRIES; i++) {
      if (!cur) {
        cur = await this.get(agentId);
        fresh = true;
      }
      if (!cur) return { ok: false, status: 404, detail: `agent ${agentId} has no live state` };
      if (cur.state === 'reserved' && !cur.reservationLive && cmd.type !== 'release') {
        const swept = await this.sweep(agentId, nowMs);
        cur = undefined;
        if (swept === 'retry') continue;
        cur = await this.get(agentId);
        fresh = true;
        if (!cur) continue;
      }
      const t = offerId !== undefined && cur.offerId !== offerId ? undefined : applyCommand(cur, cmd, nowMs);
      if (!t?.ok) {
        // Refused on a remembered status: read again, it may be old.
        if (!fresh) {
          cur = undefined;
          continue;
        }
        if (!t) return { ok: false, status: 409, state: cur.state, detail: `offer ${offerId} is no longer the agent's current offer` };
        return { ok: false, status: 409, state: t.state, detail: t.detail };
      }
      const written = await this.write(cur, t.status, t.changed, nowMs, ctx, !fresh);
      if (written === true) return { ok: true, change: { agentId, from: cur, to: t.status, changed: t.changed } };
      cur = written;
      fresh = true;
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
      const [outcome, detail, pending, version, head] = (await runScript(
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
      )) as [string, string, string?, number?, string[]?];
      if (outcome === 'ok') {
        if (head) this.heads.set(agentId, head);
        else this.heads.delete(agentId);
        const from = parse(agentId, { state: 'ready', since: detail, pending: pending ?? '' }, false);
        this.known.set(agentId, {
          ...from,
          state: 'reserved',
          reason: null,
          sinceMs: nowMs,
          callId,
          offerId,
          version: String(version),
          reservationLive: true,
        });
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
    return (await this.write(cur, t.status, true, nowMs)) === true ? { agentId, from: cur, to: t.status, changed: true } : 'retry';
  }

  /**
   * Puts back a status rebuilt from Postgres (see live-epoch.ts), with the event that
   * journals it when the rebuild changed the agent; true when written.
   */
  async restore(agentId: string, s: AgentStatus, overwrite: boolean, event?: DomainEvent | null): Promise<boolean> {
    const fields = ['state', s.state, 'reason', s.reason ?? '', 'since', String(s.sinceMs), 'callId', s.callId ?? '', 'pending', s.pendingNotReady ?? '', 'offerId', ''];
    const journal = event ? JSON.stringify(event) : '';
    this.known.delete(agentId);
    return (await runScript(this.redis, RESTORE_AGENT, 2, this.agentKey(agentId), stateEventsKey(this.prefix), overwrite ? '1' : '0', journal, ...fields)) === 1;
  }

  /**
   * Writes `next` over `cur` if the agent is still as `cur` says: true when written, else
   * what the agent is now (undefined: no live state). `checkLive`: `cur` is remembered,
   * so a reservation it thinks alive must still be.
   */
  private async write(
    cur: LiveAgent,
    next: AgentStatus,
    changed: boolean,
    nowMs: number,
    ctx: StateEventContext = {},
    checkLive = false,
  ): Promise<true | LiveAgent | undefined> {
    const leavingOffer = cur.state === 'reserved' && next.state !== 'reserved' && cur.offerId ? cur.offerId : '';
    const event = changed ? JSON.stringify(stateChangedEvent(cur.agentId, cur, next, nowMs, ctx)) : '';
    const offerId = next.state === 'reserved' ? (cur.offerId ?? '') : '';
    const res = (await runScript(
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
      cur.state,
      String(cur.sinceMs),
      cur.offerId ?? '',
      checkLive && cur.state === 'reserved' && cur.reservationLive ? '1' : '',
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
      offerId,
    )) as [number, string[]?, number?];
    if (res[0] === -1) return this.remember(cur.agentId, res[1] ?? [], res[2] ?? 0);
    if (res[1]) this.heads.set(cur.agentId, res[1]);
    else this.heads.delete(cur.agentId);
    this.known.set(cur.agentId, {
      ...next,
      agentId: cur.agentId,
      version: String(res[0]),
      offerId: offerId || null,
      reservationLive: next.state === 'reserved' && cur.reservationLive,
    });
    return true;
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
