import { describe, expect, it } from 'vitest';
import { reconnectDelay } from '../../src/ami/backoff.js';
import { BoundedQueue } from '../../src/ami/event-queue.js';

describe('reconnect backoff', () => {
  it('grows exponentially from minMs, is capped at maxMs, and jitters within [cap/2, cap]', () => {
    const opts = { minMs: 100, maxMs: 5000 };
    expect(reconnectDelay(0, opts, () => 1)).toBe(100);
    expect(reconnectDelay(0, opts, () => 0)).toBe(50);
    expect(reconnectDelay(3, opts, () => 1)).toBe(800);
    expect(reconnectDelay(3, opts, () => 0)).toBe(400);
    expect(reconnectDelay(20, opts, () => 1)).toBe(5000);
    expect(reconnectDelay(1000, opts, () => 0.5)).toBe(3750);
  });
});

describe('BoundedQueue', () => {
  it('keeps order, grows past its initial size and drops the oldest at the limit', () => {
    const q = new BoundedQueue<number>(100);
    for (let i = 0; i < 250; i++) q.push(i);
    expect(q.length).toBe(100);
    expect(q.dropped).toBe(150);
    const out: number[] = [];
    for (let v = q.shift(); v !== undefined; v = q.shift()) out.push(v);
    expect(out).toEqual(Array.from({ length: 100 }, (_, i) => 150 + i));
    expect(q.shift()).toBeUndefined();
  });

  it('interleaves pushes and shifts across the wrap point', () => {
    const q = new BoundedQueue<number>(1000);
    const seen: number[] = [];
    let next = 0;
    for (let round = 0; round < 50; round++) {
      for (let i = 0; i < 37; i++) q.push(next++);
      for (let i = 0; i < 30; i++) seen.push(q.shift() as number);
    }
    while (q.length > 0) seen.push(q.shift() as number);
    expect(seen).toEqual(Array.from({ length: next }, (_, i) => i));
    expect(q.dropped).toBe(0);
  });

  it('rejects a non-positive limit', () => {
    expect(() => new BoundedQueue(0)).toThrow(RangeError);
  });
});
