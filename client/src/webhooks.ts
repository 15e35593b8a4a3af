// Webhook receivers: check the Standard Webhooks signature over the raw body, then read the
// typed event. The scheme: HMAC-SHA256, keyed with the base64 part of the `whsec_` secret,
// over "<webhook-id>.<webhook-timestamp>.<body>", sent as space-separated `v1,<base64>`.
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { AnyEvent } from './events.js';

export type HeaderBag =
  | Headers
  | Record<string, string | string[] | undefined>
  | { get(name: string): string | null };

export type VerificationFailure =
  | 'missing-headers'
  | 'bad-timestamp'
  | 'timestamp-too-old'
  | 'timestamp-too-new'
  | 'bad-secret'
  | 'no-matching-signature';

export class WebhookVerificationError extends Error {
  override name = 'WebhookVerificationError';
  constructor(readonly reason: VerificationFailure) {
    super(`webhook verification failed: ${reason}`);
  }
}

export interface VerifyOptions {
  /** How far the timestamp may be from now, in seconds; default 300 (replays are refused outside it). */
  toleranceSec?: number;
  now?: Date | number;
}

export interface Verified {
  id: string;
  timestamp: number;
}

function headerOf(headers: HeaderBag, name: string): string | undefined {
  if (typeof (headers as Headers).get === 'function') return (headers as { get(n: string): string | null }).get(name) ?? undefined;
  const bag = headers as Record<string, string | string[] | undefined>;
  const value = bag[name] ?? Object.entries(bag).find(([k]) => k.toLowerCase() === name)?.[1];
  return Array.isArray(value) ? value.join(' ') : value;
}

function keyOf(secret: string): Buffer {
  const encoded = secret.startsWith('whsec_') ? secret.slice('whsec_'.length) : secret;
  const key = /^[A-Za-z0-9+/]+={0,2}$/.test(encoded) ? Buffer.from(encoded, 'base64') : Buffer.alloc(0);
  if (key.length === 0) throw new WebhookVerificationError('bad-secret');
  return key;
}

/** Throws WebhookVerificationError naming the reason; returns the delivery's id and timestamp. */
export function verify(headers: HeaderBag, body: string | Uint8Array, secret: string, options: VerifyOptions = {}): Verified {
  const id = headerOf(headers, 'webhook-id');
  const ts = headerOf(headers, 'webhook-timestamp');
  const signatures = headerOf(headers, 'webhook-signature');
  if (!id || !ts || !signatures) throw new WebhookVerificationError('missing-headers');
  if (!/^\d{1,12}$/.test(ts)) throw new WebhookVerificationError('bad-timestamp');
  const timestamp = Number(ts);
  const now = options.now ?? Date.now();
  const nowSec = Math.floor((typeof now === 'number' ? now : now.getTime()) / 1000);
  const tolerance = options.toleranceSec ?? 300;
  if (timestamp < nowSec - tolerance) throw new WebhookVerificationError('timestamp-too-old');
  if (timestamp > nowSec + tolerance) throw new WebhookVerificationError('timestamp-too-new');
  const mac = createHmac('sha256', keyOf(secret)).update(`${id}.${ts}.`);
  mac.update(typeof body === 'string' ? Buffer.from(body, 'utf8') : body);
  const expected = Buffer.from(`v1,${mac.digest('base64')}`);
  let matched = false;
  // A sender rotating its secret sends several; compare them all, without stopping at a
  // match, so the time taken tells nothing about which one (or how much of it) matched.
  for (const candidate of signatures.split(' ')) {
    const given = Buffer.from(candidate);
    if (given.length === expected.length && timingSafeEqual(given, expected)) matched = true;
  }
  if (!matched) throw new WebhookVerificationError('no-matching-signature');
  return { id, timestamp };
}

export type VerifyResult = ({ ok: true } & Verified) | { ok: false; reason: VerificationFailure };

/** The non-throwing form: `if (!verifyWebhook(req.headers, rawBody, secret).ok) reply.code(401)`. */
export function verifyWebhook(headers: HeaderBag, body: string | Uint8Array, secret: string, options: VerifyOptions = {}): VerifyResult {
  try {
    return { ok: true, ...verify(headers, body, secret, options) };
  } catch (err) {
    if (err instanceof WebhookVerificationError) return { ok: false, reason: err.reason };
    throw err;
  }
}

/** Throws WebhookVerificationError unless signed with `secret`; returns the event. */
export function parseWebhook(headers: HeaderBag, rawBody: string | Uint8Array, secret: string, options?: VerifyOptions): AnyEvent {
  verify(headers, rawBody, secret, options);
  return JSON.parse(typeof rawBody === 'string' ? rawBody : Buffer.from(rawBody).toString('utf8')) as AnyEvent;
}
