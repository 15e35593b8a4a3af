// The day and month tiers of the KPI rollups: per queue and agent per local day and local
// month of each registered zone (migrations 110 and 150). The fold keeps both in step with
// the quarter hours (rollup-store.ts); here a zone is registered, and a report whose
// intervals are whole local days of such a zone is answered from them: a year by day
// reads one row per day and subject, a year by month one row per month and subject plus
// the days of the months the range cuts.
import { withTransaction, type Db, type Queryable } from '../db/pool.js';
import { localMidnight, localTime } from '../local-time.js';
import type { Granularity } from './buckets.js';
import { ALL_COLUMNS, SUMMED } from './rollup-store.js';
import { SOURCE_COLUMNS } from './rollup-sql.js';

const COLUMNS = ALL_COLUMNS.map(([c]) => c).join(', ');

/**
 * Registers a zone, filling its days from the quarter-hour rows and its months from the
 * days. Waits for the fold's position lock, so no batch lands between the fill and the
 * registration (it would be counted twice or not at all). Returns whether the zone was new.
 */
export async function ensureDayZone(db: Db, zone: string): Promise<boolean> {
  return withTransaction(db, async (tx) => {
    await tx.query('SELECT sequence FROM kpi_rollup_position FOR UPDATE');
    const added = await tx.query('INSERT INTO kpi_rollup_day_zones (zone) VALUES ($1) ON CONFLICT DO NOTHING RETURNING zone', [zone]);
    if (!added.rowCount) return false;
    await tx.query('SET LOCAL jit = off');
    await tx.query(
      `INSERT INTO kpi_rollups_day (kind, subject, zone, day, ${COLUMNS})
       SELECT q.kind, q.subject, $1, (q.bucket AT TIME ZONE $1)::date, ${SUMMED('q')}
         FROM kpi_rollups q GROUP BY 1, 2, 3, 4`,
      [zone],
    );
    await tx.query(
      `INSERT INTO kpi_rollups_month (kind, subject, zone, month, ${COLUMNS}, days)
       SELECT d.kind, d.subject, d.zone, date_trunc('month', d.day)::date, ${SUMMED('d')}, count(*) FILTER (WHERE d.logged_in_ms > 0)
         FROM kpi_rollups_day d WHERE d.zone = $1 GROUP BY 1, 2, 3, 4`,
      [zone],
    );
    return true;
  });
}

/**
 * The local dates [from, to) when the day and month tiers answer the query exactly: day or
 * month intervals, a registered zone, and both ends on local midnights of it. Otherwise
 * undefined, and the quarter hours answer.
 */
export async function dayTierRange(
  db: Queryable,
  q: { granularity: Granularity; timeZone: string; from: Date; to: Date },
): Promise<{ from: string; to: string } | undefined> {
  if (q.granularity !== 'day' && q.granularity !== 'month') return undefined;
  const from = localTime(q.from, q.timeZone).date;
  const to = localTime(q.to, q.timeZone).date;
  if (localMidnight(from, q.timeZone) !== q.from.getTime() || localMidnight(to, q.timeZone) !== q.to.getTime()) return undefined;
  const { rowCount } = await db.query('SELECT 1 FROM kpi_rollup_day_zones WHERE zone = $1', [q.timeZone]);
  return rowCount ? { from, to } : undefined;
}

const FILTER = `kind = $1 AND zone = $4 AND ($5::text IS NULL OR subject = $5)`;

/** Day rows of the local dates [$2, $3): each is an answer row of a report by day. */
export const DAY_SOURCE = `SELECT day AS p, subject, day AS ld, NULL::int AS month_days, ${SOURCE_COLUMNS}
  FROM kpi_rollups_day WHERE ${FILTER} AND day >= $2::date AND day < $3::date`;

/**
 * Month rows of the whole months [$9, $10), and the day rows of the range outside them
 * (the months it cuts), each under the start of its month.
 */
export const MONTH_SOURCE = `SELECT month AS p, subject, NULL::date AS ld, days AS month_days, ${SOURCE_COLUMNS}
    FROM kpi_rollups_month WHERE ${FILTER} AND month >= $9::date AND month < $10::date
  UNION ALL
  SELECT date_trunc('month', day)::date, subject, day, NULL, ${SOURCE_COLUMNS}
    FROM kpi_rollups_day WHERE ${FILTER} AND ((day >= $2::date AND day < $9::date) OR (day >= $10::date AND day < $3::date))`;

/**
 * The whole local months inside the dates [from, to), as [first, end) month starts; an
 * empty [to, to) when there is none, so the days cover the whole range.
 */
export function wholeMonths(from: string, to: string): { first: string; end: string } {
  const first = from.endsWith('-01') ? from : `${addMonth(from.slice(0, 7))}-01`;
  const end = `${to.slice(0, 7)}-01`;
  return first < end ? { first, end } : { first: to, end: to };
}

function addMonth(month: string): string {
  const [y, m] = month.split('-').map(Number) as [number, number];
  return m === 12 ? `${String(y + 1).padStart(4, '0')}-01` : `${month.slice(0, 4)}-${String(m + 1).padStart(2, '0')}`;
}
