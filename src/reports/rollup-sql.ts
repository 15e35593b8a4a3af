// The one statement that turns rollup rows of any tier into answer rows. A tier's source
// gives rows of (p: the interval's start, subject, ld: the local date a row covers, or
// month_days: agent-days already counted by a month row, and the sums); Postgres adds them
// up per interval and subject and applies the query's parameters to the histograms, so the
// service receives what the answer holds: counters, the figures read from histograms
// (answered within T, repeats within the FCR window, ratings) and only the one histogram
// the answer shows (not-ready time by reason). Nothing per source row reaches JavaScript.
import { MAP_COLUMNS, SUM_COLUMNS } from './rollup-store.js';

/** Parameters the answer reads, after the source's own ($1 kind … $5 subject). */
export const ANSWER_PARAMS = { serviceLevelSeconds: '$6', fcrHours: '$7', dissatisfiedAtOrBelow: '$8' } as const;

/** The histogram columns in the order the statement numbers them (m = 0, 1, 2, 3). */
const MAP_INDEX = Object.fromEntries(MAP_COLUMNS.map(([f], i) => [f, i])) as Record<(typeof MAP_COLUMNS)[number][0], number>;

/** Columns a tier's source selects after p, subject, ld and month_days. */
export const SOURCE_COLUMNS = [...SUM_COLUMNS.map(([, c]) => c), ...MAP_COLUMNS.map(([, c]) => c)].join(', ');

/**
 * Answer rows from `source`, ordered as the engine orders them (interval, then subject as
 * plain strings: labels of one interval have one length, so the interval's start orders
 * them the same). `labelFormat` is a to_char pattern, applied once per answer row.
 */
export function answerSql(source: string, labelFormat: string): string {
  const { serviceLevelSeconds: T, fcrHours: F, dissatisfiedAtOrBelow: D } = ANSWER_PARAMS;
  const m = MAP_INDEX;
  return `WITH d AS MATERIALIZED (${source}),
  s AS (SELECT p, subject,
      ${SUM_COLUMNS.map(([f, c]) => `sum(${c})::float8 AS "${f}"`).join(', ')},
      (count(DISTINCT ld) FILTER (WHERE logged_in_ms > 0) + coalesce(sum(month_days), 0))::int AS days
    FROM d GROUP BY p, subject),
  e AS (SELECT p, subject, v.m, e.key, CASE WHEN v.m <> ${m.notReadyByReason} THEN e.key::float8 END AS k, sum(e.value::text::float8) AS n
    FROM d, LATERAL (VALUES ${MAP_COLUMNS.map(([, c], i) => `(${i}, ${c})`).join(', ')}) v(m, map), jsonb_each(v.map) e
    WHERE v.map <> '{}'
    GROUP BY 1, 2, 3, 4, 5),
  h AS (SELECT p, subject,
      sum(n) FILTER (WHERE m = ${m.waits} AND k <= ${T}::float8) AS within,
      jsonb_object_agg(key, n) FILTER (WHERE m = ${m.notReadyByReason}) AS reasons,
      sum(n) FILTER (WHERE m = ${m.fcrRepeats} AND k <= ${F}::float8) AS repeated,
      sum(n) FILTER (WHERE m = ${m.ratings}) AS rated,
      sum(k * n) FILTER (WHERE m = ${m.ratings}) AS rating_sum,
      sum(n) FILTER (WHERE m = ${m.ratings} AND k <= ${D}::float8) AS dissatisfied
    FROM e GROUP BY p, subject)
SELECT to_char(s.p, '${labelFormat}') AS label, s.subject,
    ${SUM_COLUMNS.map(([f]) => `s."${f}"`).join(', ')},
    coalesce(h.within, 0)::float8 AS "answeredWithinTarget",
    coalesce(h.reasons, '{}') AS "notReadyByReason",
    coalesce(h.repeated, 0)::float8 AS "fcrRepeated",
    coalesce(h.rated, 0)::float8 AS rated,
    coalesce(h.rating_sum, 0)::float8 AS "ratingSum",
    coalesce(h.dissatisfied, 0)::float8 AS dissatisfied,
    s.days
  FROM s LEFT JOIN h USING (p, subject)
 ORDER BY s.p, s.subject COLLATE "C"`;
}
