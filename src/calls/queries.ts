// Read side of calls for the API. Postgres renders the JSON itself: the API answers with
// that text as is, so a hot GET /v1/calls/{id} costs one round trip and no row decoding,
// date parsing or re-serialization in Node (see bench/api.ts). The shape is the one in
// schemas.ts; the integration tests check every response against it.
import type { Queryable } from '../db/pool.js';
import { decodeCursor, encodeCursor } from '../api/cursor.js';
import type { CallDetail, ListCallsQuery } from './schemas.js';

/** Same text as Date#toISOString: UTC, milliseconds, Z. */
const iso = (col: string) => `to_char(${col} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

const CALL_FIELDS = `'id', c.id, 'pbxNode', c.pbx_node, 'channelId', c.channel_id, 'linkedid', c.linkedid,
  'direction', c.direction, 'state', c.state,
  'caller', json_build_object('number', c.caller_number, 'name', c.caller_name),
  'dnis', c.dnis, 'data', c.data, 'createdAt', ${iso('c.created_at')}, 'answeredAt', ${iso('c.answered_at')},
  'endedAt', ${iso('c.ended_at')}, 'hangupCause', c.hangup_cause`;

const LEGS = `COALESCE((SELECT json_agg(json_build_object('channelId', l.channel_id, 'role', l.role, 'agentId', l.agent_id,
    'createdAt', ${iso('l.created_at')}, 'endedAt', ${iso('l.ended_at')}) ORDER BY l.created_at, l.channel_id)
  FROM call_legs l WHERE l.call_id = c.id), '[]'::json)`;

const TIMELINE = `COALESCE((SELECT json_agg(json_build_object('id', e.id, 'type', e.type, 'at', ${iso('e.at')}, 'data', e.data)
    ORDER BY e.id)
  FROM call_events e WHERE e.call_id = c.id), '[]'::json)`;

// Orders taken in the call (src/orders); a new or re-linked order announces the call on
// cti_call_changed too, so cached details stay fresh.
const ORDER_IDS = `COALESCE((SELECT json_agg(o.id ORDER BY o.created_at, o.id) FROM orders o WHERE o.call_id = c.id), '[]'::json)`;

const DETAIL_SQL = `SELECT json_build_object(${CALL_FIELDS}, 'legs', ${LEGS}, 'timeline', ${TIMELINE}, 'orderIds', ${ORDER_IDS})::text AS body
  FROM calls c WHERE c.id = $1`;

/** The call with its legs and timeline (events in recording order) as JSON text, or null. */
export async function getCallDetailJson(db: Queryable, id: string): Promise<string | null> {
  const r = await db.query<{ body: string }>({ name: 'call-detail-json', text: DETAIL_SQL, values: [id] });
  return r.rows[0]?.body ?? null;
}

export async function getCallDetail(db: Queryable, id: string): Promise<CallDetail | null> {
  const body = await getCallDetailJson(db, id);
  return body === null ? null : (JSON.parse(body) as CallDetail);
}

export const DEFAULT_PAGE_SIZE = 50;

/**
 * One page, newest first, as JSON text `{"items":[...],"nextCursor":...}`. The cursor is
 * the (created_at, id) of the last item, to the microsecond, so rows inserted while a
 * client pages never shift later pages (no duplicates, no gaps).
 */
export async function listCallsJson(db: Queryable, q: ListCallsQuery): Promise<string> {
  const where: string[] = [];
  const values: unknown[] = [];
  const param = (v: unknown) => {
    values.push(v);
    return `$${values.length}`;
  };
  if (q.state !== undefined) where.push(`c.state = ${param(q.state)}`);
  // Live calls are few and indexed apart (calls_state_idx covers state <> 'ended').
  if (q.live !== undefined) where.push(q.live ? `c.state <> 'ended'` : `c.state = 'ended'`);
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
  const sql = `SELECT json_build_object(${CALL_FIELDS})::text AS item, c.id,
      (extract(epoch FROM c.created_at) * 1000000)::bigint::text AS micros
    FROM calls c ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
    ORDER BY c.created_at DESC, c.id DESC LIMIT ${param(limit + 1)}`;
  const r = await db.query<{ item: string; id: string; micros: string }>(sql, values);
  const rows = r.rows.slice(0, limit);
  const last = rows[rows.length - 1];
  const next = r.rows.length > limit && last ? encodeCursor({ micros: last.micros, id: last.id }) : null;
  return `{"items":[${rows.map((row) => row.item).join(',')}],"nextCursor":${JSON.stringify(next)}}`;
}
