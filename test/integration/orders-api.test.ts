// The orders API over real HTTP on a real Postgres: the workflow end to end, every
// illegal action, the 422 problem lists, idempotent creation and the outbox events.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Pool } from 'undici';
import type { FastifyInstance } from 'fastify';
import { getCallDetail } from '../../src/calls/queries.js';
import { orderRoutes } from '../../src/orders/routes.js';
import { ACTION_NAMES, allowedActions, nextState, ORDER_STATES, type OrderAction, type OrderState } from '../../src/orders/state.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { bearer, insertCall, keyWith, testApp } from './api-fixtures.js';
import { validOrder } from '../helpers/orders.js';

let t: TestDatabase;
let app: FastifyInstance;
let http: Pool;
let key: string;
let readOnly: string;

async function call(method: 'GET' | 'POST', path: string, body?: unknown, k = key, extra: Record<string, string> = {}) {
  const res = await http.request({
    method,
    path,
    headers: { ...bearer(k), ...extra, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    body: body !== undefined ? JSON.stringify(body) : undefined,
  });
  const text = await res.body.text();
  return { status: res.statusCode, body: text ? JSON.parse(text) : undefined, headers: res.headers };
}

const BODIES: Record<OrderAction, Record<string, unknown>> = {
  submit: {},
  approve: { note: 'gift ok' },
  reject: { reason: 'price below floor' },
  pick: {},
  ship: { carrier: 'CTT', trackingNumber: 'RR123456789PT' },
  deliver: { signed: true, cashCollectedMinor: 8948 },
  refuse: { reason: 'not at home twice' },
  return: {},
  'confirm-payment': { receivedMinor: 8948, reference: 'remit-77' },
  complete: {},
};

/** Path of actions from draft to each state (breadth first over the workflow table). */
function pathTo(target: OrderState): OrderAction[] {
  const queue: Array<[OrderState, OrderAction[]]> = [['draft', []]];
  while (queue.length) {
    const [s, path] = queue.shift()!;
    if (s === target) return path;
    for (const a of allowedActions(s)) queue.push([nextState(s, a)!, [...path, a]]);
  }
  throw new Error(`no path to ${target}`);
}

async function orderIn(state: OrderState): Promise<string> {
  const created = await call('POST', '/v1/orders', validOrder());
  expect(created.status).toBe(201);
  for (const a of pathTo(state)) expect((await call('POST', `/v1/orders/${created.body.id}/${a}`, BODIES[a])).status).toBe(200);
  return created.body.id;
}

beforeAll(async () => {
  t = await createTestDatabase();
  ({ app } = await testApp(t.db, { routes: [{ plugin: orderRoutes, opts: { db: t.db } }] }));
  http = new Pool(await app.listen({ host: '127.0.0.1', port: 0 }));
  key = await keyWith(t.db, 'orders:write', 'orders:read');
  readOnly = await keyWith(t.db, 'orders:read');
});
afterAll(async () => {
  await http?.close();
  await app?.close();
  await t?.drop();
});

describe('orders', () => {
  it('takes an order in a call and follows it from draft to completed, announcing each step', async () => {
    const callId = await insertCall(t.db, { callerNumber: '+351912345678' });
    const created = await call('POST', '/v1/orders', { ...validOrder(), callId, approvals: [{ type: 'gift', reason: 'loyal customer' }] });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ state: 'draft', totalMinor: 8948, callId, currency: 'EUR', allowedActions: ['submit'] });
    expect(created.body.items[0]).toMatchObject({ sku: 'PAN-01', lineTotalMinor: 3998 });
    const id = created.body.id;
    const states: string[] = [];
    for (const a of ['submit', 'approve', 'pick', 'ship', 'deliver', 'confirm-payment', 'complete'] as OrderAction[]) {
      const res = await call('POST', `/v1/orders/${id}/${a}`, BODIES[a]);
      expect(res.status, a).toBe(200);
      states.push(res.body.state);
    }
    expect(states).toEqual(['submitted', 'approved', 'picking', 'shipped', 'delivered', 'payment_confirmed', 'completed']);
    const detail = await call('GET', `/v1/orders/${id}`, undefined, readOnly);
    expect(detail.body.shipment).toMatchObject({ carrier: 'CTT', trackingNumber: 'RR123456789PT' });
    expect(detail.body.delivery).toMatchObject({ outcome: 'delivered', cashCollectedMinor: 8948 });
    expect(detail.body.payment).toMatchObject({ receivedMinor: 8948, reference: 'remit-77' });
    expect(detail.body.history.map((h: { to: string }) => h.to)).toEqual(['draft', ...states]);

    const { rows } = await t.db.query<{ type: string; payload: any }>(
      `SELECT type, payload FROM outbox WHERE payload->'data'->>'orderId' = $1 ORDER BY id`, [id]);
    expect(rows.map((r) => r.type)).toEqual(['order.created', ...states.map(() => 'order.status_changed')]);
    expect(rows[1]!.payload).toMatchObject({ callId, data: { from: 'draft', to: 'submitted', action: 'submit' } });

    const byCall = await call('GET', `/v1/orders?callId=${callId}`, undefined, readOnly);
    expect(byCall.body.items.map((o: { id: string }) => o.id)).toEqual([id]);
    expect((await getCallDetail(t.db, callId))!.orderIds).toEqual([id]);
  });

  it('a refused delivery is returned', async () => {
    const id = await orderIn('returned');
    expect((await call('GET', `/v1/orders/${id}`)).body).toMatchObject({ state: 'returned', delivery: { outcome: 'refused' } });
  });

  it('refuses every illegal action with 409 naming the current state', async () => {
    let checked = 0;
    for (const state of ORDER_STATES) {
      const illegal = ACTION_NAMES.filter((a) => nextState(state, a) === undefined);
      const id = await orderIn(state);
      for (const a of illegal) {
        const res = await call('POST', `/v1/orders/${id}/${a}`, BODIES[a]);
        expect(res.status, `${state} ${a}`).toBe(409);
        expect(res.body).toMatchObject({ state, allowedActions: allowedActions(state) });
        checked++;
      }
    }
    expect(checked).toBe(ORDER_STATES.length * ACTION_NAMES.length - 10);
  });

  it('answers 422 listing each problem of a bad order, 404 for unknown orders and actions', async () => {
    const body = validOrder() as Record<string, any>;
    body.discount = 10;
    body.items[0].quantity = -1;
    body.totalMinor = 1;
    delete body.customer.name;
    const res = await call('POST', '/v1/orders', body);
    expect(res.status).toBe(422);
    const pointers = res.body.problems.map((p: { pointer: string }) => p.pointer);
    expect(pointers).toEqual(expect.arrayContaining(['/discount', '/items/0/quantity', '/customer']));
    expect(res.body.problems.map((p: { message: string }) => p.message).join(' ')).toContain("unknown field 'discount'");

    const total = await call('POST', '/v1/orders', { ...validOrder(), totalMinor: 1 });
    expect(total.status).toBe(422);
    expect(total.body.problems).toEqual([{ pointer: '/totalMinor', message: 'totalMinor is 1 but the items add up to 8948' }]);

    const unknownCall = await call('POST', '/v1/orders', { ...validOrder(), callId: '00000000-0000-4000-8000-000000000000' });
    expect(unknownCall.status).toBe(422);

    const id = await orderIn('picking');
    const ship = await call('POST', `/v1/orders/${id}/ship`, { carrier: 'CTT' });
    expect(ship.status).toBe(422);
    expect(ship.body.problems[0].message).toContain('trackingNumber');
    expect((await call('POST', `/v1/orders/${id}/teleport`, {})).status).toBe(404);
    expect((await call('POST', '/v1/orders/not-a-uuid/submit', {})).status).toBe(400);
    const extra = await call('POST', `/v1/orders/${id}/ship`, { carrier: 'CTT', trackingNumber: 'RR9', colour: 'red' });
    expect(extra.status).toBe(422);
    expect(extra.body.problems.map((p: { message: string }) => p.message)).toEqual(["body has unknown field 'colour'"]);
    expect((await call('POST', '/v1/orders/00000000-0000-4000-8000-000000000000/submit', {})).status).toBe(404);
    expect((await call('GET', '/v1/orders/00000000-0000-4000-8000-000000000000')).status).toBe(404);
  });

  it('creates one order per Idempotency-Key, even when the requests race', async () => {
    const headers = { 'idempotency-key': 'call-42-order-1' };
    const results = await Promise.all([1, 2, 3, 4].map(() => call('POST', '/v1/orders', validOrder(), key, headers)));
    expect(results.map((r) => r.status).sort()).toEqual([200, 200, 200, 201]);
    expect(new Set(results.map((r) => r.body.id)).size).toBe(1);
    const { rows } = await t.db.query("SELECT count(*)::int AS n FROM outbox WHERE type = 'order.created' AND payload->'data'->>'orderId' = $1", [results[0]!.body.id]);
    expect(rows[0].n).toBe(1);
    const other = await call('POST', '/v1/orders', { ...validOrder(), currency: 'USD' }, key, headers);
    expect(other.status).toBe(422);
    expect((await call('POST', '/v1/orders', validOrder(), key, { 'idempotency-key': 'k'.repeat(201) })).status).toBe(422);
  });

  it('needs orders:write to change and orders:read to read', async () => {
    expect((await call('POST', '/v1/orders', validOrder(), readOnly)).status).toBe(403);
    const list = await call('GET', '/v1/orders?state=returned&limit=1', undefined, readOnly);
    expect(list.status).toBe(200);
    expect(list.body.items.every((o: { state: string }) => o.state === 'returned')).toBe(true);
  });
});
