// The client's own webhook check against what the service's signer really sends: the two
// are written apart, so this is where a drift in the scheme would show.
import { describe, expect, it } from 'vitest';
import { WebhookVerificationError, parseWebhook, verify, verifyWebhook } from '../../client/src/webhooks.js';
import { generateSecret, sign } from '../../src/events/signing.js';

const secret = generateSecret();
const body = JSON.stringify({ id: 'a1', type: 'order.created', version: 1, occurredAt: '2026-12-07T10:00:00Z', data: { orderId: 'ö-8948' } });
const now = Date.UTC(2026, 11, 7, 10, 0, 0);

describe('the client verifying webhook signatures', () => {
  it('accepts what the service signs: string or byte body, plain object or Headers, any header case', () => {
    const headers = sign(secret, 'msg_1', body, now);
    expect(verify(headers, body, secret, { now })).toEqual({ id: 'msg_1', timestamp: now / 1000 });
    expect(verify(new Headers(headers), new TextEncoder().encode(body), secret, { now }).id).toBe('msg_1');
    const shouted = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toUpperCase(), v]));
    expect(verifyWebhook(shouted, body, secret, { now }).ok).toBe(true);
    expect(parseWebhook(headers, body, secret, { now: new Date(now) }).type).toBe('order.created');
  });

  it('accepts a secret without its whsec_ prefix and any one of several signatures (a secret being rotated)', () => {
    const headers = sign(secret, 'msg_2', body, now);
    const other = sign(generateSecret(), 'msg_2', body, now)['webhook-signature'];
    const both = { ...headers, 'webhook-signature': `${other} ${headers['webhook-signature']}` };
    expect(verifyWebhook(both, body, secret.slice('whsec_'.length), { now }).ok).toBe(true);
  });

  it('refuses a tampered body, a changed timestamp or id, another secret and a stale or future delivery, naming why', () => {
    const headers = sign(secret, 'msg_3', body, now);
    const reason = (h: Record<string, string>, b = body, s = secret, at = now) => verifyWebhook(h, b, s, { now: at });
    expect(reason(headers, body.replace('8948', '8949'))).toEqual({ ok: false, reason: 'no-matching-signature' });
    expect(reason({ ...headers, 'webhook-timestamp': String(now / 1000 + 1) })).toEqual({ ok: false, reason: 'no-matching-signature' });
    expect(reason({ ...headers, 'webhook-id': 'msg_4' })).toEqual({ ok: false, reason: 'no-matching-signature' });
    expect(reason(headers, body, generateSecret())).toEqual({ ok: false, reason: 'no-matching-signature' });
    expect(reason(headers, body, secret, now + 301_000)).toEqual({ ok: false, reason: 'timestamp-too-old' });
    expect(reason(headers, body, secret, now - 301_000)).toEqual({ ok: false, reason: 'timestamp-too-new' });
    expect(verifyWebhook(headers, body, secret, { now: now + 301_000, toleranceSec: 600 }).ok).toBe(true);
  });

  it('refuses missing headers, a malformed timestamp or secret, and an unversioned signature', () => {
    const headers = sign(secret, 'msg_5', body, now);
    const { 'webhook-signature': _, ...unsigned } = headers;
    expect(verifyWebhook(unsigned, body, secret, { now })).toEqual({ ok: false, reason: 'missing-headers' });
    expect(verifyWebhook({ ...headers, 'webhook-timestamp': '17e8' }, body, secret, { now })).toEqual({ ok: false, reason: 'bad-timestamp' });
    expect(verifyWebhook(headers, body, 'whsec_not base64!', { now })).toEqual({ ok: false, reason: 'bad-secret' });
    const bare = { ...headers, 'webhook-signature': headers['webhook-signature'].slice(3) };
    expect(verifyWebhook(bare, body, secret, { now })).toEqual({ ok: false, reason: 'no-matching-signature' });
    expect(() => parseWebhook(bare, body, secret, { now })).toThrow(WebhookVerificationError);
  });
});
