// The wallboard's memory of event ids: a bounded ring that forgets the oldest id first.
import { describe, expect, it } from 'vitest';
import { RecentIds } from '../../src/reports/recent-ids.js';
import { applyEvent, emptyWallboard } from '../../src/wallboard/state.js';

describe('RecentIds', () => {
  it('keeps the last N ids and forgets the oldest first', () => {
    const ids = new RecentIds(3);
    expect(['a', 'b', 'c'].map((x) => ids.add(x))).toEqual([true, true, true]);
    expect(ids.add('b')).toBe(false);
    expect(ids.add('d')).toBe(true);
    expect([ids.has('a'), ids.has('b'), ids.has('c'), ids.has('d'), ids.size]).toEqual([false, true, true, true, 3]);
    // a forgotten id counts as new again, and pushes out the next oldest
    expect(ids.add('a')).toBe(true);
    expect(ids.has('b')).toBe(false);
  });

  it('lets the wallboard apply an event once however many came after it, up to its memory', () => {
    const s = emptyWallboard();
    const queued = (id: string, callId: string) => ({ id, type: 'call.queued', occurredAt: new Date().toISOString(), callId, data: { queue: { id: 'q' } } });
    expect(applyEvent(s, queued('e1', 'c1'))).toBe(true);
    for (let i = 0; i < 1000; i++) applyEvent(s, queued(`x${i}`, `c${i + 2}`));
    expect(applyEvent(s, queued('e1', 'c1'))).toBe(false);
    expect(s.seen.size).toBe(1001);
  });
});
