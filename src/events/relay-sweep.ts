// Events whose `events` jobs vanished (Redis restarted without its data) are sent again.
// Published means "at or below the relay's watermark", and the watermark only grows: an
// event at or below the watermark as it stood `graceMs` ago has been on the queue at
// least that long, so one still not fanned out lost its job. Each instance remembers the
// watermarks its sweeps read; a fresh instance starts sweeping one grace period after its
// start. A row sent again is stamped `resent_at` (in no index, and only on this rare path)
// so the next sweeps leave its new job the same grace.
import { withTransaction, type Db } from '../db/pool.js';
import { eventsJobs, type EventsQueue, type RelayRow } from './queues.js';
import { withTimeout } from './timeout.js';

export interface WatermarkMark {
  at: number;
  upto: string;
}

/**
 * The newest mark taken at least `graceMs` before `now` (undefined when none is that old);
 * the marks older than it are dropped, as no later sweep needs them.
 */
export function settledMark(marks: WatermarkMark[], now: number, graceMs: number): WatermarkMark | undefined {
  let k = -1;
  for (let i = 0; i < marks.length; i++) if (now - marks[i]!.at >= graceMs) k = i;
  if (k < 0) return undefined;
  marks.splice(0, k);
  return marks[0];
}

export interface LostJobSweepOptions {
  db: Db;
  events: Pick<EventsQueue, 'addBulk'>;
  graceMs: number;
  batchSize: number;
  eventsPerJob: number;
  enqueueTimeoutMs: number;
}

export class LostJobSweep {
  private readonly marks: WatermarkMark[] = [];

  constructor(private readonly opts: LostJobSweepOptions) {}

  /** Sends again what lost its job; returns how many events. Throws when the queue is unreachable. */
  async run(now = Date.now()): Promise<number> {
    const { db } = this.opts;
    const { rows } = await db.query<{ upto: string }>('SELECT published_upto::text AS upto FROM outbox_relay_state');
    if (rows[0]) this.marks.push({ at: now, upto: rows[0].upto });
    const mark = settledMark(this.marks, now, this.opts.graceMs);
    if (!mark) return 0;
    let total = 0;
    for (;;) {
      const n = await this.resend(mark.upto);
      total += n;
      if (n < this.opts.batchSize) return total;
    }
  }

  private async resend(upto: string): Promise<number> {
    return withTransaction(this.opts.db, async (tx) => {
      // Locked so two instances sweeping at once do not both send a row.
      const { rows } = await tx.query<RelayRow & { position: string }>({
        name: 'relay-sweep-lost',
        text: `SELECT position, payload, trace_parent FROM outbox
          WHERE fanned_out_at IS NULL AND position IS NOT NULL AND position <= $1::bigint
            AND (resent_at IS NULL OR resent_at < now() - $2::int * interval '1 millisecond')
          ORDER BY position LIMIT $3 FOR UPDATE SKIP LOCKED`,
        values: [upto, this.opts.graceMs, this.opts.batchSize],
      });
      if (rows.length === 0) return 0;
      await withTimeout(this.opts.events.addBulk(eventsJobs(rows, this.opts.eventsPerJob)), this.opts.enqueueTimeoutMs);
      await tx.query({
        name: 'relay-sweep-resent',
        text: 'UPDATE outbox SET resent_at = now() WHERE position = ANY ($1::bigint[])',
        values: [rows.map((r) => r.position)],
      });
      return rows.length;
    });
  }
}
