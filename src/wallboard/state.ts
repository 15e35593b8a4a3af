// What a wall display shows, folded from live events: callers waiting per queue, today's
// service level per queue, agents by state. Pure: events in, a view out. No caller data
// leaves this module — a wall screen is seen by everyone in the room.
import { localMidnight, localTime } from '../local-time.js';
import type { JournalEvent } from '../reports/kpi.js';
import { RecentIds } from '../reports/recent-ids.js';

interface Outcome {
  at: number;
  kind: 'offered' | 'answered' | 'short';
  withinMs?: number;
}

export interface WallboardState {
  /** callId → where and since when it waits */
  waiting: Map<string, { queueId: string; since: number }>;
  outcomes: Map<string, Outcome[]>;
  agents: Map<string, { state: string; since: number; reason: string | null }>;
  seen: RecentIds;
}

export interface WallboardOptions {
  timeZone: string;
  serviceLevelSeconds: number;
  serviceLevelTarget: number;
  queues?: string[];
}

export interface WallboardView {
  at: string;
  timeZone: string;
  serviceLevelSeconds: number;
  serviceLevelTarget: number;
  queues: Array<{
    id: string;
    waiting: number;
    /** Epoch ms the longest-waiting caller joined, null when nobody waits. */
    longestWaitSince: number | null;
    longestWaitSeconds: number;
    offeredToday: number;
    answeredToday: number;
    serviceLevelToday: number | null;
    meetsTarget: boolean | null;
  }>;
  agentsByState: Record<string, number>;
  agents: Array<{ id: string; state: string; since: number; reason: string | null }>;
}

const KEEP_MS = 26 * 3_600_000; // "today" in any zone started less than 26 hours ago
const SEEN_MAX = 50_000;

export function emptyWallboard(): WallboardState {
  return { waiting: new Map(), outcomes: new Map(), agents: new Map(), seen: new RecentIds(SEEN_MAX) };
}

/** Applies one event; an event id seen before is ignored (seeding and live may overlap). */
export function applyEvent(s: WallboardState, e: JournalEvent & { id?: string }): boolean {
  if (e.id && !s.seen.add(e.id)) return false;
  const at = Date.parse(e.occurredAt);
  const d = e.data ?? {};
  const record = (queueId: string, o: Outcome) => {
    let list = s.outcomes.get(queueId);
    if (!list) s.outcomes.set(queueId, (list = []));
    list.push(o);
  };
  switch (e.type) {
    case 'call.queued':
      if (!e.callId || !d.queue?.id) return false;
      s.waiting.set(e.callId, { queueId: d.queue.id, since: at });
      if (!d.queue.overflowFrom) record(d.queue.id, { at, kind: 'offered' });
      return true;
    case 'call.connected':
      if (e.callId) s.waiting.delete(e.callId);
      if (d.queueId) record(d.queueId, { at, kind: 'answered', withinMs: Number(d.waitMs) || 0 });
      return true;
    case 'call.abandoned':
      if (e.callId) s.waiting.delete(e.callId);
      if (d.short && d.queue?.id) record(d.queue.id, { at, kind: 'short' });
      return true;
    case 'call.overflowed':
    case 'call.ended':
      return e.callId ? s.waiting.delete(e.callId) : false;
    case 'agent.state_changed':
      if (!d.agentId) return false;
      s.agents.set(String(d.agentId), { state: String(d.to), since: at, reason: d.reason ?? null });
      return true;
    default:
      return false;
  }
}

export function pruneWallboard(s: WallboardState, now: number): void {
  for (const [q, list] of s.outcomes) {
    const kept = list.filter((o) => o.at >= now - KEEP_MS);
    if (kept.length) s.outcomes.set(q, kept);
    else s.outcomes.delete(q);
  }
  for (const [id, a] of s.agents) if (a.state === 'logged_out' && a.since < now - KEEP_MS) s.agents.delete(id);
}

/** `agentsShown`: when the view is limited to some queues, the agents who serve them. */
export function wallboardView(s: WallboardState, now: number, o: WallboardOptions, agentsShown?: ReadonlySet<string>): WallboardView {
  const midnight = localMidnight(localTime(new Date(now), o.timeZone).date, o.timeZone);
  const ids = new Set<string>([...s.outcomes.keys(), ...[...s.waiting.values()].map((w) => w.queueId)]);
  const wanted = (id: string) => !o.queues || o.queues.includes(id);
  const queues = [...ids].filter(wanted).sort().map((id) => {
    const waits = [...s.waiting.values()].filter((w) => w.queueId === id).map((w) => w.since);
    const today = (s.outcomes.get(id) ?? []).filter((x) => x.at >= midnight && x.at <= now);
    const offered = today.filter((x) => x.kind === 'offered').length;
    const answered = today.filter((x) => x.kind === 'answered');
    const within = answered.filter((x) => (x.withinMs ?? 0) <= o.serviceLevelSeconds * 1000).length;
    const denominator = offered - today.filter((x) => x.kind === 'short').length;
    const sl = denominator > 0 ? Math.round((within / denominator) * 10_000) / 10_000 : null;
    const longest = waits.length ? Math.min(...waits) : null;
    return {
      id,
      waiting: waits.length,
      longestWaitSince: longest,
      longestWaitSeconds: longest === null ? 0 : Math.max(0, Math.floor((now - longest) / 1000)),
      offeredToday: offered,
      answeredToday: answered.length,
      serviceLevelToday: sl,
      meetsTarget: sl === null ? null : sl >= o.serviceLevelTarget,
    };
  });
  const agents = [...s.agents].filter(([id, a]) => a.state !== 'logged_out' && (!agentsShown || agentsShown.has(id))).map(([id, a]) => ({ id, ...a })).sort((a, b) => a.id.localeCompare(b.id));
  const agentsByState: Record<string, number> = { ready: 0, reserved: 0, on_call: 0, wrap_up: 0, not_ready: 0 };
  for (const a of agents) agentsByState[a.state] = (agentsByState[a.state] ?? 0) + 1;
  return {
    at: new Date(now).toISOString(),
    timeZone: o.timeZone,
    serviceLevelSeconds: o.serviceLevelSeconds,
    serviceLevelTarget: o.serviceLevelTarget,
    queues,
    agentsByState,
    agents,
  };
}
