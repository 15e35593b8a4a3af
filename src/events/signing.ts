// Standard Webhooks signatures (https://www.standardwebhooks.com): receivers verify our
// deliveries with any of the scheme's libraries, so the signed content, the key encoding
// and the header format must match the specification byte for byte.
import { createHmac, createSecretKey, randomBytes, timingSafeEqual, type KeyObject } from 'node:crypto';

export const SECRET_PREFIX = 'whsec_';
export const DEFAULT_TOLERANCE_SEC = 300;

export type HeaderBag =
  | Headers
  | Record<string, string | string[] | undefined>
  | { get(name: string): string | null };

export type SignedHeaders = {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
};

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

/** A fresh secret in the scheme's `whsec_<base64>` form; 32 random bytes. */
export function generateSecret(): string {
  return SECRET_PREFIX + randomBytes(32).toString('base64');
}

/** The HMAC key: the base64 part after `whsec_` (the prefix is optional, as in the reference libraries). */
export function secretKey(secret: string): Buffer {
  const encoded = secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret;
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encoded)) throw new WebhookVerificationError('bad-secret');
  const key = Buffer.from(encoded, 'base64');
  if (key.length === 0) throw new WebhookVerificationError('bad-secret');
  return key;
}

/** True when the secret has the form we hand out and accept from integrators. */
export function isValidSecret(secret: string): boolean {
  if (!secret.startsWith(SECRET_PREFIX)) return false;
  try {
    const key = secretKey(secret);
    return key.length >= 24 && key.length <= 64;
  } catch {
    return false;
  }
}

// Every delivery of a subscription signs with the same secret: decode it once, not per
// attempt (the regex and base64 decoding showed in the delivery profile). Bounded, so
// secrets of deleted subscriptions do not pile up; cleared whole when full, which is rare
// and only costs re-decoding.
const KEY_CACHE_LIMIT = 1_000;
const keyCache = new Map<string, KeyObject>();

function signingKey(secret: string): KeyObject {
  let key = keyCache.get(secret);
  if (!key) {
    key = createSecretKey(secretKey(secret));
    if (keyCache.size >= KEY_CACHE_LIMIT) keyCache.clear();
    keyCache.set(secret, key);
  }
  return key;
}

/** `v1,<base64 HMAC-SHA256 of "id.timestamp.body">`. */
export function signature(secret: string | Buffer, id: string, timestampSec: number, body: string | Uint8Array): string {
  const key = typeof secret === 'string' ? signingKey(secret) : secret;
  const mac = createHmac('sha256', key);
  mac.update(`${id}.${timestampSec}.`);
  // A string body is hashed as its UTF-8 bytes, which is what the sender puts on the wire
  // (hashed directly: no intermediate Buffer copy per attempt).
  if (typeof body === 'string') mac.update(body, 'utf8');
  else mac.update(body);
  return `v1,${mac.digest('base64')}`;
}

/** The three headers of one delivery attempt: same id on every retry, fresh timestamp. */
export function sign(
  secret: string | Buffer,
  id: string,
  body: string | Uint8Array,
  now: Date | number = Date.now(),
): SignedHeaders {
  const timestampSec = Math.floor((typeof now === 'number' ? now : now.getTime()) / 1000);
  return {
    'webhook-id': id,
    'webhook-timestamp': String(timestampSec),
    'webhook-signature': signature(secret, id, timestampSec, body),
  };
}

function header(headers: HeaderBag, name: string): string | undefined {
  if (typeof (headers as Headers).get === 'function') {
    return (headers as { get(n: string): string | null }).get(name) ?? undefined;
  }
  const bag = headers as Record<string, string | string[] | undefined>;
  const value = bag[name] ?? Object.entries(bag).find(([k]) => k.toLowerCase() === name)?.[1];
  return Array.isArray(value) ? value.join(' ') : value;
}

function sameString(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  // Lengths are public (every valid signature has the same length); contents are not.
  return x.length === y.length && timingSafeEqual(x, y);
}

export interface VerifyOptions {
  toleranceSec?: number;
  now?: Date | number;
}

export interface Verified {
  id: string;
  timestamp: number;
}

/** Throws WebhookVerificationError naming the reason; returns the id and timestamp on success. */
export function verify(
  headers: HeaderBag,
  body: string | Uint8Array,
  secret: string,
  options: VerifyOptions = {},
): Verified {
  const id = header(headers, 'webhook-id');
  const ts = header(headers, 'webhook-timestamp');
  const sigs = header(headers, 'webhook-signature');
  if (!id || !ts || !sigs) throw new WebhookVerificationError('missing-headers');
  if (!/^\d{1,12}$/.test(ts)) throw new WebhookVerificationError('bad-timestamp');
  const timestamp = Number(ts);
  const nowMs = options.now === undefined ? Date.now() : typeof options.now === 'number' ? options.now : options.now.getTime();
  const nowSec = Math.floor(nowMs / 1000);
  const tolerance = options.toleranceSec ?? DEFAULT_TOLERANCE_SEC;
  if (timestamp < nowSec - tolerance) throw new WebhookVerificationError('timestamp-too-old');
  if (timestamp > nowSec + tolerance) throw new WebhookVerificationError('timestamp-too-new');
  const expected = signature(secretKey(secret), id, timestamp, body);
  let matched = false;
  // Check every candidate (no early exit) so the time taken does not say which one matched.
  for (const candidate of sigs.split(' ')) {
    if (!candidate.startsWith('v1,')) continue;
    if (sameString(candidate, expected)) matched = true;
  }
  if (!matched) throw new WebhookVerificationError('no-matching-signature');
  return { id, timestamp };
}

export type VerifyResult = ({ ok: true } & Verified) | { ok: false; reason: VerificationFailure };

/**
 * The non-throwing form, for receivers and integrators' tests:
 * `if (!verifyWebhook(req.headers, rawBody, secret).ok) reply.code(401)`.
 */
export function verifyWebhook(
  headers: HeaderBag,
  body: string | Uint8Array,
  secret: string,
  options: VerifyOptions = {},
): VerifyResult {
  try {
    return { ok: true, ...verify(headers, body, secret, options) };
  } catch (err) {
    if (err instanceof WebhookVerificationError) return { ok: false, reason: err.reason };
    throw err;
  }
}
