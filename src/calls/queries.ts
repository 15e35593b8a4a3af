// Read side of calls for the API: filtered, keyset-paginated lists and one call with its
// legs and timeline in a single round trip.
import type { Queryable } from '../db/pool.js';
import { decodeCursor, encodeCursor } from '../api/cursor.js';
import type { CallDetail, CallPage, CallSummary, ListCallsQuery } from './schemas.js';

interface CallRow {
  id: string;
  pbx_node: string;
  channel_id: string;
  linkedid: string | null;
  direction: CallSummary['direction'];
  caller_number: string | null;
  caller_name: string | null;
  dnis: string | null;
  state: string;
  data: Record<string, unknown> | null;
  created_at: Date;
  answered_at: Date | null;
  ended_at: Date | null;
  hangup_cause: number | null;
  cursor_micros: string;
}

const CALL_COLUMNS = `c.id, c.pbx_node, c.channel_id, c.linkedid, c.direction, c.caller_number, c.caller_name,
  c.dnis, c.state, c.data, c.created_at, c.answered_at, c.ended_at, c.hangup_cause,
  (extract(epoch FROM c.created_at) * 1000000)::bigint::text AS cursor_micros`;

// Timestamps inside json_agg are formatted by Postgres; make them match Date#toISOString.
const iso = (col: string) => `to_char(${col} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

const DETAIL_SQL = `SELECT ${CALL_COLUMNS},
  COALESCE((SELECT json_agg(json_build_object('channelId', l.channel_id, 'role', l.role,
      'createdAt', ${iso('l.created_at')}, 'endedAt', ${iso('l.ended_at')}) ORDER BY l.created_at, l.channel_id)
    FROM call_legs l WHERE l.call_id = c.id), '[]'::json) AS legs,
  COALESCE((SELECT json_agg(json_build_object('id', e.id, 'type', e.type, 'at', ${iso('e.at')}, 'data', e.data) ORDER BY e.id)
    FROM call_events e WHERE e.call_id = c.id), '[]'::json) AS timeline
FROM calls c WHERE c.id = $1`;

function toSummary(r: CallRow): CallSummary {
  return {
    id: r.id,
    pbxNode: r.pbx_node,
    channelId: r.channel_id,
    linkedid: r.linkedid,
    direction: r.direction,
    state: r.state,
    caller: { number: r.caller_number, name: r.caller_name },
    dnis: r.dnis,
    data: r.data ?? {},
    createdAt: r.created_at.toISOString(),
    answeredAt: r.answered_at ? r.answered_at.toISOString() : null,
    endedAt: r.ended_at ? r.ended_at.toISOString() : null,
    hangupCause: r.hangup_cause,
  };
}

export async function getCallDetail(db: Queryable, id: string): Promise<CallDetail | null> {
  const r = await db.query<CallRow & { legs: CallDetail['legs']; timeline: CallDetail['timeline'] }>({
    name: 'call-detail',
    text: DETAIL_SQL,
    values: [id],
  });
  const row = r.rows[0];
  if (!row) return null;
  return { ...toSummary(row), legs: row.legs, timeline: row.timeline };
}

export const DEFAULT_PAGE_SIZE = 50;

/** Newest first. The cursor is the (created_at, id) of the last item, so rows inserted
 * while a client pages never shift later pages (no duplicates, no gaps). */
export async function listCalls(db: Queryable, q: ListCallsQuery): Promise<CallPage> {
  const where: string[] = [];
  const values: unknown[] = [];
  const param = (v: unknown) => {
    values.push(v);
    return `$${values.length}`;
  };
  if (q.state !== undefined) where.push(`c.state = ${param(q.state)}`);
  if (q.direction !== undefined) where.push(`c.direction = ${param(q.direction)}`);
  if (q.pbxNode !== undefined) where.push(`c.pbx_node = ${param(q.pbxNode)}`);
  if (q.callerNumber !== undefined) where.push(`c.caller_number = ${param(q.callerNumber)}`);
  if (q.dnis !== undefined) where.push(`c.dnis = ${param(q.dnis)}`);
  if (q.linkedid !== undefined) where.push(`c.linkedid = ${param(q.linkedid)}`);
  if (q.from !== undefined) where.push(`c.created_at >= ${param(q.from)}::timestamptz`);
  if (q.to !== undefined) where.push(`c.created_at < ${param(q.to)}::timestamptz`);
  if (q.cursor !== undefined) {
    const pos = decodeCursor(q.cursor);
    where.push(
      `(c.created_at, c.id) < (timestamptz 'epoch' + ${param(pos.micros)}::bigint * interval '1 microsecond', ${param(pos.id)}::uuid)`,
    );
  }
  const limit = q.limit ?? DEFAULT_PAGE_SIZE;
  const sql = `SELECT ${CALL_COLUMNS} FROM calls c ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
    ORDER BY c.created_at DESC, c.id DESC LIMIT ${param(limit + 1)}`;
  const r = await db.query<CallRow>(sql, values);
  const rows = r.rows.slice(0, limit);
  const last = rows[rows.length - 1];
  return {
    items: rows.map(toSummary),
    nextCursor: r.rows.length > limit && last ? encodeCursor({ micros: last.cursor_micros, id: last.id }) : null,
  };
}
