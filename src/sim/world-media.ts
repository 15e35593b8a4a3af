// Sounds the simulated PBX "has", how long they play, and the audio of stored recordings.
import { statSync } from 'node:fs';

/** Built-in prompt lengths in milliseconds (real Asterisk core sounds, rounded). */
export const DEFAULT_SOUNDS: Record<string, number> = {
  'hello-world': 1400,
  beep: 300,
  'queue-thankyou': 1600,
  'queue-callswaiting': 1500,
  'queue-thereare': 1000,
  'queue-youarenext': 1400,
  'queue-holdtime': 1800,
  'queue-minutes': 700,
  'pls-hold-while-try': 2200,
  'please-try-again': 1200,
  'vm-intro': 3600,
  'vm-goodbye': 900,
  'vm-rec-unv': 2500,
  'vm-theperson': 1100,
  'vm-isunavail': 1600,
  'tt-monkeys': 9000,
  'tt-weasels': 4000,
  'auth-thankyou': 900,
  goodbye: 800,
  silence: 1000,
  'silence/1': 1000,
  'agent-newlocation': 1400,
  'conf-onlyperson': 2000,
  'invalid': 1300,
};

/** Sound names under these prefixes exist too (site prompts uploaded by the integrator). */
export const DEFAULT_CUSTOM_PREFIXES = ['custom/', 'cti/', 'digits/', 'letters/'];

export type MediaPlan =
  | { kind: 'finite'; durationMs: number }
  | { kind: 'missing' } // sound file not found: the stream fails
  | { kind: 'endless' } // tones play until stopped
  | { kind: 'unknown-scheme' }; // unknown scheme or missing recording: started, then skipped with no final event

export interface SoundCatalog {
  durations: Record<string, number>;
  customPrefixes: string[];
  defaultCustomMs: number;
}

export function soundDuration(catalog: SoundCatalog, name: string): number | undefined {
  const known = catalog.durations[name];
  if (known !== undefined) return known;
  // An absolute path plays the file itself when it exists (Asterisk tries the formats it has; we know .wav).
  if (name.startsWith('/')) return wavFileMs(`${name}.wav`);
  if (catalog.customPrefixes.some((p) => name.startsWith(p))) return catalog.defaultCustomMs;
  return undefined;
}

/** The length of an 8 kHz 16-bit mono WAV on this machine, or undefined when there is none. */
function wavFileMs(path: string): number | undefined {
  try {
    const size = statSync(path).size;
    return size > 44 ? Math.round((size - 44) / 16) : undefined;
  } catch {
    return undefined;
  }
}

/** How one media URI of a play request behaves. */
export function planMedia(catalog: SoundCatalog, uri: string, storedRecordingMs: (name: string) => number | undefined): MediaPlan {
  const colon = uri.indexOf(':');
  const scheme = colon < 0 ? '' : uri.slice(0, colon);
  const rest = colon < 0 ? uri : uri.slice(colon + 1);
  switch (scheme) {
    case 'sound': {
      const ms = soundDuration(catalog, rest);
      return ms === undefined ? { kind: 'missing' } : { kind: 'finite', durationMs: ms };
    }
    case 'recording': {
      const ms = storedRecordingMs(rest);
      return ms === undefined ? { kind: 'unknown-scheme' } : { kind: 'finite', durationMs: ms };
    }
    case 'digits':
    case 'characters':
      return { kind: 'finite', durationMs: Math.max(1, rest.length) * 500 };
    case 'number':
      return { kind: 'finite', durationMs: Math.max(1, rest.length) * 600 };
    case 'tone':
      return { kind: 'endless' };
    default:
      return { kind: 'unknown-scheme' };
  }
}

/**
 * An 8 kHz 16-bit mono WAV of the given length, as Asterisk writes `format=wav`, filled
 * with low noise seeded by the recording's name: two recordings of one length differ, and
 * the same recording reads the same bytes every time (so a download can be compared).
 */
export function recordingWav(name: string, durationMs: number): Buffer {
  const buf = silentWav(durationMs);
  let seed = 2166136261;
  for (const ch of name) seed = Math.imul(seed ^ ch.charCodeAt(0), 16777619) >>> 0;
  for (let off = 44; off + 1 < buf.length; off += 2) {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    buf.writeInt16LE(((seed >>> 16) % 512) - 256, off);
  }
  return buf;
}

/** A silent 8 kHz 16-bit mono WAV of the given length. */
export function silentWav(durationMs: number): Buffer {
  const samples = Math.max(0, Math.round((durationMs / 1000) * 8000));
  const dataBytes = samples * 2;
  const buf = Buffer.alloc(44 + dataBytes);
  buf.write('RIFF', 0, 'ascii');
  buf.writeUInt32LE(36 + dataBytes, 4);
  buf.write('WAVE', 8, 'ascii');
  buf.write('fmt ', 12, 'ascii');
  buf.writeUInt32LE(16, 16);
  buf.writeUInt16LE(1, 20); // PCM
  buf.writeUInt16LE(1, 22); // mono
  buf.writeUInt32LE(8000, 24);
  buf.writeUInt32LE(16000, 28);
  buf.writeUInt16LE(2, 32);
  buf.writeUInt16LE(16, 34);
  buf.write('data', 36, 'ascii');
  buf.writeUInt32LE(dataBytes, 40);
  return buf;
}
