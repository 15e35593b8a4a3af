// The connectors at run time: one BullMQ queue and worker per connector (its own
// concurrency and backoff with jitter), fed by the `events` fan-out. Postgres holds each
// delivery's state, so a job that runs twice sends nothing already delivered, and a
// sweeper re-queues pending deliveries whose jobs were lost with Redis's data.
import { randomUUID } from 'node:crypto';
import { Queue, UnrecoverableError, Worker, type Job, type JobsOptions } from 'bullmq';
import type { Db } from '../../db/pool.js';
import type { Logger } from '../../log.js';
import type { DomainEvent } from '../catalogue.js';
import { backoffDelay, judgeAttempt } from '../delivery-policy.js';
import { createWebhookSender, type WebhookSender } from '../http-sender.js';
import { checkTarget, TargetRefusedError, type Resolver, type TargetPolicy } from '../target.js';
import { LIVE_JOB_STATES, producerConnection, workerConnection } from '../queues.js';
import { inDeliverySpan, observeDelivery, outcomeLabel } from '../delivery-telemetry.js';
import { withTimeout } from '../timeout.js';
import type { ConnectorConfig } from './config.js';
import { Batcher } from '../batcher.js';
import {
  addAttemptedDeliveries,
  knownDeliveries,
  loadWork,
  recordConnectorAttempt,
  recordConnectorAttempts,
  reopenConnectorDelivery,
  stalePending,
  touchPending,
  type ConnectorAttempt,
  type FirstAttempt,
} from './store.js';
import { connectorRequest } from './request.js';
import { connectorWants } from './template.js';

export const CONNECTOR_BACKOFF = 'connector';
export const connectorQueueName = (id: string) => `connector-${id}`;

interface JobData {
  deliveryId: string;
  /** Attempts made before this series (1 after the inline first attempt). */
  attemptOffset?: number;
}

export interface ConnectorRuntimeOptions {
  db: Db;
  redisUrl: string;
  prefix: string;
  log: Logger;
  connectors: ConnectorConfig[];
  outbound: TargetPolicy;
  /** How often pending deliveries are checked for lost jobs, and after how long one counts as lost. */
  sweepMs?: number;
  staleMs?: number;
  enqueueTimeoutMs?: number;
}

export interface ConnectorRuntime {
  readonly ids: string[];
  /** Each connector's queue, for its depth on /metrics. */
  readonly queues: Queue[];
  /**
   * Runs exactly these connectors from now on: new ones start, changed ones restart with
   * their new settings, missing ones stop (their pending deliveries wait in Postgres).
   */
  apply(configs: ConnectorConfig[]): Promise<void>;
  /** Called by the fan-out for each run of events: records and queues what each connector wants. */
  enqueueFor(events: DomainEvent[], traces?: Record<string, string>): Promise<void>;
  /** A dead letter sent again (a new series of attempts, same Idempotency-Key). */
  replay(deliveryId: string): Promise<'replayed' | 'not_dead' | 'unknown_connector'>;
  sweep(): Promise<number>;
  stop(): Promise<void>;
}

interface Lane {
  config: ConnectorConfig;
  /** One attempt, not recorded: render, sign, POST, judge. */
  send(deliveryId: string, event: DomainEvent, traceparent: string | undefined | null, attemptInSeries: number, maxAttempts: number): Promise<ConnectorAttempt>;
  attempt(deliveryId: string, event: DomainEvent, traceparent: string | undefined | null, attemptInSeries: number, maxAttempts: number): Promise<AttemptResult>;
  /** What an attempt came to once its recording is known (logs a dead letter). */
  recorded(a: ConnectorAttempt, wasRecorded: boolean): AttemptResult;
  /** Writes new deliveries' rows with their first attempts, in one statement; false for each a concurrent run wrote. */
  addFirst(list: FirstAttempt[]): Promise<boolean[]>;
  backoff: { baseMs: number; maxMs: number };
  queue: Queue<JobData, unknown, string>;
  worker: Worker<JobData, string, string>;
  connection: ReturnType<typeof workerConnection>;
  sender: WebhookSender;
}

type AttemptResult = { status: 'delivered' | 'pending' | 'failed' | 'dead'; reason?: string; recorded: boolean };

async function eachLimited<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
}

function jobOptions(c: ConnectorConfig, jobId: string, attempts = c.maxAttempts ?? 10, delay = 0): JobsOptions {
  return {
    jobId,
    attempts: Math.max(1, attempts),
    ...(delay > 0 ? { delay } : {}),
    backoff: { type: CONNECTOR_BACKOFF },
    removeOnComplete: true,
    removeOnFail: { age: 7 * 24 * 3600, count: 10_000 },
  };
}

/**
 * Every connector's URL through the target guard, as a webhook subscription's is when it is
 * created. A refused target throws naming the connector; a host that does not resolve now
 * (DNS away at start) is only logged, its deliveries being checked again at connect time.
 */
export async function checkConnectorTargets(connectors: ConnectorConfig[], policy: TargetPolicy, log: Logger, resolve?: Resolver): Promise<void> {
  for (const c of connectors) {
    try {
      await checkTarget(c.url, policy, resolve);
    } catch (err) {
      if (!(err instanceof TargetRefusedError)) throw err;
      if (err.unresolved) {
        log.warn({ connector: c.id, reason: err.message }, 'connector host does not resolve yet');
        continue;
      }
      throw new TargetRefusedError(`CONNECTORS: connector '${c.id}' url is refused: ${err.message} (OUTBOUND_ALLOW_HOSTS lists the hosts to allow)`);
    }
  }
}

export function startConnectors(opts: ConnectorRuntimeOptions): ConnectorRuntime {
  const { db, log } = opts;
  // Opened with the first connector: with none there is no Redis connection.
  let producer: ReturnType<typeof producerConnection> | undefined;
  const bullPrefix = `${opts.prefix}:bull`;
  const timeout = opts.enqueueTimeoutMs ?? 5_000;
  const lanes = new Map<string, Lane>();
  /** The configuration each lane was opened with, to tell a changed connector from an unchanged one. */
  const opened = new Map<string, string>();

  function openLane(c: ConnectorConfig): Lane {
    producer ??= producerConnection(opts.redisUrl);
    const sender = createWebhookSender({ ...opts.outbound, timeoutMs: c.timeoutMs ?? 10_000, connections: c.concurrency ?? 8 });
    const queue = new Queue<JobData, unknown, string>(connectorQueueName(c.id), { connection: producer, prefix: bullPrefix });
    queue.on('error', () => {});
    const connection = workerConnection(opts.redisUrl);
    const backoff = { baseMs: c.backoffBaseMs ?? 1_000, maxMs: c.backoffMaxMs ?? 3_600_000 };
    // Concurrent sends share round trips to Postgres.
    const record = new Batcher<ConnectorAttempt, boolean>((list) => recordConnectorAttempts(db, list));
    // First attempts are written as they finish, not after the whole run: a run that
    // fails midway (Redis lost under it) leaves fewer sent-but-unrecorded deliveries to send again.
    const send = (deliveryId: string, event: DomainEvent, traceparent: string | undefined | null, attemptInSeries: number, maxAttempts: number): Promise<ConnectorAttempt> =>
      inDeliverySpan('connector', c.id, traceparent, async (span) => {
        const { headers, body } = connectorRequest(c, event);
        const result = await sender.send(c.url, headers, body);
        const verdict = judgeAttempt(result, attemptInSeries, maxAttempts);
        const outcome = outcomeLabel(verdict.status === 'disabled' ? 'failed' : verdict.status, result.error);
        observeDelivery('connector', c.id, outcome, result.durationMs);
        span.setAttribute('cti.delivery.outcome', outcome);
        span.setAttribute('http.response.status_code', result.statusCode);
        if (verdict.status !== 'delivered') span.fail(verdict.reason);
        const status = verdict.status === 'disabled' ? 'failed' : verdict.status;
        return {
          id: deliveryId,
          status,
          ...(result.statusCode !== undefined ? { statusCode: result.statusCode } : {}),
          ...(verdict.status !== 'delivered' ? { error: verdict.reason } : {}),
        };
      });
    const recorded = (a: ConnectorAttempt, wasRecorded: boolean): AttemptResult => {
      if (wasRecorded && (a.status === 'failed' || a.status === 'dead')) {
        log.warn({ connector: c.id, deliveryId: a.id, status: a.status }, 'connector delivery is a dead letter');
      }
      return { status: a.status, ...(a.error !== undefined ? { reason: a.error } : {}), recorded: wasRecorded };
    };
    /** One attempt of a delivery that has its row (a retry, a redelivery): sent, then recorded. */
    const attempt = async (deliveryId: string, event: DomainEvent, traceparent: string | undefined | null, attemptInSeries: number, maxAttempts: number): Promise<AttemptResult> => {
      const a = await send(deliveryId, event, traceparent, attemptInSeries, maxAttempts);
      return recorded(a, await record.load(a));
    };
    const worker = new Worker<JobData, string, string>(
      connectorQueueName(c.id),
      async (job: Job<JobData, string, string>) => {
        const work = await loadWork(db, job.data.deliveryId);
        if (!work || work.connector !== c.id) return 'unknown delivery';
        if (work.status !== 'pending') return `already ${work.status}`;
        if (!work.event) {
          await recordConnectorAttempt(db, { id: work.id, status: 'failed', error: 'event payload no longer in the outbox' });
          return 'no payload';
        }
        const offset = job.data.attemptOffset ?? 0;
        const r = await attempt(work.id, work.event, work.traceparent, offset + job.attemptsMade + 1, offset + (job.opts.attempts ?? 1));
        if (!r.recorded) return 'finished concurrently';
        if (r.status === 'delivered') return 'delivered';
        if (r.status === 'pending') throw new Error(r.reason ?? 'retry');
        throw new UnrecoverableError(r.reason ?? r.status);
      },
      {
        connection,
        prefix: bullPrefix,
        concurrency: c.concurrency ?? 8,
        removeOnComplete: { count: 0 },
        removeOnFail: { age: 7 * 24 * 3600, count: 10_000 },
        settings: {
          // Counted across the whole delivery: a series after the inline first attempt continues the curve.
          backoffStrategy: (attemptsMade, type, _err, job) =>
            type === CONNECTOR_BACKOFF ? backoffDelay(attemptsMade + ((job?.data as JobData | undefined)?.attemptOffset ?? 0), backoff) : 0,
        },
      },
    );
    worker.on('error', (err) => log.debug({ err: err.message, connector: c.id }, 'connector worker error'));
    return { config: c, send, attempt, recorded, addFirst: (list: FirstAttempt[]) => addAttemptedDeliveries(db, c.id, list), backoff, queue, worker, connection, sender };
  }

  /** Stops a lane; its pending deliveries stay in Postgres (a connector opened again under its id picks them up). */
  async function closeLane(lane: Lane): Promise<void> {
    // A job stuck on a slow receiver must not hold a reconfiguration for ever.
    await withTimeout(lane.worker.close(), 10_000).catch(() => lane.worker.close(true));
    await lane.queue.close().catch(() => undefined);
    lane.connection.disconnect();
    await lane.sender.close();
  }

  async function apply(configs: ConnectorConfig[]): Promise<void> {
    const wanted = new Map(configs.map((c) => [c.id, c]));
    for (const [id, lane] of [...lanes]) {
      const next = wanted.get(id);
      if (next && opened.get(id) === JSON.stringify(next)) continue;
      lanes.delete(id);
      opened.delete(id);
      await closeLane(lane);
    }
    for (const c of configs) {
      if (lanes.has(c.id)) continue;
      lanes.set(c.id, openLane(c));
      opened.set(c.id, JSON.stringify(c));
    }
  }
  for (const c of opts.connectors) {
    lanes.set(c.id, openLane(c));
    opened.set(c.id, JSON.stringify(c));
  }

  async function enqueue(lane: Lane, ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    await withTimeout(
      lane.queue.addBulk(ids.map((id) => ({ name: 'deliver', data: { deliveryId: id }, opts: jobOptions(lane.config, id) }))),
      timeout,
    );
  }

  async function sweep(): Promise<number> {
    let n = 0;
    for (const lane of lanes.values()) {
      const ids = await stalePending(db, lane.config.id, opts.staleMs ?? 60_000);
      if (ids.length === 0) continue;
      // jobId = delivery id: a job still waiting or running is left alone; a lost one is
      // created; a finished one (its series ended without recording, e.g. Postgres away)
      // is removed first, or it would swallow the new one.
      const lost: string[] = [];
      for (const id of ids) {
        const state = await withTimeout(lane.queue.getJobState(id), timeout);
        if (LIVE_JOB_STATES.has(state)) continue;
        if (state !== 'unknown') await withTimeout(lane.queue.remove(id), timeout);
        lost.push(id);
      }
      await enqueue(lane, lost);
      await touchPending(db, ids);
      n += lost.length;
    }
    return n;
  }

  const sweeper = setInterval(() => {
    sweep().catch((err: Error) => log.debug({ err: err.message }, 'connector sweep failed; retrying later'));
  }, opts.sweepMs ?? 30_000);
  sweeper.unref();

  return {
    get ids() {
      return [...lanes.keys()];
    },
    get queues() {
      return [...lanes.values()].map((l) => l.queue as Queue);
    },
    apply,
    async enqueueFor(events, traces = {}) {
      for (const lane of lanes.values()) {
        // An event twice in one run (a re-run racing) is sent once.
        const seen = new Set<string>();
        const wanted = events.filter((e) => !seen.has(e.id) && (seen.add(e.id), connectorWants(lane.config, e)));
        if (wanted.length === 0) continue;
        const max = lane.config.maxAttempts ?? 10;
        // A delivery's row is written once, with the outcome of its first attempt, made
        // here as the webhook fan-out does: an insert and an update per delivery were most
        // of a CDR's cost in Postgres. Until then this job is the delivery's record: if it
        // fails or is lost before the row is in, it runs again (the relay re-publishes
        // events not fanned out) and sends again under the same Idempotency-Key.
        // A re-run finds the rows of the earlier run: attempted ones get their series, the
        // rest were recorded finished.
        const known = new Map((await knownDeliveries(db, lane.config.id, wanted.map((e) => e.id))).map((d) => [d.eventId, d]));
        const retries: Array<{ id: string; offset: number }> = [];
        const firsts: FirstAttempt[] = [];
        await eachLimited(wanted, lane.config.concurrency ?? 8, async (e) => {
          const row = known.get(e.id);
          if (row && row.status !== 'pending') return;
          if (row && row.attempts > 0) return void retries.push({ id: row.id, offset: Math.min(row.attempts, max - 1) });
          if (row) {
            // A pending row never attempted (written before rows waited for their first attempt).
            const r = await lane.attempt(row.id, e, traces[e.id], 1, max);
            if (r.recorded && r.status === 'pending') retries.push({ id: row.id, offset: 1 });
            return;
          }
          // Recorded with the run's others once all are sent: a lane that waited for its
          // row before its next send went at the pace of Postgres, not of the receiver.
          const a = await lane.send(randomUUID(), e, traces[e.id], 1, max);
          firsts.push({ ...a, eventId: e.id, eventType: e.type });
        });
        if (firsts.length > 0) {
          const written = await lane.addFirst(firsts);
          firsts.forEach((a, i) => {
            const r = lane.recorded(a, written[i]!);
            if (r.recorded && r.status === 'pending') retries.push({ id: a.id, offset: 1 });
          });
        }
        if (retries.length === 0) continue;
        await withTimeout(
          lane.queue.addBulk(
            retries.map((r) => ({
              name: 'deliver',
              data: { deliveryId: r.id, attemptOffset: r.offset },
              opts: jobOptions(lane.config, r.id, max - r.offset, backoffDelay(r.offset, lane.backoff)),
            })),
          ),
          timeout,
        );
      }
    },
    async replay(deliveryId) {
      const reopened = await reopenConnectorDelivery(db, deliveryId);
      if (!reopened) return 'not_dead';
      const lane = lanes.get(reopened.connector);
      if (!lane) return 'unknown_connector';
      // A new job id per series: the failed job of the previous series may still be kept.
      await withTimeout(
        lane.queue.add('deliver', { deliveryId }, jobOptions(lane.config, `${deliveryId}-r${reopened.attempts}`)),
        timeout,
      );
      return 'replayed';
    },
    sweep,
    async stop() {
      clearInterval(sweeper);
      const all = [...lanes.values()];
      lanes.clear();
      await Promise.allSettled(all.map(closeLane));
      producer?.disconnect();
    },
  };
}
