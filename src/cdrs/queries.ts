// Read side of CDRs: list (keyset pages, newest first), one with Asterisk's own records,
// and batches for the CSV export. Rows are shaped in Node from the stored detail.
import type { Queryable } from '../db/pool.js';
import { decodeCursor, encodeCursor } from '../api/cursor.js';
import type { CdrDetail } from './detail.js';
import type { ListCdrsQuery } from './schemas.js';

interface CdrRow {
  id: string;
  call_id: string;
  pbx_node: string;
  linkedid: string | null;
  direction: string;
  caller_number: string | null;
  caller_name: string | null;
  dnis: string | null;
  started_at: Date;
  answered_at: Date | null;
  ended_at: Date;
  duration_ms: number;
  talk_ms: number;
  disposition: string;
  hangup_cause: number | null;
  data: Record<string, unknown>;
  detail: Partial<CdrDetail>;
  micros: string;
  order_ids: string[] | null;
}

export type CdrView = ReturnType<typeof toView>;

function toView(r: CdrRow) {
  const d = r.detail;
  return {
    id: r.id,
    callId: r.call_id,
    pbxNode: r.pbx_node,
    linkedid: r.linkedid,
    direction: r.direction,
    caller: { number: r.caller_number, name: r.caller_name },
    dnis: r.dnis,
    startedAt: r.started_at.toISOString(),
    answeredAt: r.answered_at?.toISOString() ?? null,
    endedAt: r.ended_at.toISOString(),
    durationMs: r.duration_ms,
    talkMs: r.talk_ms,
    disposition: r.disposition,
    hangupCause: r.hangup_cause,
    data: r.data,
    // CDRs written before the detail existed have an empty one.
    ivrPath: d.ivrPath ?? [],
    queue: d.queue ?? null,
    waitMs: d.waitMs ?? 0,
    holdMs: d.holdMs ?? 0,
    legs: (d.legs ?? []) as unknown as Record<string, unknown>[],
    agents: (d.agents ?? []) as unknown as Record<string, unknown>[],
    transfers: (d.transfers ?? []) as unknown as Record<string, unknown>[],
    conferences: (d.conferences ?? []) as unknown as Record<string, unknown>[],
    survey: (d.survey ?? null) as Record<string, unknown> | null,
    recordings: d.recordings ?? [],
    complete: d.complete ?? true,
    orderIds: r.order_ids ?? [],
  };
}

const SELECT = `SELECT c.*, (extract(epoch FROM c.ended_at) * 1000000)::bigint::text AS micros,
  (SELECT array_agg(o.id ORDER BY o.created_at, o.id) FROM orders o WHERE o.call_id = c.call_id) AS order_ids
  FROM cdrs c`;

function filters(q: Omit<ListCdrsQuery, 'limit'>, values: unknown[]): string[] {
  const where: string[] = [];
  const param = (v: unknown) => (values.push(v), `$${values.length}`);
  if (q.from !== undefined) where.push(`c.ended_at >= ${param(q.from)}::timestamptz`);
  if (q.to !== undefined) where.push(`c.ended_at < ${param(q.to)}::timestamptz`);
  if (q.direction !== undefined) where.push(`c.direction = ${param(q.direction)}`);
  if (q.disposition !== undefined) where.push(`c.disposition = ${param(q.disposition)}`);
  if (q.callerNumber !== undefined) where.push(`c.caller_number = ${param(q.callerNumber)}`);
  if (q.dnis !== undefined) where.push(`c.dnis = ${param(q.dnis)}`);
  if (q.queue !== undefined) where.push(`c.detail->'queue'->>'id' = ${param(q.queue)}`);
  if (q.agentId !== undefined) where.push(`c.detail->'agents' @> ${param(JSON.stringify([{ agentId: q.agentId }]))}::jsonb`);
  if (q.callId !== undefined) where.push(`c.call_id = ${param(q.callId)}`);
  if (q.pbxNode !== undefined) where.push(`c.pbx_node = ${param(q.pbxNode)}`);
  if (q.cursor !== undefined) {
    const pos = decodeCursor(q.cursor);
    where.push(`(c.ended_at, c.id) < (timestamptz 'epoch' + ${param(pos.micros)}::bigint * interval '1 microsecond', ${param(pos.id)}::uuid)`);
  }
  return where;
}

export async function listCdrs(db: Queryable, q: ListCdrsQuery): Promise<{ items: CdrView[]; nextCursor: string | null }> {
  const values: unknown[] = [];
  const where = filters(q, values);
  const limit = q.limit ?? 50;
  values.push(limit + 1);
  const { rows } = await db.query<CdrRow>(
    `${SELECT} ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY c.ended_at DESC, c.id DESC LIMIT $${values.length}`,
    values,
  );
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return { items: page.map(toView), nextCursor: rows.length > limit && last ? encodeCursor({ micros: last.micros, id: last.id }) : null };
}

export async function getCdr(db: Queryable, id: string): Promise<(CdrView & { asterisk: Record<string, unknown>[] }) | undefined> {
  const { rows } = await db.query<CdrRow>(`${SELECT} WHERE c.id = $1`, [id]);
  if (!rows[0]) return undefined;
  const asterisk = await db.query<{ fields: Record<string, unknown> }>(
    `SELECT a.fields FROM asterisk_cdrs a
     WHERE a.pbx_node = $1 AND a.unique_id IN (SELECT channel_id FROM call_legs WHERE call_id = $2)
     ORDER BY a.id`,
    [rows[0].pbx_node, rows[0].call_id],
  );
  return { ...toView(rows[0]), asterisk: asterisk.rows.map((r) => r.fields) };
}

/** Pages for the CSV export, newest first, until `limit` rows or the end. */
export async function* cdrBatches(db: Queryable, q: Omit<ListCdrsQuery, 'limit'>, limit: number, batch = 500): AsyncGenerator<CdrView[]> {
  let cursor = q.cursor;
  let left = limit;
  while (left > 0) {
    const page = await listCdrs(db, { ...q, ...(cursor !== undefined ? { cursor } : {}), limit: Math.min(batch, left) });
    if (page.items.length) yield page.items;
    left -= page.items.length;
    if (!page.nextCursor) return;
    cursor = page.nextCursor;
  }
}
