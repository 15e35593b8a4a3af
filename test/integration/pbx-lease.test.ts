import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { Lease } from '../../src/pbx/lease.js';
import { TEST_REDIS_URL, uniquePrefix } from '../helpers/redis.js';

const redis = new Redis(TEST_REDIS_URL);
afterAll(async () => {
  await redis.quit();
});

function once(lease: Lease, event: 'acquired' | 'lost' | 'connected'): Promise<unknown> {
  return new Promise((resolve) => lease.once(event, resolve as () => void));
}

describe('PBX node lease', () => {
  it('gives the node to exactly one instance and hands it over when the owner stops', async () => {
    const key = `${uniquePrefix('lease')}:lease:pbx1`;
    const a = new Lease({ redis, key, owner: 'a', ttlMs: 1_000, intervalMs: 50 });
    const b = new Lease({ redis, key, owner: 'b', ttlMs: 1_000, intervalMs: 50 });
    const aGot = once(a, 'acquired');
    a.start();
    await aGot;
    b.start();
    await new Promise((r) => setTimeout(r, 200));
    expect(a.isHeld).toBe(true);
    expect(b.isHeld).toBe(false);
    const bGot = once(b, 'acquired');
    await a.stop();
    await bGot;
    expect(await redis.get(key)).toBe('b');
    await b.stop();
    expect(await redis.get(key)).toBeNull();
  });

  it('lets a peer take over when the owner dies without releasing, and the old owner steps down', async () => {
    const key = `${uniquePrefix('lease')}:lease:pbx1`;
    const a = new Lease({ redis, key, owner: 'a', ttlMs: 400, intervalMs: 5_000 });
    const aGot = once(a, 'acquired');
    a.start();
    await aGot;
    // 'a' stops renewing (a renewal that never comes): its key lapses after the TTL, and
    // 'a' has stepped down on its own clock before a peer could take it.
    const aLost = once(a, 'lost');
    const b = new Lease({ redis, key, owner: 'b', ttlMs: 400, intervalMs: 50 });
    const bGot = once(b, 'acquired');
    b.start();
    await bGot;
    expect(a.isHeld).toBe(false);
    expect(await aLost).toBe('renewal not confirmed before the lease could lapse');
    expect(await redis.get(key)).toBe('b');
    // When 'a' tries again it must not overwrite 'b'.
    await new Promise((r) => setTimeout(r, 300));
    expect(a.isHeld).toBe(false);
    expect(await redis.get(key)).toBe('b');
    await a.stop();
    await b.stop();
  });
});

/** Holds the main event loop, as a long synchronous computation would. */
function blockLoop(ms: number): void {
  const until = Date.now() + ms;
  while (Date.now() < until);
}

describe('PBX node lease while the main event loop is blocked', () => {
  it('stays held through a block as long as the TTL, which renewals on the main loop could not survive', async () => {
    const key = `${uniquePrefix('lease')}:lease:pbx1`;
    const ttlMs = 2_000;
    const intervalMs = 100;
    const a = new Lease({ redis, key, owner: 'a', ttlMs, intervalMs });
    const got = once(a, 'acquired');
    a.start();
    await got;
    const lost: string[] = [];
    a.on('lost', (reason) => lost.push(reason));
    blockLoop(1.5 * intervalMs);
    expect(a.isHeld).toBe(true);
    await new Promise((r) => setTimeout(r, 2 * intervalMs));
    // A whole TTL: renewed on the main loop, the lease would have stepped down (it does
    // when no renewal is confirmed a tenth of the TTL before the key could lapse); the
    // thread renews for half a TTL into the block, so the key outlives it.
    blockLoop(ttlMs);
    expect(a.isHeld).toBe(true);
    await new Promise((r) => setTimeout(r, 2 * intervalMs));
    expect(lost).toEqual([]);
    expect(a.isHeld).toBe(true);
    expect(await redis.get(key)).toBe('a');
    await a.stop();
  });

  it('steps down when the main loop is stuck beyond the bound, and a peer takes the node', async () => {
    const key = `${uniquePrefix('lease')}:lease:pbx1`;
    const ttlMs = 1_000;
    const a = new Lease({ redis, key, owner: 'a', ttlMs, intervalMs: 100 });
    const got = once(a, 'acquired');
    a.start();
    await got;
    // The peer stands for another instance: this thread's stall must not stop it trying.
    const b = new Lease({ redis, key, owner: 'b', ttlMs, intervalMs: 100, stallMs: 60_000 });
    const bGot = once(b, 'acquired');
    const bConnected = once(b, 'connected');
    b.start();
    await bConnected;
    expect(b.isHeld).toBe(false);
    const lost = once(a, 'lost');
    blockLoop(3 * ttlMs);
    // Read before any message from the thread is handled: the deadline alone says it.
    expect(a.isHeld).toBe(false);
    expect(String(await lost)).toMatch(/event loop has not run/);
    await bGot;
    expect(await redis.get(key)).toBe('b');
    expect(a.isHeld).toBe(false);
    await a.stop();
    await b.stop();
  });
});

describe('PBX node lease when Redis goes silent', () => {
  it('steps down before the key could lapse, while its renewal hangs unanswered', async () => {
    const { freePort, startRedis, stopRedis } = await import('../helpers/redis-server.js');
    const port = await freePort();
    const server = await startRedis(port);
    // The defaults of ioredis: commands wait in the offline queue while it reconnects.
    const client = new Redis({ port, host: '127.0.0.1', lazyConnect: false });
    client.on('error', () => {});
    try {
      const key = `${uniquePrefix('lease')}:lease:pbx1`;
      const ttlMs = 1_500;
      const a = new Lease({ redis: client, key, owner: 'a', ttlMs, intervalMs: 500 });
      const got = once(a, 'acquired');
      a.start();
      await got;
      const lost = once(a, 'lost');
      const killedAt = Date.now();
      server.kill('SIGSTOP');
      const reason = await lost;
      // Within the TTL, counted from the last renewal: a peer may take the node after it.
      expect(Date.now() - killedAt).toBeLessThan(ttlMs);
      expect(a.isHeld).toBe(false);
      expect(String(reason)).toMatch(/no answer|not confirmed/);
      await a.stop();
    } finally {
      server.kill('SIGCONT');
      client.disconnect();
      await stopRedis(server);
    }
  });
});
