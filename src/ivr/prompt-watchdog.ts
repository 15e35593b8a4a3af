// How long a prompt may take before we stop waiting for the PBX to say it ended. Asterisk
// announces PlaybackStarted for a `recording:` it does not have (or a scheme it does not
// know) and then never sends PlaybackFinished: without a bound the flow would wait for a
// key or a hang-up, and the caller would sit in silence. Pure functions: the runner arms
// the timer and does the stopping.
import type { Media } from './contract.js';

export interface PromptBounds {
  /** The bound when any part of the prompt has no known length. */
  maxMs: number;
  /** Extra time on top of a known length (the PBX is late, the line is slow). */
  minMarginMs: number;
}

export const DEFAULT_PROMPT_BOUNDS: PromptBounds = { maxMs: 60_000, minMarginMs: 3_000 };

/** Why a prompt is given up: not on the PBX, no end within its bound, the PBX said failed, the PBX refused the play. */
export type PromptFailure = 'missing' | 'timeout' | 'failed' | 'refused';

// Asterisk's core sounds say a digit in well under a second and a number a little more
// per digit ("one hundred and twenty"); these are generous on purpose.
const DIGIT_MS = 800;
const NUMBER_DIGIT_MS = 1_000;

/** The spoken length of `digits:`/`number:` media; undefined for files whose length we do not know. */
export function spokenLengthMs(uri: Media): number | undefined {
  const colon = uri.indexOf(':');
  const scheme = uri.slice(0, colon);
  const rest = uri.slice(colon + 1);
  if (scheme === 'digits') return Math.max(1, rest.length) * DIGIT_MS;
  if (scheme === 'number') return Math.max(1, rest.replace(/^-/, '').length) * NUMBER_DIGIT_MS;
  return undefined;
}

/**
 * The time after which a playback of `media` that has not finished is given up: the
 * known length plus a margin (a quarter, at least `minMarginMs`), or `maxMs` as soon as
 * one part has no known length. `lengthOf` may know more (e.g. a prompt store).
 */
export function promptBoundMs(media: readonly Media[], bounds: PromptBounds, lengthOf: (uri: Media) => number | undefined = spokenLengthMs): number {
  let known = 0;
  for (const uri of media) {
    const ms = lengthOf(uri) ?? spokenLengthMs(uri);
    if (ms === undefined) return Math.max(bounds.maxMs, known + bounds.minMarginMs);
    known += ms;
  }
  return known + Math.max(bounds.minMarginMs, Math.round(known / 4));
}

/** The stored recordings a prompt names (`recording:<name>`), each once. */
export function recordingNames(media: readonly Media[]): string[] {
  const names = media.filter((m) => m.startsWith('recording:')).map((m) => m.slice('recording:'.length));
  return [...new Set(names)];
}

/**
 * What a prompt may be called in logs, the timeline and events: file names as they are,
 * spoken digits and numbers without their value (a fax number read back, an order number).
 */
export function describeMedia(media: readonly Media[]): string[] {
  return media.map((m) => (m.startsWith('digits:') || m.startsWith('number:') ? `${m.slice(0, m.indexOf(':'))}:…` : m));
}

/** The prompt split into what can be played and the recordings the PBX says it does not have. */
export function withoutMissing(media: readonly Media[], missing: ReadonlySet<string>): { play: Media[]; missing: Media[] } {
  const play: Media[] = [];
  const gone: Media[] = [];
  for (const m of media) (m.startsWith('recording:') && missing.has(m.slice('recording:'.length)) ? gone : play).push(m);
  return { play, missing: gone };
}
