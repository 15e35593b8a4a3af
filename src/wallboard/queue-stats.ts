// Live `queue.stats` events: the wallboard's per-queue figures, written to the outbox (so
// they reach the stream and webhooks like any event) at most once per interval across the
// whole cluster, and only for queues whose figures changed. Instances serialize on a
// Postgres advisory lock and keep the last emitted figures per queue in a row of their
// own (queue_stats_last, written with the event), not read back from the journal.
import { withTransaction, type Db } from '../db/pool.js';
import { appendOutbox } from '../events/outbox.js';
import type { Logger } from '../log.js';
import type { WallboardOptions } from './state.js';
import type { Wallboard } from './feed.js';

const LOCK = "hashtext('cti-bridge:queue.stats')";

export interface QueueStatsOptions {
  db: Db;
  wallboard: Wallboard;
  log: Logger;
  intervalMs: number;
  view: WallboardOptions;
}

export class QueueStatsPublisher {
  private timer?: NodeJS.Timeout;
  private running = false;

  constructor(private readonly o: QueueStatsOptions) {}

  start(): void {
    if (this.o.intervalMs <= 0) return;
    this.timer = setInterval(() => void this.tick(), this.o.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** One round; returns how many queue.stats events it wrote. */
  async tick(): Promise<number> {
    if (this.running) return 0;
    this.running = true;
    try {
      const view = this.o.wallboard.view(this.o.view);
      return await withTransaction(this.o.db, async (tx) => {
        const { rows: lock } = await tx.query(`SELECT pg_try_advisory_xact_lock(${LOCK}) AS got`);
        if (!lock[0]?.got) return 0;
        const { rows } = await tx.query('SELECT queue_id, data, emitted_at FROM queue_stats_last');
        const last = new Map(rows.map((r) => [r.queue_id as string, { data: r.data, at: (r.emitted_at as Date).getTime() }]));
        const now = Date.now();
        let written = 0;
        for (const q of view.queues) {
          const data = {
            queueId: q.id,
            waiting: q.waiting,
            longestWaitSeconds: q.longestWaitSeconds,
            offeredToday: q.offeredToday,
            answeredToday: q.answeredToday,
            serviceLevelToday: q.serviceLevelToday,
            serviceLevelSeconds: q.target.seconds,
            serviceLevelTarget: q.target.percent / 100,
            timeZone: view.timeZone,
            agentsByState: view.agentsByState,
          };
          const prev = last.get(q.id);
          if (prev && (now - prev.at < this.o.intervalMs * 0.9 || same(prev.data, data))) continue;
          await appendOutbox(tx, { type: 'queue.stats', data });
          await tx.query(
            `INSERT INTO queue_stats_last (queue_id, data, emitted_at) VALUES ($1, $2, now())
             ON CONFLICT (queue_id) DO UPDATE SET data = excluded.data, emitted_at = excluded.emitted_at`,
            [q.id, data],
          );
          written++;
        }
        return written;
      });
    } catch (err) {
      this.o.log.warn({ err }, 'could not emit queue.stats');
      return 0;
    } finally {
      this.running = false;
    }
  }
}

/** Equal as JSON regardless of key order (jsonb does not keep it). */
function same(a: unknown, b: unknown): boolean {
  return canonical(a) === canonical(b);
}

function canonical(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  const o = v as Record<string, unknown>;
  return `{${Object.keys(o).sort().map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`).join(',')}}`;
}
