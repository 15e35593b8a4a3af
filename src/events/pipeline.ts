// Composition of the event pipeline: outbox relay -> `events` queue (runs of events) ->
// fan-out worker, which makes each delivery's first attempt -> `webhooks` queue (retries
// and redeliveries) -> delivery worker. main.ts starts it once per instance; every part
// is safe to run on several instances at the same time.
import { Worker } from 'bullmq';
import type { Config } from '../config.js';
import type { Db } from '../db/pool.js';
import type { Logger } from '../log.js';
import type { EventBus } from './bus.js';
import { backoffDelay, DEFAULT_BACKOFF, type BackoffSettings } from './delivery-policy.js';
import { Batcher } from './batcher.js';
import { fanOutEvents, fanOutProcessor, type FanOutDeps } from './fanout.js';
import { LocalFanOut } from './local-fanout.js';
import { withTimeout } from './timeout.js';
import {
  loadDeliveryWorkMany,
  recordAttempts,
  type AttemptRecord,
  type DeliveryWork,
} from './webhook-store.js';
import { createWebhookSender, type WebhookSender } from './http-sender.js';
import {
  createQueues,
  EVENTS_QUEUE,
  WEBHOOK_BACKOFF,
  WEBHOOKS_QUEUE,
  workerConnection,
  type EventQueues,
  type EventsJobData,
  type WebhookJobData,
} from './queues.js';
import { OutboxRelay, type RelayOptions } from './relay.js';
import { WakeListener } from '../db/wake-listener.js';
import type { ConnectorConfig } from './connectors/config.js';
import { checkConnectorTargets, startConnectors, type ConnectorRuntime, type ConnectorRuntimeOptions } from './connectors/runtime.js';
import { attemptOffset, deliveryProcessor } from './webhook-worker.js';
import { startWebhookSweeper, type WebhookSweeper, type WebhookSweeperOptions } from './webhook-sweeper.js';

/** Announced at the commit of every insert into the outbox (migration 116). */
const OUTBOX_CHANNEL = 'cti_outbox';

/**
 * Config.webhooks plus the tuning knobs that have no environment variable yet; tests and
 * the benchmark set them on the config object they pass in.
 */
export interface WebhookSettings {
  timeoutMs: number;
  maxAttempts: number;
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  /** Parallel sends per instance. */
  concurrency?: number;
}

export interface PipelineOptions {
  db: Db;
  config: Pick<Config, 'redisUrl' | 'redisPrefix' | 'outbound'> & { webhooks: WebhookSettings };
  log: Logger;
  bus?: EventBus;
  redisUrl?: string;
  prefix?: string;
  relay?: Pick<RelayOptions, 'pollMs' | 'batchSize' | 'maxBackoffMs' | 'enqueueTimeoutMs' | 'eventsPerJob' | 'republishAfterMs'>;
  /**
   * Relay passes fanned out by this instance at the same time, without the `events` queue
   * (decision 83); more wait in the outbox for a run to end or for another instance's
   * relay (decision 95). 0: every pass through the queue. Default 8, the fan-out worker's
   * concurrency.
   */
  localFanOut?: number;
  /** Told when the relay moved the journal on (see RelayOptions.onJournalMoved). */
  onJournalMoved?: () => void;
  /** How long stop() waits for running jobs before abandoning them to the stall checker. */
  closeTimeoutMs?: number;
  /** CRM, logistics and other business connectors, each with its own queue. */
  connectors?: ConnectorConfig[];
  connectorTuning?: Pick<ConnectorRuntimeOptions, 'sweepMs' | 'staleMs'>;
  webhookSweep?: Pick<WebhookSweeperOptions, 'everyMs' | 'graceMs'>;
  /**
   * Postgres connection string for a LISTEN on `cti_outbox` (migration 116): commits wake
   * the relay, which then polls slowly. Absent, the relay polls every `relay.pollMs`.
   */
  notifyUrl?: string;
}

export interface EventPipeline {
  relay: OutboxRelay;
  /** The relay's own fan-out (its stats: runs made here, runs handed to the queue). */
  local: LocalFanOut;
  queues: EventQueues;
  sender: WebhookSender;
  connectors: ConnectorRuntime;
  webhookSweeper: WebhookSweeper;
  stop(): Promise<void>;
}

/** worker.close() waits for running jobs with no limit of its own. */
async function closeWorker(worker: Worker, timeoutMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs);
  });
  const result = await Promise.race([worker.close().then(() => 'closed' as const, () => 'closed' as const), timedOut]);
  clearTimeout(timer);
  if (result === 'timeout') await worker.close(true).catch(() => {});
}

/** One statement per batch; a delivery twice in one batch (a re-run racing) goes alone after. */
async function recordDistinct(db: Db, records: AttemptRecord[]): Promise<Array<number | undefined>> {
  const seen = new Set<string>();
  const first: number[] = [];
  const rest: number[] = [];
  records.forEach((r, i) => (seen.has(r.deliveryId) ? rest : (seen.add(r.deliveryId), first)).push(i));
  const out: Array<number | undefined> = new Array(records.length);
  const results = await recordAttempts(db, first.map((i) => records[i]!));
  first.forEach((i, k) => (out[i] = results[k]));
  for (const i of rest) out[i] = (await recordAttempts(db, [records[i]!]))[0];
  return out;
}

export async function startEventPipeline(options: PipelineOptions): Promise<EventPipeline> {
  const { db, config, log } = options;
  // Connectors are configured targets: one the guard refuses stops the start, rather
  // than dead-lettering every event later.
  await checkConnectorTargets(options.connectors ?? [], config.outbound, log);
  const redisUrl = options.redisUrl ?? config.redisUrl;
  const prefix = options.prefix ?? config.redisPrefix;
  const settings = config.webhooks;
  const backoff: BackoffSettings = {
    baseMs: settings.backoffBaseMs ?? DEFAULT_BACKOFF.baseMs,
    maxMs: settings.backoffMaxMs ?? DEFAULT_BACKOFF.maxMs,
  };
  const concurrency = settings.concurrency ?? 64;
  const plog = log.child({ component: 'event-pipeline' });

  const queues = createQueues(redisUrl, prefix);
  const sender = createWebhookSender({
    ...config.outbound,
    timeoutMs: settings.timeoutMs,
    connections: concurrency,
  });
  const bullPrefix = `${prefix}:bull`;

  // Concurrent sends share round trips to Postgres (see Batcher).
  const loadBatch = new Batcher<string, DeliveryWork | undefined>((ids) => loadDeliveryWorkMany(db, ids));
  const recordBatch = new Batcher<AttemptRecord, number | undefined>((records) => recordDistinct(db, records));

  const connectors = startConnectors({
    db,
    redisUrl,
    prefix,
    log: plog,
    connectors: options.connectors ?? [],
    outbound: config.outbound,
    ...options.connectorTuning,
  });

  const fanOutDeps: FanOutDeps = {
    db,
    sender,
    log: plog,
    webhooks: queues.webhooks,
    maxAttempts: settings.maxAttempts,
    backoff,
    parallel: concurrency,
    record: (a) => recordBatch.load(a),
    connectors,
  };
  // Jobs come from relays whose passes this instance could not take, the relay's sweep,
  // local runs that failed, and instances of earlier releases.
  const fanOutConnection = workerConnection(redisUrl);
  const fanOut = new Worker<EventsJobData, number, string>(
    EVENTS_QUEUE,
    fanOutProcessor(fanOutDeps),
    {
      connection: fanOutConnection,
      prefix: bullPrefix,
      concurrency: 8,
      removeOnComplete: { count: 0 },
      removeOnFail: { age: 7 * 24 * 3600, count: 10_000 },
    },
  );

  const deliveryConnection = workerConnection(redisUrl);
  const delivery = new Worker<WebhookJobData, string, string>(
    WEBHOOKS_QUEUE,
    deliveryProcessor({
      db,
      sender,
      log: plog,
      load: (id) => loadBatch.load(id),
      record: (a) => recordBatch.load(a),
    }),
    {
      connection: deliveryConnection,
      prefix: bullPrefix,
      concurrency,
      removeOnComplete: { count: 0 },
      removeOnFail: { age: 7 * 24 * 3600, count: 10_000 },
      settings: {
        // Counted across the whole delivery, so a retry series after the inline first
        // attempt continues the curve instead of restarting it.
        backoffStrategy: (attemptsMade, type, _err, job) =>
          type === WEBHOOK_BACKOFF
            ? backoffDelay(attemptsMade + attemptOffset(job?.data as WebhookJobData | undefined), backoff)
            : 0,
      },
    },
  );

  for (const w of [fanOut, delivery]) {
    // Redis outages show up here; the worker reconnects by itself.
    w.on('error', (err) => plog.debug({ err: err.message, queue: w.name }, 'queue worker error'));
  }
  fanOut.on('failed', (job, err) => {
    if (job) plog.warn({ jobId: job.id, events: job.data.events?.length, err: err.message, attemptsMade: job.attemptsMade }, 'event fan-out failed');
  });

  const webhookSweeper = startWebhookSweeper({
    db,
    queue: queues.webhooks,
    log: plog,
    maxAttempts: settings.maxAttempts,
    backoff,
    ...options.webhookSweep,
  });

  const enqueueTimeoutMs = options.relay?.enqueueTimeoutMs ?? 5_000;
  const local = new LocalFanOut({
    run: (data) => fanOutEvents(fanOutDeps, data),
    enqueue: (runs) => withTimeout(queues.events.addBulk(runs), enqueueTimeoutMs),
    ready: () => queues.ready(),
    limit: options.localFanOut ?? 8,
    // A pass left in the outbox while the fan-out was full goes out as soon as there is room.
    onRoom: () => relay.wake(),
    log: plog,
  });

  let outboxListener: WakeListener | undefined;
  const relay = new OutboxRelay({
    db,
    events: queues.events,
    log: plog,
    ...(options.bus ? { bus: options.bus } : {}),
    ...options.relay,
    listening: () => outboxListener?.listening ?? false,
    local,
    ...(options.onJournalMoved ? { onJournalMoved: options.onJournalMoved } : {}),
  });
  if (options.notifyUrl) {
    outboxListener = new WakeListener({ url: options.notifyUrl, channel: OUTBOX_CHANNEL, onWake: () => relay.wake(), log: plog });
    outboxListener.start();
  }
  relay.start();

  const closeTimeoutMs = options.closeTimeoutMs ?? 10_000;
  let stopping: Promise<void> | undefined;
  return {
    relay,
    local,
    queues,
    sender,
    connectors,
    webhookSweeper,
    stop() {
      stopping ??= (async () => {
        webhookSweeper.stop();
        await outboxListener?.stop();
        await relay.stop();
        await Promise.all([local.stop(closeTimeoutMs), closeWorker(fanOut, closeTimeoutMs), closeWorker(delivery, closeTimeoutMs)]);
        await connectors.stop();
        fanOutConnection.disconnect();
        deliveryConnection.disconnect();
        await queues.close();
        await sender.close();
      })();
      return stopping;
    },
  };
}
