// Retention on a real Postgres: the maintenance job creates partitions ahead, drops the
// journal's old partitions (a cursor behind them answers 410 naming the oldest position),
// trims CDRs and their calls, and dead letters past retention can no longer be replayed
// while newer ones still can.
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { Pool } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cdrRoutes } from '../../src/cdrs/routes.js';
import { startConnectors, type ConnectorRuntime } from '../../src/events/connectors/runtime.js';
import { deadLetterRoutes } from '../../src/events/deadletter-routes.js';
import { journalRoutes } from '../../src/events/journal-routes.js';
import { insertOutboxOnce, domainEvent } from '../../src/events/outbox.js';
import { createQueues, type EventQueues } from '../../src/events/queues.js';
import { insertSubscription } from '../../src/events/webhook-store.js';
import { createLogger } from '../../src/log.js';
import { RetentionMaintenance } from '../../src/retention/maintenance.js';
import { listPartitions } from '../../src/retention/partitions.js';
import { DEFAULT_RETENTION_DAYS, type RetentionDays } from '../../src/retention/rules.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { TEST_REDIS_URL, uniquePrefix } from '../helpers/redis.js';
import { createApiKey } from '../../src/api/keys.js';
import { bearer, insertCall, testApp } from './api-fixtures.js';
import { eventData } from '../helpers/events.js';

const DAY = 86_400_000;
let t: TestDatabase;
let app: FastifyInstance;
let http: Pool;
let key: string;
let keyId: string;
let queues: EventQueues;
let connectors: ConnectorRuntime;
const log = createLogger('silent');

async function request(method: 'GET' | 'POST', path: string) {
  const res = await http.request({ method, path, headers: bearer(key) });
  const text = await res.body.text();
  return { status: res.statusCode, type: String(res.headers['content-type']), body: text ? JSON.parse(text) : undefined };
}

function job(days: Partial<RetentionDays>, now: Date): RetentionMaintenance {
  const keepAll = Object.fromEntries(Object.keys(DEFAULT_RETENTION_DAYS).map((k) => [k, 0])) as RetentionDays;
  return new RetentionMaintenance({ db: t.db, days: { ...keepAll, ...days }, log, now: () => now, aheadDays: 7 });
}

beforeAll(async () => {
  t = await createTestDatabase();
  const prefix = uniquePrefix('retention');
  queues = createQueues(TEST_REDIS_URL, prefix);
  connectors = startConnectors({ db: t.db, redisUrl: TEST_REDIS_URL, prefix, log, connectors: [], outbound: { allowHosts: ['127.0.0.1'] } });
  ({ app } = await testApp(t.db, {
    routes: [
      { plugin: journalRoutes, opts: { db: t.db } },
      { plugin: cdrRoutes, opts: { db: t.db } },
      { plugin: deadLetterRoutes, opts: { db: t.db, config: { webhooks: { maxAttempts: 3 } }, queues, connectors } },
    ],
  }));
  http = new Pool(await app.listen({ host: '127.0.0.1', port: 0 }));
  ({ id: keyId, key } = await createApiKey(t.db, { name: 'retention', scopes: ['events:read', 'cdrs:read', 'deadletters:read', 'deadletters:write'] }));
});
afterAll(async () => {
  await http?.close();
  await app?.close();
  await connectors?.stop();
  await queues?.close();
  await t?.drop();
});

describe('the maintenance job', () => {
  it('creates partitions ahead, so rows written days from now land in a partition of their own', async () => {
    const now = new Date();
    expect(await job({}, now).runOnce()).toBeDefined();
    for (const table of ['outbox', 'call_events', 'webhook_attempts']) {
      const parts = await listPartitions(t.db, table);
      const horizon = now.getTime() + 7 * DAY;
      expect(parts.some((p) => p.from && p.to && p.from.getTime() <= horizon && p.to.getTime() > horizon)).toBe(true);
    }
    const later = domainEvent({ type: 'order.created', data: eventData('order.created', {}), occurredAt: new Date(now.getTime() + 5 * DAY) });
    await insertOutboxOnce(t.db, later);
    const { rows } = await t.db.query<{ part: string }>('SELECT tableoid::regclass::text AS part FROM outbox WHERE event_id = $1', [later.id]);
    expect(rows[0]!.part).toMatch(/^outbox_p\d{8}$/);
    // Room on the page for the journal's two updates (migration 196), in new partitions too.
    const { rows: opts } = await t.db.query('SELECT reloptions FROM pg_class WHERE oid = $1::regclass', [rows[0]!.part]);
    expect(opts[0].reloptions).toEqual(['fillfactor=70']);
    // The same event inserted again is still one row.
    expect(await insertOutboxOnce(t.db, later)).toBe(false);
  });

  it('one run at a time in the cluster', async () => {
    const holder = await t.db.connect();
    try {
      await holder.query('SELECT pg_advisory_lock(7324040)');
      expect(await job({}, new Date()).runOnce()).toBeUndefined();
    } finally {
      await holder.query('SELECT pg_advisory_unlock(7324040)');
      holder.release();
    }
  });
});

describe('journal retention', () => {
  it('drops whole partitions; a cursor behind them answers 410 naming the oldest position, the rest still pages', async () => {
    // Today's events sit in the partition that held the table before partitioning.
    const old: ReturnType<typeof domainEvent>[] = [];
    for (let i = 0; i < 3; i++) old.push(domainEvent({ type: 'order.created', data: eventData('order.created', { i }) }));
    for (const e of old) await insertOutboxOnce(t.db, e);
    const before = await request('GET', '/v1/events?limit=1000');
    const oldSeqs = before.body.items.filter((e: any) => old.some((o) => o.id === e.id)).map((e: any) => e.sequence);
    expect(oldSeqs).toHaveLength(3);
    // 200 days on: partitions exist around then, and a few events were written there.
    const future = new Date(Date.now() + 200 * DAY);
    await job({}, future).runOnce();
    const recent = [domainEvent({ type: 'order.created', data: eventData('order.created', { r: 1 }), occurredAt: future }), domainEvent({ type: 'order.created', data: eventData('order.created', { r: 2 }), occurredAt: future })];
    for (const e of recent) await insertOutboxOnce(t.db, e);
    const all = await request('GET', '/v1/events?limit=1000');
    const lastOld = all.body.items.filter((e: any) => e.id !== recent[0]!.id && e.id !== recent[1]!.id).at(-1).sequence;

    const run = await job({ journal: 90 }, future).runOnce();
    expect(run!.dropped).toContain('outbox_legacy');
    const { rows } = await t.db.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_class WHERE relname = 'outbox_legacy'");
    expect(rows[0]!.n).toBe(0);

    const gone = await request('GET', `/v1/events?after=${oldSeqs[0]}`);
    expect(gone.status).toBe(410);
    expect(gone.type).toContain('application/problem+json');
    expect(gone.body.resumeAfter).toBe(String(lastOld));
    expect(gone.body.oldestSequence).toBe(lastOld + 1);
    expect(gone.body.detail).toContain(`after=${lastOld}`);
    expect((await request('GET', '/v1/events')).status).toBe(410);

    const rest = await request('GET', `/v1/events?after=${gone.body.resumeAfter}`);
    expect(rest.status).toBe(200);
    expect(rest.body.items.map((e: any) => e.id)).toEqual(expect.arrayContaining(recent.map((e) => e.id)));
    expect(rest.body.items.every((e: any) => e.sequence > lastOld)).toBe(true);

    const stream = await request('GET', `/v1/events/stream?after=${oldSeqs[0]}`);
    expect(stream.status).toBe(410);
  });
});

describe('CDR and dead-letter retention', () => {
  async function cdrFor(callId: string, endedAt: Date): Promise<void> {
    await t.db.query(
      `INSERT INTO cdrs (id, call_id, pbx_node, direction, started_at, ended_at, duration_ms, talk_ms, disposition)
       VALUES ($1, $2, 'pbx1', 'inbound', $3, $3, 0, 0, 'answered')`,
      [randomUUID(), callId, endedAt],
    );
  }

  it('removes CDRs past retention and then their calls; newer CDRs and their calls stay listed', async () => {
    const now = new Date();
    const oldCall = await insertCall(t.db, { state: 'ended', createdAt: new Date(now.getTime() - 500 * DAY).toISOString() });
    const newCall = await insertCall(t.db, { state: 'ended', createdAt: new Date(now.getTime() - 10 * DAY).toISOString() });
    await cdrFor(oldCall, new Date(now.getTime() - 500 * DAY));
    await cdrFor(newCall, new Date(now.getTime() - 10 * DAY));
    const listed = async () => (await request('GET', '/v1/cdrs?limit=100')).body.items.map((c: any) => c.callId);
    expect(await listed()).toEqual(expect.arrayContaining([oldCall, newCall]));

    const run = await job({ cdrs: 400, calls: 400 }, now).runOnce();
    expect(run!.trimmed).toMatchObject({ cdrs: 1, calls: 1 });
    const after = await listed();
    expect(after).toContain(newCall);
    expect(after).not.toContain(oldCall);
    const calls = await t.db.query('SELECT id FROM calls WHERE id = ANY($1::uuid[])', [[oldCall, newCall]]);
    expect(calls.rows.map((r) => r.id)).toEqual([newCall]);
  });

  it('removes KPI quarter hours and days past their own retention; a year of days outlives the quarter hours', async () => {
    const now = new Date();
    const at = (daysAgo: number) => new Date(now.getTime() - daysAgo * DAY);
    for (const daysAgo of [500, 300, 1])
      await t.db.query(`INSERT INTO kpi_rollups (kind, subject, bucket, offered) VALUES ('q', 'sales', date_bin('15 minutes', $1::timestamptz, 'epoch'), 1)`, [at(daysAgo)]);
    for (const daysAgo of [4000, 500, 300, 1])
      await t.db.query(`INSERT INTO kpi_rollups_day (kind, subject, zone, day, offered) VALUES ('q', 'sales', 'UTC', $1::timestamptz::date, 1)`, [at(daysAgo)]);
    for (const daysAgo of [4000, 40])
      await t.db.query(`INSERT INTO kpi_rollups_month (kind, subject, zone, month, offered) VALUES ('q', 'sales', 'UTC', date_trunc('month', $1::timestamptz)::date, 1)`, [at(daysAgo)]);
    const run = await job({ kpiQuarterHours: 400, kpiDays: 3660 }, now).runOnce();
    expect(run!.trimmed).toMatchObject({ kpi_rollups: 1, kpi_rollups_day: 1, kpi_rollups_month: 1 });
    const quarters = await t.db.query('SELECT count(*)::int AS n, min(bucket) AS oldest FROM kpi_rollups');
    expect(quarters.rows[0].n).toBe(2);
    expect(quarters.rows[0].oldest.getTime()).toBeGreaterThan(at(400).getTime());
    const days = await t.db.query('SELECT count(*)::int AS n FROM kpi_rollups_day');
    expect(days.rows[0].n).toBe(3);
    const months = await t.db.query('SELECT count(*)::int AS n FROM kpi_rollups_month');
    expect(months.rows[0].n).toBe(1);
  });

  it('a dead letter past retention is gone (404 on replay); a newer one is replayed', async () => {
    const now = new Date();
    const sub = await insertSubscription(t.db, { url: 'https://crm.example.com/hook', eventTypes: [], secret: 'whsec_' + 'a'.repeat(32), ownerKeyId: keyId });
    const dead = async (ageDays: number) => {
      const e = domainEvent({ type: 'order.created', data: eventData('order.created', {}) });
      await insertOutboxOnce(t.db, e);
      const id = randomUUID();
      await t.db.query(
        `INSERT INTO webhook_deliveries (id, subscription_id, event_id, event_type, status, attempts, created_at, updated_at)
         VALUES ($1, $2, $3, 'order.created', 'dead', 3, $4, $4)`,
        [id, sub.id, e.id, new Date(now.getTime() - ageDays * DAY)],
      );
      return id;
    };
    const expired = await dead(70);
    const kept = await dead(5);
    const pending = randomUUID();
    await t.db.query(
      `INSERT INTO webhook_deliveries (id, subscription_id, event_id, event_type, status, created_at)
       VALUES ($1, $2, $3, 'order.created', 'pending', $4)`,
      [pending, sub.id, randomUUID(), new Date(now.getTime() - 70 * DAY)],
    );
    const run = await job({ deadLetters: 60, deliveries: 30, journal: 90 }, now).runOnce();
    expect(run!.trimmed.webhook_deliveries).toBe(1);
    expect((await request('POST', `/v1/deadletters/${expired}/replay`)).status).toBe(404);
    expect((await request('POST', `/v1/deadletters/${kept}/replay`)).status).toBe(202);
    // A delivery still pending is never removed, however old.
    expect((await t.db.query('SELECT 1 FROM webhook_deliveries WHERE id = $1', [pending])).rowCount).toBe(1);
  });
});
