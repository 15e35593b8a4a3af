// Redis goes away and comes back: events written meanwhile wait in the outbox and are
// all delivered afterwards, none lost and none sent twice. Uses a private redis-server
// so the shared one is never disturbed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLogger } from '../../src/log.js';
import { withTransaction } from '../../src/db/pool.js';
import { appendOutbox } from '../../src/events/outbox.js';
import { startEventPipeline, type EventPipeline } from '../../src/events/pipeline.js';
import { createQueues } from '../../src/events/queues.js';
import { OutboxRelay } from '../../src/events/relay.js';
import { generateSecret, verifyWebhook } from '../../src/events/signing.js';
import { insertSubscription } from '../../src/events/webhook-store.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { uniquePrefix } from '../helpers/redis.js';
import { waitFor } from '../helpers/wait.js';
import { freePort, startRedis, stopRedis } from '../helpers/redis-server.js';
import { eventData } from '../helpers/events.js';

let tdb: TestDatabase;
let redis: ChildProcess | undefined;
let pipeline: EventPipeline | undefined;
let receiver: Server;
const ids: string[] = [];
const secret = generateSecret();
let forged = 0;

beforeAll(async () => {
  tdb = await createTestDatabase();
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString();
      if (verifyWebhook(req.headers, body, secret).ok) ids.push(String(req.headers['webhook-id']));
      else forged++;
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
});

afterAll(async () => {
  await pipeline?.stop();
  if (redis) await stopRedis(redis);
  receiver?.closeAllConnections();
  await new Promise<void>((r) => (receiver ? receiver.close(() => r()) : r()));
  await tdb?.drop();
});

describe('Redis outage', () => {
  it('keeps events in the outbox while Redis is down and delivers each exactly once after it returns', async () => {
    const port = await freePort();
    const redisUrl = `redis://127.0.0.1:${port}`;
    redis = await startRedis(port);
    pipeline = await startEventPipeline({
      db: tdb.db,
      log: createLogger('silent'),
      config: {
        redisUrl,
        redisPrefix: uniquePrefix('rr'),
        outbound: { allowHosts: ['127.0.0.1'] }, webhooks: { timeoutMs: 2_000, maxAttempts: 5, backoffBaseMs: 20, backoffMaxMs: 200 },
      },
      relay: { pollMs: 50, maxBackoffMs: 300, enqueueTimeoutMs: 1_000 },
      closeTimeoutMs: 2_000,
    });
    const { port: rport } = receiver.address() as AddressInfo;
    await insertSubscription(tdb.db, { url: `http://127.0.0.1:${rport}/hooks`, eventTypes: [], secret });

    const emit = (n: number) =>
      withTransaction(tdb.db, (tx) => appendOutbox(tx, { type: 'call.ended', data: eventData('call.ended', { n }) }));
    const unpublished = async () =>
      Number((await tdb.db.query('SELECT count(*)::int AS n FROM outbox WHERE (position IS NULL OR position > (SELECT published_upto FROM outbox_relay_state))')).rows[0].n);

    await waitFor('the queue connection', async () => pipeline!.queues.ready());
    const before = [];
    for (let i = 0; i < 5; i++) before.push(await emit(i));
    await waitFor('first events', async () => ids.length >= 5);
    // With Redis up the relay fanned its passes out itself (decision 83), not through an `events` job.
    // (Its runs count once their rows are written, a moment after the receiver has the POSTs.)
    await waitFor('the relay fanned out a pass itself', async () => pipeline!.local.stats.runs > 0);
    expect(await pipeline.queues.events.getJobCountByTypes('completed', 'active', 'waiting', 'failed')).toBe(0);

    await stopRedis(redis);
    const failuresBefore = pipeline.relay.stats.failures;
    const during = [];
    for (let i = 5; i < 15; i++) during.push(await emit(i)); // committing never depends on Redis
    await waitFor('relay to notice', async () => pipeline!.relay.stats.failures > failuresBefore + 1);
    expect(await unpublished()).toBe(10);

    redis = await startRedis(port);
    await waitFor('all events after restart', async () => ids.length >= 15 && (await unpublished()) === 0);
    // Give a duplicate a chance to show up before judging.
    await waitFor('deliveries settled', async () => {
      const { rows } = await tdb.db.query("SELECT count(*)::int AS n FROM webhook_deliveries WHERE status = 'delivered'");
      return rows[0].n === 15;
    });
    const expected = [...before, ...during].map((e) => e.id).sort();
    expect([...ids].sort()).toEqual(expected);
    expect(new Set(ids).size).toBe(ids.length);
    expect(forged).toBe(0);
  }, 90_000);

  it('publishes again the events whose queued jobs vanished with a Redis restart', async () => {
    await pipeline?.stop();
    pipeline = undefined;
    if (redis) await stopRedis(redis);
    ids.length = 0;
    const port = await freePort();
    const redisUrl = `redis://127.0.0.1:${port}`;
    const prefix = uniquePrefix('rr');
    const log = createLogger('silent');
    redis = await startRedis(port);

    // Only the relay runs: the events reach the queue and the rows are marked published.
    const queues = createQueues(redisUrl, prefix);
    const relay = new OutboxRelay({ db: tdb.db, events: queues.events, log });
    const lost = [];
    for (let i = 0; i < 3; i++) {
      lost.push(await withTransaction(tdb.db, (tx) => appendOutbox(tx, { type: 'fax.sent', data: eventData('fax.sent', { i }) })));
    }
    while ((await relay.relayOnce()) > 0) {
      /* publish all */
    }
    await queues.close();
    const { rows } = await tdb.db.query(
      'SELECT count(*)::int AS n FROM outbox WHERE event_id = ANY ($1::uuid[]) AND position <= (SELECT published_upto FROM outbox_relay_state) AND fanned_out_at IS NULL',
      [lost.map((e) => e.id)],
    );
    expect(rows[0].n).toBe(3);

    // Redis restarts without persistence: the three jobs are gone.
    await stopRedis(redis);
    redis = await startRedis(port);

    pipeline = await startEventPipeline({
      db: tdb.db,
      log,
      config: {
        redisUrl,
        redisPrefix: prefix,
        outbound: { allowHosts: ['127.0.0.1'] }, webhooks: { timeoutMs: 2_000, maxAttempts: 3, backoffBaseMs: 20 },
      },
      relay: { pollMs: 50, republishAfterMs: 300 },
      closeTimeoutMs: 2_000,
    });
    await waitFor('the lost events', async () => ids.length >= 3);
    await waitFor('fanned out', async () => {
      const r = await tdb.db.query('SELECT count(*)::int AS n FROM outbox WHERE fanned_out_at IS NULL');
      return r.rows[0].n === 0;
    });
    expect([...ids].sort()).toEqual(lost.map((e) => e.id).sort());
  }, 60_000);
});
