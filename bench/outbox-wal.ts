// What an event costs Postgres on its way through the outbox, in counts that do not depend
// on the machine's load: WAL bytes and row versions (and how many were heap-only)
// per event, for each step (insert, sequencer and relay, fan-out marking).
// WAL is read as the server's insert position, so run it against a server of its own
// (initdb into a temporary directory, its own port): any other client's writes would count.
//
// Run: TEST_DATABASE_URL=postgres://postgres@127.0.0.1:55xx/postgres npx tsx bench/outbox-wal.ts
// (BENCH_EVENTS events, default 4,000, in transactions of BENCH_EVENTS_PER_TX, default 14).
import { withTransaction } from '../src/db/pool.js';
import type { DomainEvent } from '../src/events/catalogue.js';
import { appendOutboxMany, domainEvent } from '../src/events/outbox.js';
import { OutboxRelay } from '../src/events/relay.js';
import { fanOutWork } from '../src/events/webhook-store.js';
import { createLogger } from '../src/log.js';
import { eventData } from '../test/helpers/events.js';
import { createTestDatabase } from '../test/helpers/db.js';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 4_000);
const PER_TX = Number(process.env.BENCH_EVENTS_PER_TX ?? 14);

const tdb = await createTestDatabase();
const db = tdb.db;
const query = db.query.bind(db);

async function lsn(): Promise<bigint> {
  const { rows } = await query<{ b: string }>("SELECT (pg_current_wal_insert_lsn() - '0/0')::text AS b");
  return BigInt(rows[0]!.b);
}

async function rowVersions(): Promise<{ ins: number; upd: number; hot: number }> {
  await query('SELECT pg_stat_force_next_flush()');
  const { rows } = await query<{ ins: string; upd: string; hot: string }>(
    `SELECT sum(n_tup_ins)::text AS ins, sum(n_tup_upd)::text AS upd, sum(n_tup_hot_upd)::text AS hot
     FROM pg_stat_all_tables WHERE relname LIKE 'outbox%'`,
  );
  return { ins: Number(rows[0]!.ins ?? 0), upd: Number(rows[0]!.upd ?? 0), hot: Number(rows[0]!.hot ?? 0) };
}

const published: DomainEvent[][] = [];
const relay = new OutboxRelay({
  db,
  log: createLogger('silent'),
  events: {
    addBulk: async (jobs: Array<{ data: { events: DomainEvent[] } }>) => {
      for (const j of jobs) published.push(j.data.events);
      return [] as never;
    },
  } as never,
});

interface Step {
  step: string;
  walBytesPerEvent: number;
  rowVersionsPerEvent: number;
  heapOnlyPerEvent: number;
}
const steps: Step[] = [];
async function measure(step: string, work: () => Promise<void>): Promise<void> {
  const [w0, r0] = [await lsn(), await rowVersions()];
  await work();
  const [w1, r1] = [await lsn(), await rowVersions()];
  steps.push({
    step,
    walBytesPerEvent: Math.round(Number(w1 - w0) / EVENTS),
    rowVersionsPerEvent: +((r1.ins + r1.upd - r0.ins - r0.upd) / EVENTS).toFixed(2),
    heapOnlyPerEvent: +((r1.hot - r0.hot) / EVENTS).toFixed(2),
  });
}

// Once, before all steps: a page's first change after a checkpoint logs the whole page,
// and an event's steps usually fall within one checkpoint interval.
await query('CHECKPOINT');
await measure('insert (the callers\' transactions)', async () => {
  for (let i = 0; i < EVENTS; i += PER_TX) {
    const events = Array.from({ length: Math.min(PER_TX, EVENTS - i) }, (_, k) =>
      domainEvent({ type: 'call.ended', callId: crypto.randomUUID(), data: eventData('call.ended', { n: i + k }) }),
    );
    await withTransaction(db, (tx) => appendOutboxMany(tx, events));
  }
});
await measure('sequencer + relay', async () => {
  while ((await relay.relayOnce()) > 0) {
    /* drain */
  }
});
await measure('fan-out marking (no subscriptions)', async () => {
  for (const run of published) await fanOutWork(db, run);
});

const total = steps.reduce(
  (t, s) => ({
    walBytesPerEvent: t.walBytesPerEvent + s.walBytesPerEvent,
    rowVersionsPerEvent: +(t.rowVersionsPerEvent + s.rowVersionsPerEvent).toFixed(2),
    heapOnlyPerEvent: +(t.heapOnlyPerEvent + s.heapOnlyPerEvent).toFixed(2),
  }),
  { walBytesPerEvent: 0, rowVersionsPerEvent: 0, heapOnlyPerEvent: 0 },
);
// What the journal keeps on disk per event, once vacuum has reclaimed the old versions.
await query('VACUUM outbox');
const { rows: heap } = await query<{ b: string }>(
  "SELECT sum(pg_relation_size(inhrelid))::text AS b FROM pg_inherits WHERE inhparent = 'outbox'::regclass",
);
const heapBytesPerEvent = Math.round(Number(heap[0]!.b) / EVENTS);
console.log(JSON.stringify({ events: EVENTS, perTransaction: PER_TX, steps, total, heapBytesPerEvent }, null, 2));
await tdb.drop();
