// A caller given back to the queue after a failed transfer goes to its front, whatever the
// queue's priorities, aging and the other callers' waits.
import { describe, expect, it } from 'vitest';
import { entryPriority, frontPriority } from '../../src/acd/priority.js';
import { RoutingEngine } from '../../src/acd/router.js';
import type { WaitingCall } from '../../src/acd/model.js';
import { queueDef } from '../helpers/acd.js';

const call = (callId: string, enteredMs: number, priority: number): WaitingCall => ({ callId, queueId: 'q', enteredMs, priority, skills: {} });

describe('front of the queue for a returning caller', () => {
  for (const aging of [0, 7]) {
    it(`goes ahead of everyone waiting (aging ${aging} s per level)`, () => {
      const q = queueDef({ id: 'q', agingSecondsPerLevel: aging, priorityRules: [{ field: 'vip', equals: 'true', add: 10 }] });
      const e = new RoutingEngine();
      e.putQueue(q);
      const now = 500_000;
      e.enqueue(call('old', 0, 0));
      e.enqueue(call('vip', 400_000, 10));
      e.enqueue(call('fresh', now, 3));
      const base = entryPriority(q, {});
      const p = frontPriority(q, e.waitingIn('q'), now, base);
      e.enqueue(call('back', now, p));
      expect(e.position('back')).toBe(1);
      expect(p).toBeGreaterThanOrEqual(base);
    });
  }

  it('keeps its own priority when the queue is empty or it is ahead already', () => {
    const q = queueDef({ id: 'q' });
    expect(frontPriority(q, [], 1000, 4)).toBe(4);
    expect(frontPriority(q, [call('a', 0, 1)], 1000, 4)).toBe(4);
    expect(frontPriority(q, [call('a', 0, 4)], 1000, 4)).toBe(5);
  });
});
