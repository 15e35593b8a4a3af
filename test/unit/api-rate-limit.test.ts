import { describe, expect, it } from 'vitest';
import { LocalWindowCounter, RateLimiter, type WindowCounter } from '../../src/api/rate-limit.js';

const minute = (max: number) => ({ max, timeWindow: 60_000 });

/** Counts how often the shared counter is asked. */
function counting(counter: WindowCounter) {
  let takes = 0;
  return {
    counter: { take: (k: string, n: number, ttl: number) => (takes++, counter.take(k, n, ttl)) },
    takes: () => takes,
  };
}

describe('RateLimiter', () => {
  it('is exact for small limits, and says what is left and when the window resets', async () => {
    const now = 120_000 + 15_000;
    const limiter = new RateLimiter({ counter: new LocalWindowCounter(() => now), now: () => now });
    const d = [];
    for (let i = 0; i < 4; i++) d.push(await limiter.hit('k', minute(3)));
    expect(d.map((x) => x.allowed)).toEqual([true, true, true, false]);
    expect(d.map((x) => x.remaining)).toEqual([2, 1, 0, 0]);
    expect(d[3]!.resetSeconds).toBe(45);
  });

  it('never grants more than the limit across instances sharing one counter, asking it once per slice', async () => {
    const shared = counting(new LocalWindowCounter());
    const a = new RateLimiter({ counter: shared.counter, sliceFraction: 0.1 });
    const b = new RateLimiter({ counter: shared.counter, sliceFraction: 0.1 });
    let granted = 0;
    for (let i = 0; i < 150; i++) {
      for (const l of [a, b]) if ((await l.hit('k', minute(100))).allowed) granted++;
    }
    expect(granted).toBe(100);
    // Slices of 10: ten grants plus the two refusals that found the budget gone.
    expect(shared.takes()).toBe(12);
  });

  it('lets concurrent requests wait for one take', async () => {
    const shared = counting(new LocalWindowCounter());
    const limiter = new RateLimiter({ counter: shared.counter, sliceFraction: 0.5 });
    const d = await Promise.all(Array.from({ length: 10 }, () => limiter.hit('k', minute(10))));
    expect(d.filter((x) => x.allowed)).toHaveLength(10);
    expect(shared.takes()).toBe(2);
  });

  it('starts a new budget with the next window', async () => {
    let now = 60_000;
    const limiter = new RateLimiter({ counter: new LocalWindowCounter(() => now), now: () => now });
    expect((await limiter.hit('k', minute(1))).allowed).toBe(true);
    expect((await limiter.hit('k', minute(1))).allowed).toBe(false);
    now += 60_000;
    expect((await limiter.hit('k', minute(1))).allowed).toBe(true);
  });

  it('allows requests while the shared counter is unreachable, and says so', async () => {
    const errors: string[] = [];
    const limiter = new RateLimiter({
      counter: { take: async () => Promise.reject(new Error('Connection is closed.')) },
      onError: (err) => errors.push(err.message),
    });
    for (let i = 0; i < 3; i++) expect((await limiter.hit('k', minute(1))).allowed).toBe(true);
    expect(errors).toEqual(['Connection is closed.', 'Connection is closed.', 'Connection is closed.']);
  });
});
