// The copies of an ARI event that a second subscription route delivers (src/ari/repeats.ts).
import { describe, expect, it } from 'vitest';
import { RepeatedFrames } from '../../src/ari/repeats.js';

const dtmf = (digit: string, ms: number) =>
  JSON.stringify({ type: 'ChannelDtmfReceived', timestamp: `2026-12-08T00:05:01.${String(ms).padStart(3, '0')}+0000`, digit, duration_ms: 100, channel: { id: 'c1' } });

describe('RepeatedFrames', () => {
  it('drops each copy of a frame and keeps the distinct ones, in their order', () => {
    const r = new RepeatedFrames();
    // 4711 as an endpoint-subscribed app receives it: each event twice, back to back.
    const wire = ['4', '7', '1', '1'].flatMap((d, i) => [dtmf(d, 100 * i), dtmf(d, 100 * i)]);
    const kept = wire.filter((f) => !r.repeats(f)).map((f) => (JSON.parse(f) as { digit: string }).digit);
    expect(kept.join('')).toBe('4711');
    expect(r.dropped).toBe(4);
  });

  it('drops a further copy from a third route, and one arriving a few frames later', () => {
    const r = new RepeatedFrames();
    const a = dtmf('5', 1);
    expect(r.repeats(a)).toBe(false);
    expect(r.repeats(dtmf('6', 2))).toBe(false);
    expect(r.repeats(a)).toBe(true);
    expect(r.repeats(a)).toBe(true);
  });

  it('forgets a frame once 32 others came after it', () => {
    const r = new RepeatedFrames();
    const a = dtmf('5', 999);
    r.repeats(a);
    for (let i = 0; i < 31; i++) expect(r.repeats(dtmf('1', i))).toBe(false);
    expect(r.repeats(a)).toBe(true);
    for (let i = 31; i < 63; i++) r.repeats(dtmf('1', i));
    expect(r.repeats(a)).toBe(false);
  });
});
