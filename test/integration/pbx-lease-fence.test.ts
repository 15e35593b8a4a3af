// The lease's Postgres fence: an owner keeps its node through a Redis outage, and a
// partition (owner cut from both stores, peers not) still ends with one owner.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Lease } from '../../src/pbx/lease.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { uniquePrefix } from '../helpers/redis.js';
import { freePort, startRedis, stopRedis } from '../helpers/redis-server.js';
import { startTcpProxy, viaProxy } from '../helpers/tcp-proxy.js';
import { waitFor } from '../helpers/wait.js';

/** A window in which something must not happen. */
const observe = (ms: number) => new Promise((r) => setTimeout(r, ms));

let tdb: TestDatabase;
beforeAll(async () => {
  tdb = await createTestDatabase();
});
afterAll(async () => {
  await tdb.drop();
});

const ttlMs = 1_000;
const intervalMs = 100;

function watch(lease: Lease): string[] {
  const seen: string[] = [];
  lease.on('acquired', () => seen.push('acquired'));
  lease.on('lost', (reason) => seen.push(`lost: ${reason}`));
  return seen;
}

function redisClient(port: number): Redis {
  const client = new Redis({ port, host: '127.0.0.1', lazyConnect: false });
  client.on('error', () => {});
  return client;
}

async function row(key: string): Promise<{ owner: string; epoch: number } | undefined> {
  const { rows } = await tdb.db.query('SELECT owner, epoch FROM pbx_lease WHERE lease_key = $1', [key]);
  return rows[0];
}

describe('PBX node lease fenced by Postgres', () => {
  it('keeps its owner through a Redis outage longer than the TTL, and a peer does not take over', async () => {
    const port = await freePort();
    let server = await startRedis(port);
    const key = `${uniquePrefix('lease')}:lease:pbx1`;
    const clientA = redisClient(port);
    const clientB = redisClient(port);
    const a = new Lease({ redis: clientA, postgres: tdb.url, key, owner: 'a', ttlMs, intervalMs });
    const b = new Lease({ redis: clientB, postgres: tdb.url, key, owner: 'b', ttlMs, intervalMs });
    const seenA = watch(a);
    const seenB = watch(b);
    try {
      a.start();
      await waitFor('a takes the node', () => a.isHeld);
      b.start();
      await waitFor('the row names a', async () => (await row(key))?.owner === 'a');
      await stopRedis(server);
      // Three TTLs without Redis: without the fence 'a' steps down within one.
      await observe(3 * ttlMs);
      expect(a.isHeld).toBe(true);
      expect(seenA).toEqual(['acquired']);
      expect(b.isHeld).toBe(false);
      // Back empty (no AOF): the owner takes its key back; the peer never gets the node.
      server = await startRedis(port);
      await waitFor('a takes its key back', async () => (await clientA.get(key).catch(() => null)) === 'a');
      await observe(2 * ttlMs);
      expect(a.isHeld).toBe(true);
      expect(b.isHeld).toBe(false);
      expect(seenA).toEqual(['acquired']);
      expect(seenB).toEqual([]);
      expect(await row(key)).toEqual({ owner: 'a', epoch: 1 });
    } finally {
      await a.stop();
      await b.stop();
      clientA.disconnect();
      clientB.disconnect();
      await stopRedis(server);
    }
  });

  it('lets a peer take the node only after the cut-off owner stepped down and its row expired', async () => {
    const port = await freePort();
    const server = await startRedis(port);
    const redisProxy = await startTcpProxy('127.0.0.1', port);
    const pgUrl = new URL(tdb.url);
    const pgProxy = await startTcpProxy(pgUrl.hostname, Number(pgUrl.port || 5432));
    const key = `${uniquePrefix('lease')}:lease:pbx1`;
    // 'a' reaches both stores through proxies that the test cuts: a partition for 'a' alone.
    const clientA = redisClient(redisProxy.port);
    const clientB = redisClient(port);
    const a = new Lease({ redis: clientA, postgres: viaProxy(tdb.url, pgProxy), key, owner: 'a', ttlMs, intervalMs });
    const b = new Lease({ redis: clientB, postgres: tdb.url, key, owner: 'b', ttlMs, intervalMs });
    const order: string[] = [];
    a.on('lost', (reason) => order.push(`a lost: ${reason}`));
    b.on('acquired', () => order.push('b acquired'));
    try {
      a.start();
      await waitFor('a takes the node', () => a.isHeld);
      b.start();
      await waitFor('the row names a', async () => (await row(key))?.owner === 'a');
      // Cut from Redis only: its key lapses and the peer takes it, but not the row.
      redisProxy.cut();
      await observe(3 * ttlMs);
      expect(a.isHeld).toBe(true);
      expect(b.isHeld).toBe(false);
      expect(order).toEqual([]);
      // Cut from Postgres too: its renewals stop, it steps down, its row expires, the peer takes over.
      pgProxy.cut();
      await waitFor('b takes over', () => b.isHeld);
      expect(a.isHeld).toBe(false);
      expect(order[0]).toMatch(/^a lost: (redis and postgres unavailable|renewal not confirmed)/);
      expect(order[1]).toBe('b acquired');
      expect(await row(key)).toEqual({ owner: 'b', epoch: 2 });
      expect(await clientB.get(key)).toBe('b');
      // 'a' reconnected does not take the node back.
      redisProxy.restore();
      pgProxy.restore();
      await observe(2 * ttlMs);
      expect(a.isHeld).toBe(false);
      expect(b.isHeld).toBe(true);
      expect(order).toHaveLength(2);
    } finally {
      await a.stop();
      await b.stop();
      clientA.disconnect();
      clientB.disconnect();
      await redisProxy.close();
      await pgProxy.close();
      await stopRedis(server);
    }
  });
});
