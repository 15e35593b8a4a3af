// Signed webhook deliveries per second through the real pipeline (outbox relay, `events`
// queue and fan-out worker making the first attempts, Postgres bookkeeping of every
// delivery and attempt) to a loopback receiver, against the same receiver hit by plain
// unsigned POSTs from a simple loop with the same concurrency, measured in the same run.
// The clock runs from a full outbox (filled beforehand: the producers' transactions are
// not measured) until every delivery is recorded as delivered in Postgres. CPU per POST
// and per delivery (this process: the loop, or the whole pipeline) is printed beside.
// The receiver runs in a child process for both the baseline and the subject: in the
// same process its request parsing competed with the sender for the one JS thread, so
// the benchmark partly measured itself. Both sides hit the very same receiver.
//
// Run alone: npx tsx bench/webhooks.ts [events]
// BENCH_PROFILE=1 writes a CPU profile of the measured delivery phase and prints where its
// time went; BENCH_TALLY=1 counts Postgres statements and Redis commands per delivery by
// caller (bench/call-tally.ts). Both cost CPU of their own: their runs' rates do not count.
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Session } from 'node:inspector/promises';
import { createServer, type Server } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { AddressInfo } from 'node:net';
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Agent, request } from 'undici';
import { createLogger } from '../src/log.js';
import { startEventPipeline } from '../src/events/pipeline.js';
import { generateSecret, verifyWebhook } from '../src/events/signing.js';
import { insertSubscription } from '../src/events/webhook-store.js';
import { createTestDatabase } from '../test/helpers/db.js';
import { createPool } from '../src/db/pool.js';
import { TEST_REDIS_URL, uniquePrefix } from '../test/helpers/redis.js';
import type { BenchResult } from './types.js';
import { installTally, takeTally } from './call-tally.js';
import { summariseProfile, type CpuProfile } from './profile-summary.js';
import { procsCpuSeconds } from './proc-cpu.js';

const PROFILE = process.env.BENCH_PROFILE === '1';
const TALLY = process.env.BENCH_TALLY === '1';
if (TALLY) installTally();
const ROOT = fileURLToPath(new URL('..', import.meta.url));

// Signed deliveries at least this share of what plain POSTs reach at the same concurrency.
const TARGET_RATIO = 0.6;
const CONCURRENCY = 64;
const RECEIVER_FLAG = '--webhook-receiver';

interface ReceiverStats {
  count: number;
  /** Signed requests checked with the verifier (a sample, so checking does not dominate). */
  verified: number;
  rejected: number;
}

interface Receiver {
  url: string;
  /** Zeroes the counters (and sets the secret to verify with), once the child has done so. */
  reset(secret?: string): Promise<void>;
  stats(): Promise<ReceiverStats>;
  close(): Promise<void>;
}

type ToReceiver = { reset: true; secret?: string } | { stats: true };
type FromReceiver = { port: number } | { done: true } | ({ stats: true } & ReceiverStats);

/** The receiver's side, run in the child process (see the header comment). */
async function serveReceiver(): Promise<void> {
  const state: ReceiverStats & { secret?: string } = { count: 0, verified: 0, rejected: 0 };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      state.count++;
      if (state.secret && req.headers['webhook-id'] && state.count % 100 === 1) {
        const ok = verifyWebhook(req.headers, Buffer.concat(chunks), state.secret).ok;
        if (ok) state.verified++;
        else state.rejected++;
      }
      res.writeHead(204).end();
    });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const send = (m: FromReceiver) => process.send!(m);
  process.on('message', (m: ToReceiver) => {
    if ('reset' in m) {
      Object.assign(state, { count: 0, verified: 0, rejected: 0, secret: m.secret });
      send({ done: true });
    } else {
      send({ stats: true, count: state.count, verified: state.verified, rejected: state.rejected });
    }
  });
  // The parent closing the channel (or dying) ends the receiver.
  process.on('disconnect', () => process.exit(0));
  send({ port: (server.address() as AddressInfo).port });
}

async function startReceiver(): Promise<Receiver> {
  // Same file, same loader flags (execArgv is inherited): the child runs serveReceiver().
  const child: ChildProcess = fork(fileURLToPath(import.meta.url), [RECEIVER_FLAG], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const next = <T extends FromReceiver>(pick: (m: FromReceiver) => m is T): Promise<T> =>
    new Promise((resolve, reject) => {
      const onMessage = (m: FromReceiver) => {
        if (!pick(m)) return;
        child.off('message', onMessage);
        child.off('exit', onExit);
        resolve(m);
      };
      const onExit = (code: number | null) => reject(new Error(`receiver process exited (${code})`));
      child.on('message', onMessage);
      child.once('exit', onExit);
    });
  const { port } = await next((m): m is { port: number } => 'port' in m);
  return {
    url: `http://127.0.0.1:${port}/hooks`,
    async reset(secret) {
      const done = next((m): m is { done: true } => 'done' in m);
      child.send({ reset: true, ...(secret ? { secret } : {}) } satisfies ToReceiver);
      await done;
    },
    async stats() {
      const reply = next((m): m is { stats: true } & ReceiverStats => 'stats' in m);
      child.send({ stats: true } satisfies ToReceiver);
      const { count, verified, rejected } = await reply;
      return { count, verified, rejected };
    },
    close: () =>
      new Promise<void>((r) => {
        if (child.exitCode !== null) return r();
        child.once('exit', () => r());
        child.disconnect();
      }),
  };
}

/** libuv's count of this process's loop turns (wake-ups) so far. */
const loopTurns = (): number => performance.nodeTiming.uvMetricsInfo.loopCount;

/** Plain POSTs of a body of the same size, no signing, no queue, no database. */
/** CPU microseconds this process spent since `from` (a process.cpuUsage() reading), per operation. */
function cpuPerOp(from: NodeJS.CpuUsage, ops: number): number {
  const u = process.cpuUsage(from);
  return Math.round((u.user + u.system) / ops);
}

async function baseline(receiver: Receiver, total: number, body: string): Promise<number> {
  const agent = new Agent({ connections: CONCURRENCY, keepAliveTimeout: 10_000 });
  let next = 0;
  const worker = async () => {
    while (next < total) {
      next++;
      const res = await request(receiver.url, {
        method: 'POST',
        dispatcher: agent,
        headers: { 'content-type': 'application/json' },
        body,
      });
      await res.body.dump();
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const elapsed = (performance.now() - started) / 1000;
  await agent.close();
  return total / elapsed;
}

async function fillOutbox(db: import('../src/db/pool.js').Db, n: number, from: number): Promise<void> {
  // One multi-row insert per thousand: the producer side is not what is measured.
  for (let i = 0; i < n; i += 1000) {
    const count = Math.min(1000, n - i);
    await db.query(
      `INSERT INTO outbox (event_id, type, payload)
       SELECT id, 'call.ended', jsonb_build_object('id', id, 'type', 'call.ended', 'version', 1,
              'occurredAt', now(), 'callId', gen_random_uuid(), 'pbxNode', 'pbx1',
              'data', jsonb_build_object('seq', $1::int + g, 'cause', 16, 'durationMs', 73210))
       FROM (SELECT gen_random_uuid() AS id, g FROM generate_series(1, $2::int) g) s`,
      [from + i, count],
    );
  }
}

/** CPU seconds spent so far by the Postgres backends serving this database (they share the machine). */
async function postgresCpu(db: import('../src/db/pool.js').Db): Promise<number> {
  const { rows } = await db.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE datname = current_database()');
  return procsCpuSeconds(rows.map((r) => r.pid));
}

async function waitForCount(receiver: Receiver, n: number, limitMs: number): Promise<void> {
  const deadline = Date.now() + limitMs;
  for (;;) {
    const { count } = await receiver.stats();
    if (count >= n) return;
    if (Date.now() > deadline) throw new Error(`only ${count} of ${n} deliveries arrived`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

async function waitForDelivered(db: import('../src/db/pool.js').Db, n: number, limitMs: number): Promise<void> {
  const deadline = Date.now() + limitMs;
  for (;;) {
    const { rows } = await db.query("SELECT count(*)::int AS n FROM webhook_deliveries WHERE status = 'delivered'");
    if (rows[0].n >= n) return;
    if (Date.now() > deadline) throw new Error(`only ${rows[0].n} of ${n} deliveries recorded`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

export async function run(events = 10_000): Promise<BenchResult> {
  const tdb = await createTestDatabase();
  // The test helper's pool is small; the service runs with DATABASE_POOL_MAX (default 10).
  const db = createPool(tdb.url, 16);
  const receiver = await startReceiver();
  const log = createLogger('silent');
  const prefix = uniquePrefix('bench-wh');
  try {
    const secret = generateSecret();
    await receiver.reset(secret);
    await insertSubscription(db, { url: receiver.url, eventTypes: [], secret });
    const sampleBody = JSON.stringify({
      id: '3f0e3c52-5d0e-4c6a-8e55-2a8f3b1c9d00',
      type: 'call.ended',
      version: 1,
      occurredAt: new Date().toISOString(),
      callId: '9a1b2c3d-4e5f-4a6b-8c7d-0e1f2a3b4c5d',
      pbxNode: 'pbx1',
      data: { seq: 1, cause: 16, durationMs: 73210 },
    });

    // Warm both paths (JIT, connections, prepared plans) before measuring.
    await baseline(receiver, 2_000, sampleBody);
    const pipeline = await startEventPipeline({
      db: db,
      log,
      config: {
        redisUrl: TEST_REDIS_URL,
        redisPrefix: prefix,
        outbound: { allowHosts: ['127.0.0.1'] }, webhooks: { timeoutMs: 10_000, maxAttempts: 3, concurrency: CONCURRENCY },
      },
      relay: { pollMs: 20, batchSize: 500 },
    });
    let subjectRate: number;
    try {
      const warm = 1_000;
      await receiver.reset(secret);
      await fillOutbox(db, warm, 0);
      await waitForCount(receiver, warm, 60_000);

      await receiver.reset();
      const baselineCpu = process.cpuUsage();
      const baselineTurns = loopTurns();
      const baselineRate = await baseline(receiver, events, sampleBody);
      const baselineUs = cpuPerOp(baselineCpu, events);
      // Loop turns per operation: a count that does not move with the machine's load (the
      // CPU figures do), each turn a wake-up with its fixed cost.
      const baselineTurnsPerPost = ((loopTurns() - baselineTurns) / events).toFixed(2);

      await receiver.reset(secret);
      await pipeline.relay.stop(); // fill first, then let the relay loose on a full outbox
      await fillOutbox(db, events, warm);
      const profiler = PROFILE ? new Session() : undefined;
      if (profiler) {
        profiler.connect();
        await profiler.post('Profiler.enable');
        await profiler.post('Profiler.start');
      }
      if (TALLY) takeTally();
      const postgresBefore = await postgresCpu(db);
      const started = performance.now();
      const subjectCpu = process.cpuUsage();
      const subjectTurns = loopTurns();
      pipeline.relay.start();
      await waitForCount(receiver, events, 120_000);
      // The clock stops when the bookkeeping is done too, not just when the POSTs arrived.
      await waitForDelivered(db, events + warm, 30_000);
      subjectRate = events / ((performance.now() - started) / 1000);
      const subjectUs = cpuPerOp(subjectCpu, events);
      const postgresUs = Math.round((((await postgresCpu(db)) - postgresBefore) * 1e6) / events);
      const subjectTurnsPerDelivery = ((loopTurns() - subjectTurns) / events).toFixed(2);
      const detail: Record<string, unknown> = {};
      if (TALLY) {
        const t = takeTally();
        const per = (n: number) => Math.round((n / events) * 1000) / 1000;
        detail.perDelivery = { postgres: per(t.totals.postgres), redis: per(t.totals.redis) };
        detail.sites = t.sites.slice(0, 20).map(([site, n]) => `${per(n)} ${site}`);
      }
      if (profiler) {
        const { profile } = (await profiler.post('Profiler.stop')) as { profile: CpuProfile };
        profiler.disconnect();
        const path = join(tmpdir(), `webhooks-${Date.now()}.cpuprofile`);
        writeFileSync(path, JSON.stringify(profile));
        detail.profile = { path, ...summariseProfile(profile, ROOT, 25) };
      }

      const { rows } = await db.query(
        "SELECT count(*) FILTER (WHERE status = 'delivered')::int AS delivered, count(*)::int AS total FROM webhook_deliveries",
      );
      const attempts = (await db.query('SELECT count(*)::int AS n FROM webhook_attempts')).rows[0].n as number;
      if (rows[0].delivered !== events + warm || attempts !== events + warm) {
        throw new Error(`bookkeeping mismatch: ${JSON.stringify(rows[0])}, ${attempts} attempts for ${events + warm} events`);
      }
      const checked = await receiver.stats();
      if (checked.rejected > 0 || checked.verified === 0) throw new Error('receiver could not verify the signatures');

      const result: BenchResult & { detail?: Record<string, unknown> } = {
        name: 'webhooks',
        baseline: { label: `plain unsigned POST loop (concurrency ${CONCURRENCY}; ${baselineUs} µs CPU, ${baselineTurnsPerPost} loop turns per POST)`, perSecond: baselineRate },
        subject: { label: `signed deliveries via outbox+BullMQ+Postgres (concurrency ${CONCURRENCY}; ${subjectUs} µs service + ${postgresUs} µs Postgres CPU, ${subjectTurnsPerDelivery} loop turns per delivery)`, perSecond: subjectRate },
        ratio: subjectRate / baselineRate,
        target: `>= ${TARGET_RATIO * 100}% of plain POSTs`,
        pass: subjectRate >= TARGET_RATIO * baselineRate,
        ...(Object.keys(detail).length > 0 ? { detail } : {}),
      };
      return result;
    } finally {
      // Leave nothing behind in the shared Redis.
      await Promise.allSettled([
        pipeline.queues.events.obliterate({ force: true }),
        pipeline.queues.webhooks.obliterate({ force: true }),
      ]);
      await pipeline.stop();
    }
  } finally {
    await receiver.close();
    await tdb.drop();
  }
}

if (process.argv.includes(RECEIVER_FLAG)) {
  await serveReceiver();
} else if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const n = Number(process.argv[2] ?? 10_000);
  const r = await run(n);
  console.log(
    `baseline ${Math.round(r.baseline.perSecond)}/s, subject ${Math.round(r.subject.perSecond)}/s, ` +
      `ratio ${(r.ratio * 100).toFixed(1)}%, target ${r.target}: ${r.pass ? 'pass' : 'FAIL'}`,
  );
  console.log(JSON.stringify(r, null, 2));
  process.exit(0);
}
