// A CDR is written when the call ends, but an agent's wrap-up ends later. Re-deriving the
// detail from the (grown) timeline completes it; the derivation is pure and idempotent,
// so refreshing twice or from two instances gives the same row.
import type { Queryable } from '../db/pool.js';
import { buildCdrDetail, type CdrDetail } from './detail.js';

export async function refreshCdrDetail(db: Queryable, cdrId: string): Promise<CdrDetail | undefined> {
  const { rows } = await db.query<{
    call_id: string; started_at: Date; answered_at: Date | null; ended_at: Date; hangup_cause: number | null; disposition: string;
  }>('SELECT call_id, started_at, answered_at, ended_at, hangup_cause, disposition FROM cdrs WHERE id = $1', [cdrId]);
  const row = rows[0];
  if (!row) return undefined;
  const timeline = await db.query<{ type: string; at: Date; data: Record<string, unknown> }>(
    'SELECT type, at, data FROM call_events WHERE call_id = $1 ORDER BY id',
    [row.call_id],
  );
  const ended = timeline.rows.find((t) => t.type === 'call.ended');
  const detail = buildCdrDetail(
    {
      createdAt: row.started_at,
      answeredAt: row.answered_at,
      endedAt: row.ended_at,
      hangupCause: row.hangup_cause,
      ...(typeof ended?.data.reason === 'string' ? { endReason: ended.data.reason } : {}),
    },
    timeline.rows,
  );
  await db.query('UPDATE cdrs SET detail = $2 WHERE id = $1', [cdrId, detail]);
  return detail;
}
