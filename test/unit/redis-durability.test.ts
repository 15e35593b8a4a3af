import { describe, expect, it } from 'vitest';
import { durabilityShortfalls } from '../../src/events/redis-durability.js';

describe('Redis durability settings', () => {
  it('is content with AOF on and no eviction', () => {
    expect(durabilityShortfalls({ appendonly: 'yes', 'maxmemory-policy': 'noeviction' })).toEqual([]);
  });

  it('names AOF off and an evicting policy', () => {
    const out = durabilityShortfalls({ appendonly: 'no', 'maxmemory-policy': 'allkeys-lru' });
    expect(out).toHaveLength(2);
    expect(out[0]).toMatch(/appendonly/);
    expect(out[1]).toMatch(/allkeys-lru.*noeviction/);
  });
});
