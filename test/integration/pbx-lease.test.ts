import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { Lease } from '../../src/pbx/lease.js';
import { TEST_REDIS_URL, uniquePrefix } from '../helpers/redis.js';

const redis = new Redis(TEST_REDIS_URL);
afterAll(async () => {
  await redis.quit();
});

function once(lease: Lease, event: 'acquired' | 'lost'): Promise<unknown> {
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
    // 'a' stops renewing (frozen process): its key lapses after the TTL.
    const b = new Lease({ redis, key, owner: 'b', ttlMs: 400, intervalMs: 50 });
    const bGot = once(b, 'acquired');
    b.start();
    await bGot;
    expect(await redis.get(key)).toBe('b');
    // When 'a' wakes up its renewal fails: it must report the loss, not overwrite 'b'.
    const aLost = once(a, 'lost');
    (a as unknown as { tick(): Promise<void> }).tick();
    expect(await aLost).toBe('taken by another instance');
    expect(await redis.get(key)).toBe('b');
    await a.stop();
    await b.stop();
  });
});
