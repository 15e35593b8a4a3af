// Asks Asterisk to keep event types nobody here reads off the app's socket:
// `PUT /applications/{app}/eventFilter` (Asterisk 13.26/16.3 and later). Each event kept off
// is a frame not sent, parsed, queued and dropped, and a wake-up when it would have come alone.
//
// Set after every connect: the filter lives on Asterisk's app object, which Asterisk drops
// when the app has no socket and nothing subscribed (res/stasis), so a reconnect may find
// it gone. A PBX that refuses (an older Asterisk: no such resource; a 400) sends every
// event as before, which only costs CPU: the refusal is logged once, never retried in a loop.
import { AriHttpError } from './errors.js';
import type { ApplicationsApi } from './rest.js';

export type EventFilterOutcome =
  | { outcome: 'filtered' }
  | { outcome: 'refused' | 'failed'; reason: string }
  | { outcome: 'stale' };

// The app registers just after the websocket's 101, so the PUT can race it (404
// "Application not found"), as the resync's GET can.
const ATTEMPTS = 5;
const RETRY_MS = 50;

export interface EventFilterTarget {
  applications: Pick<ApplicationsApi, 'filter'>;
  app: string;
  /** False once the connection this was asked for is gone: stop retrying. */
  current: () => boolean;
}

/** Sets the app's disallowed event types; never throws. */
export async function applyEventFilter(t: EventFilterTarget, disallowed: readonly string[]): Promise<EventFilterOutcome> {
  for (let attempt = 1; ; attempt++) {
    if (!t.current()) return { outcome: 'stale' };
    try {
      const app = await t.applications.filter(t.app, { disallowed: disallowed.map((type) => ({ type })) });
      const set = new Set((app.events_disallowed ?? []).map((e) => (e as { type?: unknown }).type));
      // An answer without our list (a proxy, a PBX that ignores the body) is a refusal too.
      const missing = disallowed.filter((type) => !set.has(type));
      return missing.length === 0 ? { outcome: 'filtered' } : { outcome: 'refused', reason: `the answer lacks ${missing.join(', ')}` };
    } catch (err) {
      const racing = err instanceof AriHttpError && err.status === 404 && /application not found/i.test(err.ariMessage ?? '');
      if (racing && attempt < ATTEMPTS) {
        await new Promise((r) => setTimeout(r, RETRY_MS * attempt));
        continue;
      }
      const reason = err instanceof Error ? err.message : String(err);
      // 4xx: this PBX does not take the filter (no such resource, a body it rejects).
      // Anything else (5xx, timeout, reset) may pass: the next connect tries again.
      return err instanceof AriHttpError && err.status >= 400 && err.status < 500 ? { outcome: 'refused', reason } : { outcome: 'failed', reason };
    }
  }
}
