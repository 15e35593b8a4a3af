// A CDR is written when the call ends, but an agent's wrap-up ends later. Re-deriving the
// detail from the (grown) timeline completes it; the derivation is pure and idempotent,
// so refreshing twice or from two instances gives the same row.
import type { Queryable } from '../db/pool.js';
import { buildCdrDetail, type CdrDetail } from './detail.js';

// The CDR and its call's timeline (oldest first) in one round trip: three arrays that
// pg parses into dates and objects as the rows would have been.
const CDR_WITH_TIMELINE = `
  SELECT c.started_at, c.answered_at, c.ended_at, c.hangup_cause, t.types, t.ats, t.datas
  FROM cdrs c
  CROSS JOIN LATERAL (
    SELECT array_agg(e.type ORDER BY e.id) AS types, array_agg(e.at ORDER BY e.id) AS ats, array_agg(e.data ORDER BY e.id) AS datas
    FROM call_events e WHERE e.call_id = c.call_id
  ) t
  WHERE c.id = $1`;

export async function refreshCdrDetail(db: Queryable, cdrId: string): Promise<CdrDetail | undefined> {
  const { rows } = await db.query<{
    started_at: Date; answered_at: Date | null; ended_at: Date; hangup_cause: number | null;
    types: string[] | null; ats: Date[] | null; datas: Array<Record<string, unknown>> | null;
  }>({ name: 'cdr-with-timeline', text: CDR_WITH_TIMELINE, values: [cdrId] });
  const row = rows[0];
  if (!row) return undefined;
  const timeline = (row.types ?? []).map((type, i) => ({ type, at: row.ats![i]!, data: row.datas![i]! }));
  const ended = timeline.find((t) => t.type === 'call.ended');
  const detail = buildCdrDetail(
    {
      createdAt: row.started_at,
      answeredAt: row.answered_at,
      endedAt: row.ended_at,
      hangupCause: row.hangup_cause,
      ...(typeof ended?.data.reason === 'string' ? { endReason: ended.data.reason } : {}),
    },
    timeline,
  );
  await db.query('UPDATE cdrs SET detail = $2 WHERE id = $1', [cdrId, detail]);
  return detail;
}
