// The pipeline and call gauges on /metrics follow the database: an event the relay has
// not handed on, a live call, a dead delivery each show, and leave when they are gone.
import { Queue } from 'bullmq';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { withTransaction } from '../../src/db/pool.js';
import { registerEventMetrics, registerQueueMetrics } from '../../src/events/metrics.js';
import { appendOutbox } from '../../src/events/outbox.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { TEST_REDIS_URL, uniquePrefix } from '../helpers/redis.js';
import { insertCall, testApp } from './api-fixtures.js';

let t: TestDatabase;
let app: FastifyInstance;

beforeAll(async () => {
  t = await createTestDatabase();
  ({ app } = await testApp(t.db));
  registerEventMetrics(t.db);
});
afterAll(async () => {
  await app?.close();
  await t?.drop();
});

const scrape = async () => (await app.inject({ method: 'GET', url: '/metrics' })).body;
const value = (text: string, series: string) => Number(new RegExp(`^${series.replace(/[{}"]/g, '\\$&')} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);

it('counts the outbox backlog and its age, live calls by state and dead letters, as they change', async () => {
  const before = await scrape();
  expect(value(before, 'cti_outbox_backlog')).toBe(0);
  expect(value(before, 'cti_outbox_relay_lag_seconds')).toBe(0);
  expect(value(before, 'cti_dead_letters{kind="webhook"}')).toBe(0);

  const event = await withTransaction(t.db, (tx) =>
    appendOutbox(tx, { type: 'fax.queued', data: { faxId: '5b0e2f4c-8d1a-4c47-9c57-0c1f5e0b2a11', destination: '+351210000000', documentCode: null, pages: 1 } }),
  );
  await t.db.query(`UPDATE outbox SET created_at = now() - interval '30 seconds' WHERE event_id = $1`, [event.id]);
  await insertCall(t.db, { state: 'ringing' });
  await insertCall(t.db, { state: 'ringing' });
  await insertCall(t.db, { state: 'ended' });
  const { rows: subs } = await t.db.query(
    `INSERT INTO webhook_subscriptions (id, url, event_types, secret, enabled) VALUES (gen_random_uuid(), 'https://crm.example/hook', '{fax.queued}', 'whsec_x', true) RETURNING id`,
  );
  await t.db.query(
    `INSERT INTO webhook_deliveries (id, subscription_id, event_id, event_type, status) VALUES (gen_random_uuid(), $1, $2, 'fax.queued', 'dead')`,
    [subs[0]!.id, event.id],
  );

  const after = await scrape();
  expect(value(after, 'cti_outbox_backlog')).toBe(1);
  expect(value(after, 'cti_outbox_relay_lag_seconds')).toBeGreaterThanOrEqual(30);
  expect(value(after, 'cti_calls{state="ringing"}')).toBe(2);
  expect(after).not.toMatch(/^cti_calls\{state="ended"\}/m);
  expect(value(after, 'cti_dead_letters{kind="webhook"}')).toBe(1);

  await t.db.query('SELECT cti_sequence_journal(100, true)');
  await t.db.query('UPDATE outbox_relay_state SET published_upto = (SELECT head FROM journal_state)');
  const relayed = await scrape();
  expect(value(relayed, 'cti_outbox_backlog')).toBe(0);
  expect(value(relayed, 'cti_outbox_relay_lag_seconds')).toBe(0);
});

it('counts BullMQ jobs per queue and state', async () => {
  const prefix = uniquePrefix('metrics-bull');
  const url = new URL(TEST_REDIS_URL);
  const queue = new Queue('events', { connection: { host: url.hostname, port: Number(url.port || 6379) }, prefix });
  try {
    registerQueueMetrics(() => [queue]);
    expect(value(await scrape(), 'cti_queue_jobs{queue="events",state="waiting"}')).toBe(0);
    await queue.add('run', { n: 1 });
    await queue.add('later', { n: 2 }, { delay: 60_000 });
    const text = await scrape();
    expect(value(text, 'cti_queue_jobs{queue="events",state="waiting"}')).toBe(1);
    expect(value(text, 'cti_queue_jobs{queue="events",state="delayed"}')).toBe(1);
    expect(value(text, 'cti_queue_jobs{queue="events",state="failed"}')).toBe(0);
  } finally {
    await queue.obliterate({ force: true });
    await queue.close();
  }
});
