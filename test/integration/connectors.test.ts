// CRM and logistics connectors on the real event pipeline: each its own BullMQ queue on a
// private Redis, deliveries recorded in Postgres. Redis is killed and restarted while
// events flow, and every Postgres connection of the service is cut: the CRM receiver
// still sees every event exactly once by id. Dead letters are listed and replayed.
import type { ChildProcess } from 'node:child_process';
import pg from 'pg';
import type { FastifyInstance } from 'fastify';
import { Pool } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../src/api/keys.js';
import { withTransaction } from '../../src/db/pool.js';
import type { DomainEvent, EventType } from '../../src/events/catalogue.js';
import type { ConnectorConfig } from '../../src/events/connectors/config.js';
import { deadLetterRoutes } from '../../src/events/deadletter-routes.js';
import { appendOutbox } from '../../src/events/outbox.js';
import { startEventPipeline, type EventPipeline } from '../../src/events/pipeline.js';
import { generateSecret, verifyWebhook } from '../../src/events/signing.js';
import { insertSubscription } from '../../src/events/webhook-store.js';
import { createLogger } from '../../src/log.js';
import { ADMIN_DATABASE_URL, createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { startReceiver, type Receiver } from '../helpers/receiver.js';
import { uniquePrefix } from '../helpers/redis.js';
import { freePort, startRedis, stopRedis } from '../helpers/redis-server.js';
import { waitFor } from '../helpers/wait.js';
import { bearer, keyWith, testApp } from './api-fixtures.js';
import { eventData } from '../helpers/events.js';

let t: TestDatabase;
let redis: ChildProcess | undefined;
let redisPort: number;
let pipeline: EventPipeline;
let crm: Receiver;
let logistics: Receiver;
let flaky: Receiver;
let app: FastifyInstance;
let http: Pool;
const crmSecret = generateSecret();

const ORDER = '6d1f2c3a-4b5e-4f60-8a71-92b3c4d5e6f7';
const PANS = { sku: 'PAN-01', quantity: 2, unitPriceMinor: 1990, lineTotalMinor: 3980 };

const crmIds = () => crm.received.map((r) => String(r.headers['idempotency-key']));

/** Commits one event; retries while Postgres connections are being cut, as a service would. */
async function emit(type: EventType, data: Record<string, unknown>): Promise<DomainEvent> {
  for (let tries = 0; ; tries++) {
    try {
      return await withTransaction(t.db, (tx) => appendOutbox(tx, { type, data: eventData(type, data) }));
    } catch (err) {
      if (tries > 50) throw err;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

async function allDelivered(connector: string, n: number): Promise<boolean> {
  const { rows } = await t.db.query("SELECT count(*)::int AS n FROM connector_deliveries WHERE connector = $1 AND status = 'delivered'", [connector]);
  return rows[0].n === n;
}

beforeAll(async () => {
  t = await createTestDatabase();
  [crm, logistics, flaky] = await Promise.all([startReceiver(), startReceiver(), startReceiver()]);
  const port = (redisPort = await freePort());
  redis = await startRedis(port);
  const connectors: ConnectorConfig[] = [
    {
      id: 'crm',
      url: crm.url,
      events: ['cdr.created', 'survey.completed', 'order.*'],
      auth: { bearer: 'crm-token', signingSecret: crmSecret },
      concurrency: 8,
      maxAttempts: 20,
      backoffBaseMs: 20,
      backoffMaxMs: 300,
    },
    {
      id: 'logistics',
      url: logistics.url,
      events: ['order.status_changed'],
      when: { '/data/to': 'approved' },
      template: { reference: 'order-{{/data/orderId}}', orderId: '{{/data/orderId}}', items: '{{/data/items}}', source: 'cti-bridge' },
      maxAttempts: 20,
      backoffBaseMs: 20,
      backoffMaxMs: 300,
    },
    { id: 'flaky', url: flaky.url, events: ['fax.failed'], maxAttempts: 2, backoffBaseMs: 10, backoffMaxMs: 20 },
  ];
  pipeline = await startEventPipeline({
    db: t.db,
    log: createLogger('silent'),
    config: { redisUrl: `redis://127.0.0.1:${port}`, redisPrefix: uniquePrefix('conn'), outbound: { allowHosts: ['127.0.0.1'] }, webhooks: { timeoutMs: 2_000, maxAttempts: 3 } },
    relay: { pollMs: 50, maxBackoffMs: 300, enqueueTimeoutMs: 1_000, republishAfterMs: 500 },
    connectors,
    connectorTuning: { sweepMs: 200, staleMs: 1_000 },
    closeTimeoutMs: 2_000,
  });
  ({ app } = await testApp(t.db, {
    routes: [{ plugin: deadLetterRoutes, opts: { db: t.db, config: { webhooks: { maxAttempts: 3 } }, queues: pipeline.queues, connectors: pipeline.connectors } }],
  }));
  http = new Pool(await app.listen({ host: '127.0.0.1', port: 0 }));
});

afterAll(async () => {
  await http?.close();
  await app?.close();
  await pipeline?.stop();
  if (redis) await stopRedis(redis);
  await Promise.all([crm, logistics, flaky].map((r) => r?.close()));
  await t?.drop();
});

describe('connectors', () => {
  it('sends each connector the events it wants: signed, with the event id as Idempotency-Key, templated', async () => {
    const wanted = [
      await emit('cdr.created', {}),
      await emit('survey.completed', { survey: { rating: '5', rated: true } }),
      await emit('order.status_changed', { orderId: ORDER, to: 'approved', items: [PANS] }),
      await emit('order.status_changed', { orderId: ORDER, to: 'picking' }),
    ];
    await emit('call.created', { ignored: true });
    await waitFor('CRM deliveries', () => allDelivered('crm', 4));
    await waitFor('logistics delivery', () => allDelivered('logistics', 1));
    expect(crmIds().sort()).toEqual(wanted.map((e) => e.id).sort());
    for (const r of crm.received) {
      expect(verifyWebhook(r.headers, r.body, crmSecret).ok).toBe(true);
      expect(r.headers.authorization).toBe('Bearer crm-token');
      expect(r.headers['webhook-id']).toBe(r.headers['idempotency-key']);
    }
    expect(logistics.received).toHaveLength(1);
    expect(logistics.received[0]!.headers['idempotency-key']).toBe(wanted[2]!.id);
    expect(JSON.parse(logistics.received[0]!.body)).toEqual({
      reference: `order-${ORDER}`, orderId: ORDER, items: [PANS], source: 'cti-bridge',
    });
    // Each delivery's row is written once, with its first attempt's outcome.
    const { rows } = await t.db.query(
      "SELECT status, attempts, delivered_at IS NOT NULL AS stamped FROM connector_deliveries WHERE connector = 'crm' AND event_id = ANY ($1::uuid[])",
      [wanted.map((e) => e.id)],
    );
    expect(rows).toEqual(wanted.map(() => ({ status: 'delivered', attempts: 1, stamped: true })));
    // The same run of events fanned out again (a job that ran twice) sends nothing and writes no row.
    crm.received.length = 0;
    await pipeline.connectors.enqueueFor(wanted);
    expect(crm.received).toHaveLength(0);
    const again = await t.db.query("SELECT count(*)::int AS n, sum(attempts)::int AS attempts FROM connector_deliveries WHERE connector = 'crm' AND event_id = ANY ($1::uuid[])", [
      wanted.map((e) => e.id),
    ]);
    expect(again.rows[0]).toEqual({ n: 4, attempts: 4 });
  });

  it('Redis killed and restarted while events flow: the CRM receiver gets every event exactly once', async () => {
    crm.received.length = 0;
    const sent: DomainEvent[] = [];
    for (let i = 0; i < 20; i++) sent.push(await emit('cdr.created', { n: i }));
    await stopRedis(redis!);
    for (let i = 20; i < 40; i++) sent.push(await emit('cdr.created', { n: i })); // committing never needs Redis
    redis = await startRedis(redisPort);
    for (let i = 40; i < 60; i++) sent.push(await emit('cdr.created', { n: i }));
    await waitFor('every CRM delivery', () => allDelivered('crm', 64), 60_000);
    await waitFor('the receiver to have them all', () => new Set(crmIds()).size >= 60, 30_000);
    const got = crmIds().filter((id) => sent.some((e) => e.id === id));
    expect([...got].sort()).toEqual(sent.map((e) => e.id).sort());
    expect(got.length).toBe(new Set(got).size);
  }, 90_000);

  it("every Postgres connection of the service cut mid-stream: the outbox drains and nothing is lost", async () => {
    // The Postgres server is shared with other work, so it is not restarted: terminating
    // the service's backends is what a restart looks like to its connection pools.
    crm.received.length = 0;
    const sent: DomainEvent[] = [];
    for (let i = 0; i < 15; i++) sent.push(await emit('order.created', { n: i }));
    const admin = new pg.Client({ connectionString: ADMIN_DATABASE_URL });
    await admin.connect();
    const dbName = new URL(t.url).pathname.slice(1);
    const { rowCount } = await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1', [dbName]);
    await admin.end();
    expect(rowCount).toBeGreaterThan(0);
    for (let i = 15; i < 30; i++) sent.push(await emit('order.created', { n: i }));
    await waitFor('the outbox to drain', async () => {
      const { rows } = await t.db.query('SELECT count(*)::int AS n FROM outbox WHERE fanned_out_at IS NULL');
      return rows[0].n === 0;
    }, 60_000);
    await waitFor('the CRM to have them all', () => sent.every((e) => crmIds().includes(e.id)), 60_000);
    // A POST whose outcome could not be recorded because its connection was cut is made
    // again (at least once): the repeat carries the same Idempotency-Key and the same
    // body, so the receiver absorbs it, and it sees exactly the events sent.
    const byKey = new Map<string, string>();
    for (const r of crm.received) {
      const k = String(r.headers['idempotency-key']);
      const body = r.body;
      expect(byKey.get(k) ?? body).toBe(body);
      byKey.set(k, body);
    }
    const got = [...byKey.keys()].filter((id) => sent.some((e) => e.id === id));
    expect(got.sort()).toEqual(sent.map((e) => e.id).sort());
  }, 90_000);

  it('retries a receiver that is briefly down, with the same Idempotency-Key', async () => {
    let calls = 0;
    flaky.respond = () => (++calls === 1 ? 503 : 204);
    const event = await emit('fax.failed', {});
    await waitFor('the retried delivery', () => allDelivered('flaky', 1));
    const { rows } = await t.db.query("SELECT attempts FROM connector_deliveries WHERE connector = 'flaky' AND event_id = $1", [event.id]);
    expect(rows[0].attempts).toBe(2);
    expect(flaky.received.map((r) => r.headers['idempotency-key'])).toEqual([event.id, event.id]);
    flaky.received.length = 0;
  });

  it('a refused delivery is a dead letter; replayed, it arrives with the same id', async () => {
    flaky.respond = () => 400;
    const event = await emit('fax.failed', {});
    const key = await keyWith(t.db, 'deadletters:read', 'deadletters:write');
    const list = async () => {
      const res = await http.request({ method: 'GET', path: '/v1/deadletters?source=connector&target=flaky', headers: bearer(key) });
      return (await res.body.json()) as { items: Array<{ id: string; eventId: string; status: string; lastStatusCode: number }> };
    };
    const dead = await waitFor('the dead letter', async () => (await list()).items[0]);
    expect(dead).toMatchObject({ eventId: event.id, status: 'failed', lastStatusCode: 400 });

    flaky.respond = () => 204;
    const replay = await http.request({ method: 'POST', path: `/v1/deadletters/${dead.id}/replay`, headers: bearer(key) });
    expect(replay.statusCode).toBe(202);
    await replay.body.text();
    await waitFor('the replayed delivery', () => allDelivered('flaky', 2));
    expect(flaky.received.map((r) => r.headers['idempotency-key'])).toEqual([event.id, event.id]);
    expect((await list()).items).toEqual([]);
    const again = await http.request({ method: 'POST', path: `/v1/deadletters/${dead.id}/replay`, headers: bearer(key) });
    expect(again.statusCode).toBe(409);
    await again.body.text();
  });

  it('lists a refused webhook delivery among the dead letters and replays it', async () => {
    const hook = await startReceiver();
    try {
      hook.respond = () => 422;
      const owner = await createApiKey(t.db, { name: 'hook owner', scopes: ['deadletters:read', 'deadletters:write'] });
      await insertSubscription(t.db, { url: hook.url, eventTypes: ['voicemail.created'], secret: generateSecret(), ownerKeyId: owner.id });
      const event = await emit('voicemail.created', { mailbox: '100' });
      const key = owner.key;
      const deadLetters = async (k: string, query = '') => {
        const res = await http.request({ method: 'GET', path: `/v1/deadletters?source=webhook${query}`, headers: bearer(k) });
        return ((await res.body.json()) as { items: Array<{ id: string; eventId: string; target: string }> }).items;
      };
      const dead = await waitFor('the webhook dead letter', async () => (await deadLetters(key)).find((d) => d.eventId === event.id));
      // Another integrator's key with the same scopes: the dead letter is as absent as a
      // missing one, listed or filtered by its subscription, and cannot be replayed.
      const stranger = await keyWith(t.db, 'deadletters:read', 'deadletters:write');
      expect((await deadLetters(stranger)).some((d) => d.eventId === event.id)).toBe(false);
      expect(await deadLetters(stranger, `&target=${dead.target}`)).toEqual([]);
      const theirs = await http.request({ method: 'POST', path: `/v1/deadletters/${dead.id}/replay`, headers: bearer(stranger) });
      expect(theirs.statusCode).toBe(404);
      await theirs.body.dump();
      const admin = await keyWith(t.db, 'admin');
      expect((await deadLetters(admin)).some((d) => d.id === dead.id)).toBe(true);
      hook.respond = () => 204;
      const replay = await http.request({ method: 'POST', path: `/v1/deadletters/${dead.id}/replay`, headers: bearer(key) });
      expect(replay.statusCode).toBe(202);
      expect(await replay.body.json()).toEqual({ id: dead.id, source: 'webhook', status: 'pending' });
      await waitFor('the replayed webhook', async () =>
        (await t.db.query("SELECT 1 FROM webhook_deliveries WHERE id = $1 AND status = 'delivered'", [dead.id])).rowCount);
      expect(hook.received.map((r) => r.headers['webhook-id'])).toEqual([event.id, event.id]);
    } finally {
      await hook.close();
    }
  });

  it('a connector pointing at loopback is refused at start, naming it, unless the allow-list names the host', async () => {
    const start = (allowHosts: string[]) =>
      startEventPipeline({
        db: t.db,
        log: createLogger('silent'),
        config: { redisUrl: `redis://127.0.0.1:${redisPort}`, redisPrefix: uniquePrefix('conn-guard'), outbound: { allowHosts }, webhooks: { timeoutMs: 2_000, maxAttempts: 3 } },
        connectors: [{ id: 'crm-local', url: `${crm.url}/events`, events: ['order.*'] }],
        closeTimeoutMs: 2_000,
      });
    await expect(start([])).rejects.toThrow(/CONNECTORS: connector 'crm-local' url is refused: host 127\.0\.0\.1 resolves to 127\.0\.0\.1, a loopback address \(OUTBOUND_ALLOW_HOSTS/);
    const allowed = await start(['127.0.0.1']);
    await allowed.stop();
  });
});

