// Turning one WebSocket message into an ARI event without ever throwing: a bad frame
// is reported to the caller (who counts and logs it) and the connection carries on.
import type { AriEvent } from './types.js';

export type BadFrameReason = 'binary' | 'empty' | 'not-json' | 'not-object' | 'no-type';

export type FrameResult =
  | { ok: true; event: AriEvent; /** The frame as received, to recognise a repeat by. */ text: string }
  | { ok: false; reason: BadFrameReason; /** The start of the frame, for the log. */ preview: string };

const PREVIEW_CHARS = 200;

/** `data` is what ws hands to a 'message' listener; `isBinary` its second argument. */
export function parseAriFrame(data: unknown, isBinary: boolean): FrameResult {
  const text = frameText(data);
  if (isBinary || text === undefined) {
    return { ok: false, reason: 'binary', preview: `<${byteLength(data)} bytes>` };
  }
  const preview = text.length > PREVIEW_CHARS ? `${text.slice(0, PREVIEW_CHARS)}...` : text;
  if (text.trim() === '') return { ok: false, reason: 'empty', preview };
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { ok: false, reason: 'not-json', preview };
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    return { ok: false, reason: 'not-object', preview };
  }
  const type = (parsed as { type?: unknown }).type;
  if (typeof type !== 'string' || type === '') return { ok: false, reason: 'no-type', preview };
  return { ok: true, event: parsed as AriEvent, text };
}

function frameText(data: unknown): string | undefined {
  if (typeof data === 'string') return data;
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  if (Array.isArray(data) && data.every((d) => Buffer.isBuffer(d))) return Buffer.concat(data as Buffer[]).toString('utf8');
  if (data instanceof ArrayBuffer) return Buffer.from(data).toString('utf8');
  return undefined;
}

function byteLength(data: unknown): number {
  if (Buffer.isBuffer(data)) return data.length;
  if (data instanceof ArrayBuffer) return data.byteLength;
  if (Array.isArray(data)) return data.reduce((n: number, d: unknown) => n + (Buffer.isBuffer(d) ? d.length : 0), 0);
  if (typeof data === 'string') return Buffer.byteLength(data);
  return 0;
}
