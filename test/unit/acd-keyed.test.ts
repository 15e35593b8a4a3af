import { describe, expect, it, vi } from 'vitest';
import { KeyedSerial, KeyedTimers } from '../../src/acd/keyed.js';

describe('keyed timers and serial chains', () => {
  it('runs one key\'s work in order, even after a failure, and other keys alongside', async () => {
    const serial = new KeyedSerial();
    const seen: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const a1 = serial.run('a', async () => {
      await gate;
      seen.push('a1');
      throw new Error('boom');
    });
    const a2 = serial.run('a', async () => void seen.push('a2'));
    const b1 = serial.run('b', async () => void seen.push('b1'));
    await b1;
    expect(seen).toEqual(['b1']);
    release();
    await expect(a1).rejects.toThrow('boom');
    await a2;
    expect(seen).toEqual(['b1', 'a1', 'a2']);
  });

  it('replaces a timer of the same key, reports failures, and fires nothing after stop', async () => {
    vi.useFakeTimers();
    const errors: string[] = [];
    const timers = new KeyedTimers((err, key) => errors.push(`${key}: ${err.message}`));
    const fired: string[] = [];
    timers.set('x', 5, () => fired.push('first'));
    timers.set('x', 5, () => fired.push('second'));
    timers.set('y', 5, () => {
      throw new Error('bad');
    });
    await vi.advanceTimersByTimeAsync(10);
    expect(fired).toEqual(['second']);
    expect(errors).toEqual(['y: bad']);
    timers.set('z', 5, () => fired.push('late'));
    expect(timers.has('z')).toBe(true);
    timers.stop();
    await vi.advanceTimersByTimeAsync(10);
    expect(fired).toEqual(['second']);
    vi.useRealTimers();
  });
});
