// The call detail cache against the real Postgres: served from memory, dropped on any
// writer's change through LISTEN/NOTIFY, never filled with a result a change overtook,
// bypassed while its LISTEN connection is down, and absent when disabled.
import type { FastifyInstance } from 'fastify';
import { Pool } from 'undici';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CallDetailCache, type CallDetailCacheOptions } from '../../src/calls/detail-cache.js';
import { getCallDetailJson } from '../../src/calls/queries.js';
import { callRoutes } from '../../src/calls/routes.js';
import { createPool, type Db } from '../../src/db/pool.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { bearer, insertCall, keyWith, testApp } from './api-fixtures.js';

let t: TestDatabase;
/** Another instance's pool: its writes reach this one only through Postgres. */
let other: Db;
let key: string;
// Calls are inserted before a cache starts wherever hits are counted: an insert's own
// notification arriving after the first read would otherwise evict the entry.
const cleanups: Array<() => Promise<unknown>> = [];

beforeAll(async () => {
  t = await createTestDatabase();
  other = createPool(t.url, 2);
  key = await keyWith(t.db, 'calls:read');
});
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});
afterAll(async () => {
  await other?.end();
  await t?.drop();
});

async function waitFor<T>(what: string, probe: () => Promise<T> | T, ok: (v: T) => boolean): Promise<T> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const v = await probe();
    if (ok(v)) return v;
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}; last: ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A write the triggers do not see: no notification, so only a cache bypass reveals it. */
async function writeSilently(sql: string, values: unknown[]): Promise<void> {
  const c = await other.connect();
  try {
    await c.query('BEGIN');
    await c.query('SET LOCAL session_replication_role = replica');
    await c.query(sql, values);
    await c.query('COMMIT');
  } finally {
    c.release();
  }
}

async function startCache(opts: Partial<CallDetailCacheOptions> = {}): Promise<CallDetailCache> {
  const cache = new CallDetailCache({ url: t.url, db: t.db, ...opts });
  cleanups.push(() => cache.close());
  cache.start();
  await cache.whenListening();
  return cache;
}

async function serve(cache: CallDetailCache | undefined): Promise<(id: string) => Promise<{ status: number; body: any }>> {
  const { app } = await testApp(t.db, { routes: [{ plugin: callRoutes, opts: { db: t.db, cache } }] });
  const http = new Pool(await (app as FastifyInstance).listen({ host: '127.0.0.1', port: 0 }));
  cleanups.push(async () => {
    await http.close();
    await app.close();
  });
  return async (id) => {
    const res = await http.request({ method: 'GET', path: `/v1/calls/${id}`, headers: bearer(key) });
    const text = await res.body.text();
    return { status: res.statusCode, body: text ? JSON.parse(text) : undefined };
  };
}

const stateOf = (body: string | null) => (body === null ? null : (JSON.parse(body) as { state: string }).state);

describe('GET /v1/calls/{id} with the cache', () => {
  it('serves a detail from memory once read', async () => {
    const id = await insertCall(t.db, { state: 'ringing' });
    const cache = await startCache();
    const get = await serve(cache);
    expect((await get(id)).body.state).toBe('ringing');
    expect((await get(id)).body.state).toBe('ringing');
    expect(cache.stats()).toMatchObject({ misses: 1, hits: 1, entries: 1 });
    // The database changes without telling anyone: the answer still comes from memory.
    await writeSilently("UPDATE calls SET state = 'answered' WHERE id = $1", [id]);
    expect((await get(id)).body.state).toBe('ringing');
    expect(cache.stats().hits).toBe(2);
  });

  it('shows a change made by any writer on the next read after the notification', async () => {
    const id = await insertCall(t.db, { state: 'ringing' });
    const cache = await startCache();
    const get = await serve(cache);
    await get(id);
    expect((await get(id)).body.timeline).toEqual([]);
    expect(cache.stats().hits).toBe(1);

    await other.query("INSERT INTO call_events (call_id, type, data) VALUES ($1, 'call.answered', '{}')", [id]);
    const after = await waitFor('the new event', () => get(id), (r) => r.body.timeline.length === 1);
    expect(after.body.timeline[0].type).toBe('call.answered');

    await get(id); // cached again
    await other.query("UPDATE calls SET state = 'answered' WHERE id = $1", [id]);
    await waitFor('the new state', () => get(id), (r) => r.body.state === 'answered');

    await other.query("INSERT INTO call_legs (call_id, channel_id, role) VALUES ($1, '1700000001.7', 'agent')", [id]);
    await waitFor('the new leg', () => get(id), (r) => r.body.legs.length === 1);

    await get(id);
    await other.query('DELETE FROM calls WHERE id = $1', [id]);
    await waitFor('the call to be gone', () => get(id), (r) => r.status === 404);
  });

  it('forgets everything on TRUNCATE', async () => {
    const a = await insertCall(t.db);
    const cache = await startCache();
    await cache.get(a);
    expect(cache.stats().entries).toBe(1);
    await other.query('TRUNCATE calls CASCADE');
    await waitFor('the cache to empty', () => cache.stats().entries, (n) => n === 0);
    expect(await cache.get(a)).toBeNull();
  });

  it('keeps no more calls than it is allowed', async () => {
    const ids = [await insertCall(t.db), await insertCall(t.db), await insertCall(t.db)];
    const cache = await startCache({ maxEntries: 2 });
    for (const id of ids) await cache.get(id);
    expect(cache.stats().entries).toBe(2);
    await cache.get(ids[2]!); // the newest stayed
    expect(cache.stats().hits).toBe(1);
    await cache.get(ids[0]!); // the oldest went
    expect(cache.stats().misses).toBe(4);
  });
});

describe('CallDetailCache', () => {
  it('does not keep a result that a change overtook while it was being read', async () => {
    let hold: Promise<void> | null = null;
    let loaded!: () => void;
    const wasLoaded = new Promise<void>((r) => (loaded = r));
    const cache = await startCache({
      // The query completes (its snapshot predates the change), then waits before the
      // cache sees the result: exactly the window the generation check closes.
      load: async (db, id) => {
        const body = await getCallDetailJson(db, id);
        if (hold) {
          loaded();
          await hold;
        }
        return body;
      },
    });
    const id = await insertCall(t.db, { state: 'ringing' });
    await waitFor('the insert notification', () => cache.stats().notifications, (n) => n >= 1);
    let release!: () => void;
    hold = new Promise((r) => (release = r));
    const slowRead = cache.get(id);
    await wasLoaded;
    const seen = cache.stats().notifications;
    await other.query("UPDATE calls SET state = 'answered' WHERE id = $1", [id]);
    await waitFor('the update notification', () => cache.stats().notifications, (n) => n > seen);
    hold = null;
    release();
    expect(stateOf(await slowRead)).toBe('ringing'); // what that read saw, fine for it
    expect(cache.stats().entries).toBe(0);
    expect(stateOf(await cache.get(id))).toBe('answered');
    expect(stateOf(await cache.get(id))).toBe('answered');
    expect(cache.stats().hits).toBe(1);
  });

  it('reads through while its LISTEN connection is down and is used again after reconnecting', async () => {
    let reopen!: () => void;
    let gate: Promise<void> | null = null;
    const id = await insertCall(t.db, { state: 'ringing' });
    const cache = await startCache({
      reconnectMinMs: 10,
      beforeReconnect: () => gate ?? Promise.resolve(),
    });
    await cache.get(id);
    await cache.get(id);
    expect(cache.stats()).toMatchObject({ hits: 1, entries: 1, connects: 1 });

    gate = new Promise((r) => (reopen = r));
    const killed = await other.query<{ ok: boolean }>(
      `SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity
        WHERE datname = current_database() AND application_name = 'cti-bridge call-detail-cache'`,
    );
    expect(killed.rows.map((r) => r.ok)).toEqual([true]);
    await waitFor('the drop to be noticed', () => cache.isListening, (l) => !l);
    expect(cache.stats().entries).toBe(0);

    // Notifications are lost now, so nothing may be served from memory.
    await writeSilently("UPDATE calls SET state = 'answered' WHERE id = $1", [id]);
    expect(stateOf(await cache.get(id))).toBe('answered');
    await writeSilently("UPDATE calls SET state = 'held' WHERE id = $1", [id]);
    expect(stateOf(await cache.get(id))).toBe('held');
    expect(cache.stats()).toMatchObject({ bypassed: 2, entries: 0 });

    reopen();
    await cache.whenListening();
    expect(cache.stats().connects).toBe(2);
    expect(stateOf(await cache.get(id))).toBe('held');
    expect(stateOf(await cache.get(id))).toBe('held');
    expect(cache.stats().hits).toBe(2);
    // Listening again for real: a change is picked up, a silent one is not.
    await other.query("UPDATE calls SET state = 'ended' WHERE id = $1", [id]);
    await waitFor('the change after reconnecting', async () => stateOf(await cache.get(id)), (s) => s === 'ended');
    await writeSilently("UPDATE calls SET state = 'answered' WHERE id = $1", [id]);
    expect(stateOf(await cache.get(id))).toBe('ended');
  });

  it('reads through until LISTEN is first active and after close', async () => {
    const cache = new CallDetailCache({ url: t.url, db: t.db });
    const id = await insertCall(t.db, { state: 'ringing' });
    expect(stateOf(await cache.get(id))).toBe('ringing');
    expect(cache.stats()).toMatchObject({ bypassed: 1, entries: 0, listening: false });
    cache.start();
    await cache.whenListening();
    await cache.get(id);
    await cache.close();
    await writeSilently("UPDATE calls SET state = 'answered' WHERE id = $1", [id]);
    expect(stateOf(await cache.get(id))).toBe('answered');
    expect(cache.stats()).toMatchObject({ bypassed: 2, listening: false });
  });
});

describe('GET /v1/calls/{id} without the cache (CALL_CACHE=false)', () => {
  it('reads every detail from the database', async () => {
    const get = await serve(undefined);
    const id = await insertCall(t.db, { state: 'ringing' });
    expect((await get(id)).body.state).toBe('ringing');
    await writeSilently("UPDATE calls SET state = 'answered' WHERE id = $1", [id]);
    expect((await get(id)).body.state).toBe('answered');
  });
});
