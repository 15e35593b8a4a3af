// Pending webhook deliveries whose job is gone — Redis lost its data, or a series ended
// without recording its last attempt — are queued again, as the connectors' sweeper does.
// Postgres says what is pending; the `webhooks` queue is asked whether a series for it still
// lives, so a delivery is never given two series at once. The same check serves a
// redelivery asked for a pending delivery: its series is run now, or a new one started.
import type { Logger } from '../log.js';
import type { Db } from '../db/pool.js';
import type { BackoffSettings } from './delivery-policy.js';
import { LIVE_JOB_STATES, webhookJobOptions, type WebhooksQueue } from './queues.js';
import { withTimeout } from './timeout.js';
import { overduePending, touchPendingDeliveries, type StalePending } from './webhook-store.js';

export interface WebhookSweeperOptions {
  db: Db;
  queue: Pick<WebhooksQueue, 'add' | 'getJob' | 'getJobState' | 'remove'>;
  log: Logger;
  maxAttempts: number;
  backoff: BackoffSettings;
  /** How late past its due time a retry may be before its job counts as lost. */
  graceMs?: number;
  /** How often every instance sweeps. */
  everyMs?: number;
  enqueueTimeoutMs?: number;
}

export interface WebhookSweeper {
  sweep(): Promise<number>;
  /** Runs a pending delivery's series now, or starts one when none lives: 'running' or 'queued'. */
  hurry(d: StalePending): Promise<'running' | 'queued'>;
  stop(): void;
}

/** Every job id a series of this delivery may have: the fan-out's, a redelivery's, a sweep's. */
function seriesIds(d: StalePending, maxAttempts: number): string[] {
  const ids = [d.id, `${d.id}-s${d.attempts}`];
  for (let k = d.attempts; k >= Math.max(0, d.attempts - maxAttempts); k--) ids.push(`${d.id}-r${k}`);
  return ids;
}

export function startWebhookSweeper(o: WebhookSweeperOptions): WebhookSweeper {
  const timeout = o.enqueueTimeoutMs ?? 5_000;

  async function liveSeries(d: StalePending): Promise<string | undefined> {
    for (const jobId of seriesIds(d, o.maxAttempts)) {
      const state = await withTimeout(o.queue.getJobState(jobId), timeout);
      if (LIVE_JOB_STATES.has(state)) return jobId;
    }
    return undefined;
  }

  async function startSeries(d: StalePending): Promise<void> {
    const jobId = `${d.id}-s${d.attempts}`;
    // A finished job under that id (a sweep's series that ended unrecorded) would swallow the add.
    await withTimeout(o.queue.remove(jobId), timeout);
    const offset = Math.min(d.attempts, o.maxAttempts - 1);
    await withTimeout(
      o.queue.add(d.eventType, { deliveryId: d.id, attemptOffset: offset }, { ...webhookJobOptions(o.maxAttempts - offset), jobId }),
      timeout,
    );
  }

  async function hurry(d: StalePending): Promise<'running' | 'queued'> {
    const live = await liveSeries(d);
    if (live) {
      const job = await withTimeout(o.queue.getJob(live), timeout);
      if (job && (await job.isDelayed())) await job.promote().catch(() => undefined);
      return 'running';
    }
    await startSeries(d);
    return 'queued';
  }

  async function sweep(): Promise<number> {
    const overdue = await overduePending(o.db, { ...o.backoff, graceMs: o.graceMs ?? 60_000 });
    const queued: string[] = [];
    for (const d of overdue) {
      if (await liveSeries(d)) continue;
      await startSeries(d);
      queued.push(d.id);
    }
    // Touched, so the next sweep gives the new series its time before looking again.
    await touchPendingDeliveries(o.db, overdue.map((d) => d.id));
    if (queued.length) o.log.info({ deliveries: queued.length }, 'pending webhook deliveries without a job queued again');
    return queued.length;
  }

  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    sweep()
      .catch((err: Error) => o.log.debug({ err: err.message }, 'webhook sweep failed; retrying later'))
      .finally(() => (running = false));
  }, o.everyMs ?? 30_000);
  timer.unref();

  return { sweep, hurry, stop: () => clearInterval(timer) };
}
