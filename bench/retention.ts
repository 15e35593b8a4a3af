// `npm run bench retention`: the database size per call stays flat once retention runs.
// Days of traffic with the row shapes the service writes per call (history-gen.ts) are
// written one simulated day at a time, each day followed by
// the retention job (every kind kept RETAIN days) and a plain VACUUM, as autovacuum would.
// Baseline: bytes per retained call once the first retention window is full; subject: the
// same after three windows. Also the journal's commit-to-readable latency (a writer
// commits, a reader pages until it has the event), alone and with a transaction left open
// in another database of the cluster: it must not wait for it.
import { createLogger } from '../src/log.js';
import { readJournal, journalHead } from '../src/events/journal.js';
import { withTransaction } from '../src/db/pool.js';
import { appendOutbox } from '../src/events/outbox.js';
import { RetentionMaintenance } from '../src/retention/maintenance.js';
import { DEFAULT_RETENTION_DAYS, type RetentionDays } from '../src/retention/rules.js';
import { createTestDatabase } from '../test/helpers/db.js';
import { DEFAULT_CENTRE, prepareHistory, writeRawDay } from './history-gen.js';
import type { BenchResult } from './types.js';

const DAY = 86_400_000;
const CALLS_PER_DAY = Number(process.env.BENCH_RETENTION_CALLS_PER_DAY ?? 2_000);
const RETAIN = 3;
const DAYS = RETAIN * 3;
const centre = { ...DEFAULT_CENTRE, callsPerDay: CALLS_PER_DAY };

async function size(db: import('../src/db/pool.js').Db): Promise<{ bytes: number; calls: number }> {
  const { rows } = await db.query<{ bytes: string; calls: string }>(
    `SELECT (SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class c WHERE c.relkind = 'r' AND c.relnamespace = 'public'::regnamespace) AS bytes,
            (SELECT count(*) FROM calls) AS calls`,
  );
  return { bytes: Number(rows[0]!.bytes), calls: Number(rows[0]!.calls) };
}

/** Commit to readable: a writer commits, a reader asks at once; how long until it has the event. */
async function journalLatency(db: import('../src/db/pool.js').Db): Promise<{ p50: number; p99: number }> {
  const samples: number[] = [];
  let cursor = await journalHead(db);
  for (let i = 0; i < 300; i++) {
    const e = await withTransaction(db, (tx) => appendOutbox(tx, { type: 'order.created', data: { i } }));
    const t0 = performance.now();
    for (;;) {
      const page = await readJournal(db, cursor, 100);
      cursor = page.next;
      if (page.entries.some((x) => x.event.id === e.id)) break;
    }
    samples.push(performance.now() - t0);
  }
  samples.sort((a, b) => a - b);
  return { p50: samples[Math.floor(samples.length / 2)]!, p99: samples[Math.floor(samples.length * 0.99)]! };
}

export async function run(): Promise<BenchResult[]> {
  const t = await createTestDatabase();
  try {
    const db = t.db;
    await prepareHistory(db);
    const days = Object.fromEntries(Object.keys(DEFAULT_RETENTION_DAYS).map((k) => [k, RETAIN])) as RetentionDays;
    const log = createLogger('silent');
    // The simulated days start tomorrow, past the partition that held the tables before partitioning.
    const first = new Date(Math.ceil(Date.now() / DAY) * DAY + DAY);
    const perCall: number[] = [];
    for (let d = 0; d < DAYS; d++) {
      const day = new Date(first.getTime() + d * DAY);
      const now = new Date(day.getTime() + DAY);
      // The job creates tomorrow's partitions before the day's rows arrive, as it does in service.
      await new RetentionMaintenance({ db, days, log, now: () => day, aheadDays: 2 }).runOnce();
      await writeRawDay(db, centre, day, d);
      await new RetentionMaintenance({ db, days, log, now: () => now, aheadDays: 2 }).runOnce();
      await db.query('VACUUM');
      const s = await size(db);
      perCall.push(s.bytes / CALLS_PER_DAY);
      console.error(`day ${d + 1}: ${(s.bytes / 2 ** 20).toFixed(1)} MiB, ${s.calls} calls kept, ${(s.bytes / CALLS_PER_DAY / 1024).toFixed(1)} KiB per call of a day`);
    }
    const full = perCall[RETAIN]!;
    const late = perCall[DAYS - 1]!;
    const quiet = await journalLatency(db);
    // The same with a transaction left open in another database of the cluster.
    const other = await createTestDatabase({ migrate: false });
    const long = await other.db.connect();
    let busy: { p50: number; p99: number };
    try {
      await long.query('BEGIN');
      await long.query('SELECT pg_current_xact_id()');
      busy = await journalLatency(db);
    } finally {
      await long.query('ROLLBACK').catch(() => undefined);
      long.release();
      await other.drop();
    }
    return [
      {
        name: 'retention-size',
        baseline: { label: `bytes per daily call, day ${RETAIN + 1}`, perSecond: full, unit: 'B' },
        subject: { label: `day ${DAYS}`, perSecond: late, unit: 'B' },
        ratio: late / full,
        target: '<= 110% (flat)',
        pass: late / full <= 1.1,
      },
      {
        name: 'journal-visible',
        baseline: { label: `commit to readable p50 (p99 ${quiet.p99.toFixed(1)} ms)`, perSecond: quiet.p50, unit: 'ms' },
        subject: { label: `same, another database's transaction open, p50 (p99 ${busy.p99.toFixed(1)} ms)`, perSecond: busy.p50, unit: 'ms' },
        ratio: busy.p50 / quiet.p50,
        target: '<= 150%: no wait for other transactions',
        pass: busy.p50 / quiet.p50 <= 1.5,
      },
    ];
  } finally {
    await t.drop();
  }
}
