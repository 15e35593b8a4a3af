// The retention job: creates partitions ahead, drops the ones past retention, trims the
// row tables. Every instance runs it on a timer; a session advisory lock lets one run at a
// time in the whole cluster (a crashed holder's lock goes with its connection). A run uses
// that one connection for all its work, so it never takes more than one from the pool, and
// the first run waits a minute after start-up, out of the way of the start-up's own work.
import type { Db, DbClient } from '../db/pool.js';
import type { Logger } from '../log.js';
import { createPartition, dropPartition, listPartitions } from './partitions.js';
import { cutoff, PARTITIONED, planPartitions, TRIMMED, type RetentionDays } from './rules.js';
import { trimTable } from './trim.js';

const LOCK_KEY = 7_324_040; // arbitrary, fixed: "cti-bridge retention"

export interface MaintenanceOptions {
  db: Db;
  days: RetentionDays;
  log: Logger;
  /** Partitions exist this many days ahead (default 7): inserts never wait for the job. */
  aheadDays?: number;
  /** Default one hour. */
  intervalMs?: number;
  /** Rows per delete statement, statements per table per run. */
  batch?: number;
  maxBatches?: number;
  now?: () => Date;
}

export interface MaintenanceRun {
  created: string[];
  dropped: string[];
  trimmed: Record<string, number>;
  failures: string[];
}

export class RetentionMaintenance {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;
  private stopped = true;

  constructor(private readonly o: MaintenanceOptions) {}

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.schedule(Math.min(this.o.intervalMs ?? 3_600_000, 60_000));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.runOnce()
        .catch((err: Error) => this.o.log.warn({ err: err.message }, 'retention run failed; retrying at the next interval'))
        .finally(() => this.schedule(this.o.intervalMs ?? 3_600_000));
    }, ms);
    this.timer.unref();
  }

  /** One run; undefined when another instance's run holds the lock. */
  async runOnce(): Promise<MaintenanceRun | undefined> {
    const { db } = this.o;
    const lock = await db.connect();
    try {
      const got = await lock.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1) AS ok', [LOCK_KEY]);
      if (!got.rows[0]?.ok) return undefined;
      try {
        return await this.work(lock);
      } finally {
        await lock.query('SELECT pg_advisory_unlock($1)', [LOCK_KEY]);
      }
    } finally {
      lock.release();
    }
  }

  private async work(db: DbClient): Promise<MaintenanceRun> {
    const { days, log } = this.o;
    const now = this.o.now?.() ?? new Date();
    const run: MaintenanceRun = { created: [], dropped: [], trimmed: {}, failures: [] };
    // One table's trouble (a lock not granted in time) never stops the others.
    const attempt = async (what: string, fn: () => Promise<void>) => {
      try {
        await fn();
      } catch (err) {
        run.failures.push(what);
        log.warn({ err: (err as Error).message, what }, 'retention step failed; retried at the next run');
      }
    };
    for (const t of PARTITIONED) {
      const plan = planPartitions(t.table, t.widthDays, await listPartitions(db, t.table), now, this.o.aheadDays ?? 7, cutoff(now, t.keep(days)));
      for (const p of plan.create) await attempt(`create ${p.name}`, async () => (await createPartition(db, t, p), void run.created.push(p.name)));
      for (const name of plan.drop) await attempt(`drop ${name}`, async () => (await dropPartition(db, t, name), void run.dropped.push(name)));
    }
    for (const t of TRIMMED) {
      const before = cutoff(now, days[t.kind]);
      if (!before) continue;
      await attempt(`trim ${t.table}`, async () => {
        const n = await trimTable(db, t, before, this.o.batch ?? 1_000, this.o.maxBatches ?? 100);
        run.trimmed[t.table] = (run.trimmed[t.table] ?? 0) + n;
      });
    }
    if (run.created.length || run.dropped.length || Object.values(run.trimmed).some((n) => n > 0)) {
      log.info({ created: run.created, dropped: run.dropped, trimmed: run.trimmed }, 'retention run');
    }
    return run;
  }
}
