// Events whose `events` jobs vanished (Redis restarted without its data) are sent again.
// Published means "at or below the relay's watermark", and the watermark only grows: an
// event at or below the watermark as it stood `graceMs` ago has been on the queue at
// least that long, so one still not fanned out lost its job. Each instance remembers the
// watermarks its sweeps read; a fresh instance starts sweeping one grace period after its
// start. The sweep walks the journal forward from a cursor shared by the instances
// (outbox_sweep_state, migration 197), so no index has to name `fanned_out_at` and the
// fan-out's update of it stays heap-only. A row sent again is stamped `resent_at` (only on
// this rare path, with an index of its own): later sweeps find it there, and send it
// again if its new job is lost too, after the same grace.
import { withTransaction, type Db, type DbClient } from '../db/pool.js';
import { eventsJobs, type EventsQueue, type RelayRow } from './queues.js';
import { withTimeout } from './timeout.js';

/** Positions the walk covers per statement: a bounded read, whatever the backlog. */
const WALK_STRETCH = 10_000n;

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
      const step = await this.walk(BigInt(mark.upto));
      if (!step) break;
      total += step.sent;
      if (step.done) break;
    }
    for (;;) {
      const n = await this.resendAgain();
      total += n;
      if (n < this.opts.batchSize) return total;
    }
  }

  /**
   * One stretch of the walk from the shared cursor towards `upto`: undefined when another
   * instance holds the cursor or it is there already.
   */
  private async walk(upto: bigint): Promise<{ sent: number; done: boolean } | undefined> {
    return withTransaction(this.opts.db, async (tx) => {
      const { rows: cursor } = await tx.query<{ swept: string }>(
        'SELECT swept_upto::text AS swept FROM outbox_sweep_state FOR UPDATE SKIP LOCKED',
      );
      if (!cursor[0] || BigInt(cursor[0].swept) >= upto) return undefined;
      const from = BigInt(cursor[0].swept);
      const to = from + WALK_STRETCH < upto ? from + WALK_STRETCH : upto;
      const { rows } = await tx.query<RelayRow & { position: string }>({
        name: 'relay-sweep-walk',
        text: `SELECT position, payload, trace_parent FROM outbox
          WHERE position > $1::bigint AND position <= $2::bigint AND fanned_out_at IS NULL
          ORDER BY position LIMIT $3`,
        values: [from.toString(), to.toString(), this.opts.batchSize],
      });
      // A full batch may have more after it: the cursor stops at its last row.
      const end = rows.length === this.opts.batchSize ? BigInt(rows[rows.length - 1]!.position) : to;
      await this.send(tx, rows);
      await tx.query('UPDATE outbox_sweep_state SET swept_upto = $1::bigint', [end.toString()]);
      return { sent: rows.length, done: end >= upto };
    });
  }

  /** Rows sent again earlier whose new job is gone as well. */
  private async resendAgain(): Promise<number> {
    return withTransaction(this.opts.db, async (tx) => {
      // Locked so two instances sweeping at once do not both send a row.
      const { rows } = await tx.query<RelayRow & { position: string }>({
        name: 'relay-sweep-resent-lost',
        text: `SELECT position, payload, trace_parent FROM outbox
          WHERE resent_at IS NOT NULL AND resent_at < now() - $1::int * interval '1 millisecond'
            AND fanned_out_at IS NULL
          ORDER BY position LIMIT $2 FOR UPDATE SKIP LOCKED`,
        values: [this.opts.graceMs, this.opts.batchSize],
      });
      await this.send(tx, rows);
      return rows.length;
    });
  }

  private async send(tx: DbClient, rows: Array<RelayRow & { position: string }>): Promise<void> {
    if (rows.length === 0) return;
    await withTimeout(this.opts.events.addBulk(eventsJobs(rows, this.opts.eventsPerJob)), this.opts.enqueueTimeoutMs);
    await tx.query({
      name: 'relay-sweep-resent',
      text: 'UPDATE outbox SET resent_at = now() WHERE position = ANY ($1::bigint[])',
      values: [rows.map((r) => r.position)],
    });
  }
}
