// The CPU a complete call costs cti-bridge. Calls arrive through the simulator at a steady
// rate and each does everything a contact-centre call does: the IVR plays a welcome and a
// menu, the caller presses 1, waits in a queue with music, an agent's phone is offered
// and answers, they talk, the caller hangs up, the agent wraps up, the CDR is written,
// and `cdr.created` reaches a signed webhook receiver and a CRM connector. The service
// runs alone in its own process (bench/call-cpu-service.ts), the simulator in another;
// the CPU of each, of the service's Postgres backends and of Redis is read from /proc
// over the measured window and reported per call, beside the idle service's CPU per
// second (the baseline of the same run). A profile of the service over an idle spell and
// over more calls afterwards (the sampling costs CPU, so not in the measured window) says
// where its time goes. The run counts only if every call did all of it exactly once
// (call-accounting.ts), and fails when the service's CPU per call is over the budget in
// bench/budgets.json.
//
// Run alone: npx tsx bench/call-cpu.ts; BENCH_CALLS (default 90) and BENCH_RATE (calls/s,
// default 3) shape the load; BENCH_TALLY=1 and BENCH_STRACE=1 count (call-tally.ts, call-strace.ts).
import { fork, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Redis } from 'ioredis';
import { createApiKey } from '../src/api/keys.js';
import { verifyWebhook } from '../src/events/signing.js';
import type { Flow } from '../src/ivr/contract.js';
import { publishFlowDocument, putNumber } from '../src/ivr/repository.js';
import { createTestDatabase } from '../test/helpers/db.js';
import { TEST_REDIS_URL, uniquePrefix } from '../test/helpers/redis.js';
import { checkCallAccounting, type CallFacts } from './call-accounting.js';
import { farServiceEnv } from './far-pbx.js';
import { procCpuSeconds, procsCpuSeconds } from './proc-cpu.js';
import { summariseProfile, type CpuProfile, type ProfileSummary } from './profile-summary.js';
import { traceSyscalls } from './call-strace.js';
import type { BenchResult } from './types.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const BUDGET_MS = (JSON.parse(readFileSync(new URL('./budgets.json', import.meta.url), 'utf8')) as Record<string, { serviceCpuMsPerCall: number }>)['call-cpu']!
  .serviceCpuMsPerCall;
const CALLS = Number(process.env.BENCH_CALLS ?? 90);
const RATE = Number(process.env.BENCH_RATE ?? 3);
const WARMUP_CALLS = 10;
// Statements and commands per call by caller; the counting costs CPU, so milliseconds of a tallied run do not compare.
const TALLY = process.env.BENCH_TALLY === '1';
const STRACE = process.env.BENCH_STRACE === '1';
const AGENTS = 30;
const PROMPT_MS = 500;
const DIGIT_AFTER_MS = 700;
const TALK_MS = 2_000;
const IDLE_MS = 3_000;
const QUIET_MS = 6_000;
const DID = '800';
const APP_NAME = 'cti-bench-service';
const SECRET = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;

interface Far {
  ari: string;
  ami: { host: string; port: number };
  control: string;
}

interface Envelope {
  type: string;
  callId?: string;
  data: { channelId?: string };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function post(url: string, body: unknown, method = 'POST', key?: string): Promise<any> {
  const res = await fetch(url, {
    method,
    headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${url}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}

/** The webhook and CRM receivers: they verify, count per call, and hang up each answered call after its talk time. */
function startReceivers(far: Far) {
  const placed = new Set<string>();
  const perCall = new Map<string, { connected: number; webhooks: number; connector: number }>();
  const totals = { badSignatures: 0, strays: 0 };
  const facts = (callId: string) => perCall.get(callId) ?? (perCall.set(callId, { connected: 0, webhooks: 0, connector: 0 }), perCall.get(callId)!);
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const event = JSON.parse(body) as Envelope;
      res.writeHead(204).end();
      if (req.url === '/crm') {
        if (event.callId) facts(event.callId).connector++;
        return;
      }
      if (!verifyWebhook(req.headers, body, SECRET).ok) return void totals.badSignatures++;
      if (!event.callId) return void totals.strays++;
      if (event.type === 'cdr.created') facts(event.callId).webhooks++;
      if (event.type === 'call.connected') {
        facts(event.callId).connected++;
        const channelId = event.data.channelId!;
        if (!placed.has(channelId)) return void totals.strays++;
        setTimeout(() => void post(`${far.control}/channels/${channelId}/hangup`, { cause: 16 }).catch(() => undefined), TALK_MS);
      }
    });
  });
  server.keepAliveTimeout = 30_000;
  return { server, placed, perCall, totals };
}

function callFlow(): Flow {
  const s = (name: string) => ({ media: [`sound:cti/${name}`] });
  return {
    id: 'bench-calls',
    version: 1,
    entry: 'welcome',
    nodes: {
      welcome: { type: 'play', prompt: s('welcome'), next: 'menu' },
      // A missed digit ends the call unanswered, which the accounting refuses.
      menu: { type: 'menu', prompt: s('menu'), options: { '1': 'q' }, timeoutMs: 5_000, retries: 0, fallback: 'bye' },
      q: { type: 'queue', queue: 'sales' },
      bye: { type: 'hangup', prompt: s('goodbye') },
    },
  } as Flow;
}

interface Cpu {
  service: number;
  simulator: number;
  postgres: number;
  redis: number;
  driver: number;
}

export async function run(): Promise<BenchResult & { detail: Record<string, unknown> }> {
  const pbx = spawn(process.execPath, ['--import', 'tsx', 'bench/ivr-load-pbx.ts', String(PROMPT_MS)], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  const [line] = (await once(createInterface({ input: pbx.stdout! }), 'line')) as [string];
  const far = JSON.parse(line) as Far;
  const t = await createTestDatabase();
  const receivers = startReceivers(far);
  await new Promise<void>((r) => receivers.server.listen(0, '127.0.0.1', r));
  const receiverUrl = `http://127.0.0.1:${(receivers.server.address() as AddressInfo).port}`;
  const serviceUrl = new URL(t.url);
  serviceUrl.searchParams.set('application_name', APP_NAME);
  const service = fork(fileURLToPath(new URL('./call-cpu-service.ts', import.meta.url)), [], {
    cwd: ROOT,
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    env: {
      ...process.env,
      ...farServiceEnv(far, serviceUrl.toString(), uniquePrefix('bench-calls')),
      RATE_LIMIT_PER_MINUTE: '1000000',
      OUTBOUND_ALLOW_HOSTS: '127.0.0.1',
      CONNECTORS: JSON.stringify([{ id: 'crm', url: `${receiverUrl}/crm`, events: ['cdr.created'], auth: { bearer: 'crm-token' }, concurrency: 16 }]),
    },
  });
  const ask = <T>(message: object, key: string): Promise<T> =>
    new Promise((resolve) => {
      const on = (m: Record<string, unknown>) => {
        if (!(key in m)) return;
        service.off('message', on);
        resolve(m[key] as T);
      };
      service.on('message', on);
      if (Object.keys(message).length) service.send(message);
    });
  const redis = new Redis(TEST_REDIS_URL);
  try {
    const url = await ask<string>({}, 'ready');
    const { key } = await createApiKey(t.db, { name: 'bench', scopes: ['admin'] });
    const api = (method: string, path: string, body: unknown) => post(`${url}${path}`, body, method, key);
    await api('PUT', '/v1/skills/sales', {});
    await api('POST', '/v1/queues', { id: 'sales', name: 'Sales', skills: { sales: 1 } });
    for (let i = 0; i < AGENTS; i++) {
      const id = `agent-${i}`;
      const ext = String(3000 + i);
      await post(`${far.control}/endpoints/PJSIP/${ext}`, { behaviour: 'answer', answerAfterMs: 100 }, 'PUT');
      await api('POST', '/v1/agents', { id, name: id, endpoint: `PJSIP/${ext}`, skills: { sales: 1 }, ringSeconds: 10, wrapUpSeconds: 1 });
      await api('POST', `/v1/agents/${id}/state`, { action: 'login' });
      await api('POST', `/v1/agents/${id}/state`, { action: 'ready' });
    }
    await publishFlowDocument(t.db, callFlow());
    await putNumber(t.db, { did: DID, flowId: 'bench-calls' });
    await api('POST', '/v1/webhooks', { url: `${receiverUrl}/hooks`, eventTypes: ['call.connected', 'cdr.created'], secret: SECRET });

    let serial = 0;
    const placeCalls = async (n: number) => {
      const started = performance.now();
      const calls: Promise<void>[] = [];
      for (let i = 0; i < n; i++) {
        const due = started + (i * 1000) / RATE;
        if (due > performance.now()) await sleep(due - performance.now());
        const from = `+1555${String(serial++).padStart(7, '0')}`;
        calls.push(
          (async () => {
            const { channelId } = (await post(`${far.control}/calls`, { from, to: DID })) as { channelId: string };
            receivers.placed.add(channelId);
            await sleep(DIGIT_AFTER_MS);
            await post(`${far.control}/channels/${channelId}/dtmf`, { digits: '1', gapMs: 20 });
          })(),
        );
      }
      await Promise.all(calls);
    };
    const allDone = async (what: string) => {
      const until = Date.now() + 60_000 + (CALLS * 1000) / RATE;
      const complete = () => {
        let done = 0;
        for (const f of receivers.perCall.values()) if (f.webhooks && f.connector) done++;
        return done >= receivers.placed.size;
      };
      while (!complete()) {
        if (Date.now() > until) throw new Error(`${what}: calls did not complete in time`);
        await sleep(100);
      }
    };

    const redisPid = Number((await redis.info('server')).match(/process_id:(\d+)/)?.[1]);
    // Transactions are the round trips that matter most (each is BEGIN, statements,
    // COMMIT); rows written per table say which of them grow with the calls.
    const transactions = async () =>
      Number((await t.db.query<{ n: string }>('SELECT xact_commit + xact_rollback AS n FROM pg_stat_database WHERE datname = current_database()')).rows[0]!.n);
    const rowsWritten = async () =>
      new Map(
        (await t.db.query<{ relname: string; n: string }>('SELECT relname, n_tup_ins + n_tup_upd + n_tup_del AS n FROM pg_stat_user_tables')).rows.map((r) => [r.relname, Number(r.n)]),
      );
    const pgPids = async () =>
      (await t.db.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name = $1', [APP_NAME])).rows.map((r) => r.pid);
    const cpuNow = async (pids: number[]): Promise<Cpu> => {
      const u = process.cpuUsage();
      return {
        service: await ask<number>({ cpu: true }, 'cpu'),
        simulator: await procCpuSeconds(pbx.pid!),
        postgres: await procsCpuSeconds(pids),
        redis: await procCpuSeconds(redisPid),
        driver: (u.user + u.system) / 1e6,
      };
    };
    const diff = (a: Cpu, b: Cpu): Cpu => ({
      service: b.service - a.service,
      simulator: b.simulator - a.simulator,
      postgres: b.postgres - a.postgres,
      redis: b.redis - a.redis,
      driver: b.driver - a.driver,
    });

    // Idle before any call: only the timers and polls, nothing left over from calls.
    await sleep(2_000);
    const quietStart = await cpuNow([]);
    await sleep(QUIET_MS);
    const quiet = diff(quietStart, await cpuNow([]));

    await placeCalls(WARMUP_CALLS);
    await allDone('warm-up');
    await sleep(1_500); // the last agents' wrap-up

    // The baseline: the same service connected and idle (its timers, leases, polls).
    // Measured without the profiler, whose sampling costs CPU of its own.
    let pids = await pgPids();
    const idleLoopsStart = await ask<number>({ loops: true }, 'loops');
    const idleStart = await cpuNow(pids);
    await sleep(IDLE_MS);
    const idle = diff(idleStart, await cpuNow(pids));
    const idleLoops = await ask<number>({ loops: true }, 'loops');

    pids = await pgPids();
    const before = await cpuNow(pids);
    const xactBefore = await transactions();
    const amiBefore = await ask<number>({ amiEvents: true }, 'amiEvents');
    const ariBefore = await ask<number>({ ariEvents: true }, 'ariEvents');
    const ariTypesBefore = await ask<Record<string, number>>({ ariEvents: true }, 'ariTypes');
    const loopsBefore = await ask<number>({ loops: true }, 'loops');
    const rowsBefore = await rowsWritten();
    if (TALLY) await ask({ tally: true }, 'tally');
    const trace = STRACE ? await traceSyscalls(service.pid!) : undefined;
    const wallStart = performance.now();
    await placeCalls(CALLS);
    await allDone('measured calls');
    const wallMs = performance.now() - wallStart;
    const loopTurns = (await ask<number>({ loops: true }, 'loops')) - loopsBefore;
    const amiEvents = (await ask<number>({ amiEvents: true }, 'amiEvents')) - amiBefore;
    const ariEvents = (await ask<number>({ ariEvents: true }, 'ariEvents')) - ariBefore;
    const ariTypesAfter = await ask<Record<string, number>>({ ariEvents: true }, 'ariTypes');
    const ariEventTypesPerCall = Object.fromEntries(
      Object.entries(ariTypesAfter)
        .map(([type, n]) => [type, Math.round(((n - (ariTypesBefore[type] ?? 0)) / CALLS) * 10) / 10] as const)
        .filter(([, n]) => n > 0)
        .sort((a, b) => b[1] - a[1]),
    );
    // Backends opened during the window count too; one that closed meanwhile is lost (rare: the pool keeps them).
    const after = await cpuNow([...new Set([...pids, ...(await pgPids())])]);
    const used = diff(before, after);
    // The tally waits for the last agents' wrap-up; the CPU window does not.
    const tally = TALLY ? await sleep(1_500).then(async () => perCallTally(await ask<Tally>({ tally: true }, 'tally'), CALLS)) : undefined;
    const syscalls = trace ? await sleep(TALLY ? 0 : 1_500).then(() => trace.stop(CALLS)) : undefined;
    // The statistics reach pg_stat_database when a backend reports them (at most every ~second).
    await sleep(1_500);
    const xactPerCall = Math.round((((await transactions()) - xactBefore) / CALLS) * 10) / 10;
    const rowsPerCall = Object.fromEntries(
      [...(await rowsWritten())]
        .map(([table, n]) => [table, Math.round(((n - (rowsBefore.get(table) ?? 0)) / CALLS) * 10) / 10] as const)
        .filter(([, n]) => n > 0)
        .sort((a, b) => b[1] - a[1]),
    );

    // Where the time goes: the profiler on for an idle spell and for a third as many calls again.
    await ask({ profile: 'start' }, 'profiling');
    await sleep(IDLE_MS);
    const idleProfile = summariseProfile(await ask<CpuProfile>({ profile: 'stop' }, 'profile'), ROOT, 8);
    await ask({ profile: 'start' }, 'profiling');
    await placeCalls(Math.ceil(CALLS / 3));
    await allDone('profiled calls');
    const profile = await ask<CpuProfile>({ profile: 'stop' }, 'profile');
    const profilePath = join(tmpdir(), `call-cpu-${Date.now()}.cpuprofile`);
    writeFileSync(profilePath, JSON.stringify(profile));
    const summary = summariseProfile(profile, ROOT);

    const problems = await account(t.db, receivers);
    const perCall = (s: number) => Math.round((s * 1e6) / CALLS) / 1000;
    const serviceMs = perCall(used.service);
    const idleMsPerSecond = Math.round((idle.service * 1e7) / IDLE_MS) / 10;
    return {
      name: `call-cpu: ${CALLS} complete calls at ${RATE}/s (IVR, queue, agent, talk, wrap-up, CDR, webhook + connector)`,
      baseline: { label: 'budget, service CPU ms per call', perSecond: BUDGET_MS, unit: 'ms' },
      subject: { label: 'service CPU ms per call', perSecond: serviceMs, unit: 'ms' },
      ratio: serviceMs / BUDGET_MS,
      target: `<= ${BUDGET_MS} ms service CPU per call; every call complete`,
      pass: problems.length === 0 && serviceMs <= BUDGET_MS,
      detail: {
        problems,
        ...(tally ? { tally } : {}),
        ...(syscalls ? { syscalls } : {}),
        cpuMsPerCall: { service: serviceMs, postgres: perCall(used.postgres), simulator: perCall(used.simulator), redisShared: perCall(used.redis), driverAndReceivers: perCall(used.driver) },
        // Loop turns include the idle service's own (idleLoopTurnsPerSecond × wallSeconds).
        serviceLoopTurnsPerCall: Math.round((loopTurns / CALLS) * 10) / 10,
        amiEventsPerCall: Math.round((amiEvents / CALLS) * 10) / 10,
        ariEventsPerCall: Math.round((ariEvents / CALLS) * 10) / 10,
        ariEventTypesPerCall,
        idleLoopTurnsPerSecond: Math.round(((idleLoops - idleLoopsStart) * 1e4) / IDLE_MS) / 10,
        postgresTransactionsPerCall: xactPerCall,
        postgresRowsWrittenPerCall: rowsPerCall,
        idleServiceCpuMsPerSecond: idleMsPerSecond,
        // Postgres is left out: the pool closes idle backends, whose CPU then drops out of the sum.
        quietIdleServiceCpuMsPerSecond: Math.round((quiet.service * 1e7) / QUIET_MS) / 10,
        idleShareOfServiceCpu: Math.round(((idle.service / IDLE_MS) * wallMs * 1000) / used.service) / 1000,
        wallSeconds: Math.round(wallMs) / 1000,
        profilePath,
        profile: printable(summary),
        idleProfile: printable(idleProfile),
      },
    };
  } finally {
    redis.disconnect();
    service.disconnect();
    await once(service, 'exit').catch(() => undefined);
    receivers.server.close();
    pbx.kill('SIGTERM');
    await once(pbx, 'exit').catch(() => undefined);
    await t.drop();
  }
}

interface Tally {
  totals: { postgres: number; redis: number; ari?: number };
  sites: Array<[string, number]>;
}

function perCallTally(t: Tally, calls: number) {
  const per = (n: number) => Math.round((n / calls) * 10) / 10;
  return {
    postgresStatementsPerCall: per(t.totals.postgres),
    redisCommandsPerCall: per(t.totals.redis),
    ariRequestsPerCall: per(t.totals.ari ?? 0),
    sites: t.sites.filter(([, n]) => n >= calls / 10).map(([site, n]) => `${per(n).toFixed(1).padStart(5)}  ${site}`),
  };
}

function printable(s: ProfileSummary): Record<string, unknown> {
  const rows = (xs: ProfileSummary['functions']) => xs.map((x) => `${(x.share * 100).toFixed(1).padStart(5)}%  ${x.ms.toFixed(0).padStart(6)} ms  ${x.name}`);
  return { busyMs: s.busyMs, ours: rows(s.ours), modules: rows(s.modules), functions: rows(s.functions) };
}

/** Every placed call, as Postgres and the receivers saw it, through the accounting check. */
async function account(db: Awaited<ReturnType<typeof createTestDatabase>>['db'], r: ReturnType<typeof startReceivers>): Promise<string[]> {
  const { rows } = await db.query<{ id: string; ended: boolean; cdrs: number }>(
    `SELECT c.id, c.ended_at IS NOT NULL AS ended, (SELECT count(*)::int FROM cdrs d WHERE d.call_id = c.id) AS cdrs
       FROM calls c WHERE c.channel_id = ANY($1::text[])`,
    [[...r.placed]],
  );
  const calls = new Map<string, CallFacts>();
  for (const row of rows) {
    const seen = r.perCall.get(row.id) ?? { connected: 0, webhooks: 0, connector: 0 };
    calls.set(row.id, { ended: row.ended, cdrs: row.cdrs, ...seen });
  }
  const strays = [...r.perCall.keys()].filter((id) => !calls.has(id)).length;
  const delivered = async (sql: string) => (await db.query<{ n: number }>(sql)).rows[0]!.n;
  return checkCallAccounting(calls, {
    placed: r.placed.size,
    webhookDelivered: await delivered("SELECT count(*)::int AS n FROM webhook_deliveries WHERE event_type = 'cdr.created' AND status = 'delivered'"),
    connectorDelivered: await delivered("SELECT count(*)::int AS n FROM connector_deliveries WHERE event_type = 'cdr.created' AND status = 'delivered'"),
    badSignatures: r.totals.badSignatures,
    strays: r.totals.strays + strays,
  });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const r = await run();
  console.log(JSON.stringify(r, null, 2));
  process.exit(r.pass ? 0 : 1);
}
