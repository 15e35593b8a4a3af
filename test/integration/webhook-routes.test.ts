// The webhook REST routes on a minimal Fastify instance: real Postgres, real BullMQ queue.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../src/api/keys.js';
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { registerErrorHandling } from '../../src/api/errors.js';
import { ProblemSchema } from '../../src/api/schemas.js';
import { webhookRoutes } from '../../src/events/webhook-routes.js';
import { WEBHOOKS_QUEUE, type WebhookJobData } from '../../src/events/queues.js';
import type { Resolver } from '../../src/events/target.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { TEST_REDIS_URL, uniquePrefix } from '../helpers/redis.js';

const DNS: Record<string, string[]> = {
  'hooks.example.com': ['93.184.216.34'],
  'crm.example.com': ['2606:2800:220:1:248:1893:25c8:1946'],
  'metadata.example.com': ['169.254.169.254'],
  'sneaky.example.com': ['93.184.216.34', '10.1.2.3'],
};
const resolve: Resolver = async (host) => {
  const list = DNS[host];
  if (!list) throw Object.assign(new Error('not found'), { code: 'ENOTFOUND' });
  return list.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
};

let tdb: TestDatabase;
let app: FastifyInstance;
let redis: Redis;
let queue: Queue<WebhookJobData>;
const seenScopes = new Map<string, unknown>();
let asAdmin: (req: FastifyRequest) => void;

beforeAll(async () => {
  tdb = await createTestDatabase();
  redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null });
  queue = new Queue<WebhookJobData>(WEBHOOKS_QUEUE, { connection: redis, prefix: `${uniquePrefix('whr')}:bull` });
  app = Fastify();
  app.addSchema(ProblemSchema);
  registerErrorHandling(app, { bodyLimit: 1_048_576 });
  // Stand-in for the API's auth hook: record which scope each route asks for, and act as
  // an admin key (ownership has its own test).
  const admin = await createApiKey(tdb.db, { name: 'admin', scopes: ['admin'] });
  asAdmin = (req) => {
    req.apiKey = { id: admin.id, name: 'admin', prefix: admin.prefix, scopes: ['admin'], via: admin.prefix };
  };
  app.addHook('onRequest', async (req) => {
    seenScopes.set(`${req.method} ${req.routeOptions.url}`, req.routeOptions.config.scopes);
    asAdmin(req);
  });
  await app.register(webhookRoutes, {
    db: tdb.db,
    config: { outbound: { allowHosts: [] }, webhooks: { timeoutMs: 1000, maxAttempts: 4 } },
    queues: { webhooks: queue },
    resolve,
  });
  await app.ready();
});

afterAll(async () => {
  await app?.close();
  await queue?.obliterate({ force: true }).catch(() => {});
  await queue?.close();
  redis?.disconnect();
  await tdb?.drop();
});

async function create(body: Record<string, unknown>) {
  return app.inject({ method: 'POST', url: '/v1/webhooks', payload: body });
}

describe('webhook routes', () => {
  it('creates a subscription, returning the generated secret once', async () => {
    const res = await create({ url: 'https://hooks.example.com/cti', eventTypes: ['call.created', 'call.ended'], description: 'CRM' });
    expect(res.statusCode).toBe(201);
    const body = res.json();
    expect(body).toMatchObject({ url: 'https://hooks.example.com/cti', eventTypes: ['call.created', 'call.ended'], description: 'CRM', enabled: true });
    expect(body.secret).toMatch(/^whsec_[A-Za-z0-9+/]+={0,2}$/);
    expect(res.headers.location).toBe(`/v1/webhooks/${body.id}`);
    const got = await app.inject({ method: 'GET', url: `/v1/webhooks/${body.id}` });
    expect(got.statusCode).toBe(200);
    expect(got.json()).not.toHaveProperty('secret');
    expect(got.body).not.toContain(body.secret.slice(6));
    const { rows } = await tdb.db.query('SELECT secret FROM webhook_subscriptions WHERE id = $1', [body.id]);
    expect(rows[0].secret).toBe(body.secret);
  });

  it('keeps a secret the integrator supplies', async () => {
    const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
    const res = await create({ url: 'https://crm.example.com/hook', eventTypes: [], secret });
    expect(res.statusCode).toBe(201);
    expect(res.json().secret).toBe(secret);
  });

  it.each([
    [{ url: 'https://hooks.example.com/x', eventTypes: ['call.exploded'] }, /eventTypes/],
    [{ url: 'https://hooks.example.com/x', eventTypes: [], extra: 1 }, /unknown field 'extra'/],
    [{ eventTypes: [] }, /url/],
    [{ url: 'https://hooks.example.com/x' }, /eventTypes/],
    [{ url: 'ftp://hooks.example.com/x', eventTypes: [] }, /scheme ftp/],
    [{ url: 'not a url', eventTypes: [] }, /not a valid absolute URL/],
    [{ url: 'http://127.0.0.1:8088/ari', eventTypes: [] }, /loopback/],
    [{ url: 'http://[::1]/x', eventTypes: [] }, /loopback/],
    [{ url: 'http://10.0.0.5/x', eventTypes: [] }, /private/],
    [{ url: 'http://[::127.0.0.1]/x', eventTypes: [] }, /IPv4-compatible/],
    [{ url: 'http://[64:ff9b::7f00:1]/x', eventTypes: [] }, /NAT64/],
    [{ url: 'http://[::ffff:7f00:1]/x', eventTypes: [] }, /loopback/],
    [{ url: 'http://198.18.0.1/x', eventTypes: [] }, /benchmarking/],
    [{ url: 'http://metadata.example.com/latest', eventTypes: [] }, /169\.254\.169\.254.*link-local/],
    [{ url: 'http://sneaky.example.com/x', eventTypes: [] }, /10\.1\.2\.3/],
    [{ url: 'https://nowhere.example.com/x', eventTypes: [] }, /does not resolve/],
    [{ url: 'https://user:pw@hooks.example.com/x', eventTypes: [] }, /credentials/],
    [{ url: 'https://hooks.example.com/x', eventTypes: [], secret: 'plain' }, /secret/],
    [{ url: 'https://hooks.example.com/x', eventTypes: [], secret: 'whsec_c2hvcnQ=' }, /secret/],
  ])('refuses %j with a 400 problem naming why', async (body, why) => {
    const res = await create(body);
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.json().detail).toMatch(why);
  });

  it('pages through subscriptions with a cursor, newest first', async () => {
    const made: string[] = [];
    for (let i = 0; i < 5; i++) made.push((await create({ url: `https://hooks.example.com/p${i}`, eventTypes: [] })).json().id);
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res = await app.inject({ method: 'GET', url: `/v1/webhooks?limit=2${cursor ? `&cursor=${cursor}` : ''}` });
      expect(res.statusCode).toBe(200);
      const body = res.json() as { items: Array<{ id: string; secret?: string }>; nextCursor: string | null };
      expect(body.items.length).toBeLessThanOrEqual(2);
      for (const it of body.items) expect(it).not.toHaveProperty('secret');
      seen.push(...body.items.map((i) => i.id));
      cursor = body.nextCursor;
      pages++;
    } while (cursor && pages < 20);
    expect(new Set(seen).size).toBe(seen.length);
    // The five just made come first, newest first.
    expect(seen.slice(0, 5)).toEqual([...made].reverse());
    const { rows } = await tdb.db.query('SELECT count(*)::int AS n FROM webhook_subscriptions WHERE deleted_at IS NULL');
    expect(seen).toHaveLength(rows[0].n);
  });

  it('rejects a bad limit or cursor', async () => {
    expect((await app.inject({ method: 'GET', url: '/v1/webhooks?limit=0' })).statusCode).toBe(400);
    expect((await app.inject({ method: 'GET', url: '/v1/webhooks?limit=abc' })).statusCode).toBe(400);
    const bad = await app.inject({ method: 'GET', url: '/v1/webhooks?cursor=garbage' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().detail).toMatch(/cursor/);
  });

  it('answers 404 problems for unknown ids and 400 for malformed ones', async () => {
    const unknown = '5b0c6a1e-8f7e-4a7e-9a3b-2c1d0e9f8a7b';
    for (const [method, url] of [
      ['GET', `/v1/webhooks/${unknown}`],
      ['DELETE', `/v1/webhooks/${unknown}`],
      ['GET', `/v1/webhooks/${unknown}/deliveries`],
      ['POST', `/v1/webhooks/deliveries/${unknown}/redeliver`],
    ] as const) {
      const res = await app.inject({ method, url });
      expect(res.statusCode, `${method} ${url}`).toBe(404);
      expect(res.headers['content-type']).toMatch(/problem\+json/);
    }
    expect((await app.inject({ method: 'GET', url: '/v1/webhooks/not-a-uuid' })).statusCode).toBe(400);
  });

  it('soft-deletes: 204, then 404, row kept', async () => {
    const id = (await create({ url: 'https://hooks.example.com/del', eventTypes: [] })).json().id;
    const del = await app.inject({ method: 'DELETE', url: `/v1/webhooks/${id}` });
    expect(del.statusCode).toBe(204);
    expect((await app.inject({ method: 'GET', url: `/v1/webhooks/${id}` })).statusCode).toBe(404);
    expect((await app.inject({ method: 'DELETE', url: `/v1/webhooks/${id}` })).statusCode).toBe(404);
    const { rows } = await tdb.db.query('SELECT deleted_at, enabled FROM webhook_subscriptions WHERE id = $1', [id]);
    expect(rows[0].deleted_at).not.toBeNull();
    expect(rows[0].enabled).toBe(false);
  });

  it('lists deliveries with their attempts and redelivers a finished one as a new job series', async () => {
    const id = (await create({ url: 'https://hooks.example.com/d', eventTypes: [] })).json().id;
    const eventId = '0f8e1c2a-3b4d-4e5f-8a9b-0c1d2e3f4a5b';
    const deliveryId = '1a2b3c4d-5e6f-4a0b-8c1d-2e3f4a5b6c7d';
    await tdb.db.query(
      `INSERT INTO webhook_deliveries (id, subscription_id, event_id, event_type, status, attempts, last_status_code)
       VALUES ($1, $2, $3, 'call.ended', 'dead', 2, 500)`,
      [deliveryId, id, eventId],
    );
    await tdb.db.query(
      `INSERT INTO webhook_attempts (delivery_id, attempt, status_code, duration_ms) VALUES ($1, 1, 500, 12), ($1, 2, 500, 9)`,
      [deliveryId],
    );
    const list = await app.inject({ method: 'GET', url: `/v1/webhooks/${id}/deliveries` });
    expect(list.statusCode).toBe(200);
    const items = list.json().items;
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ id: deliveryId, eventId, status: 'dead', attempts: 2, lastStatusCode: 500 });
    expect(items[0].attemptLog.map((a: { attempt: number; statusCode: number }) => [a.attempt, a.statusCode])).toEqual([
      [1, 500],
      [2, 500],
    ]);

    const again = await app.inject({ method: 'POST', url: `/v1/webhooks/deliveries/${deliveryId}/redeliver` });
    expect(again.statusCode).toBe(202);
    expect(again.json()).toEqual({ deliveryId, status: 'pending' });
    const job = await queue.getJob(`${deliveryId}-r2`);
    expect(job?.data).toEqual({ deliveryId });
    expect(job?.opts.attempts).toBe(4);
    const { rows } = await tdb.db.query('SELECT status FROM webhook_deliveries WHERE id = $1', [deliveryId]);
    expect(rows[0].status).toBe('pending');

    // A series already running is not doubled.
    const twice = await app.inject({ method: 'POST', url: `/v1/webhooks/deliveries/${deliveryId}/redeliver` });
    expect(twice.statusCode).toBe(409);

    // Deleted subscription: nothing to redeliver to.
    await tdb.db.query("UPDATE webhook_deliveries SET status = 'failed' WHERE id = $1", [deliveryId]);
    await app.inject({ method: 'DELETE', url: `/v1/webhooks/${id}` });
    expect((await app.inject({ method: 'POST', url: `/v1/webhooks/deliveries/${deliveryId}/redeliver` })).statusCode).toBe(409);
  });

  it('answers 503 and leaves the delivery as it was when the queue is unreachable', async () => {
    const { createServer } = await import('node:net');
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as import('node:net').AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const deadRedis = new Redis(`redis://127.0.0.1:${port}`, { enableOfflineQueue: false, maxRetriesPerRequest: 1, lazyConnect: true });
    deadRedis.on('error', () => {});
    const deadQueue = new Queue<WebhookJobData>(WEBHOOKS_QUEUE, { connection: deadRedis, prefix: `${uniquePrefix('whr')}:bull` });
    deadQueue.on('error', () => {});
    const other = Fastify();
    other.addSchema(ProblemSchema);
    registerErrorHandling(other, { bodyLimit: 1_048_576 });
    other.addHook('onRequest', async (req) => asAdmin(req));
    await other.register(webhookRoutes, {
      db: tdb.db,
      config: { outbound: { allowHosts: [] }, webhooks: { timeoutMs: 1000, maxAttempts: 4 } },
      queues: { webhooks: deadQueue },
      resolve,
      enqueueTimeoutMs: 300,
    });
    try {
      const id = (await create({ url: 'https://hooks.example.com/q', eventTypes: [] })).json().id;
      const deliveryId = '2b3c4d5e-6f70-4a1b-8c2d-3e4f5a6b7c8d';
      await tdb.db.query(
        `INSERT INTO webhook_deliveries (id, subscription_id, event_id, event_type, status, attempts)
         VALUES ($1, $2, gen_random_uuid(), 'call.ended', 'dead', 3)`,
        [deliveryId, id],
      );
      const res = await other.inject({ method: 'POST', url: `/v1/webhooks/deliveries/${deliveryId}/redeliver` });
      expect(res.statusCode).toBe(503);
      const { rows } = await tdb.db.query('SELECT status FROM webhook_deliveries WHERE id = $1', [deliveryId]);
      expect(rows[0].status).toBe('dead');
    } finally {
      await other.close();
      await Promise.race([deadQueue.close(), new Promise((r) => setTimeout(r, 500))]);
      deadRedis.disconnect();
    }
  });

  it('declares the scope every route needs', () => {
    expect(Object.fromEntries(seenScopes)).toMatchObject({
      'POST /v1/webhooks': ['webhooks:write'],
      'GET /v1/webhooks': ['webhooks:read'],
      'GET /v1/webhooks/:id': ['webhooks:read'],
      'DELETE /v1/webhooks/:id': ['webhooks:write'],
      'GET /v1/webhooks/:id/deliveries': ['webhooks:read'],
      'POST /v1/webhooks/deliveries/:id/redeliver': ['webhooks:write'],
    });
  });
});
