// One webhook attempt (sign, POST, judge, record), and the `webhooks` worker that runs the
// retries and redeliveries: one job per delivery series, BullMQ schedules the backoff.
// Safe to re-run: a finished delivery is not sent again.
import { UnrecoverableError, type Job, type Processor } from 'bullmq';
import type { Logger } from '../log.js';
import type { Queryable } from '../db/pool.js';
import { judgeAttempt, type Verdict } from './delivery-policy.js';
import type { WebhookSender } from './http-sender.js';
import type { WebhookJobData } from './queues.js';
import { sign } from './signing.js';
import { traceHeaders, tracingEnabled } from '../tracing/tracer.js';
import { inDeliverySpan, observeDelivery, outcomeLabel } from './delivery-telemetry.js';
import {
  disableSubscription,
  loadDeliveryWork,
  markDeliveryDisabled,
  recordAttempt,
  recordAttempts,
  recordFirstAttempts,
  type AttemptRecord,
  type FirstAttemptRecord,
  type DeliveryWork,
} from './webhook-store.js';

export interface DeliveryDeps {
  db: Queryable;
  sender: WebhookSender;
  log: Logger;
  now?: () => number;
  /** Batched versions of the two per-send queries (see Batcher); direct queries by default. */
  load?: (deliveryId: string) => Promise<DeliveryWork | undefined>;
  record?: (attempt: AttemptRecord) => Promise<number | undefined>;
}

/** Thrown for a failed attempt that BullMQ should retry; its message lands in the job. */
export class AttemptFailedError extends Error {
  override name = 'AttemptFailedError';
}

export type AttemptOutcome =
  | { kind: 'skipped'; why: string }
  | { kind: 'attempted'; verdict: Verdict; recorded: boolean };

/** An attempt sent and judged, not yet recorded. */
export type SentAttempt =
  | { kind: 'skipped'; why: string }
  | { kind: 'sent'; verdict: Verdict; record: AttemptRecord };

/**
 * One attempt at one delivery without its bookkeeping: sign, POST, judge. The rare
 * writes that cannot wait (a subscription gone or disabled by a 410) are made here.
 */
export async function sendAttempt(
  deps: DeliveryDeps,
  work: DeliveryWork,
  attemptInSeries: number,
  maxAttempts: number,
): Promise<SentAttempt> {
  const deliveryId = work.id;
  if (work.status !== 'pending') return { kind: 'skipped', why: `already ${work.status}` };
  if (!work.subscriptionLive) {
    await markDeliveryDisabled(deps.db, deliveryId, 'subscription disabled or deleted');
    return { kind: 'skipped', why: 'subscription disabled' };
  }
  if (work.body === null) {
    const verdict: Verdict = { status: 'failed', reason: 'event payload no longer in the outbox' };
    return { kind: 'sent', verdict, record: { deliveryId, error: verdict.reason, durationMs: 0, status: 'failed', reason: verdict.reason } };
  }
  const body = work.body;
  const { result, verdict } = await inDeliverySpan('webhook', work.subscriptionId, work.traceparent, async (span) => {
    // The webhook-id is the event id: the same on every retry and redelivery, so the
    // receiver can drop duplicates; the timestamp and signature are fresh each time.
    const headers: Record<string, string> = sign(work.secret, work.eventId, body, deps.now?.() ?? Date.now());
    if (tracingEnabled()) Object.assign(headers, traceHeaders());
    const result = await deps.sender.send(work.url, headers, body);
    const verdict = judgeAttempt(result, attemptInSeries, maxAttempts);
    const outcome = outcomeLabel(verdict.status, result.error);
    observeDelivery('webhook', work.subscriptionId, outcome, result.durationMs);
    span.setAttribute('cti.delivery.outcome', outcome);
    span.setAttribute('http.response.status_code', result.statusCode);
    if (verdict.status !== 'delivered') span.fail(verdict.reason);
    return { result, verdict };
  });
  if (verdict.status === 'disabled') {
    // Before the delivery is marked, so nobody sees a 'disabled' delivery of a live subscription.
    await disableSubscription(deps.db, work.subscriptionId, verdict.reason);
    deps.log.warn({ subscriptionId: work.subscriptionId, deliveryId }, 'webhook subscription disabled: receiver answered 410');
  }
  if (verdict.status === 'dead') {
    deps.log.warn({ subscriptionId: work.subscriptionId, deliveryId, reason: verdict.reason }, 'webhook delivery dead after its last attempt');
  }
  const record: AttemptRecord = { deliveryId, durationMs: result.durationMs, status: verdict.status };
  if (result.statusCode !== undefined) record.statusCode = result.statusCode;
  if (result.error !== undefined) record.error = result.error;
  if (verdict.status !== 'delivered') record.reason = verdict.reason;
  return { kind: 'sent', verdict, record };
}

/**
 * One attempt at one delivery: sign, POST, judge, record. Used for every retry (the
 * `webhooks` worker); first attempts go through firstAttempts.
 */
export async function attemptDelivery(
  deps: DeliveryDeps,
  work: DeliveryWork,
  attemptInSeries: number,
  maxAttempts: number,
): Promise<AttemptOutcome> {
  const record = deps.record ?? ((a: AttemptRecord) => recordAttempt(deps.db, a));
  const sent = await sendAttempt(deps, work, attemptInSeries, maxAttempts);
  if (sent.kind === 'skipped') return sent;
  const recorded = await record(sent.record);
  return { kind: 'attempted', verdict: sent.verdict, recorded: recorded !== undefined };
}

async function eachLimited<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
}

/**
 * The first attempts of a run of events' fresh deliveries (distinct ids, planned by
 * fanOutWork), `parallel` at a time, recorded together once all are sent, with the events
 * marked fanned out in the same statement. A send never waits for another's bookkeeping:
 * when each lane waited for its own row, the sends went at the pace of Postgres's round
 * trips instead of the receivers'. Nothing is lost meanwhile: until the records are in,
 * the `events` job (or the relay's re-publication of events not fanned out) runs again and
 * sends again, under the same webhook-id. Returns the deliveries that need a retry series.
 */
export async function firstAttempts(
  deps: DeliveryDeps,
  eventIds: string[],
  works: DeliveryWork[],
  parallel: number,
  maxAttempts: number,
): Promise<DeliveryWork[]> {
  const fresh: Array<{ work: DeliveryWork; verdict: Verdict; record: FirstAttemptRecord }> = [];
  const known: Array<{ work: DeliveryWork; verdict: Verdict; record: AttemptRecord }> = [];
  await eachLimited(works, parallel, async (work) => {
    const s = await sendAttempt(deps, work, 1, maxAttempts);
    if (s.kind === 'skipped') return;
    if (work.unrecorded) {
      // Completed in place: a spread of the record copies it on V8's slow path.
      const record: FirstAttemptRecord = Object.assign(s.record, { subscriptionId: work.subscriptionId, eventId: work.eventId, eventType: work.unrecorded.eventType });
      fresh.push({ work, verdict: s.verdict, record });
    } else {
      known.push({ work, verdict: s.verdict, record: s.record });
    }
  });
  // Rows written pending before their first attempt (by an earlier version) move on as retries do.
  const updated = known.length > 0 ? await recordAttempts(deps.db, known.map((k) => k.record)) : [];
  const written = await recordFirstAttempts(deps.db, eventIds, fresh.map((f) => f.record));
  const retry = (done: boolean, verdict: Verdict) => done && verdict.status === 'pending';
  return [
    ...known.filter((k, i) => retry(updated[i] !== undefined, k.verdict)).map((k) => k.work),
    ...fresh.filter((f, i) => retry(written[i]!, f.verdict)).map((f) => f.work),
  ];
}

/** Attempts made before this job's series began (the inline first attempt). */
export const attemptOffset = (data: WebhookJobData | undefined): number => data?.attemptOffset ?? 0;

export function deliveryProcessor(deps: DeliveryDeps): Processor<WebhookJobData, string, string> {
  const load = deps.load ?? ((id: string) => loadDeliveryWork(deps.db, id));
  return async (job: Job<WebhookJobData, string, string>) => {
    const work = await load(job.data.deliveryId);
    if (!work) return 'unknown delivery';
    const offset = attemptOffset(job.data);
    const outcome = await attemptDelivery(deps, work, offset + job.attemptsMade + 1, offset + (job.opts.attempts ?? 1));
    if (outcome.kind === 'skipped') return outcome.why;
    if (!outcome.recorded) return 'finished concurrently';
    const { verdict } = outcome;
    if (verdict.status === 'delivered') return 'delivered';
    if (verdict.status === 'pending') throw new AttemptFailedError(verdict.reason);
    throw new UnrecoverableError(verdict.reason);
  };
}
