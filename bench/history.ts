// `npm run bench -- history`: a year of history at the cost of a day. A centre of
// BENCH_HISTORY_AGENTS (300) agents, BENCH_HISTORY_QUEUES (10) queues and
// BENCH_HISTORY_CALLS_PER_DAY (20,000) calls a day, generated in its own database
// (history-gen.ts): the raw tables for BENCH_HISTORY_RAW_DAYS (7; the retention window is
// 90, set it to measure that) and a year of KPI rollups, which is what a year-old centre
// holds with retention on. Measured, each as a ratio in the same run:
// - the queue report by day and the agent report by month over a day, a month and a
//   year (wall time, service CPU, heap growth), as the API computes and sends them; the
//   longer ranges answer more rows, so they are compared with the day per answer row;
// - /healthz p99, asked every 10 ms by another process, while year reports run back to
//   back on this event loop and on the report thread, against the same with nothing
//   running, in windows alternated round by round;
// - hang-ups per second through endCall on an empty database and on the full one, in
//   rounds alternated between the two (today's rows in today's partitions on both), with
//   the WAL records, full-page images and bytes each round wrote.
// BENCH_HISTORY_KEEP=1 keeps the generated database and prints its URL;
// BENCH_HISTORY_FULL_URL=<url> measures that one again instead of generating.
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { AddressInfo } from 'node:net';
import { endCall } from '../src/calls/repository.js';
import { migrate } from '../src/db/migrate.js';
import { createPool, type Db } from '../src/db/pool.js';
import { jsonBody } from '../src/reports/chunked.js';
import { ReportThread } from '../src/reports/report-thread.js';
import { reportRows, agentKpi, queueKpi, type RollupQuery } from '../src/reports/rollup-query.js';
import { createPartition, listPartitions } from '../src/retention/partitions.js';
import { PARTITIONED, planPartitions } from '../src/retention/rules.js';
import { createTestDatabase } from '../test/helpers/db.js';
import { cpuNow, createCalls, endAll } from './cdr-pipeline.js';
import { DEFAULT_CENTRE, generateHistory, type Centre } from './history-gen.js';
import type { BenchResult } from './types.js';

const DAY = 86_400_000;
const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const centre: Centre = {
  agents: env('BENCH_HISTORY_AGENTS', DEFAULT_CENTRE.agents),
  queues: env('BENCH_HISTORY_QUEUES', DEFAULT_CENTRE.queues),
  callsPerDay: env('BENCH_HISTORY_CALLS_PER_DAY', DEFAULT_CENTRE.callsPerDay),
};
const RAW_DAYS = env('BENCH_HISTORY_RAW_DAYS', 7);
const ROLLUP_DAYS = 365;
const HANGUPS = env('BENCH_HANGUPS', 3_000);

interface Hangups {
  /** Best of the rounds. */
  rate: number;
  /** Postgres CPU per call (µs), median of the rounds: steadier than rates on a shared machine. */
  postgresUs: number;
  /** WAL per call over all rounds: records, full-page images, bytes. */
  wal: Wal;
}

interface Wal {
  records: number;
  fpi: number;
  bytes: number;
}

/**
 * The server's WAL counters (pg_stat_wal): server-wide, so a round's difference is its
 * own only on a server nothing else writes to (another database's work counts too).
 * A backend hands its counts over when idle, at most once a second and up to 10 s
 * late; each of the pool's connections is told to hand them over first.
 */
async function walNow(db: Db, connections = 20): Promise<Wal> {
  const clients = await Promise.all(Array.from({ length: connections }, () => db.connect()));
  try {
    await Promise.all(clients.map((c) => c.query('SELECT pg_stat_force_next_flush()')));
  } finally {
    for (const c of clients) c.release();
  }
  await new Promise((r) => setTimeout(r, 100));
  const { rows } = await db.query<{ records: string; fpi: string; bytes: string }>('SELECT wal_records AS records, wal_fpi AS fpi, wal_bytes AS bytes FROM pg_stat_wal');
  const r = rows[0]!;
  return { records: Number(r.records), fpi: Number(r.fpi), bytes: Number(r.bytes) };
}

/**
 * Hang-ups per second through endCall, 64 at a time, on the empty and the full database,
 * round by round alternately (the same machine load, checkpoints and autovacuum for both):
 * measured one before the other, the ratio followed the machine, not the database.
 */
async function hangupsAlternately(dbs: { empty: Db; full: Db }, rounds = 3): Promise<{ empty: Hangups; full: Hangups }> {
  const end = (db: Db) => (id: string) => endCall(db, id, { cause: 16, reason: 'completed' });
  type Round = { rate: number; us: number; wal: Wal };
  const runs = { empty: [] as Round[], full: [] as Round[] };
  for (const which of ['empty', 'full'] as const) await endAll(await createCalls(dbs[which], 300), 64, end(dbs[which]));
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 ? (['full', 'empty'] as const) : (['empty', 'full'] as const);
    for (const which of order) {
      const db = dbs[which];
      const ids = await createCalls(db, HANGUPS);
      const wal0 = await walNow(db);
      const before = await cpuNow(db);
      const rate = await endAll(ids, 64, end(db));
      const after = await cpuNow(db);
      const wal1 = await walNow(db);
      const wal = { records: wal1.records - wal0.records, fpi: wal1.fpi - wal0.fpi, bytes: wal1.bytes - wal0.bytes };
      runs[which].push({ rate, us: ((after.postgres - before.postgres) * 1e6) / HANGUPS, wal });
    }
  }
  const perCall = (r: Round[], k: keyof Wal) => r.reduce((n, x) => n + x.wal[k], 0) / (r.length * HANGUPS);
  const sum = (r: Round[]): Hangups => ({
    rate: Math.max(...r.map((x) => x.rate)),
    postgresUs: r.map((x) => x.us).sort((a, b) => a - b)[Math.floor(r.length / 2)]!,
    wal: { records: perCall(r, 'records'), fpi: perCall(r, 'fpi'), bytes: perCall(r, 'bytes') },
  });
  return { empty: sum(runs.empty), full: sum(runs.full) };
}

interface ReportCost {
  ms: number;
  cpuMs: number;
  heapMb: number;
  rows: number;
  bytes: number;
}

/**
 * One queue report by day and one agent report by month over [to - days, to), as the
 * routes compute and send them; the body is counted as it leaves, not kept.
 */
async function report(db: Db, to: Date, days: number): Promise<ReportCost> {
  const base = { from: new Date(to.getTime() - days * DAY), to, timeZone: 'UTC', serviceLevelSeconds: 20, fcrHours: 24, dissatisfiedAtOrBelow: 2 };
  const heap0 = process.memoryUsage().heapUsed;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const q: RollupQuery = { ...base, granularity: 'day' };
  const a: RollupQuery = { ...base, granularity: 'month' };
  const queues = await reportRows(db, 'q', q);
  const agents = await reportRows(db, 'a', a);
  const heapMb = (process.memoryUsage().heapUsed - heap0) / 2 ** 20;
  let bytes = 0;
  for await (const piece of jsonBody({}, queues, queueKpi)) bytes += piece.length;
  for await (const piece of jsonBody({}, agents, agentKpi)) bytes += piece.length;
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  if (!bytes) throw new Error('empty report');
  return { ms, cpuMs: (cpu.user + cpu.system) / 1000, heapMb: Math.max(0, heapMb), rows: queues.length + agents.length, bytes };
}

/** The median cost of `n` runs (a shared machine: single runs vary). */
async function medianReport(db: Db, to: Date, days: number, n = 7): Promise<ReportCost> {
  const runs: ReportCost[] = [];
  for (let i = 0; i < n; i++) runs.push(await report(db, to, days));
  const mid = <K extends keyof ReportCost>(k: K) => runs.map((r) => r[k]).sort((x, y) => x - y)[Math.floor(n / 2)]!;
  return { ms: mid('ms'), cpuMs: mid('cpuMs'), heapMb: mid('heapMb'), rows: runs[0]!.rows, bytes: runs[0]!.bytes };
}

const PROBE = `
const http = require('node:http');
const url = process.argv[1]; const until = Date.now() + Number(process.argv[2]); const samples = [];
const next = () => {
  if (Date.now() >= until) { process.stdout.write(JSON.stringify(samples)); return; }
  const t0 = performance.now();
  http.get(url, (res) => { res.resume(); res.on('end', () => { samples.push(performance.now() - t0); setTimeout(next, 10); }); })
    .on('error', () => { samples.push(1e9); setTimeout(next, 10); });
};
next();`;

interface Probe {
  /** /healthz round trips seen by the other process (ms). */
  samples: number[];
  /** This process's event-loop delay (ms). */
  loopP99: number;
  loopMax: number;
}

/**
 * /healthz round trips seen by another process for `ms`, while `load` runs on this one;
 * with this process's event-loop delay (p99 and max, ms): a loop held by the report shows
 * in both, a machine short of CPU mostly in the first.
 */
async function healthzProbe(ms: number, load?: (until: number) => Promise<void>): Promise<Probe> {
  const loop = monitorEventLoopDelay({ resolution: 5 });
  loop.enable();
  const server = createServer((_req, res) => res.end('{"status":"ok"}'));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/healthz`;
  try {
    const probe = spawn(process.execPath, ['-e', PROBE, url, String(ms)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    probe.stdout.on('data', (b) => (out += b));
    const done = new Promise<void>((r) => probe.once('exit', () => r()));
    if (load) await load(Date.now() + ms);
    await done;
    return { samples: JSON.parse(out) as number[], loopP99: loop.percentile(99) / 1e6, loopMax: loop.max / 1e6 };
  } finally {
    loop.disable();
    server.close();
  }
}

interface Healthz {
  p99: number;
  loopP99: number;
  loopMax: number;
}

/** The probes of one kind of window together: p99 over all their samples, the worst loop figures. */
function pooled(probes: Probe[]): Healthz {
  const all = probes.flatMap((p) => p.samples).sort((a, b) => a - b);
  return { p99: all[Math.floor(all.length * 0.99)]!, loopP99: Math.max(...probes.map((p) => p.loopP99)), loopMax: Math.max(...probes.map((p) => p.loopMax)) };
}

/**
 * /healthz while nothing runs, while year reports run back to back on this event loop
 * (the routes without a report thread), and while they run on the report thread: windows
 * alternated round by round so that the machine's load weighs on all three alike.
 */
async function healthzAlternately(db: Db, thread: ReportThread, end: Date, rounds = 3): Promise<Record<'idle' | 'loop' | 'thread', Healthz>> {
  const windows = { idle: [] as Probe[], loop: [] as Probe[], thread: [] as Probe[] };
  const backToBack = (one: () => Promise<unknown>) => async (until: number) => {
    while (Date.now() < until) await one();
  };
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 ? (['thread', 'loop', 'idle'] as const) : (['idle', 'loop', 'thread'] as const);
    for (const w of order) {
      const load = w === 'idle' ? undefined : backToBack(() => (w === 'loop' ? report(db, end, 365) : reportOnThread(thread, end, 365)));
      windows[w].push(await healthzProbe(w === 'idle' ? 4_000 : 6_000, load));
    }
  }
  return { idle: pooled(windows.idle), loop: pooled(windows.loop), thread: pooled(windows.thread) };
}

/** The same two reports answered by the report thread, the body counted as it arrives. */
async function reportOnThread(thread: ReportThread, to: Date, days: number): Promise<number> {
  const base = { from: new Date(to.getTime() - days * DAY), to, timeZone: 'UTC', serviceLevelSeconds: 20, fcrHours: 24, dissatisfiedAtOrBelow: 2 };
  let bytes = 0;
  for (const [kind, granularity] of [['q', 'day'], ['a', 'month']] as const) {
    const body = await thread.answer({ kind, query: { ...base, granularity }, format: { json: {} } });
    for await (const piece of body) bytes += (piece as Uint8Array).length;
  }
  if (!bytes) throw new Error('empty report');
  return bytes;
}

/** A full database given by URL (BENCH_HISTORY_FULL_URL, kept from an earlier run) or generated now. */
async function fullDatabase(end: Date): Promise<{ url: string; drop: () => Promise<void>; size: string }> {
  const given = process.env.BENCH_HISTORY_FULL_URL;
  const t = given ? undefined : await createTestDatabase();
  const url = given ?? t!.url;
  const db = createPool(url, 4);
  try {
    const t0 = performance.now();
    // A kept database is brought up to the code's migrations, as an upgraded site would be.
    if (!t) await migrate(db);
    if (t) {
      await generateHistory(db, centre, {
        rawFrom: new Date(end.getTime() - RAW_DAYS * DAY),
        rawDays: RAW_DAYS,
        rollupDays: ROLLUP_DAYS,
        zones: ['UTC'],
        log: (m) => console.error(m),
      });
    }
    const { rows } = await db.query<{ bytes: string; q: string; d: string; calls: string }>(
      `SELECT pg_database_size(current_database()) AS bytes, (SELECT count(*) FROM kpi_rollups) AS q, (SELECT count(*) FROM kpi_rollups_day) AS d,
              (SELECT count(*) FROM cdrs) AS calls`,
    );
    const r = rows[0]!;
    const made = t ? `generated in ${Math.round((performance.now() - t0) / 1000)} s` : 'given';
    const size = `${(Number(r.bytes) / 2 ** 30).toFixed(2)} GiB, ${r.calls} CDRs + 365 days of rollups (${r.q} quarter-hour, ${r.d} day rows), ${made}`;
    console.error(size);
    // BENCH_HISTORY_KEEP=1 keeps a generated database for the next run (dropped by hand).
    const keep = !t || process.env.BENCH_HISTORY_KEEP === '1';
    if (t && keep) console.error(`kept: BENCH_HISTORY_FULL_URL=${url}`);
    return { url, size, drop: () => (keep ? Promise.resolve() : t!.drop()) };
  } finally {
    await db.end();
  }
}

/**
 * Today's rows in partitions of their own, as on a site past the day it migrated to
 * partitions: a test database is migrated today, so the partition that migration leaves
 * (everything up to tomorrow) would also take the hang-ups' journal and timeline rows,
 * next to the generated history and under that partition's extra indexes. Its bound is
 * moved to today (rows a kept database got from an earlier run's hang-ups go) and the
 * retention job's partitions are created from today on.
 */
async function todayOnItsOwnPartitions(db: Db, today: Date): Promise<void> {
  const c = await db.connect();
  try {
    for (const t of PARTITIONED) {
      const legacy = (await listPartitions(c, t.table)).find((p) => p.name === `${t.table}_legacy`);
      if (legacy?.to && legacy.to > today) {
        await c.query('BEGIN');
        await c.query(`ALTER TABLE ${t.table} DETACH PARTITION ${t.table}_legacy`);
        await c.query(`DELETE FROM ${t.table}_legacy WHERE ${t.key} >= $1`, [today]);
        await c.query(`ALTER TABLE ${t.table} ATTACH PARTITION ${t.table}_legacy FOR VALUES FROM (MINVALUE) TO ('${today.toISOString()}')`);
        await c.query('COMMIT');
      }
      const plan = planPartitions(t.table, t.widthDays, await listPartitions(c, t.table), today, 2, undefined);
      for (const p of plan.create) await createPartition(c, t, p);
    }
  } finally {
    c.release();
  }
}

export async function run(): Promise<BenchResult[]> {
  // The raw days end today (UTC midnight); the year of rollups ends with them.
  const end = new Date(Math.floor(Date.now() / DAY) * DAY);
  const empty = await createTestDatabase();
  const full = await fullDatabase(end);
  const emptyDb = createPool(empty.url, 20);
  const fullDb = createPool(full.url, 20);
  const thread = new ReportThread({ url: full.url });
  try {
    const size = full.size;
    for (const db of [emptyDb, fullDb]) await todayOnItsOwnPartitions(db, end);
    const { empty: emptyHangups, full: fullHangups } = await hangupsAlternately({ empty: emptyDb, full: fullDb });

    const day = await medianReport(fullDb, end, 1);
    const month = await medianReport(fullDb, end, 30);
    const year = await medianReport(fullDb, end, 365);
    // The thread starts (and compiles its modules) on its first answer: not in a window.
    await reportOnThread(thread, end, 1);
    const healthz = await healthzAlternately(fullDb, thread, end);

    const cost = (c: ReportCost) =>
      `${c.ms.toFixed(1)} ms, CPU ${c.cpuMs.toFixed(1)} ms, heap +${c.heapMb.toFixed(1)} MiB, ${c.rows} rows, ${(c.bytes / 1024).toFixed(0)} KiB`;
    // A longer range answers more rows (a year by day is 365 per queue): its cost is compared
    // with the day's per answer row, time and memory; the marginal cost per added row says
    // what a row costs once the request's fixed costs are paid.
    const perRow = (c: ReportCost) => c.ms / c.rows;
    const within2x = (c: ReportCost) => perRow(c) <= 2 * perRow(day) && c.heapMb / c.rows <= Math.max(2 * (day.heapMb / day.rows), 8 / c.rows);
    const marginal = (c: ReportCost) => {
      const n = c.rows - day.rows;
      return `per added row ${(((c.ms - day.ms) * 1000) / n).toFixed(0)} µs, CPU ${(((c.cpuMs - day.cpuMs) * 1000) / n).toFixed(0)} µs, heap ${(((c.heapMb - day.heapMb) * 2 ** 20) / n).toFixed(0)} B`;
    };
    const rowsCase = (name: string, label: string, c: ReportCost): BenchResult => ({
      name,
      baseline: { label: `day report (${cost(day)}), per answer row`, perSecond: perRow(day), unit: 'ms' },
      subject: { label: `${label} (${cost(c)}; ${marginal(c)}), per answer row`, perSecond: perRow(c), unit: 'ms' },
      ratio: perRow(c) / perRow(day),
      target: '<= 200% of the day report per answer row, time and memory',
      pass: within2x(c),
    });
    const walLabel = (w: Wal) => `WAL per call ${w.records.toFixed(1)} records, ${w.fpi.toFixed(2)} full pages, ${Math.round(w.bytes).toLocaleString('en')} B, server-wide`;
    const loopLabel = (h: { loopP99: number; loopMax: number }) => `this process's loop delay p99 ${h.loopP99.toFixed(1)} ms, max ${h.loopMax.toFixed(1)} ms`;
    return [
      rowsCase('history-report-month', '30 days', month),
      rowsCase('history-report-year', `365 days; ${size}`, year),
      { name: 'history-healthz', baseline: { label: `/healthz p99, idle (${loopLabel(healthz.idle)})`, perSecond: healthz.idle.p99, unit: 'ms' },
        subject: { label: `/healthz p99, year reports back to back on the report thread (${loopLabel(healthz.thread)})`, perSecond: healthz.thread.p99, unit: 'ms' },
        ratio: healthz.thread.p99 / healthz.idle.p99, target: '< 50 ms during a year report', pass: healthz.thread.p99 < 50 },
      { name: 'history-healthz-loop', baseline: { label: `/healthz p99, year reports back to back on the event loop (${loopLabel(healthz.loop)})`, perSecond: healthz.loop.p99, unit: 'ms' },
        subject: { label: `/healthz p99, year reports back to back on the report thread (${loopLabel(healthz.thread)})`, perSecond: healthz.thread.p99, unit: 'ms' },
        ratio: healthz.thread.p99 / healthz.loop.p99, target: 'the thread below the loop', pass: healthz.thread.p99 < healthz.loop.p99 },
      { name: 'history-hangups', baseline: { label: `endCall, empty database (Postgres ${Math.round(emptyHangups.postgresUs)} µs per call; ${walLabel(emptyHangups.wal)})`, perSecond: emptyHangups.rate },
        subject: { label: `endCall, full database (Postgres ${Math.round(fullHangups.postgresUs)} µs per call; ${walLabel(fullHangups.wal)}), alternated with the empty one`, perSecond: fullHangups.rate },
        ratio: fullHangups.rate / emptyHangups.rate, target: '>= 90% of empty', pass: fullHangups.rate / emptyHangups.rate >= 0.9 },
    ];
  } finally {
    await thread.close();
    await emptyDb.end();
    await fullDb.end();
    await empty.drop();
    await full.drop();
  }
}
