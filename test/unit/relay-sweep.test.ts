import { describe, expect, it } from 'vitest';
import { settledMark, type WatermarkMark } from '../../src/events/relay-sweep.js';

describe('settledMark', () => {
  it('takes the newest watermark read at least a grace period ago and forgets the older ones', () => {
    const marks: WatermarkMark[] = [
      { at: 0, upto: '10' },
      { at: 60, upto: '20' },
      { at: 120, upto: '30' },
    ];
    expect(settledMark(marks, 100, 300)).toBeUndefined();
    expect(marks).toHaveLength(3);
    expect(settledMark(marks, 365, 300)).toEqual({ at: 60, upto: '20' });
    expect(marks.map((m) => m.upto)).toEqual(['20', '30']);
    expect(settledMark(marks, 1_000, 300)).toEqual({ at: 120, upto: '30' });
    expect(marks).toHaveLength(1);
  });
});
