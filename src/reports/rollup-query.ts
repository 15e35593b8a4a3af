// Reports from the rollups: Postgres composes the rows of the range into the asked
// intervals in the asked zone (the sums and histograms add up), and the figures are the
// KPI engine's own row functions applied to those sums. The service reads one row per
// interval and subject: what the answer holds, whatever the range. Day and month
// intervals on local midnights of a zone with a day tier read days (rollup-day.ts),
// anything else the quarter hours.
import { withTransaction, type Db, type Queryable } from '../db/pool.js';
import { zoneOffsetMs } from '../local-time.js';
import type { Granularity } from './buckets.js';
import { agentRow, queueRow, type AgentKpi, type AgentSums, type KpiOptions, type QueueKpi, type QueueSums } from './kpi.js';
import { dayTierRange, daySql } from './rollup-day.js';
import { QUARTER_MS, type Kind } from './rollup-fold.js';
import { MAP_COLUMNS, mapSum, SUM_COLUMNS } from './rollup-store.js';

/** The engine's options, and optionally one queue or agent. */
export interface RollupQuery extends KpiOptions {
  subject?: string;
}

const MINUTE_LABEL = `'YYYY-MM-DD"T"HH24:MI'`;
const LABEL: Record<Granularity, (local: string) => string> = {
  '15m': (l) => `to_char(${l}, ${MINUTE_LABEL})`,
  '30m': (l) => `to_char(date_bin('30 minutes', ${l}, timestamp '2000-01-01'), ${MINUTE_LABEL})`,
  '60m': (l) => `to_char(date_trunc('hour', ${l}), ${MINUTE_LABEL})`,
  day: (l) => `to_char(${l}, 'YYYY-MM-DD')`,
  month: (l) => `to_char(${l}, 'YYYY-MM')`,
};

const sql = (g: Granularity) => {
  const local = '(bucket AT TIME ZONE $4)';
  return `SELECT * FROM (SELECT ${LABEL[g](local)} AS label, subject,
    ${SUM_COLUMNS.map(([f, c]) => `sum(${c})::float8 AS "${f}"`).join(', ')},
    ${MAP_COLUMNS.map(([f, c]) => `${mapSum(c)} AS "${f}"`).join(', ')},
    count(DISTINCT (${local})::date) FILTER (WHERE logged_in_ms > 0)::int AS days
  FROM kpi_rollups
  WHERE kind = $1 AND bucket >= $2 AND bucket < $3 AND ($5::text IS NULL OR subject = $5)
  GROUP BY 1, 2) x
  ORDER BY label COLLATE "C", subject COLLATE "C"`;
};

/** Why a range cannot be answered from quarter-hour rows, or null when it can. */
export function rollupRangeProblem(from: Date, to: Date, timeZone: string): string | null {
  for (const [name, at] of [['from', from], ['to', to]] as const)
    if (at.getTime() % QUARTER_MS !== 0) return `${name} ${at.toISOString()} is not on a quarter hour (:00, :15, :30 or :45 UTC)`;
  // Zone offsets change at most a few times a year; a daily look finds any that is not a
  // whole number of quarter hours (historical local mean times are).
  for (let t = from.getTime(); ; t = Math.min(t + 86_400_000, to.getTime() - 1)) {
    if (zoneOffsetMs(t, timeZone) % QUARTER_MS !== 0)
      return `time zone ${timeZone} is offset from UTC by a part of a quarter hour at ${new Date(t).toISOString()}; reports use quarter-hour intervals`;
    if (t >= to.getTime() - 1) return null;
  }
}

export type RollupRow = Record<string, any> & { label: string; subject: string; days: number };

/**
 * One row per interval and subject, in the engine's order (interval label, then id, as
 * plain strings; labels of one interval have one length, so byte order is that order).
 */
export async function reportRows(db: Db, kind: Kind, q: RollupQuery): Promise<RollupRow[]> {
  return withoutJit(db, async (tx) => {
    const days = await dayTierRange(tx, q);
    if (!days) return quarterRows(tx, kind, q);
    const { rows } = await tx.query<RollupRow>(daySql(q.granularity as 'day' | 'month'), [kind, days.from, days.to, q.timeZone, q.subject ?? null]);
    return rows;
  });
}

/** The same rows, always from the quarter hours. */
export async function quarterRows(db: Queryable, kind: Kind, q: RollupQuery): Promise<RollupRow[]> {
  const { rows } = await db.query<RollupRow>(sql(q.granularity), [kind, q.from, q.to, q.timeZone, q.subject ?? null]);
  return rows;
}

/**
 * The planner cannot size a report's groups and guesses them past the JIT threshold;
 * compiling such a query takes longer than running it (seconds on a busy machine).
 */
async function withoutJit<T>(db: Db, fn: (tx: Queryable) => Promise<T>): Promise<T> {
  return withTransaction(db, async (tx) => {
    await tx.query('SET LOCAL jit = off');
    return fn(tx);
  });
}

/** How many a histogram holds at keys up to `limit`. */
function upTo(map: Record<string, number>, limit: number): number {
  let n = 0;
  for (const [k, v] of Object.entries(map)) if (Number(k) <= limit) n += v;
  return n;
}

/** Counters every report shares, from the histograms and the query's parameters. */
function counters(r: RollupRow, q: RollupQuery) {
  let rated = 0;
  let ratingSum = 0;
  for (const [k, v] of Object.entries(r.ratings as Record<string, number>)) {
    rated += v;
    ratingSum += Number(k) * v;
  }
  return {
    answered: r.answered, talkMs: r.talkMs, holdMs: r.holdMs, wrapUpMs: r.wrapUpMs, transfers: r.transfers,
    fcrEligible: r.fcrEligible,
    fcrResolved: r.fcrEligible - upTo(r.fcrRepeats, q.fcrHours),
    surveys: r.surveys, rated, ratingSum,
    dissatisfied: upTo(r.ratings, q.dissatisfiedAtOrBelow),
  };
}

export function queueKpi(r: RollupRow, q: RollupQuery): QueueKpi {
  const sums: QueueSums = {
    ...counters(r, q),
    offered: r.offered, waitMsAnswered: r.waitMsAnswered, abandoned: r.abandoned, shortAbandoned: r.shortAbandoned,
    overflowedIn: r.overflowedIn, overflowedOut: r.overflowedOut,
    answeredWithinTarget: upTo(r.waits, q.serviceLevelSeconds),
  };
  return queueRow(r.label, r.subject, sums);
}

export function agentKpi(r: RollupRow, q: RollupQuery): AgentKpi {
  const sums: AgentSums = {
    ...counters(r, q),
    loggedInMs: r.loggedInMs, onCallMs: r.onCallMs, readyMs: r.readyMs, reservedMs: r.reservedMs, notReadyMs: r.notReadyMs,
    notReadyByReason: r.notReadyByReason, logouts: r.logouts,
  };
  return agentRow(r.label, r.subject, sums, r.days);
}

export const queueReport = async (db: Db, q: RollupQuery): Promise<QueueKpi[]> => (await reportRows(db, 'q', q)).map((r) => queueKpi(r, q));
export const agentReport = async (db: Db, q: RollupQuery): Promise<AgentKpi[]> => (await reportRows(db, 'a', q)).map((r) => agentKpi(r, q));
