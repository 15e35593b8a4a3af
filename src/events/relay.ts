// The outbox relay: moves committed events from Postgres onto the `events` queue (runs of
// consecutive events per job), then tells the live bus. It publishes in journal order, so
// what it has published is a prefix of the journal: one watermark row
// (outbox_relay_state.published_upto, migration 195) records how far, instead of an update
// of every event row. The watermark's row lock makes passes take turns across instances;
// if Redis is down the transaction rolls back, the watermark stays, and the relay backs
// off and tries again. Events whose jobs were lost with Redis's data are sent again.
// Each pass first runs the journal's sequencer (after one running elsewhere, if any)
// and then publishes in journal order, so the bus never announces an event the journal
// does not serve yet, and the journal keeps moving while Redis is away.
// A pass this instance can fan out itself (LocalFanOut, decision 83) is stamped, read and
// marked published in one round trip (decision 84) and fanned out after it, without the queue;
// while its fan-out is at its limit the events wait in the outbox (decision 95).
import type { Logger } from '../log.js';
import { withTransaction, type Db } from '../db/pool.js';
import type { EventBus } from './bus.js';
import type { LocalFanOut } from './local-fanout.js';
import { eventsJobs, type EventsQueue, type RelayRow } from './queues.js';
import { LostJobSweep } from './relay-sweep.js';
import { SEQUENCER_BATCH, sequenceJournal } from './sequencer.js';
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
  /**
   * The pipeline's own fan-out: a pass it can take now skips the `events` queue. Absent,
   * every pass goes through the queue.
   */
  local?: Pick<LocalFanOut, 'canTake' | 'start' | 'full'>;
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
  private readonly sweep: LostJobSweep;
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
    this.sweep = new LostJobSweep({
      db: opts.db,
      events: opts.events,
      graceMs: this.republishAfterMs,
      batchSize: this.batchSize,
      eventsPerJob: this.eventsPerJob,
      enqueueTimeoutMs: this.enqueueTimeoutMs,
    });
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

  /** Sends again the published events never fanned out (at most once per interval). */
  async sweepLostJobs(now = Date.now()): Promise<number> {
    if (now - this.lastSweep < Math.min(this.republishAfterMs, 60_000)) return 0;
    this.lastSweep = now;
    const n = await this.sweep.run(now);
    if (n > 0) this.opts.log.warn({ events: n }, 'republished events whose queue jobs were lost');
    return n;
  }

  /** One batch: returns how many events were published. Throws when the queue is unreachable. */
  async relayOnce(): Promise<number> {
    const local = this.opts.local?.canTake() ? this.opts.local : undefined;
    let stamped = 0;
    try {
      let rows: RelayRow[];
      if (!local && this.opts.local?.full()) {
        // The instance's own fan-out is at its limit: the journal moves on, the events stay
        // in the outbox until a run ends and wakes the relay, or another instance's relay
        // takes them (decision 95).
        stamped = await sequenceJournal(this.opts.db, { wait: true });
        rows = [];
      } else if (local) {
        ({ stamped, rows } = await this.passInOne());
      } else {
        stamped = await sequenceJournal(this.opts.db, { wait: true });
        rows = await this.publishQueued();
      }
      return await this.published(rows, local);
    } finally {
      if (stamped > 0) this.opts.onJournalMoved?.();
    }
  }

  private async published(rows: RelayRow[], local: RelayOptions['local']): Promise<number> {
    // After the commit: a pass that did not commit is fanned out by whoever publishes it.
    if (local && rows.length > 0) local.start(eventsJobs(rows, this.eventsPerJob));
    const published = rows.map((r) => r.payload);
    this.stats.published += published.length;
    // The live stream is best effort and comes after the commit, so it never sees an
    // event the fan-out does not have.
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

  /** The next events handed to the `events` queue; the watermark moves once BullMQ has them. */
  private publishQueued(): Promise<RelayRow[]> {
    return withTransaction(this.opts.db, async (tx) => {
      // The watermark's row lock: a relay that finds it taken leaves this pass to its holder
      // (NULL, so no rows). Then the next events after it, by the position index.
      const { rows } = await tx.query<RelayRow & { position: string }>({
        name: 'relay-next',
        text: `SELECT position, payload, trace_parent FROM outbox
          WHERE position > (SELECT published_upto FROM outbox_relay_state FOR UPDATE SKIP LOCKED)
          ORDER BY position LIMIT $1`,
        values: [this.batchSize],
      });
      if (rows.length === 0) return [];
      await withTimeout(this.opts.events.addBulk(eventsJobs(rows, this.eventsPerJob)), this.enqueueTimeoutMs);
      await tx.query({
        name: 'relay-advance',
        text: 'UPDATE outbox_relay_state SET published_upto = $1::bigint',
        values: [rows[rows.length - 1]!.position],
      });
      return rows;
    });
  }

  /**
   * The local fan-out's pass in one round trip (cti_relay_pass, migration 200): the
   * sequencer, then the next events read and the watermark moved past them, in one
   * transaction. The lock is the same as publishQueued's: a relay that finds the row
   * locked gets no events and writes no watermark.
   */
  private async passInOne(): Promise<{ stamped: number; rows: RelayRow[] }> {
    // The payloads as text, parsed here (what pg does for jsonb anyway): the fan-out sends
    // that very text and need not read it again per delivery (decision 95).
    const { rows } = await this.opts.db.query<{ stamped: number | null; body: string | null; trace: string | null }>({
      name: 'relay-pass-text',
      text: 'SELECT stamped, body::text AS body, trace FROM cti_relay_pass($1, $2) WITH ORDINALITY AS p ORDER BY p.ordinality',
      values: [SEQUENCER_BATCH, this.batchSize],
    });
    const events: RelayRow[] = new Array(Math.max(0, rows.length - 1));
    for (let i = 1; i < rows.length; i++) {
      const r = rows[i]!;
      events[i - 1] = { payload: JSON.parse(r.body!) as RelayRow['payload'], trace_parent: r.trace, body: r.body! };
    }
    return { stamped: rows[0]?.stamped ?? 0, rows: events };
  }
}
