// The event journal on a real Postgres: paging by position, events of transactions that
// commit out of order each served once, no wait for transactions of other databases, and a
// WebSocket stream that disconnects and resumes from its cursor without a gap or a duplicate.
import type { FastifyInstance } from 'fastify';
import { Pool } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { withTransaction } from '../../src/db/pool.js';
import type { LocalEventBus } from '../../src/events/bus.js';
import { journalRoutes } from '../../src/events/journal-routes.js';
import { journalHead } from '../../src/events/journal.js';
import { appendOutbox } from '../../src/events/outbox.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { waitFor } from '../helpers/wait.js';
import { bearer, keyWith, testApp } from './api-fixtures.js';
import { eventData } from '../helpers/events.js';

let t: TestDatabase;
let app: FastifyInstance;
let bus: LocalEventBus;
let http: Pool;
let base: string;
let key: string;

async function get(path: string) {
  const res = await http.request({ method: 'GET', path, headers: bearer(key) });
  return { status: res.statusCode, body: (await res.body.json()) as any };
}

/** The newest journal position of this test's own database. */
async function newest(): Promise<string> {
  return String(await journalHead(t.db));
}

/** Commits one event (as a state change would) and tells the bus, as the relay does. */
async function emit(n: number, type: 'order.created' | 'cdr.created' = 'order.created'): Promise<string> {
  const e = await withTransaction(t.db, (tx) => appendOutbox(tx, { type, data: eventData(type, { n }) }));
  await bus.publish(e);
  return e.id;
}

beforeAll(async () => {
  t = await createTestDatabase();
  ({ app, bus } = await testApp(t.db, { routes: [{ plugin: journalRoutes, opts: { db: t.db } }], options: { streamResumePollMs: 50 } }));
  base = await app.listen({ host: '127.0.0.1', port: 0 });
  http = new Pool(base);
  key = await keyWith(t.db, 'events:read');
});
afterAll(async () => {
  await http?.close();
  await app?.close();
  await t?.drop();
});

describe('GET /v1/events', () => {
  it('pages through the history in sequence order and filters by type', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) ids.push(await emit(i, i % 2 ? 'cdr.created' : 'order.created'));
    await waitFor('every event readable', async () => (await get('/v1/events?limit=1000')).body.items.length >= 7);
    const seen: any[] = [];
    let after = '0';
    for (;;) {
      const page = await get(`/v1/events?after=${after}&limit=3`);
      expect(page.status).toBe(200);
      if (page.body.items.length === 0) {
        expect(page.body.nextCursor).toBe(after);
        break;
      }
      seen.push(...page.body.items);
      after = page.body.nextCursor;
    }
    expect(seen.map((e) => e.id)).toEqual(ids);
    const seqs = seen.map((e) => e.sequence);
    expect([...seqs].sort((a, b) => a - b)).toEqual(seqs);
    const cdrs = await get('/v1/events?types=cdr.*');
    expect(cdrs.body.items.map((e: any) => e.data.n)).toEqual([1, 3, 5]);
    expect((await get('/v1/events?types=nope.*')).status).toBe(400);
  });

  it('serves every event once whatever the commit order (T1 takes its xid first, T2 appends, T1 appends and commits while T2 is open)', async () => {
    const start = await newest();
    const t1 = await t.db.connect();
    const t2 = await t.db.connect();
    try {
      await t1.query('BEGIN');
      await t1.query('SELECT pg_current_xact_id()');
      await t2.query('BEGIN');
      const n = await appendOutbox(t2, { type: 'order.created', data: eventData('order.created', { n: 'T2' }) });
      const n1 = await appendOutbox(t1, { type: 'order.created', data: eventData('order.created', { n: 'T1' }) });
      await t1.query('COMMIT');
      const first = await get(`/v1/events?after=${start}`);
      expect(first.body.items.map((e: any) => e.id)).toEqual([n1.id]);
      await t2.query('COMMIT');
      const second = await get(`/v1/events?after=${first.body.nextCursor}`);
      expect(second.body.items.map((e: any) => e.id)).toEqual([n.id]);
      expect(second.body.items[0].sequence).toBe(first.body.items[0].sequence + 1);
    } finally {
      t1.release();
      t2.release();
    }
  });

  it('serves a committed event at once while a transaction in another database of the cluster stays open', async () => {
    const other = await createTestDatabase({ migrate: false });
    const long = await other.db.connect();
    try {
      await long.query('BEGIN');
      await long.query('SELECT pg_current_xact_id()');
      const start = await newest();
      const id = await emit(7);
      const page = await get(`/v1/events?after=${start}`);
      expect(page.body.items.map((e: any) => e.id)).toEqual([id]);
    } finally {
      await long.query('ROLLBACK').catch(() => {});
      long.release();
      await other.drop();
    }
  });
});

describe('stream resume', () => {
  function open(after: string): { ws: WebSocket; got: any[]; ready: Promise<void> } {
    const ws = new WebSocket(`${base.replace('http', 'ws')}/v1/events/stream?types=order.*&after=${after}`, { headers: bearer(key) });
    const got: any[] = [];
    ws.on('message', (m) => got.push(JSON.parse(String(m))));
    return { ws, got, ready: new Promise((resolve, reject) => (ws.once('open', () => resolve()), ws.once('error', reject))) };
  }

  it('a client that disconnects and resumes from its last sequence misses nothing and sees nothing twice', async () => {
    const from = await newest();
    const expected: string[] = [];
    for (let i = 0; i < 5; i++) expected.push(await emit(1000 + i)); // history before connecting
    const first = open(from);
    await first.ready;
    for (let i = 5; i < 10; i++) expected.push(await emit(1000 + i)); // live
    await waitFor('the first ten events', () => first.got.length >= 10);
    first.ws.terminate();
    const cursor = String(first.got[first.got.length - 1].sequence);
    const afterDrop = first.got.length;
    for (let i = 10; i < 20; i++) expected.push(await emit(1000 + i)); // while disconnected
    const second = open(cursor);
    await second.ready;
    for (let i = 20; i < 25; i++) expected.push(await emit(1000 + i)); // live again
    await waitFor('all 25 events', () => first.got.length + second.got.length - (first.got.length - afterDrop) >= 25);
    second.ws.close();
    const all = [...first.got.slice(0, afterDrop), ...second.got];
    expect(all.map((e) => e.id)).toEqual(expected);
    const seqs = all.map((e) => e.sequence);
    expect(new Set(seqs).size).toBe(seqs.length);
  });
});
