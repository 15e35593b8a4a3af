// The event pipeline and the calls as Prometheus gauges, read from Postgres at scrape
// time through indexes (outbox rows past the relay's watermark, dead deliveries, calls not yet
// ended), so a scrape costs what its answer costs and nothing is counted on the hot path.
import type { Queue } from 'bullmq';
import { registerCollector } from '../api/metrics.js';
import type { Queryable } from '../db/pool.js';

export function registerEventMetrics(db: Queryable): void {
  registerCollector('cti_outbox_backlog', 'Events committed but not yet handed to the queue by the relay', async () => {
    // Not yet numbered, plus numbered past the relay's watermark (migration 195).
    const { rows } = await db.query<{ n: number }>(
      `SELECT ((SELECT count(*) FROM outbox WHERE position IS NULL)
        + (SELECT count(*) FROM outbox WHERE position > (SELECT published_upto FROM outbox_relay_state)))::int AS n`,
    );
    return rows[0]?.n ?? 0;
  });
  registerCollector('cti_outbox_relay_lag_seconds', 'Age of the oldest event the relay has not handed on (0 when none)', async () => {
    const { rows } = await db.query<{ s: number | null }>(
      `SELECT extract(epoch FROM now() - least(
         (SELECT min(created_at) FROM outbox WHERE position IS NULL),
         (SELECT min(created_at) FROM outbox WHERE position > (SELECT published_upto FROM outbox_relay_state))))::float8 AS s`,
    );
    return Math.max(0, rows[0]?.s ?? 0);
  });
  registerCollector(
    'cti_dead_letters',
    'Deliveries given up on, by kind (webhook, connector); replay them at /v1/deadletters',
    async () => {
      const { rows } = await db.query<{ webhook: number; connector: number }>(
        `SELECT (SELECT count(*)::int FROM webhook_deliveries WHERE status IN ('failed', 'dead')) AS webhook,
                (SELECT count(*)::int FROM connector_deliveries WHERE status IN ('failed', 'dead')) AS connector`,
      );
      return [
        { labels: { kind: 'webhook' }, value: rows[0]?.webhook ?? 0 },
        { labels: { kind: 'connector' }, value: rows[0]?.connector ?? 0 },
      ];
    },
    ['kind'],
  );
  registerCollector(
    'cti_calls',
    'Calls not yet ended, by state',
    async () => {
      const { rows } = await db.query<{ state: string; n: number }>(
        "SELECT state, count(*)::int AS n FROM calls WHERE state <> 'ended' GROUP BY state",
      );
      return rows.map((r) => ({ labels: { state: r.state }, value: r.n }));
    },
    ['state'],
  );
}

const JOB_STATES = ['waiting', 'active', 'delayed', 'failed'] as const;

/** BullMQ jobs per queue and state (events, webhooks, each connector, fax), read at scrape time. */
export function registerQueueMetrics(queues: () => Queue[]): void {
  registerCollector(
    'cti_queue_jobs',
    'BullMQ jobs by queue and state (waiting, active, delayed, failed)',
    async () => {
      const samples = [];
      for (const q of queues()) {
        const counts = await q.getJobCounts(...JOB_STATES);
        for (const state of JOB_STATES) samples.push({ labels: { queue: q.name, state }, value: counts[state] ?? 0 });
      }
      return samples;
    },
    ['queue', 'state'],
  );
}
