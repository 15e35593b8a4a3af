// Signed updates from the logistics partner over real HTTP: a bad signature is 401, an
// unknown order 404, an update that does not fit the order's state 409 and kept for
// review, a malformed one 422; a good one moves the order, once per webhook-id.
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { Pool } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSecret, sign } from '../../src/events/signing.js';
import { logisticsRoutes } from '../../src/orders/logistics-routes.js';
import { orderRoutes } from '../../src/orders/routes.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { validOrder } from '../helpers/orders.js';
import { bearer, keyWith, testApp } from './api-fixtures.js';

let t: TestDatabase;
let app: FastifyInstance;
let http: Pool;
let key: string;
const secret = generateSecret();

async function send(update: unknown, opts: { id?: string; secret?: string } = {}) {
  const body = JSON.stringify(update);
  const headers = sign(opts.secret ?? secret, opts.id ?? `upd_${randomUUID()}`, body);
  const res = await http.request({ method: 'POST', path: '/v1/logistics/updates', headers: { ...headers, 'content-type': 'application/json' }, body });
  const text = await res.body.text();
  return { status: res.statusCode, body: text ? JSON.parse(text) : undefined };
}

async function api(method: 'GET' | 'POST', path: string, body?: unknown) {
  const res = await http.request({
    method, path, headers: { ...bearer(key), ...(body ? { 'content-type': 'application/json' } : {}) }, ...(body ? { body: JSON.stringify(body) } : {}),
  });
  return { status: res.statusCode, body: (await res.body.json()) as any };
}

async function approvedOrder(): Promise<string> {
  const id = (await api('POST', '/v1/orders', validOrder())).body.id;
  for (const a of ['submit', 'approve']) expect((await api('POST', `/v1/orders/${id}/${a}`, {})).status).toBe(200);
  return id;
}

beforeAll(async () => {
  t = await createTestDatabase();
  ({ app } = await testApp(t.db, {
    routes: [
      { plugin: orderRoutes, opts: { db: t.db } },
      { plugin: logisticsRoutes, opts: { db: t.db, secret } },
    ],
  }));
  http = new Pool(await app.listen({ host: '127.0.0.1', port: 0 }));
  key = await keyWith(t.db, 'orders:write', 'orders:read');
});
afterAll(async () => {
  await http?.close();
  await app?.close();
  await t?.drop();
});

describe('POST /v1/logistics/updates', () => {
  it('applies picked, shipped and delivered updates in order; a repeated update changes nothing', async () => {
    const orderId = await approvedOrder();
    expect((await send({ orderId, status: 'picking' })).body.state).toBe('picking');
    const shipped = { orderId, status: 'shipped', carrier: 'CTT', trackingNumber: 'RR1PT' };
    const first = await send(shipped, { id: 'upd_ship_1' });
    expect(first.body).toMatchObject({ state: 'shipped', shipment: { carrier: 'CTT', trackingNumber: 'RR1PT' } });
    const again = await send(shipped, { id: 'upd_ship_1' });
    expect(again.status).toBe(200);
    expect(again.body.state).toBe('shipped');
    expect((await send({ orderId, status: 'delivered', cashCollectedMinor: 8948 })).body.state).toBe('delivered');
    const { rows } = await t.db.query("SELECT count(*)::int AS n FROM outbox WHERE type = 'order.status_changed' AND payload->'data'->>'orderId' = $1", [orderId]);
    expect(rows[0].n).toBe(5); // submit, approve, pick, ship, deliver
  });

  it('refuses a bad signature (401), an unknown order (404), a malformed update (422)', async () => {
    const orderId = await approvedOrder();
    expect((await send({ orderId, status: 'picking' }, { secret: generateSecret() })).status).toBe(401);
    const unsigned = await http.request({ method: 'POST', path: '/v1/logistics/updates', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(unsigned.statusCode).toBe(401);
    await unsigned.body.text();
    expect((await send({ orderId: randomUUID(), status: 'picking' })).status).toBe(404);
    const bad = await send({ orderId, status: 'teleported', colour: 'red' });
    expect(bad.status).toBe(422);
    expect(bad.body.problems.length).toBeGreaterThanOrEqual(2);
    expect((await api('GET', `/v1/orders/${orderId}`)).body.state).toBe('approved');
  });

  it('answers 409 to an update out of order and keeps it for review', async () => {
    const orderId = await approvedOrder();
    const early = await send({ orderId, status: 'delivered', cashCollectedMinor: 8948 }, { id: 'upd_early' });
    expect(early.status).toBe(409);
    expect(early.body).toMatchObject({ state: 'approved', allowedActions: ['pick'] });
    const review = await api('GET', '/v1/logistics/updates');
    expect(review.body.items.find((u: { id: string }) => u.id === 'upd_early')).toMatchObject({ orderId, outcome: 'out_of_order' });
  });
});
