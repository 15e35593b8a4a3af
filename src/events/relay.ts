// The outbox relay: moves committed events from Postgres onto the `events` queue (runs of
// consecutive events per job), marks them published, then tells the live bus. Rows are
// locked with SKIP LOCKED so several instances can relay at once without sending a row
// twice; if Redis is down the transaction rolls back, the rows stay, and the relay backs
// off and tries again. Rows whose jobs were lost with Redis's data are sent again.
// Each pass first runs the journal's sequencer (after one running elsewhere, if any)
// and then publishes in journal order, so the bus never announces an event the journal
// does not serve yet, and the journal keeps moving while Redis is away.
import type { Logger } from '../log.js';
import { withTransaction, type Db } from '../db/pool.js';
import type { EventBus } from './bus.js';
import type { DomainEvent } from './catalogue.js';
import type { EventsQueue } from './queues.js';
import { sequenceJournal } from './sequencer.js';
import { withTimeout } from './timeout.js';

export interface RelayOptions {
  db: Db;
  events: Pick<EventsQueue, 'addBulk'>;
  bus?: EventBus;
  log: Logger;
  batchSize?: number;
  pollMs?: number;
  /**
   * True while commits to the outbox wake the relay (WakeListener on `cti_outbox`): it then
   * polls only every `idlePollMs`, a safety net for a notification lost with its connection.
   */
  listening?: () => boolean;
  /** The poll while `listening()` (default 2 s). */
  idlePollMs?: number;
  /**
   * A pass a wake starts begins at least this long after the last one ended (default
   * 200 ms, what the poll waited): a lone commit goes out at once, the commits of a busy
   * moment share a pass as they did when the relay polled.
   */
  wakeGapMs?: number;
  maxBackoffMs?: number;
  /** A queue that has not reached Redis yet waits instead of failing: bound it. */
  enqueueTimeoutMs?: number;
  /**
   * Events per `events` job (default 200). Each job costs a few statements and Redis
   * scripts whatever its size: 200 instead of 50 cut the pipeline's CPU per CDR by a
   * fifth in the service and a third in Postgres (docs/benchmarks.md).
   */
  eventsPerJob?: number;
  /**
   * A published event not fanned out after this long lost its job (Redis restarted
   * without its data) and is published again. Default 5 minutes.
   */
  republishAfterMs?: number;
  /**
   * Told after a pass that stamped journal positions or published events: what follows
   * the journal (the KPI rollups) can then read instead of polling for it.
   */
  onJournalMoved?: () => void;
}

export interface RelayStats {
  published: number;
  failures: number;
}

export class OutboxRelay {
  private readonly batchSize: number;
  private readonly pollMs: number;
  private readonly maxBackoffMs: number;
  private readonly enqueueTimeoutMs: number;
  private readonly eventsPerJob: number;
  private readonly republishAfterMs: number;
  private lastSweep = 0;
  private timer: NodeJS.Timeout | undefined;
  private dueAt = 0;
  private lastPassAt = 0;
  private running: Promise<void> | undefined;
  private stopped = true;
  private consecutiveFailures = 0;
  private wakeRequested = false;
  readonly stats: RelayStats = { published: 0, failures: 0 };

  constructor(private readonly opts: RelayOptions) {
    this.batchSize = opts.batchSize ?? 200;
    this.pollMs = opts.pollMs ?? 200;
    this.maxBackoffMs = opts.maxBackoffMs ?? 5_000;
    this.enqueueTimeoutMs = opts.enqueueTimeoutMs ?? 5_000;
    this.eventsPerJob = opts.eventsPerJob ?? 200;
    this.republishAfterMs = opts.republishAfterMs ?? 300_000;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.schedule(0);
  }

  /** Run a pass soon (e.g. after a NOTIFY) instead of waiting for the next poll. */
  wake(): void {
    // Backing off from a failure: the retry is already scheduled.
    if (this.stopped || this.consecutiveFailures > 0) return;
    if (this.running) {
      this.wakeRequested = true;
      return;
    }
    const delay = this.wakeDelay();
    if (this.timer && this.dueAt <= Date.now() + delay) return;
    this.schedule(delay);
  }

  private wakeDelay(): number {
    return Math.max(0, this.lastPassAt + (this.opts.wakeGapMs ?? 200) - Date.now());
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.dueAt = Date.now() + ms;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.running = this.loop().finally(() => {
        this.running = undefined;
        this.lastPassAt = Date.now();
        // A wake between the pass's end and here.
        if (this.wakeRequested) this.wake();
      });
    }, ms);
    this.timer.unref?.();
  }

  private async loop(): Promise<void> {
    let next = this.opts.listening?.() ? (this.opts.idlePollMs ?? 2_000) : this.pollMs;
    try {
      await this.sweepLostJobs();
      // Drain: a full batch means more is waiting.
      let moved: number;
      do {
        this.wakeRequested = false;
        moved = await this.relayOnce();
      } while (!this.stopped && moved === this.batchSize);
      this.consecutiveFailures = 0;
      // Woken during the pass: the commits that came meanwhile share the next one.
      if (this.wakeRequested) {
        this.wakeRequested = false;
        next = Math.min(next, this.opts.wakeGapMs ?? 200);
      }
    } catch (err) {
      this.stats.failures++;
      this.consecutiveFailures++;
      next = Math.min(this.maxBackoffMs, this.pollMs * 2 ** Math.min(this.consecutiveFailures, 10));
      // The first failure of a streak is worth a warning; the rest would flood the log.
      if (this.consecutiveFailures === 1) {
        this.opts.log.warn({ err: (err as Error).message }, 'outbox relay cannot publish; events stay in the outbox and will be retried');
      }
    }
    this.schedule(next);
  }

  /** Returns published-but-never-fanned-out rows to the relay (at most once per interval). */
  async sweepLostJobs(now = Date.now()): Promise<number> {
    if (now - this.lastSweep < Math.min(this.republishAfterMs, 60_000)) return 0;
    this.lastSweep = now;
    const { rowCount } = await this.opts.db.query(
      `UPDATE outbox SET published_at = NULL
       WHERE fanned_out_at IS NULL AND published_at IS NOT NULL
         AND published_at < now() - $1::int * interval '1 millisecond'`,
      [this.republishAfterMs],
    );
    const n = rowCount ?? 0;
    if (n > 0) this.opts.log.warn({ events: n }, 'republishing events whose queue jobs were lost');
    return n;
  }

  /** One batch: returns how many events were published. Throws when the queue is unreachable. */
  async relayOnce(): Promise<number> {
    const stamped = await sequenceJournal(this.opts.db, { wait: true });
    try {
      return await this.publishOnce();
    } finally {
      if (stamped > 0) this.opts.onJournalMoved?.();
    }
  }

  private async publishOnce(): Promise<number> {
    const published = await withTransaction(this.opts.db, async (tx) => {
      const { rows } = await tx.query<{ id: number; payload: DomainEvent; trace_parent: string | null }>(
        `SELECT id, payload, trace_parent FROM outbox WHERE published_at IS NULL AND position IS NOT NULL
         ORDER BY position LIMIT $1 FOR UPDATE SKIP LOCKED`,
        [this.batchSize],
      );
      if (rows.length === 0) return [];
      // Runs of consecutive events per job, in journal order. If a crash re-sends rows, the
      // fan-out's unique (subscription, event) key keeps the copy from adding deliveries.
      const jobs = [];
      for (let i = 0; i < rows.length; i += this.eventsPerJob) {
        const run = rows.slice(i, i + this.eventsPerJob);
        const events = run.map((r) => r.payload);
        const traced = run.filter((r) => r.trace_parent !== null);
        const traces = traced.length ? { traces: Object.fromEntries(traced.map((r) => [r.payload.id, r.trace_parent!])) } : {};
        jobs.push({ name: events.length === 1 ? events[0]!.type : 'events', data: { events, ...traces } });
      }
      await withTimeout(this.opts.events.addBulk(jobs), this.enqueueTimeoutMs);
      await tx.query('UPDATE outbox SET published_at = now() WHERE id = ANY($1::bigint[])', [rows.map((r) => r.id)]);
      return rows.map((r) => r.payload);
    });
    this.stats.published += published.length;
    // The live stream is best effort and comes after the commit, so it never sees an
    // event the queue does not have.
    const bus = this.opts.bus;
    if (bus?.publishMany) {
      await bus.publishMany(published).catch((err: Error) => this.opts.log.debug({ err: err.message }, 'event bus publish failed'));
    } else if (bus) {
      await Promise.all(
        published.map((event) =>
          bus.publish(event).catch((err: Error) => this.opts.log.debug({ err: err.message }, 'event bus publish failed')),
        ),
      );
    }
    return published.length;
  }
}
