// The TypeScript client (client/) against the running service and the simulator, as an
// integrator uses it: typed operations, problem+json as exceptions, Idempotency-Key,
// pagination, the journal, the resumable live stream and signed webhooks.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BadRequestError,
  CtiBridge,
  EVENT_TYPES,
  ForbiddenError,
  NotFoundError,
  UnprocessableError,
  WebhookVerificationError,
  isEvent,
  parseWebhook,
  type AnyEvent,
  type Operations,
} from '../../client/src/index.js';
import { renderEventTypes } from '../../client/src/render-events.js';
import { renderClientTypes } from '../../client/src/render.js';
import { createApiKey } from '../../src/api/keys.js';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/log.js';
import { startService, type Service } from '../../src/main.js';
import { startSimulator, type Simulator } from '../../src/sim/index.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { validOrder } from '../helpers/orders.js';
import { startReceiver, type Receiver } from '../helpers/receiver.js';
import { uniquePrefix } from '../helpers/redis.js';
import { serviceEnv, simControl } from '../helpers/service.js';
import { waitFor, waitUntil } from '../helpers/wait.js';

// Every event this file's flows make the service write is checked against /v1/events/schemas.
process.env.EVENT_SCHEMA_CHECK = '1';

const order = () => validOrder() as Operations['POST /v1/orders']['body'];

describe('the TypeScript client', () => {
  let t: TestDatabase;
  let sim: Simulator;
  let service: Service;
  let receiver: Receiver;
  let client: CtiBridge;

  beforeAll(async () => {
    t = await createTestDatabase();
    sim = await startSimulator({});
    receiver = await startReceiver();
    service = await startService(loadConfig(serviceEnv(sim, t.url, uniquePrefix('client'))), createLogger('warn'));
    const { key } = await createApiKey(service.db, { name: 'integrator', scopes: ['admin'] });
    client = new CtiBridge({ baseUrl: service.url, apiKey: key });
    await waitUntil(() => service.nodes[0]!.ariClient?.state === 'connected', 'ARI connected');
  });

  afterAll(async () => {
    await service?.stop();
    await sim?.close();
    await receiver?.close();
    await t?.drop();
  });

  it('is generated from the service it talks to: every operation and event type, no stale one', async () => {
    const doc = await (await fetch(`${service.url}/docs/json`)).json();
    for (const [file, render] of [
      ['operations.gen.ts', renderClientTypes],
      ['events.gen.ts', renderEventTypes],
    ] as const) {
      const committed = readFileSync(new URL(`../../client/src/${file}`, import.meta.url), 'utf8');
      expect(committed, `client/src/${file} is stale: run \`npm run client:generate -- <service url>\``).toBe(render(doc));
    }
  });

  it('knows every event type /v1/events/schemas publishes', async () => {
    const published = await client.request('GET /v1/events/schemas', {});
    expect([...EVENT_TYPES].sort()).toEqual(Object.keys(published.events).sort());
  });

  it('lists calls page by page and reads one; unknown ids, missing scopes and bad input are typed exceptions', async () => {
    for (const from of ['+15551230001', '+15551230002', '+15551230003']) await simControl(sim, '/calls', { from, to: '100' });
    await waitFor('three calls', async () => (await t.db.query('SELECT count(*)::int AS n FROM calls')).rows[0].n >= 3);
    const seen: string[] = [];
    for await (const call of client.paginate('GET /v1/calls', { query: { limit: 1 } })) seen.push(call.id);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.length).toBeGreaterThanOrEqual(3);
    const one = await client.request('GET /v1/calls/{id}', { params: { id: seen[0]! } });
    expect(one.id).toBe(seen[0]);
    expect(Array.isArray(one.timeline)).toBe(true);

    const missing = await client.request('GET /v1/calls/{id}', { params: { id: '00000000-0000-4000-8000-000000000000' } }).catch((e) => e);
    expect(missing).toBeInstanceOf(NotFoundError);
    expect(missing.problem.status).toBe(404);

    const { key } = await createApiKey(service.db, { name: 'reader', scopes: ['calls:read'] });
    const reader = new CtiBridge({ baseUrl: service.url, apiKey: key });
    const denied = await reader.request('GET /v1/orders', {}).catch((e) => e);
    expect(denied).toBeInstanceOf(ForbiddenError);
    expect(denied.problem.requiredScope).toBe('orders:read');

    const bad = await client.request('GET /v1/calls', { query: { limit: 5000 } }).catch((e) => e);
    expect(bad).toBeInstanceOf(BadRequestError);
    expect(bad.requestId).toBeTruthy();
    const invalid = await client.request('POST /v1/orders', { body: { ...order(), totalMinor: 1 } }).catch((e) => e);
    expect(invalid).toBeInstanceOf(UnprocessableError);
    expect(invalid.problem.problems.length).toBeGreaterThan(0);
  });

  it('repeats an order with the same Idempotency-Key without creating a second; the journal and CDRs read through', async () => {
    const first = await client.request('POST /v1/orders', { body: order(), idempotencyKey: 'client-order-1' });
    const again = await client.request('POST /v1/orders', { body: order(), idempotencyKey: 'client-order-1' });
    expect(again.id).toBe(first.id);
    const orders = [];
    for await (const o of client.paginate('GET /v1/orders', { query: { limit: 1 } })) orders.push(o.id);
    expect(orders).toEqual([first.id]);

    const events: AnyEvent[] = [];
    for await (const e of client.journal({ types: ['order.*'], limit: 1 })) events.push(e);
    expect(events.map((e) => e.type)).toEqual(['order.created']);
    const created = events[0]!;
    if (!isEvent(created, 'order.created')) throw new Error('narrowing');
    expect(created.data.orderId).toBe(first.id);
    expect(created.data.totalMinor).toBe(8948);

    await waitFor('a CDR', async () => (await t.db.query('SELECT 1 FROM cdrs')).rowCount);
    const cdrs = [];
    for await (const c of client.paginate('GET /v1/cdrs', { query: {} })) cdrs.push(c);
    expect(cdrs.length).toBeGreaterThan(0);
  });

  it('streams events live from a cursor, and a second stream resumes after the first one’s cursor', async () => {
    const start = (await client.request('GET /v1/events', { query: { after: '0', limit: 1000 } })).nextCursor;
    const stream = client.stream({ after: start, types: ['order.*'] });
    const placed = await client.request('POST /v1/orders', { body: order(), idempotencyKey: true });
    let got: AnyEvent | undefined;
    for await (const e of stream) {
      got = e;
      break;
    }
    expect(got?.type).toBe('order.created');
    expect(isEvent(got!, 'order.created') && got.data.orderId).toBe(placed.id);
    const cursor = stream.cursor!;
    expect(Number(cursor)).toBeGreaterThan(Number(start));

    const later = await client.request('POST /v1/orders', { body: order(), idempotencyKey: true });
    const resumed = client.stream({ after: cursor, types: ['order.*'] });
    for await (const e of resumed) {
      expect(e.type).toBe('order.created');
      expect(isEvent(e, 'order.created') && e.data.orderId).toBe(later.id);
      break;
    }
  });

  it('subscribes a webhook and verifies what arrives; a tampered body is refused', async () => {
    const hook = await client.request('POST /v1/webhooks', { body: { url: receiver.url, eventTypes: ['order.created'] } });
    const placed = await client.request('POST /v1/orders', { body: order(), idempotencyKey: true });
    const delivery = await waitFor('the signed delivery', async () => receiver.received.find((r) => r.json.data.orderId === placed.id));
    const event = parseWebhook(delivery.headers as Record<string, string>, delivery.body, hook.secret);
    expect(event.type).toBe('order.created');
    expect(() => parseWebhook(delivery.headers as Record<string, string>, delivery.body.replace('8948', '1'), hook.secret)).toThrow(WebhookVerificationError);
  });
});
