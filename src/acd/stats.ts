// The day's counts of a queue from what the ACD recorded as calls entered and left it.
import type { Queryable } from '../db/pool.js';
import type { DayCounts } from './kpi.js';

export async function dayCounts(db: Queryable, queueId: string, targetSeconds: number, since: Date): Promise<DayCounts> {
  const { rows } = await db.query(
    `SELECT
       (SELECT count(*) FROM acd_queue_entries WHERE queue_id = $1 AND at >= $2 AND overflow_from IS NULL)::int AS offered,
       count(*) FILTER (WHERE outcome = 'answered')::int AS answered,
       count(*) FILTER (WHERE outcome = 'answered' AND wait_ms <= $3)::int AS within,
       count(*) FILTER (WHERE outcome = 'abandoned')::int AS abandoned,
       count(*) FILTER (WHERE outcome = 'abandoned' AND short)::int AS short,
       count(*) FILTER (WHERE outcome = 'overflowed')::int AS overflowed,
       coalesce(sum(wait_ms) FILTER (WHERE outcome = 'answered'), 0)::bigint AS wait
     FROM acd_queue_outcomes WHERE queue_id = $1 AND at >= $2`,
    [queueId, since, targetSeconds * 1000],
  );
  const r = rows[0];
  return {
    offered: r.offered,
    answered: r.answered,
    answeredWithinTarget: r.within,
    abandoned: r.abandoned,
    shortAbandoned: r.short,
    overflowed: r.overflowed,
    totalAnswerWaitMs: Number(r.wait),
  };
}

export function startOfUtcDay(now = new Date()): Date {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
}
