// The whole pipeline against real Postgres, real Redis and loopback HTTP receivers:
// outbox row -> relay -> events queue -> fan-out -> webhooks queue -> signed POST.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLogger } from '../../src/log.js';
import { withTransaction } from '../../src/db/pool.js';
import { appendOutbox } from '../../src/events/outbox.js';
import { eventData } from '../helpers/events.js';
import { LocalEventBus } from '../../src/events/bus.js';
import type { DomainEvent } from '../../src/events/catalogue.js';
import { startEventPipeline, type EventPipeline } from '../../src/events/pipeline.js';
import { generateSecret, verifyWebhook } from '../../src/events/signing.js';
import { insertSubscription } from '../../src/events/webhook-store.js';
import { webhookRoutes } from '../../src/events/webhook-routes.js';
import { createApiKey } from '../../src/api/keys.js';
import { registerErrorHandling } from '../../src/api/errors.js';
import { ProblemSchema } from '../../src/api/schemas.js';
import Fastify from 'fastify';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { TEST_REDIS_URL, uniquePrefix } from '../helpers/redis.js';
import { waitFor } from '../helpers/wait.js';

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
  verified: boolean;
}

interface Receiver {
  url: string;
  received: Received[];
  /** Status codes to answer, in order; after the script runs out, `then`. */
  script: number[];
  then: number;
  location?: string;
  close(): Promise<void>;
}

async function startReceiver(secret: string, script: number[] = [], then = 200): Promise<Receiver> {
  const r: Omit<Receiver, 'url' | 'close'> = { received: [], script: [...script], then };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      r.received.push({ headers: req.headers, body, verified: verifyWebhook(req.headers, body, secret).ok });
      const code = r.script.length > 0 ? r.script.shift()! : r.then;
      res.writeHead(code, r.location ? { location: r.location } : {}).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return Object.assign(r as Receiver, {
    url: `http://127.0.0.1:${port}/hook`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
}


let tdb: TestDatabase;
let pipeline: EventPipeline;
const bus = new LocalEventBus();
const busSeen: DomainEvent[] = [];
const receivers: Receiver[] = [];
const log = createLogger('silent');

beforeAll(async () => {
  tdb = await createTestDatabase();
  bus.subscribe((e) => busSeen.push(e));
  pipeline = await startEventPipeline({
    db: tdb.db,
    log,
    bus,
    config: {
      redisUrl: TEST_REDIS_URL,
      redisPrefix: uniquePrefix('whp'),
      outbound: { allowHosts: ['127.0.0.1'] }, webhooks: { timeoutMs: 2_000, maxAttempts: 3, backoffBaseMs: 20, backoffMaxMs: 80, concurrency: 8 },
    },
    relay: { pollMs: 50 },
  });
});

afterAll(async () => {
  await pipeline?.stop();
  await Promise.all(receivers.map((r) => r.close()));
  await tdb?.drop();
});

async function subscribe(script: number[] = [], then = 200, eventTypes: string[] = []) {
  const secret = generateSecret();
  const receiver = await startReceiver(secret, script, then);
  receivers.push(receiver);
  const sub = await insertSubscription(tdb.db, { url: receiver.url, eventTypes, secret });
  return { receiver, sub, secret };
}

async function emit(type: DomainEvent['type'] = 'call.created', over: Record<string, unknown> = {}) {
  return withTransaction(tdb.db, (tx) => appendOutbox(tx, { type, data: eventData(type, over), callId: '00000000-0000-4000-8000-000000000001' }));
}

async function delivery(subId: string, eventId: string) {
  const { rows } = await tdb.db.query(
    'SELECT id, status, attempts, last_status_code, last_error FROM webhook_deliveries WHERE subscription_id = $1 AND event_id = $2',
    [subId, eventId],
  );
  return rows[0] as { id: string; status: string; attempts: number; last_status_code: number | null; last_error: string | null } | undefined;
}

async function attempts(deliveryId: string) {
  const { rows } = await tdb.db.query(
    'SELECT attempt, status_code, error, duration_ms FROM webhook_attempts WHERE delivery_id = $1 ORDER BY attempt',
    [deliveryId],
  );
  return rows as Array<{ attempt: number; status_code: number | null; error: string | null; duration_ms: number }>;
}

const finished = (subId: string, eventId: string) => async () => {
  const d = await delivery(subId, eventId);
  return d && d.status !== 'pending' ? d : undefined;
};

describe('event pipeline', () => {
  it('delivers a committed outbox event as a signed webhook and logs the attempt', async () => {
    const { receiver, sub } = await subscribe();
    const event = await emit('call.created', { caller: { number: '+4930123', name: null } });
    const d = await waitFor('delivery', finished(sub.id, event.id));
    expect(d.status).toBe('delivered');
    expect(receiver.received).toHaveLength(1);
    const got = receiver.received[0]!;
    expect(got.verified).toBe(true);
    expect(got.headers['webhook-id']).toBe(event.id);
    expect(got.headers['content-type']).toBe('application/json');
    expect(JSON.parse(got.body)).toEqual(event);
    const log = await attempts(d.id);
    expect(log).toHaveLength(1);
    expect(log[0]).toMatchObject({ attempt: 1, status_code: 200, error: null });
    const { rows } = await tdb.db.query(
      'SELECT position <= (SELECT published_upto FROM outbox_relay_state) AS published FROM outbox WHERE event_id = $1',
      [event.id],
    );
    expect(rows[0].published).toBe(true);
    await waitFor('bus', async () => busSeen.some((e) => e.id === event.id));
  });

  it('only delivers the event types a subscription asked for (empty = all)', async () => {
    const picky = await subscribe([], 200, ['call.ended']);
    const all = await subscribe();
    const created = await emit('call.created');
    const ended = await emit('call.ended');
    await waitFor('all', async () => (await finished(all.sub.id, ended.id)()) && (await finished(all.sub.id, created.id)()));
    await waitFor('picky', finished(picky.sub.id, ended.id));
    expect(await delivery(picky.sub.id, created.id)).toBeUndefined();
    expect(picky.receiver.received.map((r) => r.headers['webhook-id'])).toEqual([ended.id]);
  });

  it('retries after 500s with the same webhook-id and logs every attempt', async () => {
    const { receiver, sub } = await subscribe([500, 503]);
    const event = await emit();
    const d = await waitFor('delivery', finished(sub.id, event.id));
    expect(d).toMatchObject({ status: 'delivered', attempts: 3, last_status_code: 200 });
    expect(receiver.received).toHaveLength(3);
    expect(new Set(receiver.received.map((r) => r.headers['webhook-id']))).toEqual(new Set([event.id]));
    expect(receiver.received.every((r) => r.verified)).toBe(true);
    expect((await attempts(d.id)).map((a) => [a.attempt, a.status_code])).toEqual([
      [1, 500],
      [2, 503],
      [3, 200],
    ]);
  });

  it('disables the subscription on 410 Gone and stops', async () => {
    const { receiver, sub } = await subscribe([410]);
    const event = await emit();
    const d = await waitFor('delivery', finished(sub.id, event.id));
    expect(d.status).toBe('disabled');
    const { rows } = await tdb.db.query('SELECT enabled, disabled_reason FROM webhook_subscriptions WHERE id = $1', [sub.id]);
    expect(rows[0].enabled).toBe(false);
    expect(rows[0].disabled_reason).toMatch(/410/);
    expect(receiver.received).toHaveLength(1);
    // A later event is not fanned out to the disabled subscription.
    const later = await emit();
    const control = await subscribe();
    await waitFor('control', finished(control.sub.id, later.id));
    expect(await delivery(sub.id, later.id)).toBeUndefined();
  });

  it('treats a 400 as permanent: one attempt, failed', async () => {
    const { receiver, sub } = await subscribe([400]);
    const event = await emit();
    const d = await waitFor('delivery', finished(sub.id, event.id));
    expect(d).toMatchObject({ status: 'failed', attempts: 1, last_status_code: 400 });
    expect(receiver.received).toHaveLength(1);
  });

  it('retries 429 and 408 like server errors', async () => {
    const { receiver, sub } = await subscribe([429, 408]);
    const event = await emit();
    const d = await waitFor('delivery', finished(sub.id, event.id));
    expect(d).toMatchObject({ status: 'delivered', attempts: 3 });
    expect(receiver.received).toHaveLength(3);
  });

  it('dead-letters after maxAttempts', async () => {
    const { receiver, sub } = await subscribe([], 500);
    const event = await emit();
    const d = await waitFor('delivery', finished(sub.id, event.id));
    expect(d).toMatchObject({ status: 'dead', attempts: 3, last_status_code: 500 });
    expect(receiver.received).toHaveLength(3);
    expect(await attempts(d.id)).toHaveLength(3);
  });

  it('does not follow redirects: a 302 is a failed attempt', async () => {
    const target = await subscribe();
    const { receiver, sub } = await subscribe([], 302);
    receiver.location = target.receiver.url;
    const event = await emit('call.answered');
    const d = await waitFor('delivery', finished(sub.id, event.id));
    expect(d).toMatchObject({ status: 'dead', last_status_code: 302 });
    expect(d.last_error).toMatch(/redirect/);
    expect(receiver.received).toHaveLength(3);
    // The redirect target only got its own delivery of this event, never a followed one.
    await waitFor('target', finished(target.sub.id, event.id));
    expect(target.receiver.received.filter((r) => r.headers['webhook-id'] === event.id)).toHaveLength(1);
  });

  it('records a connection failure as an error attempt', async () => {
    const secret = generateSecret();
    const gone = await startReceiver(secret);
    await gone.close();
    const sub = await insertSubscription(tdb.db, { url: gone.url, eventTypes: ['fax.failed'], secret });
    const event = await emit('fax.failed');
    const d = await waitFor('delivery', finished(sub.id, event.id));
    expect(d.status).toBe('dead');
    const log = await attempts(d.id);
    expect(log).toHaveLength(3);
    expect(log[0]!.status_code).toBeNull();
    expect(log[0]!.error).toMatch(/ECONNREFUSED/);
  });

  it('refuses a private target at delivery time when private targets are not allowed', async () => {
    const db = tdb.db;
    const strict = await startEventPipeline({
      db,
      log,
      config: {
        redisUrl: TEST_REDIS_URL,
        redisPrefix: uniquePrefix('whs'),
        outbound: { allowHosts: [] }, webhooks: { timeoutMs: 1_000, maxAttempts: 1, backoffBaseMs: 10 },
      },
      relay: { pollMs: 50 },
    });
    try {
      // The main pipeline of this file also relays; stop it from taking the row first.
      await pipeline.relay.stop();
      const secret = generateSecret();
      const r = await startReceiver(secret);
      receivers.push(r);
      const sub = await insertSubscription(db, { url: r.url.replace('127.0.0.1', 'localhost'), eventTypes: ['survey.completed'], secret });
      const event = await emit('survey.completed');
      const d = await waitFor('delivery', finished(sub.id, event.id));
      expect(d.status).toBe('dead');
      expect(d.last_error).toMatch(/target refused.*loopback/);
      expect(r.received).toHaveLength(0);
    } finally {
      await strict.stop();
      pipeline.relay.start();
    }
  });

  it('redelivers a failed delivery through the API with the same webhook-id', async () => {
    const { receiver, sub } = await subscribe([400]);
    const event = await emit('order.created');
    const d = await waitFor('first failure', finished(sub.id, event.id));
    expect(d.status).toBe('failed');
    const app = Fastify();
    app.addSchema(ProblemSchema);
    registerErrorHandling(app, { bodyLimit: 1_048_576 });
    // Stand-in for the API's auth: an admin key, who may redeliver any subscription's deliveries.
    const admin = await createApiKey(tdb.db, { name: 'admin', scopes: ['admin'] });
    app.addHook('onRequest', async (req) => {
      req.apiKey = { id: admin.id, name: 'admin', prefix: admin.prefix, scopes: ['admin'], via: admin.prefix };
    });
    await app.register(webhookRoutes, { db: tdb.db, config: { outbound: { allowHosts: ['127.0.0.1'] }, webhooks: { timeoutMs: 2_000, maxAttempts: 3 } }, queues: pipeline.queues });
    try {
      const res = await app.inject({ method: 'POST', url: `/v1/webhooks/deliveries/${d.id}/redeliver` });
      expect(res.statusCode).toBe(202);
      const again = await waitFor('redelivery', finished(sub.id, event.id));
      expect(again).toMatchObject({ status: 'delivered', attempts: 2 });
      expect(receiver.received.map((r) => r.headers['webhook-id'])).toEqual([event.id, event.id]);
      expect(receiver.received.every((r) => r.verified)).toBe(true);
      expect((await attempts(d.id)).map((a) => [a.attempt, a.status_code])).toEqual([
        [1, 400],
        [2, 200],
      ]);
      const listed = await app.inject({ method: 'GET', url: `/v1/webhooks/${sub.id}/deliveries` });
      expect(listed.json().items[0].attemptLog).toHaveLength(2);
    } finally {
      await app.close();
    }
  });

  it('re-running the fan-out or a finished delivery job sends nothing twice', async () => {
    const { receiver, sub } = await subscribe();
    const event = await emit('cdr.created');
    const d = await waitFor('delivery', finished(sub.id, event.id));
    expect(d.status).toBe('delivered');
    const count = async () =>
      (await tdb.db.query('SELECT count(*)::int AS n FROM webhook_deliveries WHERE event_id = $1', [event.id])).rows[0].n as number;
    const deliveriesBefore = await count();
    expect(deliveriesBefore).toBeGreaterThan(0);
    const gone = async (q: { getJob(id: string): Promise<unknown> }, id: string) => (await q.getJob(id)) === undefined;
    // At-least-once: the same event and the same delivery come round again.
    await pipeline.queues.events.add(event.type, { events: [event] }, { jobId: `${event.id}-again`, removeOnComplete: true });
    await waitFor('fan-out re-run', () => gone(pipeline.queues.events, `${event.id}-again`));
    await pipeline.queues.webhooks.add(event.type, { deliveryId: d.id }, { jobId: `${d.id}-again`, removeOnComplete: true });
    await waitFor('delivery re-run', () => gone(pipeline.queues.webhooks, `${d.id}-again`));
    expect(await count()).toBe(deliveriesBefore);
    expect(receiver.received).toHaveLength(1);
    expect(await attempts(d.id)).toHaveLength(1);
  });

  it('stops delivering to a subscription deleted while its delivery waits for a retry', async () => {
    const { receiver, sub } = await subscribe([503]);
    const event = await emit('voicemail.created');
    await waitFor('first attempt', async () => receiver.received.length === 1);
    await tdb.db.query('UPDATE webhook_subscriptions SET deleted_at = now(), enabled = false WHERE id = $1', [sub.id]);
    const d = await waitFor('delivery', finished(sub.id, event.id));
    expect(d.status).toBe('disabled');
    expect(receiver.received).toHaveLength(1);
  });
});
