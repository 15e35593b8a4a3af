import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { backoffDelay, resolveBackoff } from '../../src/ari/backoff.js';

describe('reconnect backoff', () => {
  const opts = { minMs: 100, maxMs: 3_000 };

  it('grows exponentially up to the cap', () => {
    const top = (attempt: number) => backoffDelay(attempt, opts, () => 1);
    expect([0, 1, 2, 3, 4, 5, 6, 50, 5_000].map(top)).toEqual([100, 200, 400, 800, 1_600, 3_000, 3_000, 3_000, 3_000]);
  });

  it('spreads retries between the floor and the current ceiling', () => {
    expect(backoffDelay(4, opts, () => 0)).toBe(100);
    expect(backoffDelay(4, opts, () => 0.5)).toBe(850);
  });

  it('stays within [minMs, maxMs] for any attempt and random value', () => {
    fc.assert(
      fc.property(fc.integer({ min: -5, max: 10_000 }), fc.double({ min: 0, max: 1, noNaN: true }), (attempt, r) => {
        const d = backoffDelay(attempt, opts, () => r);
        expect(d).toBeGreaterThanOrEqual(100);
        expect(d).toBeLessThanOrEqual(3_000);
      }),
    );
  });

  it('fills unset bounds from the defaults and refuses nonsense', () => {
    expect(resolveBackoff(undefined)).toEqual({ minMs: 500, maxMs: 30_000 });
    expect(resolveBackoff({ minMs: 50 })).toEqual({ minMs: 50, maxMs: 30_000 });
    expect(resolveBackoff({ minMs: 50, maxMs: undefined })).toEqual({ minMs: 50, maxMs: 30_000 });
    expect(resolveBackoff({ minMs: 500, maxMs: 100 })).toEqual({ minMs: 500, maxMs: 500 });
    expect(() => resolveBackoff({ minMs: -1 })).toThrow(RangeError);
    expect(() => resolveBackoff({ minMs: Number.POSITIVE_INFINITY })).toThrow(RangeError);
  });
});
