// The forecast's history from Postgres: offered calls per local day and half hour (of the
// centre from its calls, of a queue from its quarter-hour KPI rollups), and the mean
// handle time of answered calls.
import type { Queryable } from '../db/pool.js';
import { SLOTS_PER_DAY, lookbackDates, type HistoryDay } from './forecast.js';

export async function offeredHistory(
  db: Queryable,
  opts: { date: string; timeZone: string; days: number; queueId?: string },
): Promise<HistoryDay[]> {
  const dates = lookbackDates(opts.date, opts.days);
  const from = dates[0]!;
  // Local midnights are resolved by Postgres in the centre's zone; one day of margin each
  // side, then the local date filters exactly.
  // A queue's offered calls come from the KPI rollups (the journal is kept for weeks, the
  // rollups for months; the rows of a day are 96 per queue, not one per event).
  const source = opts.queueId
    ? `SELECT bucket AS at, offered AS n FROM kpi_rollups WHERE kind = 'q' AND subject = $4 AND offered > 0`
    : `SELECT created_at AS at, 1 AS n FROM calls WHERE direction = 'inbound'`;
  const { rows } = await db.query(
    `WITH src AS (${source})
     SELECT to_char(at AT TIME ZONE $1, 'YYYY-MM-DD') AS d,
            (extract(hour FROM at AT TIME ZONE $1) * 2 + floor(extract(minute FROM at AT TIME ZONE $1) / 30))::int AS slot,
            sum(n)::int AS n
       FROM src
      WHERE at >= ($2::date - 1)::timestamp AT TIME ZONE 'UTC' AND at < ($3::date + 1)::timestamp AT TIME ZONE 'UTC'
      GROUP BY 1, 2`,
    opts.queueId ? [opts.timeZone, from, opts.date, opts.queueId] : [opts.timeZone, from, opts.date],
  );
  const byDate = new Map(dates.map((d) => [d, new Array<number>(SLOTS_PER_DAY).fill(0)]));
  for (const r of rows) byDate.get(r.d as string)?.splice(r.slot as number, 1, r.n as number);
  return dates.map((date) => ({ date, slots: byDate.get(date)! }));
}

/** Mean talk time of answered inbound calls in the look-back, seconds; null when none. */
export async function historicalHandleSeconds(db: Queryable, since: Date, until: Date): Promise<number | null> {
  const { rows } = await db.query(
    `SELECT avg(talk_ms)::float8 / 1000 AS s FROM cdrs
      WHERE direction = 'inbound' AND answered_at IS NOT NULL AND started_at >= $1 AND started_at < $2`,
    [since, until],
  );
  return rows[0]?.s ?? null;
}
