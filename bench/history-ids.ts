// `npm run bench -- history-ids`: do time-ordered ids (UUIDv7) keep inserts fast where
// random ones (v4) slow down once a key's index outgrows memory? Two tables with the key
// index of the journal's event ids, each holding BENCH_IDS_ROWS (5,000,000: about 30 days
// of events at 20,000 calls a day × 17 events / 2) keys spread over a month, one of random
// keys and one of time-ordered ones; then rounds of BENCH_IDS_INSERTS single-row inserts
// from 64 callers over 20 connections (as the hang-up bench), alternating between the two.
// The same inserts into an empty table are each one's baseline.
// Then the WAL one statement of BENCH_IDS_WAL_ROWS (1,000) inserts writes into each full
// table, five times alternately: the measure that does not follow the machine's load.
import { randomUUID } from 'node:crypto';
import { uuidv7 } from '../src/ids.js';
import { createPool, type Db } from '../src/db/pool.js';
import { createTestDatabase } from '../test/helpers/db.js';
import { endAll } from './cdr-pipeline.js';
import type { BenchResult } from './types.js';

const ROWS = Number(process.env.BENCH_IDS_ROWS ?? 5_000_000);
const INSERTS = Number(process.env.BENCH_IDS_INSERTS ?? 20_000);
const WAL_ROWS = Number(process.env.BENCH_IDS_WAL_ROWS ?? 1_000);

// The same layout in SQL for the preload: the time in the first six bytes of a random
// UUID, and its version nibble turned from 4 (0100) to 7 (0111).
const V7_SQL = (at: string) =>
  `encode(set_bit(set_bit(overlay(uuid_send(gen_random_uuid()) PLACING substring(int8send((extract(epoch FROM ${at}) * 1000)::bigint) FROM 3) FROM 1 FOR 6), 52, 1), 53, 1), 'hex')::uuid`;

async function fill(db: Db, table: string, key: string, rows: number): Promise<void> {
  await db.query(`CREATE TABLE ${table} (id uuid PRIMARY KEY, type text NOT NULL, created_at timestamptz NOT NULL DEFAULT now())`);
  if (!rows) return;
  const at = `now() - interval '30 days' + g * (interval '30 days' / ${rows})`;
  await db.query(`INSERT INTO ${table} (id, type, created_at) SELECT ${key.replace('$AT', at)}, 'call.ended', ${at} FROM generate_series(1, ${rows}) g`);
  await db.query(`VACUUM ANALYZE ${table}`);
}

async function rate(db: Db, table: string, id: () => string): Promise<number> {
  const ids = Array.from({ length: INSERTS }, id);
  return endAll(ids, 64, (k) => db.query(`INSERT INTO ${table} (id, type) VALUES ($1, 'call.ended')`, [k]).then((r) => r.rowCount));
}

interface Wal { bytes: number; fpi: number }

/**
 * WAL written by one statement inserting BENCH_IDS_WAL_ROWS keys, from EXPLAIN's own
 * counters: those are this backend's alone, where pg_current_wal_lsn() on a shared server
 * also counts everyone else's writes.
 */
async function wal(db: Db, table: string, id: () => string): Promise<Wal> {
  const ids = Array.from({ length: WAL_ROWS }, id);
  const { rows } = await db.query<{ 'QUERY PLAN': Array<{ Plan: Record<string, number> }> }>(
    `EXPLAIN (ANALYZE, WAL, FORMAT JSON) INSERT INTO ${table} (id, type) SELECT unnest($1::uuid[]), 'call.ended'`, [ids],
  );
  const plan = rows[0]!['QUERY PLAN'][0]!.Plan;
  return { bytes: plan['WAL Bytes']! / WAL_ROWS, fpi: plan['WAL FPI']! / WAL_ROWS };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export async function run(): Promise<BenchResult[]> {
  const t = await createTestDatabase({ migrate: false });
  const db = createPool(t.url, 20);
  try {
    await fill(db, 'v4_empty', 'gen_random_uuid()', 0);
    await fill(db, 'v7_empty', V7_SQL('$AT'), 0);
    await fill(db, 'v4_full', 'gen_random_uuid()', ROWS);
    console.error(`${ROWS} random keys`);
    await fill(db, 'v7_full', V7_SQL('$AT'), ROWS);
    console.error(`${ROWS} time-ordered keys`);
    const { rows } = await db.query<{ v4: string; v7: string }>(
      `SELECT pg_size_pretty(pg_relation_size('v4_full_pkey')) AS v4, pg_size_pretty(pg_relation_size('v7_full_pkey')) AS v7`,
    );
    const best = { v4e: 0, v7e: 0, v4f: 0, v7f: 0 };
    for (let round = 0; round < 3; round++) {
      best.v4e = Math.max(best.v4e, await rate(db, 'v4_empty', randomUUID));
      best.v7e = Math.max(best.v7e, await rate(db, 'v7_empty', () => uuidv7()));
      best.v4f = Math.max(best.v4f, await rate(db, 'v4_full', randomUUID));
      best.v7f = Math.max(best.v7f, await rate(db, 'v7_full', () => uuidv7()));
    }
    const w = { v4: [] as Wal[], v7: [] as Wal[] };
    for (let round = 0; round < 5; round++) {
      w.v4.push(await wal(db, 'v4_full', randomUUID));
      w.v7.push(await wal(db, 'v7_full', () => uuidv7()));
    }
    const walOf = (xs: Wal[]) => ({ bytes: median(xs.map((x) => x.bytes)), fpi: median(xs.map((x) => x.fpi)) });
    const v4w = walOf(w.v4);
    const v7w = walOf(w.v7);
    console.error(`WAL per insert, full tables (median of 5): random ${v4w.bytes.toFixed(0)} B, ${v4w.fpi.toFixed(2)} full pages; ` +
      `time-ordered ${v7w.bytes.toFixed(0)} B, ${v7w.fpi.toFixed(2)} full pages; rounds v4 ${w.v4.map((x) => x.bytes.toFixed(0)).join('/')}, ` +
      `v7 ${w.v7.map((x) => x.bytes.toFixed(0)).join('/')}`);
    const index = `${ROWS.toLocaleString('en')} keys; index ${rows[0]!.v4} random, ${rows[0]!.v7} time-ordered`;
    return [
      { name: 'ids-v4-full', baseline: { label: 'random keys (v4), empty table', perSecond: best.v4e },
        subject: { label: `random keys (v4), ${index}`, perSecond: best.v4f }, ratio: best.v4f / best.v4e, target: 'measured', pass: true },
      { name: 'ids-v7-full', baseline: { label: 'time-ordered keys (v7), empty table', perSecond: best.v7e },
        subject: { label: `time-ordered keys (v7), ${index}`, perSecond: best.v7f }, ratio: best.v7f / best.v7e, target: 'measured', pass: true },
      { name: 'ids-v7-vs-v4-full', baseline: { label: 'random keys (v4), full table', perSecond: best.v4f },
        subject: { label: 'time-ordered keys (v7), full table', perSecond: best.v7f }, ratio: best.v7f / best.v4f,
        target: '> 110% would justify changing the ids', pass: best.v7f / best.v4f > 1.1 },
      { name: 'ids-v7-vs-v4-wal', baseline: { label: `WAL bytes per insert, random keys, full table (${v4w.fpi.toFixed(2)} full pages)`, perSecond: v4w.bytes, unit: 'B' },
        subject: { label: `WAL bytes per insert, time-ordered keys, full table (${v7w.fpi.toFixed(2)} full pages)`, perSecond: v7w.bytes, unit: 'B' },
        ratio: v7w.bytes / v4w.bytes, target: 'measured (lower is better)', pass: true },
    ];
  } finally {
    await db.end();
    await t.drop();
  }
}
