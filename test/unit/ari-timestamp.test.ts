import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AriTimestampError, parseAriTimestamp, tryParseAriTimestamp } from '../../src/ari/timestamp.js';
import { scenarioFrames } from '../integration/ari-fixtures.js';

describe('parseAriTimestamp', () => {
  it('reads the offset without a colon that Asterisk writes', () => {
    expect(parseAriTimestamp('2026-11-22T21:51:57.430+0000').toISOString()).toBe('2026-11-22T21:51:57.430Z');
    expect(parseAriTimestamp('2026-11-22T22:51:57.430+0100').toISOString()).toBe('2026-11-22T21:51:57.430Z');
    expect(parseAriTimestamp('2026-11-22T16:51:57.430-0500').toISOString()).toBe('2026-11-22T21:51:57.430Z');
    expect(parseAriTimestamp('2026-11-23T03:21:57.430+0530').toISOString()).toBe('2026-11-22T21:51:57.430Z');
  });

  it('reads RFC 3339 forms and fractions of any length', () => {
    expect(parseAriTimestamp('2026-11-22T21:51:57Z').getTime()).toBe(Date.UTC(2026, 10, 22, 21, 51, 57));
    expect(parseAriTimestamp('2026-11-22T21:51:57.4+00:00').getUTCMilliseconds()).toBe(400);
    expect(parseAriTimestamp('2026-11-22T21:51:57.123456789+0000').getUTCMilliseconds()).toBe(123);
    expect(parseAriTimestamp('2026-11-22T21:51:57+02').toISOString()).toBe('2026-11-22T19:51:57.000Z');
  });

  it('parses every timestamp of the captured event stream', () => {
    const frames = scenarioFrames().map((l) => JSON.parse(l) as { timestamp: string; channel?: { creationtime: string } });
    expect(frames.length).toBeGreaterThan(100);
    for (const f of frames) {
      const ms = tryParseAriTimestamp(f.timestamp);
      expect(ms, f.timestamp).toBeDefined();
      // The capture ran on 2026-11-22 between 21:51 and 21:53 UTC.
      expect(new Date(ms!).toISOString().slice(0, 15), f.timestamp).toBe('2026-11-22T21:5');
      if (f.channel) expect(tryParseAriTimestamp(f.channel.creationtime)).toBeLessThanOrEqual(ms!);
    }
  });

  it('rejects what is not a timestamp, naming the text', () => {
    for (const bad of [
      '',
      'yesterday',
      '2026-11-22 21:51:57.430+0000',
      '2026-13-22T21:51:57.430+0000',
      '2026-02-29T21:51:57.430+0000',
      '2026-11-31T21:51:57.430+0000',
      '2026-11-22T24:00:00.000+0000',
      '2026-11-22T21:60:00.000+0000',
      '2026-11-22T21:51:57.430+2400',
      '2026-11-22T21:51:57.430',
      '2026-11-22T21:51:57.430+000',
      '2026-11-22T21:51:57.+0000',
    ]) {
      expect(tryParseAriTimestamp(bad), bad).toBeUndefined();
    }
    expect(tryParseAriTimestamp(12345)).toBeUndefined();
    expect(tryParseAriTimestamp(null)).toBeUndefined();
    expect(() => parseAriTimestamp('soon')).toThrow(AriTimestampError);
    expect(() => parseAriTimestamp('soon')).toThrow(/"soon"/);
    expect(parseAriTimestamp('2024-02-29T00:00:00.000+0000').toISOString()).toBe('2024-02-29T00:00:00.000Z');
  });

  it('round-trips any instant written the ARI way with any offset', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: Date.UTC(1971, 0, 1), max: Date.UTC(2200, 0, 1) }),
        fc.integer({ min: -14 * 60, max: 14 * 60 }),
        (ms, offsetMin) => {
          const local = new Date(ms + offsetMin * 60_000);
          const sign = offsetMin < 0 ? '-' : '+';
          const abs = Math.abs(offsetMin);
          const zone = `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}${String(abs % 60).padStart(2, '0')}`;
          const text = `${local.toISOString().slice(0, 23)}${zone}`;
          expect(tryParseAriTimestamp(text)).toBe(ms);
        },
      ),
    );
  });
});
