import { describe, expect, it } from 'vitest';
import { keepRecording, recordLimits, recordingName } from '../../src/voicemail/policy.js';
import { parseRange } from '../../src/voicemail/range.js';

describe('keepRecording', () => {
  it('keeps a finished recording at or above the minimum, whoever ended it', () => {
    expect(keepRecording({ state: 'done', durationSeconds: 2 }, 2)).toBe(true);
    expect(keepRecording({ state: 'done', durationSeconds: 1 }, 2)).toBe(false);
    expect(keepRecording({ state: 'done', durationSeconds: undefined }, 1)).toBe(false);
    expect(keepRecording({ state: 'done', durationSeconds: undefined }, 0)).toBe(true);
  });
  it('never keeps a failed or cancelled recording', () => {
    expect(keepRecording({ state: 'failed', durationSeconds: 30 }, 2)).toBe(false);
    expect(keepRecording({ state: 'canceled', durationSeconds: 30 }, 2)).toBe(false);
  });
  it('names recordings so their events map back to voicemail', () => {
    expect(recordingName('abc')).toBe('vm-abc');
  });
  it('bounds the recording by the mailbox limit and the silence setting', () => {
    expect(recordLimits(60, 10)).toEqual({ maxDurationSeconds: 60, maxSilenceSeconds: 10 });
    expect(recordLimits(0, -1)).toEqual({ maxDurationSeconds: 1, maxSilenceSeconds: 0 });
  });
});

describe('parseRange', () => {
  it('reads the three single-range forms, clamped to the body', () => {
    expect(parseRange('bytes=0-99', 1000)).toEqual({ start: 0, end: 99 });
    expect(parseRange('bytes=900-', 1000)).toEqual({ start: 900, end: 999 });
    expect(parseRange('bytes=-100', 1000)).toEqual({ start: 900, end: 999 });
    expect(parseRange('bytes=-5000', 1000)).toEqual({ start: 0, end: 999 });
    expect(parseRange('bytes=990-2000', 1000)).toEqual({ start: 990, end: 999 });
  });
  it('serves everything for no header, a malformed one or several ranges', () => {
    expect(parseRange(undefined, 10)).toBeUndefined();
    expect(parseRange('items=0-1', 10)).toBeUndefined();
    expect(parseRange('bytes=0-1,4-5', 10)).toBeUndefined();
    expect(parseRange('bytes=5-1', 10)).toBeUndefined();
  });
  it('is unsatisfiable past the end', () => {
    expect(parseRange('bytes=1000-', 1000)).toBe('unsatisfiable');
    expect(parseRange('bytes=-0', 1000)).toBe('unsatisfiable');
  });
});

describe('checkGreetingWav', async () => {
  const { checkGreetingWav } = await import('../../src/voicemail/greeting.js');
  const { silentWav } = await import('../../src/sim/world-media.js');
  it('accepts 8 kHz 16-bit mono PCM and measures it', () => {
    expect(checkGreetingWav(silentWav(2000))).toEqual({ ok: true, durationMs: 2000 });
  });
  it('refuses other formats, empty audio, too long greetings and non-WAV bytes', () => {
    const rate = silentWav(1000);
    rate.writeUInt32LE(44100, 24);
    expect(checkGreetingWav(rate)).toMatchObject({ ok: false, reason: expect.stringContaining('44100 Hz') });
    expect(checkGreetingWav(silentWav(0))).toEqual({ ok: false, reason: 'the WAV has no audio' });
    expect(checkGreetingWav(silentWav(121_000))).toMatchObject({ ok: false, reason: expect.stringContaining('at most 120 s') });
    expect(checkGreetingWav(Buffer.alloc(100))).toEqual({ ok: false, reason: 'not a WAV file' });
  });
});
