// Durable orders. Every change is one transaction with its history row and its outbox
// event, so `order.*` events always match what is stored.
import { randomUUID } from 'node:crypto';
import { withTransaction, type Db, type Queryable } from '../db/pool.js';
import { decodeCursor, encodeCursor } from '../api/cursor.js';
import { appendOutbox } from '../events/outbox.js';
import type { ListOrdersQuery, NewOrderBody, Order } from './schemas.js';
import { allowedActions, isOrderState, nextState, type OrderAction, type OrderState } from './state.js';
import type { PricedItem, Problem } from './validate.js';

interface OrderRow {
  id: string;
  state: string;
  customer: Order['customer'];
  media_source: Order['mediaSource'];
  items: PricedItem[];
  currency: string;
  total_minor: number;
  call_id: string | null;
  approvals: Order['approvals'];
  shipment: Record<string, unknown> | null;
  delivery: Record<string, unknown> | null;
  payment: Record<string, unknown> | null;
  request_hash: string | null;
  created_at: Date;
  updated_at: Date;
}

function toOrder(r: OrderRow): Order {
  if (!isOrderState(r.state)) throw new Error(`order ${r.id} has unknown state ${r.state}`);
  return {
    id: r.id,
    state: r.state,
    customer: r.customer,
    mediaSource: r.media_source,
    items: r.items,
    currency: r.currency,
    totalMinor: Number(r.total_minor),
    callId: r.call_id,
    approvals: r.approvals,
    shipment: r.shipment,
    delivery: r.delivery,
    payment: r.payment,
    allowedActions: allowedActions(r.state),
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
  };
}

/** The body of order.* events: the order as the API shows it. */
export function orderPayload(o: Order): Record<string, unknown> {
  return { orderId: o.id, ...o };
}

export class OrderRefusal extends Error {
  constructor(
    readonly kind: 'illegal' | 'invalid' | 'idempotency' | 'unknown_call' | 'not_found',
    message: string,
    readonly extra: { state?: OrderState; allowedActions?: string[]; problems?: Problem[] } = {},
  ) {
    super(message);
  }
}

export interface NewOrder {
  body: NewOrderBody;
  items: PricedItem[];
  totalMinor: number;
  apiKeyId?: string;
  idempotencyKey?: string;
  requestHash?: string;
}

/** Creates the order (draft), or returns the one created earlier with the same Idempotency-Key. */
export async function createOrder(db: Db, input: NewOrder, at = new Date()): Promise<{ order: Order; created: boolean }> {
  return withTransaction(db, async (tx) => {
    const b = input.body;
    if (b.callId !== undefined) {
      const { rowCount } = await tx.query('SELECT 1 FROM calls WHERE id = $1', [b.callId]);
      if (!rowCount) {
        throw new OrderRefusal('unknown_call', `call ${b.callId} does not exist`, {
          problems: [{ pointer: '/callId', message: `call ${b.callId} does not exist` }],
        });
      }
    }
    const { rows } = await tx.query<OrderRow>(
      `INSERT INTO orders (id, state, customer, media_source, items, currency, total_minor, call_id, approvals,
         api_key_id, idempotency_key, request_hash, created_at, updated_at)
       VALUES ($1, 'draft', $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12)
       ON CONFLICT (api_key_id, idempotency_key) DO NOTHING RETURNING *`,
      [randomUUID(), b.customer, b.mediaSource ? JSON.stringify(b.mediaSource) : null, JSON.stringify(input.items), b.currency,
        input.totalMinor, b.callId ?? null, JSON.stringify(b.approvals ?? []), input.apiKeyId ?? null, input.idempotencyKey ?? null,
        input.requestHash ?? null, at],
    );
    const row = rows[0];
    if (!row) {
      const existing = await tx.query<OrderRow>('SELECT * FROM orders WHERE api_key_id = $1 AND idempotency_key = $2', [
        input.apiKeyId, input.idempotencyKey,
      ]);
      const prior = existing.rows[0]!;
      if (prior.request_hash !== input.requestHash) {
        throw new OrderRefusal('idempotency', 'this Idempotency-Key was already used with a different request body');
      }
      return { order: toOrder(prior), created: false };
    }
    const order = toOrder(row);
    await tx.query('INSERT INTO order_transitions (order_id, action, from_state, to_state, at) VALUES ($1, $2, NULL, $3, $4)', [
      order.id, 'create', 'draft', at,
    ]);
    await appendOutbox(tx, { type: 'order.created', ...(order.callId ? { callId: order.callId } : {}), occurredAt: at, data: orderPayload(order) });
    return { order, created: true };
  });
}

export async function getOrder(db: Queryable, id: string): Promise<Order | undefined> {
  const { rows } = await db.query<OrderRow>('SELECT * FROM orders WHERE id = $1', [id]);
  return rows[0] ? toOrder(rows[0]) : undefined;
}

export async function orderHistory(db: Queryable, id: string) {
  const { rows } = await db.query<{ action: string; from_state: string | null; to_state: string; data: Record<string, unknown>; at: Date }>(
    'SELECT action, from_state, to_state, data, at FROM order_transitions WHERE order_id = $1 ORDER BY id',
    [id],
  );
  return rows.map((r) => ({ action: r.action, from: r.from_state, to: r.to_state, data: r.data, at: r.at.toISOString() }));
}

export async function orderIdsOfCalls(db: Queryable, callIds: string[]): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  if (callIds.length === 0) return out;
  const { rows } = await db.query<{ call_id: string; id: string }>(
    'SELECT call_id, id FROM orders WHERE call_id = ANY($1::uuid[]) ORDER BY created_at, id',
    [callIds],
  );
  for (const r of rows) out.set(r.call_id, [...(out.get(r.call_id) ?? []), r.id]);
  return out;
}

export async function listOrders(db: Queryable, q: ListOrdersQuery): Promise<{ items: Order[]; nextCursor: string | null }> {
  const where: string[] = [];
  const values: unknown[] = [];
  const param = (v: unknown) => (values.push(v), `$${values.length}`);
  if (q.state !== undefined) where.push(`state = ${param(q.state)}`);
  if (q.callId !== undefined) where.push(`call_id = ${param(q.callId)}`);
  if (q.phone !== undefined) where.push(`customer->>'phone' = ${param(q.phone)}`);
  if (q.mediaSource !== undefined) where.push(`media_source->>'name' = ${param(q.mediaSource)}`);
  if (q.from !== undefined) where.push(`created_at >= ${param(q.from)}::timestamptz`);
  if (q.to !== undefined) where.push(`created_at < ${param(q.to)}::timestamptz`);
  if (q.cursor !== undefined) {
    const pos = decodeCursor(q.cursor);
    where.push(`(created_at, id) < (timestamptz 'epoch' + ${param(pos.micros)}::bigint * interval '1 microsecond', ${param(pos.id)}::uuid)`);
  }
  const limit = q.limit ?? 50;
  const { rows } = await db.query<OrderRow & { micros: string }>(
    `SELECT *, (extract(epoch FROM created_at) * 1000000)::bigint::text AS micros FROM orders
     ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at DESC, id DESC LIMIT ${param(limit + 1)}`,
    values,
  );
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return {
    items: page.map(toOrder),
    nextCursor: rows.length > limit && last ? encodeCursor({ micros: last.micros, id: last.id }) : null,
  };
}

/** What an action records on the order besides its state. */
function changes(action: OrderAction, body: Record<string, unknown>, at: string): Partial<Record<'shipment' | 'delivery' | 'payment', Record<string, unknown>>> {
  switch (action) {
    case 'ship':
      return { shipment: { carrier: body.carrier, trackingNumber: body.trackingNumber, shippedAt: at } };
    case 'deliver':
      return { delivery: { outcome: 'delivered', signed: true, cashCollectedMinor: body.cashCollectedMinor, at } };
    case 'refuse':
      return { delivery: { outcome: 'refused', reason: body.reason, at } };
    case 'confirm-payment':
      return { payment: { receivedMinor: body.receivedMinor, reference: body.reference ?? null, confirmedAt: at } };
    default:
      return {};
  }
}

/**
 * Applies one action. Throws OrderRefusal: not_found, illegal (the current state and what
 * is allowed), invalid (problems in the body).
 */
export async function applyOrderAction(
  db: Db,
  id: string,
  action: OrderAction,
  body: Record<string, unknown>,
  check: (order: Order) => Problem[],
  at = new Date(),
): Promise<Order> {
  return withTransaction(db, async (tx) => {
    const { rows } = await tx.query<OrderRow>('SELECT * FROM orders WHERE id = $1 FOR UPDATE', [id]);
    if (!rows[0]) throw new OrderRefusal('not_found', `order ${id} does not exist`);
    const current = toOrder(rows[0]);
    const to = nextState(current.state, action);
    if (!to) {
      throw new OrderRefusal('illegal', `order ${id} is ${current.state}; '${action}' is not allowed there`, {
        state: current.state,
        allowedActions: current.allowedActions,
      });
    }
    const problems = check(current);
    if (problems.length > 0) throw new OrderRefusal('invalid', `the '${action}' request has ${problems.length} problem(s)`, { problems });
    const patch = changes(action, body, at.toISOString());
    const updated = await tx.query<OrderRow>(
      `UPDATE orders SET state = $2, updated_at = $3,
         shipment = COALESCE($4, shipment), delivery = COALESCE($5, delivery), payment = COALESCE($6, payment)
       WHERE id = $1 RETURNING *`,
      [id, to, at, patch.shipment ?? null, patch.delivery ?? null, patch.payment ?? null],
    );
    const order = toOrder(updated.rows[0]!);
    await tx.query('INSERT INTO order_transitions (order_id, action, from_state, to_state, data, at) VALUES ($1, $2, $3, $4, $5, $6)', [
      id, action, current.state, to, body, at,
    ]);
    await appendOutbox(tx, {
      type: 'order.status_changed',
      ...(order.callId ? { callId: order.callId } : {}),
      occurredAt: at,
      data: { ...orderPayload(order), from: current.state, to, action, input: body },
    });
    return order;
  });
}
