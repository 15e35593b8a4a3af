// Webhook receivers: check the Standard Webhooks signature over the raw body, then read
// the typed event. The same verifier the service's own tests use.
import { verify, type HeaderBag, type VerifyOptions } from '../../src/events/signing.js';
import type { AnyEvent } from './events.js';

export { verifyWebhook, WebhookVerificationError, type HeaderBag, type VerifyOptions } from '../../src/events/signing.js';

/** Throws WebhookVerificationError unless signed with `secret`; returns the event. */
export function parseWebhook(headers: HeaderBag, rawBody: string | Uint8Array, secret: string, options?: VerifyOptions): AnyEvent {
  verify(headers, rawBody, secret, options);
  return JSON.parse(typeof rawBody === 'string' ? rawBody : Buffer.from(rawBody).toString('utf8')) as AnyEvent;
}
