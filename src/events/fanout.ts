// The `events` worker: turns each event of a job into one delivery per interested
// subscription and makes the first attempt of each at once; only deliveries that need
// a retry become `webhooks` jobs. Re-running a job adds no delivery twice and sends
// nothing already attempted.
import type { Job, JobsOptions, Processor } from 'bullmq';
import type { Queryable } from '../db/pool.js';
import { backoffDelay, type BackoffSettings } from './delivery-policy.js';
import { webhookJobOptions, type EventsJobData, type WebhookJobData, type WebhooksQueue } from './queues.js';
import { firstAttempts, type DeliveryDeps } from './webhook-worker.js';
import { fanOutWork, type DeliveryWork } from './webhook-store.js';

export interface FanOutDeps extends DeliveryDeps {
  db: Queryable;
  webhooks: Pick<WebhooksQueue, 'addBulk'>;
  maxAttempts: number;
  backoff: BackoffSettings;
  /** Sends in flight per job. */
  parallel?: number;
  /**
   * Business connectors (CRM, logistics): record and queue their deliveries first, so a
   * failure retries the whole job before the events count as fanned out.
   */
  connectors?: { enqueueFor(events: EventsJobData['events'], traces?: EventsJobData['traces']): Promise<void> };
}

export interface WebhookJob {
  name: string;
  data: WebhookJobData;
  opts: JobsOptions;
}

export function fanOutProcessor(deps: FanOutDeps): Processor<EventsJobData, number, string> {
  return (job: Job<EventsJobData, number, string>) => fanOutEvents(deps, job.data);
}

/**
 * One run of events fanned out: what an `events` job does, also called by the relay for
 * a pass it fans out itself (local-fanout.ts). Returns the deliveries seen.
 */
export async function fanOutEvents(deps: FanOutDeps, data: EventsJobData): Promise<number> {
  const events = data.events ?? [];
  if (events.length === 0) return 0;
  if (deps.connectors) await deps.connectors.enqueueFor(events, data.traces);
  // One read: what the sends need; the rows are written with the first attempts' outcomes.
  const works = await fanOutWork(deps.db, events, data.bodies ? { bodies: data.bodies, traces: data.traces } : undefined);
  const retries: WebhookJob[] = [];
  const retry = (w: DeliveryWork, attemptsSoFar: number) =>
    retries.push({
      name: 'retry',
      data: { deliveryId: w.id, attemptOffset: attemptsSoFar },
      // jobId = delivery id: a series already scheduled for it is left as it is.
      opts: {
        ...webhookJobOptions(deps.maxAttempts - attemptsSoFar, backoffDelay(attemptsSoFar, deps.backoff)),
        jobId: w.id,
      },
    });
  // A re-run finds deliveries attempted by the earlier run: make sure their series
  // exists instead of sending again.
  for (const w of works) if (w.status === 'pending' && w.attempts > 0) retry(w, Math.min(w.attempts, deps.maxAttempts - 1));
  const fresh = works.filter((w) => w.status === 'pending' && w.attempts === 0);
  const ids = events.map((e) => e.id);
  for (const w of await firstAttempts(deps, ids, fresh, deps.parallel ?? 64, deps.maxAttempts)) retry(w, 1);
  if (retries.length > 0) await deps.webhooks.addBulk(retries);
  return works.length;
}
