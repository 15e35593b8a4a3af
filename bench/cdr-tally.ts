// What a CDR costs Postgres, counted rather than timed: hang-ups at the pipeline's rate
// through endCall, the relay and the CRM connector (as `cdr-pipeline`), then per CDR the
// statements the service sent by caller, the transactions committed, per table the rows
// written (inserts, updates, heap-only updates), the buffers read and the rows read by
// sequential and index scans, the stored JSON's size, and the WAL written by the server
// (on a shared server the WAL includes others' writes: run it on a quiet one, or alone).
// The counts do not depend on the machine's load, as CPU figures do.
//
// Run: BENCH_CALLS=10000 [BENCH_RATE=2200] [BENCH_TALLY=0: no statement counts] npx tsx bench/cdr-tally.ts
import { createPool } from '../src/db/pool.js';
import { startEventPipeline } from '../src/events/pipeline.js';
import { createLogger } from '../src/log.js';
import { endCall } from '../src/calls/repository.js';
import { createTestDatabase } from '../test/helpers/db.js';
import { TEST_REDIS_URL, uniquePrefix } from '../test/helpers/redis.js';
import { installTally, takeTally } from './call-tally.js';
import { createCalls } from './cdr-pipeline.js';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

const n = Number(process.env.BENCH_CALLS ?? 5_000);
const rate = Number(process.env.BENCH_RATE ?? 2_200);

interface TableStats { relname: string; ins: number; upd: number; hot: number; del: number; heap: number; idx: number; seq: number; fetched: number }

async function main(): Promise<void> {
  let received = 0;
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      received++;
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/crm`;
  const tdb = await createTestDatabase();
  console.error(`database ${new URL(tdb.url).pathname.slice(1)}`);
  const db = createPool(tdb.url, 20);
  const pipeline = await startEventPipeline({
    db,
    log: createLogger('silent'),
    config: { redisUrl: TEST_REDIS_URL, redisPrefix: uniquePrefix('bench-cdr-tally'), outbound: { allowHosts: ['127.0.0.1'] }, webhooks: { timeoutMs: 10_000, maxAttempts: 3, concurrency: 64 } },
    relay: { pollMs: 10, batchSize: 500 },
    connectors: [{ id: 'crm', url, events: ['cdr.created'], concurrency: 64, maxAttempts: 5, backoffBaseMs: 100 }],
  });
  const tables = async (): Promise<Map<string, TableStats>> => {
    // Buffers read (hit or not) in each table and its indexes, and rows fetched by index or
    // sequential scans: the work of reading, counted whatever the machine's load.
    const { rows } = await db.query<TableStats>(`SELECT t.relname, n_tup_ins::int AS ins, n_tup_upd::int AS upd, n_tup_hot_upd::int AS hot, n_tup_del::int AS del,
        (coalesce(heap_blks_hit, 0) + coalesce(heap_blks_read, 0))::int AS heap, (coalesce(idx_blks_hit, 0) + coalesce(idx_blks_read, 0))::int AS idx,
        coalesce(seq_tup_read, 0)::int AS seq, coalesce(idx_tup_fetch, 0)::int AS fetched
      FROM pg_stat_user_tables t JOIN pg_statio_user_tables s USING (relid)`);
    return new Map(rows.map((r) => [r.relname, r]));
  };
  const database = async () =>
    (await db.query<{ commits: string; wal: string }>(`SELECT xact_commit AS commits, pg_current_wal_lsn() - '0/0'::pg_lsn AS wal FROM pg_stat_database WHERE datname = current_database()`)).rows[0]!;
  try {
    const warm = await createCalls(db, 300);
    await Promise.all(warm.map((id) => endCall(db, id, { cause: 16, reason: 'completed' })));
    while (received < 300) await new Promise((r) => setTimeout(r, 10));
    const ids = await createCalls(db, n);
    // Statistics reach the views when a backend reports them: wait for them to settle.
    await new Promise((r) => setTimeout(r, 1_500));
    if (process.env.BENCH_TALLY !== '0') installTally();
    takeTally();
    const t0 = await tables();
    const d0 = await database();
    console.error('hanging up');
    const started = performance.now();
    const pending: Promise<unknown>[] = [];
    let i = 0;
    while (i < ids.length) {
      const due = Math.min(ids.length, Math.floor(((performance.now() - started) * rate) / 1000) + 1);
      while (i < due) pending.push(endCall(db, ids[i++]!, { cause: 16, reason: 'completed' }));
      if (i < ids.length) await new Promise((r) => setTimeout(r, 1));
    }
    await Promise.all(pending);
    while (received < 300 + n) await new Promise((r) => setTimeout(r, 10));
    await new Promise((r) => setTimeout(r, 1_500));
    const tally = takeTally();
    const d1 = await database();
    const t1 = await tables();
    const per = (x: number) => (x / n).toFixed(3);
    console.log(`calls ${n} at ${rate}/s; per CDR: statements ${per(tally.totals.postgres)}, Redis commands ${per(tally.totals.redis)}, commits ${per(Number(d1.commits) - Number(d0.commits))}, WAL bytes ${per(Number(d1.wal) - Number(d0.wal))} (server-wide)`);
    console.log('\nper CDR by table: rows inserted, updated, of them heap-only, deleted; indexes; heap and index buffers read; rows read by scans:');
    const { rows: idx } = await db.query<{ relname: string; n: number }>(`SELECT c.relname, count(i.indexrelid)::int AS n FROM pg_class c LEFT JOIN pg_index i ON i.indrelid = c.oid WHERE c.relkind IN ('r', 'p') GROUP BY c.relname`);
    const indexes = new Map(idx.map((r) => [r.relname, r.n]));
    const total = { heap: 0, idx: 0 };
    for (const [name, b] of t1) {
      const a = t0.get(name) ?? { ins: 0, upd: 0, hot: 0, del: 0, heap: 0, idx: 0, seq: 0, fetched: 0 };
      const d = { ins: b.ins - a.ins, upd: b.upd - a.upd, hot: b.hot - a.hot, del: b.del - a.del, heap: b.heap - a.heap, idx: b.idx - a.idx, seq: b.seq - a.seq, fetched: b.fetched - a.fetched };
      if (d.ins + d.upd + d.del + d.heap + d.idx === 0) continue;
      total.heap += d.heap;
      total.idx += d.idx;
      console.log(`  ${name.padEnd(28)} ${per(d.ins)} ${per(d.upd)} ${per(d.hot)} ${per(d.del)}; ${indexes.get(name) ?? '?'} indexes; buffers ${per(d.heap)} + ${per(d.idx)}; rows read by sequential scans ${per(d.seq)}, by index ${per(d.fetched)}`);
    }
    console.log(`  buffers read per CDR, all tables: heap ${per(total.heap)}, indexes ${per(total.idx)}`);
    const { rows: sizes } = await db.query<{ what: string; bytes: number }>(
      `SELECT 'outbox ' || type AS what, avg(pg_column_size(payload))::int AS bytes FROM outbox GROUP BY type
       UNION ALL SELECT 'cdrs detail', avg(pg_column_size(detail))::int FROM cdrs`);
    console.log(`  stored jsonb bytes: ${sizes.map((r) => `${r.what} ${r.bytes}`).join(', ')}`);
    console.log('\nstatements and commands per CDR by caller:');
    for (const [site, count] of tally.sites) if (count / n >= 0.001) console.log(`  ${per(count)}  ${site}`);
  } finally {
    await pipeline.stop();
    await db.end();
    await tdb.drop();
    server.close();
  }
}

await main();
process.exit(0);
