// Webhook deliveries whose retry jobs Redis lost: a private Redis is killed while the
// retries wait and comes back empty. Postgres still says the deliveries are pending; the
// sweeper queues them again and every event reaches the receiver, once delivered, with its
// id. A pending delivery can be redelivered: its waiting retry runs now.
import type { ChildProcess } from 'node:child_process';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withTransaction } from '../../src/db/pool.js';
import type { DomainEvent } from '../../src/events/catalogue.js';
import { appendOutbox } from '../../src/events/outbox.js';
import { startEventPipeline, type EventPipeline } from '../../src/events/pipeline.js';
import { generateSecret } from '../../src/events/signing.js';
import { webhookRoutes } from '../../src/events/webhook-routes.js';
import { insertSubscription } from '../../src/events/webhook-store.js';
import { createLogger } from '../../src/log.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
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
let hook: Receiver;
let app: FastifyInstance;
const webhooks = { allowPrivate: true, timeoutMs: 2_000, maxAttempts: 6, backoffBaseMs: 2_000, backoffMaxMs: 60_000 };

const emit = (type: 'cdr.created' | 'fax.failed', data: Record<string, unknown>): Promise<DomainEvent> =>
  withTransaction(t.db, (tx) => appendOutbox(tx, { type, data: eventData(type, data) }));

const deliveries = async (eventIds: string[]) =>
  (await t.db.query<{ id: string; status: string; attempts: number }>('SELECT id, status, attempts FROM webhook_deliveries WHERE event_id = ANY($1::uuid[])', [eventIds])).rows;

beforeAll(async () => {
  t = await createTestDatabase();
  hook = await startReceiver();
  redisPort = await freePort();
  redis = await startRedis(redisPort);
  pipeline = await startEventPipeline({
    db: t.db,
    log: createLogger('silent'),
    config: { redisUrl: `redis://127.0.0.1:${redisPort}`, redisPrefix: uniquePrefix('sweep'), outbound: { allowHosts: ['127.0.0.1'] }, webhooks },
    relay: { pollMs: 50, maxBackoffMs: 300, enqueueTimeoutMs: 1_000, republishAfterMs: 500 },
    webhookSweep: { everyMs: 200, graceMs: 500 },
    closeTimeoutMs: 2_000,
  });
  ({ app } = await testApp(t.db, {
    routes: [{ plugin: webhookRoutes, opts: { db: t.db, config: { webhooks }, queues: pipeline.queues, sweeper: pipeline.webhookSweeper } }],
  }));
});

afterAll(async () => {
  await app?.close();
  await pipeline?.stop();
  if (redis) await stopRedis(redis);
  await hook?.close();
  await t?.drop();
});

describe('webhook sweeper', () => {
  it('queues again the retries Redis lost, and the receiver gets every event once it answers', async () => {
    const sub = await insertSubscription(t.db, { url: hook.url, eventTypes: ['cdr.created'], secret: generateSecret() });
    let ok = false;
    const answered = new Map<string, number>();
    hook.respond = (r) => {
      if (!ok) return 500;
      const id = String(r.headers['webhook-id']);
      answered.set(id, (answered.get(id) ?? 0) + 1);
      return 204;
    };
    const sent: DomainEvent[] = [];
    for (let i = 0; i < 10; i++) sent.push(await emit('cdr.created', { n: i }));
    const ids = sent.map((e) => e.id);
    // Every first attempt failed: the retries wait in Redis for their backoff.
    await waitFor('first attempts made', async () => (await deliveries(ids)).filter((d) => d.attempts === 1).length === 10);
    await stopRedis(redis!);
    redis = await startRedis(redisPort); // no persistence: the retry jobs are gone
    ok = true;
    await waitFor('every delivery delivered', async () => (await deliveries(ids)).every((d) => d.status === 'delivered'), 30_000);
    for (const id of ids) expect(answered.get(id)).toBe(1);
    expect((await t.db.query('SELECT count(*)::int AS n FROM webhook_deliveries WHERE subscription_id = $1', [sub.id])).rows[0].n).toBe(10);
  }, 60_000);

  it('redelivers a pending delivery: its waiting retry runs now', async () => {
    hook.respond = () => 500;
    await insertSubscription(t.db, { url: hook.url, eventTypes: ['fax.failed'], secret: generateSecret() });
    const event = await emit('fax.failed', {});
    const [pending] = await waitFor('the first attempt', async () => {
      const rows = await deliveries([event.id]);
      return rows[0]?.attempts === 1 ? rows : undefined;
    });
    hook.respond = () => 204;
    // A subscription no key created (inserted here directly) is an admin's to manage.
    const key = await keyWith(t.db, 'admin');
    const res = await app.inject({ method: 'POST', url: `/v1/webhooks/deliveries/${pending!.id}/redeliver`, headers: bearer(key) });
    expect(res.statusCode).toBe(202);
    expect(res.json()).toEqual({ deliveryId: pending!.id, status: 'pending' });
    await waitFor('delivered', async () => (await deliveries([event.id]))[0]!.status === 'delivered', 10_000);
    const rows = await deliveries([event.id]);
    // The redelivery ran the waiting series; it did not start a second one.
    expect(rows[0]!.attempts).toBe(2);
  });
});
