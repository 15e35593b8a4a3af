import { describe, expect, it } from 'vitest';
import { Batcher } from '../../src/events/batcher.js';

describe('Batcher', () => {
  it('coalesces calls made in the same turn and answers each caller with its own result', async () => {
    const calls: number[][] = [];
    const b = new Batcher<number, string>(async (keys) => {
      calls.push(keys);
      return keys.map((k) => `v${k}`);
    });
    const results = await Promise.all([1, 2, 3].map((k) => b.load(k)));
    expect(results).toEqual(['v1', 'v2', 'v3']);
    expect(calls).toEqual([[1, 2, 3]]);
  });

  it('gathers requests while batches are in flight and respects maxBatch', async () => {
    const calls: number[][] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const b = new Batcher<number, number>(
      async (keys) => {
        calls.push(keys);
        if (calls.length === 1) await gate;
        return keys.map((k) => k * 10);
      },
      { maxBatch: 3, maxInFlight: 1 },
    );
    const first = b.load(0);
    await new Promise((r) => setImmediate(r));
    const rest = [1, 2, 3, 4, 5].map((k) => b.load(k));
    await new Promise((r) => setImmediate(r));
    expect(calls).toEqual([[0]]); // the others wait for the one in flight
    release();
    expect(await Promise.all([first, ...rest])).toEqual([0, 10, 20, 30, 40, 50]);
    expect(calls).toEqual([[0], [1, 2, 3], [4, 5]]);
  });

  it('rejects every caller of a failed batch and keeps working afterwards', async () => {
    let fail = true;
    const b = new Batcher<string, string>(async (keys) => {
      if (fail) throw new Error('db down');
      return keys;
    });
    const settled = await Promise.allSettled([b.load('a'), b.load('b')]);
    expect(settled.map((s) => s.status)).toEqual(['rejected', 'rejected']);
    fail = false;
    expect(await b.load('c')).toBe('c');
  });

  it('rejects when the batch function answers the wrong number of results', async () => {
    const b = new Batcher<number, number>(async () => [1]);
    const settled = await Promise.allSettled([b.load(1), b.load(2)]);
    expect(settled.every((s) => s.status === 'rejected')).toBe(true);
  });
});
