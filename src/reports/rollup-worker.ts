// Keeps the KPI rollups up to date behind the journal. Each batch is one transaction that
// locks the stored position (FOR UPDATE SKIP LOCKED: an instance finding it locked knows a
// peer is folding and leaves it), folds the events after it and moves it on, so a batch is
// applied exactly once whichever instance runs it and whenever one dies half-way. Batches
// are small and the loop yields between them: the fold never holds the event loop.
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { withTransaction, type Db } from '../db/pool.js';
import type { EventType } from '../events/catalogue.js';
import { journalHead, readJournal } from '../events/journal.js';
import type { Logger } from '../log.js';
import { KPI_EVENT_TYPES } from './journal.js';
import { ensureDayZone } from './rollup-day.js';
import type { JournalEvent } from './kpi.js';
import { foldEvents, RollupDeltas } from './rollup-fold.js';
import { addDeltas, loadMemory, pruneMemory, storeMemory } from './rollup-store.js';

const TYPES = new Set(KPI_EVENT_TYPES as EventType[]);

export interface RollupWorkerOptions {
  db: Db;
  log?: Logger;
  /** Events per transaction. */
  batch?: number;
  /** How often to look for new events when nothing wakes the worker (default 1 s). */
  intervalMs?: number;
  /**
   * A pass a wake starts begins at least this long after the last one ended (default 1 s):
   * a busy journal is folded about once a second, as the poll did, and a quiet one not at all.
   */
  wakeGapMs?: number;
  /** Zones whose local days get a day tier (registered at start). */
  dayZones?: string[];
}

export class RollupWorker {
  private timer?: NodeJS.Timeout;
  private dueAt = 0;
  private lastEnd = 0;
  private stepping = false;
  private wakeRequested = false;
  private zonesRegistered = false;
  private running?: Promise<void>;
  private stopped = true;
  private batches = 0;

  constructor(private readonly opts: RollupWorkerOptions) {}

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.schedule(0);
  }

  /** Events were added to the journal (the relay stamped them): fold them soon. */
  wake(): void {
    if (this.stopped) return;
    if (this.stepping) {
      this.wakeRequested = true;
      return;
    }
    const delay = Math.max(0, this.lastEnd + (this.opts.wakeGapMs ?? 1_000) - Date.now());
    if (this.timer && this.dueAt <= Date.now() + delay) return;
    this.schedule(delay);
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    clearTimeout(this.timer);
    this.dueAt = Date.now() + ms;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.stepping = true;
      this.wakeRequested = false;
      void this.pass()
        .catch((err) => this.opts.log?.warn({ err }, 'KPI rollup batch failed; retrying'))
        .finally(() => {
          this.stepping = false;
          this.lastEnd = Date.now();
          this.schedule(this.opts.intervalMs ?? 1_000);
          if (this.wakeRequested) this.wake();
        });
    }, ms);
  }

  private async pass(): Promise<void> {
    if (!this.zonesRegistered) await this.registerZones();
    this.zonesRegistered = true;
    await this.catchUp();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running?.catch(() => {});
  }

  private async registerZones(): Promise<void> {
    for (const zone of new Set(this.opts.dayZones ?? [])) {
      if (await ensureDayZone(this.opts.db, zone)) this.opts.log?.info({ zone }, 'KPI day rollups filled for a new zone');
    }
  }

  /** The journal position folded so far. */
  async position(): Promise<number> {
    const { rows } = await this.opts.db.query('SELECT sequence FROM kpi_rollup_position');
    return Number(rows[0]?.sequence ?? 0);
  }

  /**
   * Folds until nothing readable is left and, given `until` (a journal sequence, e.g.
   * journalTail() when a report was asked for), until everything up to it is readable
   * and folded. Gives up at `deadline` (epoch ms) and says whether it got there; a peer
   * folding at the same time is waited for.
   */
  async catchUp(opts: { until?: number; deadline?: number } = {}): Promise<boolean> {
    const batch = this.opts.batch ?? 500;
    const deadline = opts.deadline ?? Infinity;
    for (;;) {
      // Read before the batch: if it covered `until`, the batch saw everything up to it.
      const readable = opts.until === undefined ? 0 : await journalHead(this.opts.db);
      const folded = await this.step();
      if (folded !== 'busy' && folded < batch && (opts.until === undefined || readable >= opts.until)) return true;
      if (Date.now() > deadline) return false;
      // A peer holding the position, or transactions older than `until` still open
      // somewhere in the cluster (the journal's horizon), finish soon.
      if (folded === 'busy' || folded < batch) await new Promise((r) => setTimeout(r, 20));
      else await yieldToLoop();
    }
  }

  /** One batch: how many events it folded, or 'busy' when a peer holds the position. */
  step(): Promise<number | 'busy'> {
    const run = withTransaction(this.opts.db, async (tx) => {
      const { rows } = await tx.query('SELECT sequence FROM kpi_rollup_position FOR UPDATE SKIP LOCKED');
      if (!rows.length) return 'busy' as const;
      const page = await readJournal(tx, Number(rows[0].sequence), this.opts.batch ?? 500, TYPES);
      if (!page.entries.length) return 0;
      const events = page.entries.map((e) => e.event as unknown as JournalEvent);
      const memory = await loadMemory(tx, events);
      const deltas = new RollupDeltas();
      foldEvents(events, memory, deltas);
      await addDeltas(tx, deltas.rows.values());
      await storeMemory(tx, memory);
      if (++this.batches % 100 === 0) await pruneMemory(tx, newestOf(events));
      await tx.query('UPDATE kpi_rollup_position SET sequence = $1, updated_at = now()', [page.next]);
      return page.entries.length;
    });
    this.running = run.then(() => {}, () => {});
    return run;
  }
}

function newestOf(events: JournalEvent[]): number {
  let newest = 0;
  for (const e of events) newest = Math.max(newest, Date.parse(e.occurredAt) || 0);
  return newest;
}
