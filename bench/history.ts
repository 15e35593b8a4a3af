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
//   back, against the same with nothing running;
// - hang-ups per second through endCall on an empty database and on the full one.
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { AddressInfo } from 'node:net';
import { endCall } from '../src/calls/repository.js';
import { createPool, type Db } from '../src/db/pool.js';
import { jsonBody } from '../src/reports/chunked.js';
import { reportRows, agentKpi, queueKpi, type RollupQuery } from '../src/reports/rollup-query.js';
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

/** Hang-ups per second through endCall, 64 at a time, best of three rounds; with CPU per call. */
async function hangups(db: Db): Promise<{ rate: number; postgresUs: number }> {
  await endAll(await createCalls(db, 300), 64, (id) => endCall(db, id, { cause: 16, reason: 'completed' }));
  let best = { rate: 0, postgresUs: 0 };
  for (let round = 0; round < 3; round++) {
    const ids = await createCalls(db, HANGUPS);
    const before = await cpuNow(db);
    const rate = await endAll(ids, 64, (id) => endCall(db, id, { cause: 16, reason: 'completed' }));
    const after = await cpuNow(db);
    if (rate > best.rate) best = { rate, postgresUs: ((after.postgres - before.postgres) * 1e6) / HANGUPS };
  }
  return best;
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

/**
 * /healthz p99 (ms) seen by another process for `ms`, while `load` runs on this one; with
 * this process's event-loop delay (p99 and max, ms): a loop held by the report shows in
 * both, a machine short of CPU mostly in the first.
 */
async function healthzP99(ms: number, load?: (until: number) => Promise<void>): Promise<{ p99: number; loopP99: number; loopMax: number }> {
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
    const samples = (JSON.parse(out) as number[]).sort((a, b) => a - b);
    return { p99: samples[Math.floor(samples.length * 0.99)]!, loopP99: loop.percentile(99) / 1e6, loopMax: loop.max / 1e6 };
  } finally {
    loop.disable();
    server.close();
  }
}

export async function run(): Promise<BenchResult[]> {
  const empty = await createTestDatabase();
  const full = await createTestDatabase();
  const emptyDb = createPool(empty.url, 20);
  const fullDb = createPool(full.url, 20);
  try {
    const emptyHangups = await hangups(emptyDb);
    // The raw days end today (UTC midnight); the year of rollups ends with them.
    const end = new Date(Math.floor(Date.now() / DAY) * DAY);
    const t0 = performance.now();
    await generateHistory(fullDb, centre, {
      rawFrom: new Date(end.getTime() - RAW_DAYS * DAY),
      rawDays: RAW_DAYS,
      rollupDays: ROLLUP_DAYS,
      zones: ['UTC'],
      log: (m) => console.error(m),
    });
    const { rows } = await fullDb.query<{ bytes: string; q: string; d: string }>(
      `SELECT pg_database_size(current_database()) AS bytes, (SELECT count(*) FROM kpi_rollups) AS q, (SELECT count(*) FROM kpi_rollups_day) AS d`,
    );
    const size = `${(Number(rows[0]!.bytes) / 2 ** 30).toFixed(2)} GiB, ${RAW_DAYS} raw days + ${ROLLUP_DAYS} days of rollups (${rows[0]!.q} quarter-hour, ${rows[0]!.d} day rows), generated in ${Math.round((performance.now() - t0) / 1000)} s`;
    console.error(size);
    const fullHangups = await hangups(fullDb);

    const day = await medianReport(fullDb, end, 1);
    const month = await medianReport(fullDb, end, 30);
    const year = await medianReport(fullDb, end, 365);
    const idle = await healthzP99(5_000);
    const busy = await healthzP99(10_000, async (until) => {
      while (Date.now() < until) await report(fullDb, end, 365);
    });

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
    const loopLabel = (h: { loopP99: number; loopMax: number }) => `this process's loop delay p99 ${h.loopP99.toFixed(1)} ms, max ${h.loopMax.toFixed(1)} ms`;
    return [
      rowsCase('history-report-month', '30 days', month),
      rowsCase('history-report-year', `365 days; ${size}`, year),
      { name: 'history-healthz', baseline: { label: `/healthz p99, idle (${loopLabel(idle)})`, perSecond: idle.p99, unit: 'ms' },
        subject: { label: `/healthz p99, year reports back to back (${loopLabel(busy)})`, perSecond: busy.p99, unit: 'ms' }, ratio: busy.p99 / idle.p99,
        target: '< 50 ms during a year report', pass: busy.p99 < 50 },
      { name: 'history-hangups', baseline: { label: `endCall, empty database (Postgres ${Math.round(emptyHangups.postgresUs)} µs per call)`, perSecond: emptyHangups.rate },
        subject: { label: `endCall, full database (Postgres ${Math.round(fullHangups.postgresUs)} µs per call)`, perSecond: fullHangups.rate },
        ratio: fullHangups.rate / emptyHangups.rate, target: '>= 90% of empty', pass: fullHangups.rate / emptyHangups.rate >= 0.9 },
    ];
  } finally {
    await emptyDb.end();
    await fullDb.end();
    await empty.drop();
    await full.drop();
  }
}
