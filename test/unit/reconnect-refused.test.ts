// A PBX that refuses connections (nothing listening: down or restarting) is tried again
// within about a second whatever the attempt count; any other failure keeps its backoff.
import { describe, expect, it } from 'vitest';
import { reconnectWait as amiWait, REFUSED_MAX_MS as AMI_REFUSED } from '../../src/ami/backoff.js';
import { reconnectWait as ariWait, REFUSED_MAX_MS as ARI_REFUSED } from '../../src/ari/backoff.js';

describe('reconnect after a refused connection', () => {
  const opts = { minMs: 500, maxMs: 30_000 };

  for (const [name, wait, cap] of [
    ['ARI', ariWait, ARI_REFUSED],
    ['AMI', amiWait, AMI_REFUSED],
  ] as const) {
    it(`${name}: refused attempts wait at most about a second, other failures back off`, () => {
      for (const attempt of [0, 3, 6, 20]) {
        expect(wait(attempt, opts, true, () => 1)).toBeLessThanOrEqual(cap);
        expect(wait(attempt, opts, true, () => 0)).toBeGreaterThanOrEqual(0);
      }
      expect(wait(6, opts, false, () => 1)).toBe(30_000);
    });

    it(`${name}: a minimum above the refused cap is kept`, () => {
      expect(wait(5, { minMs: 2_000, maxMs: 30_000 }, true, () => 1)).toBe(2_000);
    });
  }
});
