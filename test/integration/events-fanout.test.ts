// The fan-out processor on its own: real Postgres and a real loopback receiver; the
// `webhooks` queue is replaced by a recorder so the scheduled retries can be inspected.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Job } from 'bullmq';
import { createLogger } from '../../src/log.js';
import { withTransaction } from '../../src/db/pool.js';
import { appendOutbox } from '../../src/events/outbox.js';
import { fanOutProcessor, type WebhookJob } from '../../src/events/fanout.js';
import { createWebhookSender } from '../../src/events/http-sender.js';
import type { EventsJobData } from '../../src/events/queues.js';
import { generateSecret } from '../../src/events/signing.js';
import { fanOutWork, insertSubscription, type DeliveryWork } from '../../src/events/webhook-store.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { eventData } from '../helpers/events.js';

let tdb: TestDatabase;
let server: Server;
let url: string;
const answers: number[] = [];
const seen: string[] = [];
const bodies: string[] = [];
const sender = createWebhookSender({ allowHosts: ['127.0.0.1'], timeoutMs: 2_000 });
const queued: WebhookJob[] = [];

beforeAll(async () => {
  tdb = await createTestDatabase();
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push(String(req.headers['webhook-id']));
      bodies.push(Buffer.concat(chunks).toString('utf8'));
      res.writeHead(answers.shift() ?? 200).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/h`;
});

afterAll(async () => {
  await sender.close();
  server?.closeAllConnections();
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  await tdb?.drop();
});

const processor = () =>
  fanOutProcessor({
    db: tdb.db,
    sender,
    log: createLogger('silent'),
    webhooks: { addBulk: async (jobs: WebhookJob[]) => (queued.push(...jobs), []) as never },
    maxAttempts: 4,
    backoff: { baseMs: 1_000, maxMs: 10_000 },
  });

const run = (events: EventsJobData['events']) => processor()({ data: { events } } as Job<EventsJobData, number, string>, 'token');

describe('fan-out processor', () => {
  it('creates deliveries, makes the first attempt inline, and sends nothing again on a re-run', async () => {
    const sub = await insertSubscription(tdb.db, { url, eventTypes: ['call.created'], secret: generateSecret() });
    const [a, b, other] = await withTransaction(tdb.db, async (tx) => [
      await appendOutbox(tx, { type: 'call.created', data: eventData('call.created', { n: 1 }) }),
      await appendOutbox(tx, { type: 'call.created', data: eventData('call.created', { n: 2 }) }),
      await appendOutbox(tx, { type: 'call.ended', data: eventData('call.ended', { n: 3 }) }),
    ]);
    seen.length = 0;
    expect(await run([a!, b!, other!])).toBe(2);
    expect(seen.sort()).toEqual([a!.id, b!.id].sort());
    expect(queued).toHaveLength(0);
    const { rows } = await tdb.db.query(
      `SELECT event_id, status, attempts FROM webhook_deliveries WHERE subscription_id = $1 ORDER BY event_id`,
      [sub.id],
    );
    expect(rows.map((r) => [r.status, r.attempts])).toEqual([
      ['delivered', 1],
      ['delivered', 1],
    ]);
    const fanned = await tdb.db.query('SELECT count(*)::int AS n FROM outbox WHERE fanned_out_at IS NOT NULL');
    expect(fanned.rows[0].n).toBe(3);

    await run([a!, b!, other!]);
    expect(seen).toHaveLength(2);
    expect((await tdb.db.query('SELECT count(*)::int AS n FROM webhook_deliveries')).rows[0].n).toBe(2);
    await tdb.db.query('UPDATE webhook_subscriptions SET enabled = false WHERE id = $1', [sub.id]);
  });

  it("sends the payload text and trace the relay read, as it sends the outbox's own (decision 95)", async () => {
    const sub = await insertSubscription(tdb.db, { url, eventTypes: ['call.answered'], secret: generateSecret() });
    const [a, b] = await withTransaction(tdb.db, async (tx) => [
      await appendOutbox(tx, { type: 'call.answered', data: eventData('call.answered', { n: 1 }) }),
      await appendOutbox(tx, { type: 'call.answered', data: eventData('call.answered', { n: 2 }) }),
    ]);
    const { rows } = await tdb.db.query<{ event_id: string; body: string }>(
      'SELECT event_id, payload::text AS body FROM outbox WHERE event_id = ANY($1::uuid[]) ORDER BY position',
      [[a!.id, b!.id]],
    );
    const events = [a!, b!];
    const stored = { bodies: events.map((e) => rows.find((r) => r.event_id === e.id)!.body), traces: { [b!.id]: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' } };
    const fromOutbox = await fanOutWork(tdb.db, events);
    const given = await fanOutWork(tdb.db, events, stored);
    const shape = (w: DeliveryWork) => [w.eventId, w.subscriptionId, w.url, w.status, w.attempts, w.unrecorded];
    expect(given.map(shape)).toEqual(fromOutbox.map(shape));
    expect(given.map((w) => w.body)).toEqual(fromOutbox.map((w) => w.body));
    expect(given.map((w) => w.traceparent)).toEqual([null, stored.traces[b!.id]]);
    // A run with the bodies sends each once and records each, like one without.
    bodies.length = 0;
    expect(await processor()({ data: { events, ...stored } } as Job<EventsJobData, number, string>, 'token')).toBe(2);
    expect([...bodies].sort()).toEqual([...stored.bodies].sort());
    const { rows: done } = await tdb.db.query('SELECT status, attempts FROM webhook_deliveries WHERE subscription_id = $1', [sub.id]);
    expect(done.map((r) => [r.status, r.attempts])).toEqual([
      ['delivered', 1],
      ['delivered', 1],
    ]);
    await tdb.db.query('UPDATE webhook_subscriptions SET enabled = false WHERE id = $1', [sub.id]);
  });

  it('schedules the retry series after a failed first attempt and resumes it on a re-run', async () => {
    const sub = await insertSubscription(tdb.db, { url, eventTypes: ['fax.failed'], secret: generateSecret() });
    const e = await withTransaction(tdb.db, (tx) => appendOutbox(tx, { type: 'fax.failed', data: eventData('fax.failed', {}) }));
    seen.length = 0;
    queued.length = 0;
    answers.push(503);
    await run([e]);
    const { rows } = await tdb.db.query('SELECT id, status, attempts FROM webhook_deliveries WHERE subscription_id = $1', [sub.id]);
    expect(rows[0]).toMatchObject({ status: 'pending', attempts: 1 });
    expect(queued).toHaveLength(1);
    const job = queued[0]!;
    expect(job.data).toEqual({ deliveryId: rows[0].id, attemptOffset: 1 });
    expect(job.opts.jobId).toBe(rows[0].id);
    expect(job.opts.attempts).toBe(3); // 4 in all, one already made
    expect(job.opts.delay).toBeGreaterThanOrEqual(500);
    expect(job.opts.delay).toBeLessThanOrEqual(1_000);
    expect(job.opts.backoff).toEqual({ type: 'webhook' });

    // A re-run (the job ran twice) does not send again: it makes sure the series exists.
    queued.length = 0;
    await run([e]);
    expect(seen).toHaveLength(1);
    expect(queued.map((j) => [j.opts.jobId, j.data.attemptOffset])).toEqual([[rows[0].id, 1]]);
  });
});
