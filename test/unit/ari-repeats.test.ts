// The ARI event socket's memory of recent frames: a second copy of a recent frame is a
// repeat; anything else, and a frame that left the window, is not.
import { describe, expect, it } from 'vitest';
import { RecentFrames } from '../../src/ari/repeats.js';

const dtmf = (digit: string, ms: number) =>
  `{"type":"ChannelDtmfReceived","timestamp":"2026-12-08T00:20:01.${ms}+0000","digit":"${digit}","duration_ms":100,"channel":{"id":"c1"}}`;

describe('RecentFrames', () => {
  it('a copy of a recent frame is a repeat; the same digit pressed again later is not', () => {
    const r = new RecentFrames(8);
    expect(r.repeat(dtmf('4', 100))).toBe(false);
    expect(r.repeat(dtmf('4', 100))).toBe(true);
    expect(r.repeat(dtmf('4', 400))).toBe(false);
    expect(r.repeat(dtmf('4', 400))).toBe(true);
  });

  it('finds a copy with other frames in between, forgets frames past its size, and starts afresh when cleared', () => {
    const r = new RecentFrames(3);
    expect(r.repeat('a')).toBe(false);
    expect(r.repeat('b')).toBe(false);
    expect(r.repeat('a')).toBe(true);
    expect(r.repeat('c')).toBe(false);
    expect(r.repeat('d')).toBe(false);
    expect(r.repeat('a')).toBe(false);
    r.clear();
    expect(r.repeat('d')).toBe(false);
  });
});
