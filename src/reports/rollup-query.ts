// Reports from the rollups: Postgres composes the rows of the range into the asked
// intervals in the asked zone (the sums and histograms add up, rollup-sql.ts), and the
// figures are the KPI engine's own row functions applied to those sums. The service reads
// one row per interval and subject: what the answer holds, whatever the range. Day and
// month intervals on local midnights of a zone with a day tier read days and months
// (rollup-day.ts), anything else the quarter hours.
import { withTransaction, type Db, type Queryable } from '../db/pool.js';
import { zoneOffsetMs } from '../local-time.js';
import type { Granularity } from './buckets.js';
import { agentRow, queueRow, type AgentKpi, type AgentSums, type KpiOptions, type QueueKpi, type QueueSums } from './kpi.js';
import { DAY_SOURCE, dayTierRange, MONTH_SOURCE, wholeMonths } from './rollup-day.js';
import { QUARTER_MS, type Kind, type RollupSums } from './rollup-fold.js';
import { answerSql, SOURCE_COLUMNS } from './rollup-sql.js';

/** The engine's options, and optionally one queue or agent. */
export interface RollupQuery extends KpiOptions {
  subject?: string;
}

const MINUTE_LABEL = 'YYYY-MM-DD"T"HH24:MI';
const LABEL: Record<Granularity, string> = { '15m': MINUTE_LABEL, '30m': MINUTE_LABEL, '60m': MINUTE_LABEL, day: 'YYYY-MM-DD', month: 'YYYY-MM' };
/** The start of a quarter's interval on the local clock. */
const START: Record<Granularity, (local: string) => string> = {
  '15m': (l) => l,
  '30m': (l) => `date_bin('30 minutes', ${l}, timestamp '2000-01-01')`,
  '60m': (l) => `date_trunc('hour', ${l})`,
  day: (l) => `date_trunc('day', ${l})`,
  month: (l) => `date_trunc('month', ${l})`,
};

const quarterSql = (g: Granularity) => {
  const local = '(bucket AT TIME ZONE $4)';
  return answerSql(
    `SELECT ${START[g](local)} AS p, subject, ${local}::date AS ld, NULL::int AS month_days, ${SOURCE_COLUMNS}
       FROM kpi_rollups WHERE kind = $1 AND bucket >= $2 AND bucket < $3 AND ($5::text IS NULL OR subject = $5)`,
    LABEL[g],
  );
};
const DAY_SQL = answerSql(DAY_SOURCE, LABEL.day);
const MONTH_SQL = answerSql(MONTH_SOURCE, LABEL.month);

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

/** An answer row: the counters, the figures read from histograms, agent-days. */
export type RollupRow = Record<string, any> & { label: string; subject: string; days: number };

const params = (kind: Kind, q: RollupQuery, from: unknown, to: unknown) =>
  [kind, from, to, q.timeZone, q.subject ?? null, q.serviceLevelSeconds, q.fcrHours, q.dissatisfiedAtOrBelow];

/** Rows parsed per turn of the event loop. */
const PAGE = 250;

/**
 * One row per interval and subject, in the engine's order (interval label, then id, as
 * plain strings; labels of one interval have one length, so byte order is that order).
 * The rows arrive a page at a time through a cursor: the driver parses a whole result in
 * one turn of the event loop, and a year's answer parsed at once holds it long enough to
 * delay calls and lease renewals.
 */
export async function reportRows(db: Db, kind: Kind, q: RollupQuery): Promise<RollupRow[]> {
  return withTransaction(db, async (tx) => {
    // The planner cannot size a report's groups and guesses them past the JIT threshold
    // (compiling takes longer than running, seconds on a busy machine); and a cursor is
    // read to its end, so it is planned for all its rows, not the first tenth.
    await tx.query('SET LOCAL jit = off');
    await tx.query('SET LOCAL cursor_tuple_fraction = 1');
    const days = await dayTierRange(tx, q);
    const args = params(kind, q, days?.from ?? q.from, days?.to ?? q.to);
    if (!days) return paged(tx, quarterSql(q.granularity), args);
    if (q.granularity === 'day') return paged(tx, DAY_SQL, args);
    const months = wholeMonths(days.from, days.to);
    return paged(tx, MONTH_SQL, [...args, months.first, months.end]);
  });
}

async function paged(tx: Queryable, sql: string, args: unknown[]): Promise<RollupRow[]> {
  await tx.query(`DECLARE report_rows NO SCROLL CURSOR FOR ${sql}`, args);
  const out: RollupRow[] = [];
  for (;;) {
    const { rows } = await tx.query<RollupRow>(`FETCH ${PAGE} FROM report_rows`);
    for (const r of rows) out.push(r);
    if (rows.length < PAGE) return out;
  }
}

/** The same rows, always from the quarter hours, in one result (the tests compare the paths). */
export async function quarterRows(db: Queryable, kind: Kind, q: RollupQuery): Promise<RollupRow[]> {
  const { rows } = await db.query<RollupRow>(quarterSql(q.granularity), params(kind, q, q.from, q.to));
  return rows;
}

/** How many a histogram holds at keys up to `limit`. */
function upTo(map: Record<string, number>, limit: number): number {
  let n = 0;
  for (const [k, v] of Object.entries(map)) if (Number(k) <= limit) n += v;
  return n;
}

/**
 * The answer row of sums held in memory (the wallboard's quarter hours of today), with the
 * query's parameters applied to the histograms here as the statement does in Postgres.
 */
export function answerRow(s: RollupSums, label: string, subject: string, days: number, q: Pick<KpiOptions, 'serviceLevelSeconds' | 'fcrHours' | 'dissatisfiedAtOrBelow'>): RollupRow {
  let rated = 0;
  let ratingSum = 0;
  for (const [k, v] of Object.entries(s.ratings)) {
    rated += v;
    ratingSum += Number(k) * v;
  }
  return {
    ...s, label, subject, days, rated, ratingSum,
    answeredWithinTarget: upTo(s.waits, q.serviceLevelSeconds),
    fcrRepeated: upTo(s.fcrRepeats, q.fcrHours),
    dissatisfied: upTo(s.ratings, q.dissatisfiedAtOrBelow),
  };
}

// Plain literals, not spreads: copying properties by spread costs tens of microseconds a
// row here, most of a year's shaping.
export function queueKpi(r: RollupRow): QueueKpi {
  const sums: QueueSums = {
    answered: r.answered, talkMs: r.talkMs, holdMs: r.holdMs, wrapUpMs: r.wrapUpMs, transfers: r.transfers,
    fcrEligible: r.fcrEligible, fcrResolved: r.fcrEligible - r.fcrRepeated,
    surveys: r.surveys, rated: r.rated, ratingSum: r.ratingSum, dissatisfied: r.dissatisfied,
    offered: r.offered, waitMsAnswered: r.waitMsAnswered, abandoned: r.abandoned, shortAbandoned: r.shortAbandoned,
    overflowedIn: r.overflowedIn, overflowedOut: r.overflowedOut, answeredWithinTarget: r.answeredWithinTarget,
  };
  return queueRow(r.label, r.subject, sums);
}

export function agentKpi(r: RollupRow): AgentKpi {
  const sums: AgentSums = {
    answered: r.answered, talkMs: r.talkMs, holdMs: r.holdMs, wrapUpMs: r.wrapUpMs, transfers: r.transfers,
    fcrEligible: r.fcrEligible, fcrResolved: r.fcrEligible - r.fcrRepeated,
    surveys: r.surveys, rated: r.rated, ratingSum: r.ratingSum, dissatisfied: r.dissatisfied,
    loggedInMs: r.loggedInMs, onCallMs: r.onCallMs, readyMs: r.readyMs, reservedMs: r.reservedMs, notReadyMs: r.notReadyMs,
    notReadyByReason: r.notReadyByReason, logouts: r.logouts,
  };
  return agentRow(r.label, r.subject, sums, r.days);
}

export const queueReport = async (db: Db, q: RollupQuery): Promise<QueueKpi[]> => (await reportRows(db, 'q', q)).map(queueKpi);
export const agentReport = async (db: Db, q: RollupQuery): Promise<AgentKpi[]> => (await reportRows(db, 'a', q)).map(agentKpi);

/** The answer row's shape for a kind of report. */
export const kpiShape = (kind: Kind): ((r: RollupRow) => QueueKpi | AgentKpi) => (kind === 'q' ? queueKpi : agentKpi);
