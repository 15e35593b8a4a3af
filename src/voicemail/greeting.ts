// Greetings uploaded through the API: checked to be what Asterisk plays as `.wav` (8 kHz,
// 16-bit, mono PCM), kept in Postgres, and written as a file the PBX plays by path the
// first time a caller needs it on a node.
import { createHash } from 'node:crypto';
import { access, mkdir, rename, writeFile } from 'node:fs/promises';
import { join, posix, resolve } from 'node:path';
import type { VoicemailConfig } from '../config.js';

export const MAX_GREETING_SECONDS = 120;

export type WavCheck = { ok: true; durationMs: number } | { ok: false; reason: string };

export function checkGreetingWav(b: Buffer): WavCheck {
  if (b.length < 44 || b.toString('latin1', 0, 4) !== 'RIFF' || b.toString('latin1', 8, 12) !== 'WAVE') return { ok: false, reason: 'not a WAV file' };
  // Walk the chunks: fmt must say PCM, mono, 8000 Hz, 16-bit; data holds the samples.
  let fmt: { format: number; channels: number; rate: number; bits: number } | undefined;
  let dataBytes: number | undefined;
  for (let at = 12; at + 8 <= b.length; ) {
    const id = b.toString('latin1', at, at + 4);
    const size = b.readUInt32LE(at + 4);
    if (id === 'fmt ' && at + 24 <= b.length) {
      fmt = { format: b.readUInt16LE(at + 8), channels: b.readUInt16LE(at + 10), rate: b.readUInt32LE(at + 12), bits: b.readUInt16LE(at + 22) };
    } else if (id === 'data') {
      dataBytes = Math.min(size, b.length - at - 8);
      break;
    }
    at += 8 + size + (size % 2);
  }
  if (!fmt) return { ok: false, reason: 'the WAV has no format chunk' };
  if (fmt.format !== 1 || fmt.channels !== 1 || fmt.rate !== 8000 || fmt.bits !== 16) {
    return { ok: false, reason: `greetings must be 8 kHz 16-bit mono PCM; this is ${fmt.rate} Hz, ${fmt.bits}-bit, ${fmt.channels} channel(s), format ${fmt.format}` };
  }
  if (dataBytes === undefined || dataBytes === 0) return { ok: false, reason: 'the WAV has no audio' };
  const durationMs = Math.round(dataBytes / 16);
  if (durationMs > MAX_GREETING_SECONDS * 1000) return { ok: false, reason: `the greeting lasts ${Math.round(durationMs / 1000)} s; at most ${MAX_GREETING_SECONDS} s` };
  return { ok: true, durationMs };
}

export function greetingSha(audio: Buffer): string {
  return createHash('sha256').update(audio).digest('hex').slice(0, 16);
}

/** The file name a greeting has on disk; a new upload gets a new name, so no stale copy plays. */
export function greetingFileBase(mailboxId: string, sha: string): string {
  return `vm-greeting-${mailboxId}-${sha}`;
}

/** Writes the greeting once (atomically) and returns the media URI the PBX plays it by. */
export async function greetingMedia(config: VoicemailConfig, mailboxId: string, sha: string, audio: () => Promise<Buffer | undefined>): Promise<string | undefined> {
  const dir = resolve(config.greetingDir);
  const base = greetingFileBase(mailboxId, sha);
  const file = join(dir, `${base}.wav`);
  try {
    await access(file);
  } catch {
    const bytes = await audio();
    if (!bytes) return undefined;
    await mkdir(dir, { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    await writeFile(tmp, bytes);
    await rename(tmp, file);
  }
  return `sound:${posix.join(config.pbxGreetingDir ?? dir, base)}`;
}
