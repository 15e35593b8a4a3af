// What one attempt's outcome means for the delivery: pure, so every branch is tested
// without a network.
import type { DeliveryStatus } from './webhook-store.js';
import { NOT_SENT } from './http-sender.js';

export type Verdict =
  | { status: 'delivered' }
  /** 410 Gone: the receiver asks us to stop; the subscription is disabled. */
  | { status: 'disabled'; reason: string }
  /** A client error that another try will not fix. */
  | { status: 'failed'; reason: string }
  /** Try again later (or give up as 'dead' when this was the last attempt). */
  | { status: 'pending' | 'dead'; reason: string };

export function judgeAttempt(
  outcome: { statusCode?: number; error?: string },
  attemptInSeries: number,
  maxAttempts: number,
): Verdict {
  const code = outcome.statusCode;
  if (code !== undefined && code >= 200 && code < 300) return { status: 'delivered' };
  if (code === 410) return { status: 'disabled', reason: 'receiver answered 410 Gone' };
  if (code !== undefined && code >= 400 && code < 500 && code !== 408 && code !== 429) {
    return { status: 'failed', reason: `receiver answered ${code}` };
  }
  // Not tried at all (see NOT_SENT): the receiver's backlog waits, it does not become dead letters.
  if (code === undefined && outcome.error === NOT_SENT) return { status: 'pending', reason: outcome.error };
  const reason =
    code === undefined
      ? (outcome.error ?? 'no response')
      : code >= 300 && code < 400
        ? `receiver answered ${code} (redirects are not followed)`
        : `receiver answered ${code}`;
  return { status: attemptInSeries >= maxAttempts ? 'dead' : 'pending', reason };
}

export interface BackoffSettings {
  baseMs: number;
  maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffSettings = { baseMs: 10_000, maxMs: 6 * 3600_000 };

/**
 * Exponential backoff with "full jitter" between half and all of the step, so receivers
 * that come back after an outage are not hit by every retry at the same instant.
 * `attemptsMade` is 1 after the first failure.
 */
export function backoffDelay(attemptsMade: number, s: BackoffSettings, random: () => number = Math.random): number {
  const step = Math.min(s.maxMs, s.baseMs * 2 ** Math.max(0, Math.min(attemptsMade - 1, 30)));
  return Math.round(step / 2 + random() * (step / 2));
}

export const isFinal = (s: DeliveryStatus) => s !== 'pending';
