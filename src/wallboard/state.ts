// What a wall display knows, folded from live events: callers waiting, agents' states, and
// per queue the day's quarter-hour sums, folded by the rollups' own fold so that the board
// and the reports count alike. Pure: events and rollup rows in, state out. No caller data
// is kept beyond what the fold needs — a wall screen is seen by everyone in the room.
import type { JournalEvent } from '../reports/kpi.js';
import { RecentIds } from '../reports/recent-ids.js';
import { emptySums, foldEvents, RollupDeltas, type FoldMemory, type RollupSums } from '../reports/rollup-fold.js';
import { MAP_COLUMNS, SUM_COLUMNS } from '../reports/rollup-store.js';

export interface LiveAgentState {
  state: string;
  since: number;
  reason: string | null;
}

export interface WallboardState {
  /** callId → where and since when it waits */
  waiting: Map<string, { queueId: string; since: number }>;
  agents: Map<string, LiveAgentState>;
  /** queueId → UTC quarter-hour start → sums */
  quarters: Map<string, Map<number, RollupSums>>;
  memory: FoldMemory;
  seen: RecentIds;
}

/** A screen's view settings, fixed by its link. */
export interface WallboardOptions {
  timeZone: string;
  /** Used for queues without a definition (and so without their own target). */
  serviceLevelSeconds: number;
  serviceLevelTarget: number;
  queues?: string[];
}

export const WALLBOARD_TYPES = [
  'call.queued', 'call.connected', 'call.abandoned', 'call.overflowed', 'call.ended', 'call.resumed',
  'agent.state_changed',
];

export const KEEP_MS = 26 * 3_600_000; // "today" in any zone started less than 26 hours ago
const SEEN_MAX = 50_000;

export function emptyWallboard(): WallboardState {
  return {
    waiting: new Map(), agents: new Map(), quarters: new Map(),
    memory: { answers: new Map(), context: new Map(), open: new Map() },
    seen: new RecentIds(SEEN_MAX),
  };
}

export function addSums(into: RollupSums, d: RollupSums): void {
  for (const [f] of SUM_COLUMNS) into[f] += d[f];
  for (const [f] of MAP_COLUMNS) for (const [k, v] of Object.entries(d[f])) into[f][k] = (into[f][k] ?? 0) + v;
}

/** Adds one queue's quarter-hour sums (a rollup row or a live delta). */
export function addQuarter(s: WallboardState, queueId: string, bucket: number, sums: RollupSums): void {
  let byBucket = s.quarters.get(queueId);
  if (!byBucket) s.quarters.set(queueId, (byBucket = new Map()));
  let q = byBucket.get(bucket);
  if (!q) byBucket.set(bucket, (q = emptySums()));
  addSums(q, sums);
}

/** Applies one event; an event id seen before is ignored (seeding and live may overlap). */
export function applyEvent(s: WallboardState, e: JournalEvent & { id?: string }): boolean {
  if (e.id && !s.seen.add(e.id)) return false;
  const at = Date.parse(e.occurredAt);
  if (!Number.isFinite(at)) return false;
  const d = e.data ?? {};
  let changed = foldSums(s, e);
  switch (e.type) {
    case 'call.queued':
      if (e.callId && d.queue?.id) s.waiting.set(e.callId, { queueId: d.queue.id, since: at });
      return true;
    case 'call.connected':
    case 'call.abandoned':
    case 'call.overflowed':
    case 'call.ended':
      if (e.callId) changed = s.waiting.delete(e.callId) || changed;
      return changed;
    case 'agent.state_changed':
      if (!d.agentId) return changed;
      s.agents.set(String(d.agentId), { state: String(d.to), since: at, reason: d.reason ?? null });
      return true;
    default:
      return changed;
  }
}

function foldSums(s: WallboardState, e: JournalEvent): boolean {
  const deltas = new RollupDeltas();
  foldEvents([e], s.memory, deltas);
  // First-call resolution is not on the board: its memory would only grow.
  s.memory.open.clear();
  let changed = false;
  for (const r of deltas.rows.values()) {
    if (r.kind !== 'q') continue;
    addQuarter(s, r.subject, r.bucket, r);
    changed = true;
  }
  return changed;
}

/** Forgets what no screen's "today" can show any more. */
export function pruneWallboard(s: WallboardState, now: number): void {
  const cut = now - KEEP_MS;
  for (const [q, byBucket] of s.quarters) {
    for (const b of byBucket.keys()) if (b < cut) byBucket.delete(b);
    if (!byBucket.size) s.quarters.delete(q);
  }
  for (const [id, a] of s.memory.answers) if (a.seenAt < cut) s.memory.answers.delete(id);
  for (const [id, a] of s.agents) if (a.state === 'logged_out' && a.since < cut) s.agents.delete(id);
}
