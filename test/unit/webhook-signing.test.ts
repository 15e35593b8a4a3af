import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  generateSecret,
  isValidSecret,
  sign,
  signature,
  verify,
  verifyWebhook,
  WebhookVerificationError,
} from '../../src/events/signing.js';

// The known-answer vector published with the Standard Webhooks reference libraries
// (standard-webhooks/standard-webhooks, libraries/javascript/src/webhook.test.ts, "sign function works").
const KAT = {
  secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  id: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
  timestamp: 1614265330,
  body: '{"test": 2432232314}',
  expected: 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
};
const KAT_NOW = KAT.timestamp * 1000;

function katHeaders(sig = KAT.expected, ts = String(KAT.timestamp), id = KAT.id): Record<string, string> {
  return { 'webhook-id': id, 'webhook-timestamp': ts, 'webhook-signature': sig };
}

function reason(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof WebhookVerificationError) return err.reason;
    throw err;
  }
  return 'accepted';
}

describe('Standard Webhooks signing', () => {
  it('reproduces the published known-answer vector', () => {
    expect(signature(KAT.secret, KAT.id, KAT.timestamp, KAT.body)).toBe(KAT.expected);
    expect(sign(KAT.secret, KAT.id, KAT.body, KAT_NOW)).toEqual(katHeaders());
  });

  it('signs bytes and strings alike', () => {
    expect(signature(KAT.secret, KAT.id, KAT.timestamp, Buffer.from(KAT.body))).toBe(KAT.expected);
  });

  it('signs a non-ASCII string body as its UTF-8 bytes, as sent', () => {
    const body = '{"caller":"Zoë Müller","note":"☎"}';
    const h = sign(KAT.secret, KAT.id, body, KAT_NOW);
    expect(h['webhook-signature']).toBe(signature(KAT.secret, KAT.id, KAT.timestamp, Buffer.from(body, 'utf8')));
    expect(verifyWebhook(h, Buffer.from(body, 'utf8'), KAT.secret, { now: KAT_NOW }).ok).toBe(true);
  });

  it('keeps each secret\'s key apart when signing many subscriptions in turn (decoded keys are reused)', () => {
    const secrets = Array.from({ length: 1_200 }, () => generateSecret());
    const first = secrets.map((s) => signature(s, KAT.id, KAT.timestamp, KAT.body));
    expect(new Set(first).size).toBe(secrets.length);
    // Again, past the cache's bound and back: same answers, each verifiable with its own secret only.
    secrets.forEach((s, i) => expect(signature(s, KAT.id, KAT.timestamp, KAT.body)).toBe(first[i]));
    expect(signature(KAT.secret, KAT.id, KAT.timestamp, KAT.body)).toBe(KAT.expected);
    const h = sign(secrets[0]!, KAT.id, KAT.body, KAT_NOW);
    expect(verifyWebhook(h, KAT.body, secrets[1]!, { now: KAT_NOW }).ok).toBe(false);
  });

  it('refuses to sign with an unusable secret, every time', () => {
    for (let i = 0; i < 2; i++) expect(() => signature('whsec_not base64!', KAT.id, KAT.timestamp, KAT.body)).toThrow(WebhookVerificationError);
  });

  it('verifies the published vector and returns id and timestamp', () => {
    expect(verify(katHeaders(), KAT.body, KAT.secret, { now: KAT_NOW })).toEqual({ id: KAT.id, timestamp: KAT.timestamp });
  });

  it('accepts the key with or without the whsec_ prefix', () => {
    expect(verifyWebhook(katHeaders(), KAT.body, KAT.secret.slice(6), { now: KAT_NOW }).ok).toBe(true);
  });

  it('accepts one valid signature among several, in any position', () => {
    const decoys = ['v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc=', 'v2,' + KAT.expected.slice(3)];
    for (const sigs of [[...decoys, KAT.expected], [KAT.expected, ...decoys], [decoys[0]!, KAT.expected, decoys[1]!]]) {
      expect(reason(() => verify(katHeaders(sigs.join(' ')), KAT.body, KAT.secret, { now: KAT_NOW }))).toBe('accepted');
    }
  });

  it('reads headers from a fetch Headers object and from arrays', () => {
    expect(verifyWebhook(new Headers(katHeaders()), KAT.body, KAT.secret, { now: KAT_NOW }).ok).toBe(true);
    const h = { ...katHeaders(), 'webhook-signature': ['v1,AAAA', KAT.expected] };
    expect(verifyWebhook(h, KAT.body, KAT.secret, { now: KAT_NOW }).ok).toBe(true);
  });

  it('enforces the ±300 s tolerance at its edges', () => {
    const at = (deltaSec: number) => reason(() => verify(katHeaders(), KAT.body, KAT.secret, { now: KAT_NOW + deltaSec * 1000 }));
    expect(at(300)).toBe('accepted');
    expect(at(-300)).toBe('accepted');
    expect(at(301)).toBe('timestamp-too-old');
    expect(at(-301)).toBe('timestamp-too-new');
    expect(reason(() => verify(katHeaders(), KAT.body, KAT.secret, { now: KAT_NOW + 3_600_000, toleranceSec: 7200 }))).toBe(
      'accepted',
    );
  });

  it('rejects a wrong secret, a changed body, id or timestamp', () => {
    const other = generateSecret();
    expect(verifyWebhook(katHeaders(), KAT.body, other, { now: KAT_NOW })).toEqual({ ok: false, reason: 'no-matching-signature' });
    expect(reason(() => verify(katHeaders(), KAT.body + ' ', KAT.secret, { now: KAT_NOW }))).toBe('no-matching-signature');
    expect(reason(() => verify(katHeaders(KAT.expected, String(KAT.timestamp), 'msg_other'), KAT.body, KAT.secret, { now: KAT_NOW }))).toBe(
      'no-matching-signature',
    );
    expect(reason(() => verify(katHeaders(KAT.expected, String(KAT.timestamp + 1)), KAT.body, KAT.secret, { now: KAT_NOW }))).toBe(
      'no-matching-signature',
    );
  });

  it('rejects partial, truncated, empty and other-version signatures', () => {
    for (const sig of [
      KAT.expected.slice(0, 8),
      KAT.expected.slice(0, -1),
      KAT.expected.slice(0, -2) + '=',
      'v1,',
      'v1',
      KAT.expected.slice(3),
      'v2,' + KAT.expected.slice(3),
      'v1a,' + KAT.expected.slice(3),
      KAT.expected + 'A',
      'v1,' + Buffer.from(KAT.expected.slice(3), 'base64').toString('hex'),
    ]) {
      expect(reason(() => verify(katHeaders(sig), KAT.body, KAT.secret, { now: KAT_NOW })), sig).toBe('no-matching-signature');
    }
  });

  it('rejects missing headers and malformed timestamps', () => {
    const h = katHeaders();
    for (const name of ['webhook-id', 'webhook-timestamp', 'webhook-signature']) {
      const copy: Record<string, string> = { ...h };
      delete copy[name];
      expect(reason(() => verify(copy, KAT.body, KAT.secret, { now: KAT_NOW }))).toBe('missing-headers');
    }
    for (const ts of ['hello', '1614265330.5', '-1614265330', ' 1614265330', '1e9', '0x60377c12']) {
      expect(reason(() => verify(katHeaders(KAT.expected, ts), KAT.body, KAT.secret, { now: KAT_NOW })), ts).toBe('bad-timestamp');
    }
  });

  it('rejects an unusable secret', () => {
    expect(reason(() => verify(katHeaders(), KAT.body, 'whsec_', { now: KAT_NOW }))).toBe('bad-secret');
    expect(reason(() => verify(katHeaders(), KAT.body, 'whsec_not base64!', { now: KAT_NOW }))).toBe('bad-secret');
  });

  it('generates distinct valid secrets and refuses malformed ones', () => {
    const a = generateSecret();
    const b = generateSecret();
    expect(a).not.toBe(b);
    expect(isValidSecret(a)).toBe(true);
    expect(isValidSecret(KAT.secret)).toBe(true);
    expect(isValidSecret('MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw')).toBe(false);
    expect(isValidSecret('whsec_c2hvcnQ=')).toBe(false);
    expect(isValidSecret('whsec_***')).toBe(false);
  });

  it('round-trips any body and id, and any flipped byte fails (property)', () => {
    const secret = generateSecret();
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), fc.stringMatching(/^[A-Za-z0-9_-]{1,40}$/), fc.nat(), (body, id, flip) => {
        const now = 1_700_000_000_000;
        const h = sign(secret, id, body, now);
        expect(verifyWebhook(h, body, secret, { now }).ok).toBe(true);
        if (body.length > 0) {
          const tampered = Uint8Array.from(body);
          tampered[flip % body.length]! ^= 0x01;
          expect(verifyWebhook(h, tampered, secret, { now }).ok).toBe(false);
        }
      }),
    );
  });
});
