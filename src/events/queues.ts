// The two BullMQ queues of the event pipeline and the Redis connections they need.
// Producers fail fast when Redis is down (the outbox keeps the event); workers wait
// for Redis forever (BullMQ requires maxRetriesPerRequest: null for blocking calls).
import { Queue, type JobsOptions } from 'bullmq';
import { Redis } from 'ioredis';
import type { DomainEvent } from './catalogue.js';

export const EVENTS_QUEUE = 'events';
export const WEBHOOKS_QUEUE = 'webhooks';
export const WEBHOOK_BACKOFF = 'webhook';

export interface WebhookJobData {
  deliveryId: string;
  /** Attempts already made before this series (1 after the inline first attempt). */
  attemptOffset?: number;
}

/**
 * One `events` job carries a run of consecutive outbox events: BullMQ costs a few Redis
 * scripts per job, which per event would cap the pipeline well below the receivers' pace.
 */
export interface EventsJobData {
  events: DomainEvent[];
  /** The traceparent each traced event was committed under, by event id (absent when none). */
  traces?: Record<string, string>;
  /**
   * The events' payloads as stored (the outbox's text, what a delivery sends), in the
   * order of `events`, when the relay read them so: the fan-out then takes them from here
   * instead of reading every event's payload again per subscription. Only on runs the
   * relay fans out itself; never put on the queue (see withoutBodies).
   */
  bodies?: string[];
}

/** An outbox row as the relay reads it. */
export interface RelayRow {
  payload: DomainEvent;
  trace_parent: string | null;
  /** The payload's text as stored, when the relay read it (a local pass, decision 95). */
  body?: string;
}

/** An `events` job before it is added (or a run the relay fans out itself). */
export interface EventsJob {
  name: string;
  data: EventsJobData;
}

/**
 * Runs of consecutive events, `perJob` at most per job, in the order given. If a crash
 * re-sends rows, the fan-out's unique (subscription, event) key keeps the copy from adding
 * deliveries.
 */
export function eventsJobs(rows: readonly RelayRow[], perJob: number): EventsJob[] {
  const jobs: EventsJob[] = [];
  for (let i = 0; i < rows.length; i += perJob) {
    const run = rows.slice(i, i + perJob);
    const events = run.map((r) => r.payload);
    const traced = run.filter((r) => r.trace_parent !== null);
    const traces = traced.length ? { traces: Object.fromEntries(traced.map((r) => [r.payload.id, r.trace_parent!])) } : {};
    const bodies = run.every((r) => r.body !== undefined) ? { bodies: run.map((r) => r.body!) } : {};
    jobs.push({ name: events.length === 1 ? events[0]!.type : 'events', data: { events, ...traces, ...bodies } });
  }
  return jobs;
}

/** A run as the `events` queue takes it: the payloads' texts stay in the process (Redis has the events). */
export function withoutBodies(job: EventsJob): EventsJob {
  if (!job.data.bodies) return job;
  const { bodies: _bodies, ...data } = job.data;
  return { name: job.name, data };
}

export type EventsQueue = Queue<EventsJobData, unknown, string>;
export type WebhooksQueue = Queue<WebhookJobData, unknown, string>;

export interface EventQueues {
  events: EventsQueue;
  webhooks: WebhooksQueue;
  /** The producers' connection is up (in memory, no round trip). */
  ready(): boolean;
  close(): Promise<void>;
}

/** Job states in which a delivery's series is still under way (anything else: lost or over). */
export const LIVE_JOB_STATES: ReadonlySet<string> = new Set(['waiting', 'delayed', 'active', 'prioritized', 'waiting-children']);

/** Never keep finished jobs forever: Postgres is the record, Redis only the work list. */
export const EVENT_JOB_OPTIONS: JobsOptions = {
  attempts: 20,
  backoff: { type: 'exponential', delay: 500, jitter: 0.5 },
  removeOnComplete: true,
  removeOnFail: { age: 7 * 24 * 3600, count: 10_000 },
};

/** A series of `attempts` tries; `delay` before the first of them. */
export function webhookJobOptions(attempts: number, delay = 0): JobsOptions {
  return {
    attempts: Math.max(1, attempts),
    ...(delay > 0 ? { delay } : {}),
    backoff: { type: WEBHOOK_BACKOFF },
    removeOnComplete: true,
    removeOnFail: { age: 7 * 24 * 3600, count: 10_000 },
  };
}

export function producerConnection(url: string): Redis {
  const redis = new Redis(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 2_000,
    retryStrategy: (times) => Math.min(100 * times, 2_000),
  });
  // Connection errors surface as rejected commands; an unhandled 'error' event would crash.
  redis.on('error', () => {});
  return redis;
}

export function workerConnection(url: string): Redis {
  const redis = new Redis(url, {
    maxRetriesPerRequest: null,
    connectTimeout: 2_000,
    retryStrategy: (times) => Math.min(100 * times, 2_000),
  });
  redis.on('error', () => {});
  return redis;
}

export function createQueues(redisUrl: string, prefix: string, connection = producerConnection(redisUrl)): EventQueues {
  const common = { connection, prefix: `${prefix}:bull` } as const;
  const events: EventsQueue = new Queue(EVENTS_QUEUE, { ...common, defaultJobOptions: EVENT_JOB_OPTIONS });
  const webhooks: WebhooksQueue = new Queue(WEBHOOKS_QUEUE, common);
  events.on('error', () => {});
  webhooks.on('error', () => {});
  return {
    events,
    webhooks,
    ready: () => connection.status === 'ready',
    async close() {
      await Promise.allSettled([events.close(), webhooks.close()]);
      connection.disconnect();
    },
  };
}
