// What the wallboard reads from Postgres, each read bounded by what it answers: today's
// quarter-hour rollups of the queues with the journal position they cover, the few
// journal events the rollups have not folded yet, one past day's quarter hours, and the
// directory (queue and agent definitions, thresholds). Never a range of the journal by time.
import { widestQueueSkills } from '../acd/priority.js';
import { listAgents, listQueues } from '../acd/repository.js';
import type { Queryable } from '../db/pool.js';
import type { EventType } from '../events/catalogue.js';
import { readJournal } from '../events/journal.js';
import type { JournalEvent } from '../reports/kpi.js';
import { QUARTER_MS, type RollupSums } from '../reports/rollup-fold.js';
import { MAP_COLUMNS, SUM_COLUMNS } from '../reports/rollup-store.js';
import { listThresholds } from './threshold-store.js';
import type { DaySlots, Directory } from './view.js';

const COLUMNS = [...SUM_COLUMNS, ...MAP_COLUMNS].map(([f, c]) => `r.${c} AS "${f}"`).join(', ');

export interface QuarterRow {
  subject: string;
  bucket: number;
  sums: RollupSums;
}

const toSums = (r: Record<string, unknown>): RollupSums => {
  const s = {} as Record<string, unknown>;
  for (const [f] of SUM_COLUMNS) s[f] = Number(r[f]);
  for (const [f] of MAP_COLUMNS) s[f] = r[f] ?? {};
  return s as unknown as RollupSums;
};

/** Queue quarter hours from `since`, and the journal position they cover (one snapshot). */
export async function readRecentQuarters(db: Queryable, since: number): Promise<{ position: number; rows: QuarterRow[] }> {
  const { rows } = await db.query(
    `SELECT p.sequence, r.subject, (extract(epoch FROM r.bucket) * 1000)::float8 AS bucket, ${COLUMNS}
       FROM kpi_rollup_position p LEFT JOIN kpi_rollups r ON r.kind = 'q' AND r.bucket >= $1`,
    [new Date(since)],
  );
  return {
    position: Number(rows[0]?.sequence ?? 0),
    rows: rows.filter((r) => r.subject !== null).map((r) => ({ subject: r.subject, bucket: Number(r.bucket), sums: toSums(r) })),
  };
}

/** One past day's queue quarter hours, by index from its local midnight. */
export async function readDay(db: Queryable, from: number, to: number): Promise<DaySlots> {
  const { rows } = await db.query(
    `SELECT r.subject, (extract(epoch FROM r.bucket) * 1000)::float8 AS bucket, ${COLUMNS}
       FROM kpi_rollups r WHERE r.kind = 'q' AND r.bucket >= $1 AND r.bucket < $2`,
    [new Date(from), new Date(to)],
  );
  const out: DaySlots = new Map();
  for (const r of rows) {
    let q = out.get(r.subject);
    if (!q) out.set(r.subject, (q = new Map()));
    q.set(Math.floor((Number(r.bucket) - from) / QUARTER_MS), toSums(r));
  }
  return out;
}

/**
 * The events after `position` (what the rollup worker has still to fold: seconds behind
 * when it runs), a page at a time; stops after `maxPages` and says so.
 */
export async function* eventsAfter(db: Queryable, position: number, types: readonly string[], page: number, maxPages: number) {
  const wanted = new Set(types as EventType[]);
  let after = position;
  for (let i = 0; i < maxPages; i++) {
    const p = await readJournal(db, after, page, wanted);
    yield p.entries.map((e) => e.event as unknown as JournalEvent & { id: string });
    if (p.entries.length < page) return true;
    after = p.next;
  }
  return false;
}

/** Which of these event ids the journal had placed at or before `position`. */
export async function placedBy(db: Queryable, eventIds: string[], position: number): Promise<Set<string>> {
  if (!eventIds.length) return new Set();
  const { rows } = await db.query('SELECT event_id FROM outbox WHERE event_id = ANY($1::uuid[]) AND position <= $2', [eventIds, position]);
  return new Set(rows.map((r) => String(r.event_id)));
}

export async function readDirectory(db: Queryable): Promise<Directory> {
  const [queues, agents, set] = await Promise.all([listQueues(db), listAgents(db), listThresholds(db)]);
  return {
    queues: new Map(queues.map((q) => [q.id, { name: q.name, serviceLevel: q.serviceLevel, skills: widestQueueSkills(q), thresholds: set.get(q.id)?.overrides ?? null }])),
    agents: new Map(agents.map((a) => [a.id, { name: a.name, skills: a.skills }])),
  };
}
