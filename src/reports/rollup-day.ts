// The day tier of the KPI rollups: per queue and agent per local day of each registered
// zone (migration 110). The fold keeps it in step with the quarter hours (rollup-store.ts);
// here a zone is registered, and a report whose intervals are whole local days of such a
// zone is answered from it: a year reads one row per day and subject.
import { withTransaction, type Db, type Queryable } from '../db/pool.js';
import { localMidnight, localTime } from '../local-time.js';
import type { Granularity } from './buckets.js';
import { ALL_COLUMNS, MAP_COLUMNS, SUM_COLUMNS, SUMMED } from './rollup-store.js';

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

/**
 * Same rows as the quarter-hour query (rollup-query.ts), from days: $2 and $3 are local
 * dates. The range is read once; the counters are summed per interval and subject, and
 * the histograms in one pass over all their entries, grouped by interval, subject,
 * histogram and key (a sub-select per group and histogram, and a sort of the wide rows
 * by a label formatted per row, cost a year's report seconds). Labels are formatted per answer row.
 */
export const daySql = (g: 'day' | 'month') => `WITH d AS MATERIALIZED (
    SELECT ${g === 'day' ? 'day' : "date_trunc('month', day)::date"} AS p, subject, ${ALL_COLUMNS.map(([c]) => c).join(', ')}
      FROM kpi_rollups_day
     WHERE kind = $1 AND zone = $4 AND day >= $2::date AND day < $3::date AND ($5::text IS NULL OR subject = $5)),
  s AS (SELECT p, subject,
      ${SUM_COLUMNS.map(([f, c]) => `sum(${c})::float8 AS "${f}"`).join(', ')},
      count(*) FILTER (WHERE logged_in_ms > 0)::int AS days
    FROM d GROUP BY p, subject),
  h AS (SELECT p, subject, ${MAP_COLUMNS.map(([f], i) => `jsonb_object_agg(key, n) FILTER (WHERE m = ${i}) AS "${f}"`).join(', ')}
    FROM (SELECT p, subject, v.m, e.key, sum(e.value::text::float8) AS n
            FROM d, LATERAL (VALUES ${MAP_COLUMNS.map(([, c], i) => `(${i}, ${c})`).join(', ')}) v(m, map), jsonb_each(v.map) e
           GROUP BY 1, 2, 3, 4) e
    GROUP BY p, subject)
SELECT to_char(s.p, '${g === 'day' ? 'YYYY-MM-DD' : 'YYYY-MM'}') AS label, s.subject,
    ${SUM_COLUMNS.map(([f]) => `s."${f}"`).join(', ')},
    ${MAP_COLUMNS.map(([f]) => `coalesce(h."${f}", '{}') AS "${f}"`).join(', ')},
    s.days
  FROM s LEFT JOIN h USING (p, subject)
 ORDER BY s.p, s.subject COLLATE "C"`;
