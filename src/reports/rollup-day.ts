// The day tier of the KPI rollups: per queue and agent per local day of each registered
// zone (migration 110). The fold keeps it in step with the quarter hours (rollup-store.ts);
// here a zone is registered, and a report whose intervals are whole local days of such a
// zone is answered from it: a year reads one row per day and subject.
import { withTransaction, type Db, type Queryable } from '../db/pool.js';
import { localMidnight, localTime } from '../local-time.js';
import type { Granularity } from './buckets.js';
import { ALL_COLUMNS, MAP_COLUMNS, mapSum, SUM_COLUMNS, SUMMED } from './rollup-store.js';

/**
 * Registers a zone, filling its days from the quarter-hour rows. Waits for the fold's
 * position lock, so no batch lands between the fill and the registration (it would be
 * counted twice or not at all). Returns whether the zone was new.
 */
export async function ensureDayZone(db: Db, zone: string): Promise<boolean> {
  return withTransaction(db, async (tx) => {
    await tx.query('SELECT sequence FROM kpi_rollup_position FOR UPDATE');
    const added = await tx.query('INSERT INTO kpi_rollup_day_zones (zone) VALUES ($1) ON CONFLICT DO NOTHING RETURNING zone', [zone]);
    if (!added.rowCount) return false;
    await tx.query(
      `INSERT INTO kpi_rollups_day (kind, subject, zone, day, ${ALL_COLUMNS.map(([c]) => c).join(', ')})
       SELECT q.kind, q.subject, $1, (q.bucket AT TIME ZONE $1)::date, ${SUMMED('q')}
         FROM kpi_rollups q GROUP BY 1, 2, 3, 4`,
      [zone],
    );
    return true;
  });
}

/**
 * The local dates [from, to) when the day tier answers the query exactly: day or month
 * intervals, a registered zone, and both ends on local midnights of it. Otherwise
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

/** Same rows as the quarter-hour query (rollup-query.ts), from days: $2 and $3 are local dates. */
export const daySql = (g: 'day' | 'month') => `SELECT * FROM (SELECT to_char(day, '${g === 'day' ? 'YYYY-MM-DD' : 'YYYY-MM'}') AS label, subject,
    ${SUM_COLUMNS.map(([f, c]) => `sum(${c})::float8 AS "${f}"`).join(', ')},
    ${MAP_COLUMNS.map(([f, c]) => `${mapSum(c)} AS "${f}"`).join(', ')},
    count(*) FILTER (WHERE logged_in_ms > 0)::int AS days
  FROM kpi_rollups_day
  WHERE kind = $1 AND day >= $2::date AND day < $3::date AND zone = $4 AND ($5::text IS NULL OR subject = $5)
  GROUP BY 1, 2) x
  ORDER BY label COLLATE "C", subject COLLATE "C"`;
