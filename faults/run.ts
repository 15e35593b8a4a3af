// `npm run faults [name …]`: the fault-injection suite. For each fault of the table a
// fresh call centre (its own database and Redis prefix, a new simulator, the service as
// separate processes) takes a steady stream of calls; the fault is injected a few seconds
// in; the load stops, things settle, and the invariants are read. Everything runs on
// loopback, on a Redis and a Postgres the suite starts itself and may kill. Prints the
// table (Markdown) with the machine it ran on.
import { cpus, totalmem } from 'node:os';
import { Load } from './load.js';
import { measure, type Invariants } from './measure.js';
import { freePort, PostgresProc, RedisProc } from './procs.js';
import { agentStates, CUSTOMER, DID, DIAL_EXTENSIONS, startWorld, type World } from './world.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const LOAD_MS = Number(process.env.FAULTS_LOAD_MS ?? 30_000);
const INJECT_AT_MS = 6_000;
const SETTLE_MS = Number(process.env.FAULTS_SETTLE_MS ?? 45_000);
const CALLS_PER_SECOND = Number(process.env.FAULTS_CALLS_PER_SECOND ?? 1.5);

interface Fault {
  name: string;
  what: string;
  instances?: number;
  inject(w: World): Promise<void>;
}

const FAULTS: Fault[] = [
  { name: 'none', what: 'no fault', inject: async () => {} },
  {
    name: 'redis-killed',
    what: 'Redis SIGKILLed, restarted with its AOF after 20 s',
    async inject(w) {
      await w.redis.kill();
      await sleep(20_000);
      await w.redis.start();
    },
  },
  {
    name: 'redis-data-lost',
    what: 'Redis SIGKILLed, restarted empty after 3 s',
    async inject(w) {
      await w.redis.kill();
      await sleep(3_000);
      await w.redis.start(true);
    },
  },
  {
    name: 'postgres-restarted',
    what: 'Postgres stopped (immediate), started after 10 s',
    async inject(w) {
      w.pg.stop('immediate');
      await sleep(10_000);
      w.pg.start();
    },
  },
  {
    name: 'ari-dropped-x3',
    what: 'ARI event socket dropped 3 times, 4 s apart',
    async inject(w) {
      for (let i = 0; i < 3; i++) {
        await w.sim.control('/faults/ari-drop');
        await sleep(4_000);
      }
    },
  },
  {
    name: 'pbx-killed',
    what: 'simulator SIGKILLed (every call lost), restarted after 3 s',
    async inject(w) {
      await w.sim.kill();
      await sleep(3_000);
      await w.sim.start();
    },
  },
  {
    name: 'service-killed',
    what: 'owning instance SIGKILLed, the second takes over',
    instances: 2,
    async inject(w) {
      await w.instances[0]!.kill();
    },
  },
  {
    name: 'receivers-fail-then-slow',
    what: 'webhook and connector answer 500 for 10 s, then slower than the 2 s timeout for 8 s',
    async inject(w) {
      w.webhook.mode = w.connector.mode = 'fail';
      await sleep(10_000);
      w.webhook.mode = w.connector.mode = 'slow';
      await sleep(8_000);
      w.webhook.mode = w.connector.mode = 'ok';
    },
  },
];

// Settled once no call is open, every event has been fanned out (an event committed but
// not yet relayed has no delivery row, so "nothing pending" alone would measure it as
// missing), no delivery waits, and every agent is ready.
async function settled(w: World): Promise<boolean> {
  const { rows } = await w.db.query<{ open: string; unfanned: string; pending: string }>(
    `SELECT (SELECT count(*) FROM calls WHERE state <> 'ended') AS open,
            (SELECT count(*) FROM outbox WHERE fanned_out_at IS NULL) AS unfanned,
            (SELECT count(*) FROM webhook_deliveries WHERE status IN ('pending', 'failed'))
          + (SELECT count(*) FROM connector_deliveries WHERE status IN ('pending', 'failed')) AS pending`,
  );
  if (Number(rows[0]!.open) > 0 || Number(rows[0]!.unfanned) > 0 || Number(rows[0]!.pending) > 0) return false;
  return Object.values(await agentStates(w)).every((s) => s === 'ready');
}

/** What a reader needs to chase a broken invariant: the calls left open or short of one CDR. */
async function explain(w: World, load: Load): Promise<void> {
  const { rows } = await w.db.query<{ id: string; state: string; direction: string; channel_id: string | null; cdrs: string }>(
    `SELECT c.id, c.state, c.direction, c.channel_id, (SELECT count(*) FROM cdrs d WHERE d.call_id = c.id) AS cdrs
       FROM calls c
      WHERE c.state <> 'ended' OR (SELECT count(*) FROM cdrs d WHERE d.call_id = c.id) <> 1`,
  );
  for (const r of rows) console.error(`  call ${r.id} ${r.direction} ${r.state} channel ${r.channel_id ?? '-'} cdrs ${r.cdrs}`);
  const recorded = new Set(
    (await w.db.query<{ channel_id: string }>('SELECT channel_id FROM calls WHERE channel_id = ANY($1::text[])', [load.callers])).rows.map((r) => r.channel_id),
  );
  const unrecorded = load.callers.filter((c) => !recorded.has(c));
  if (unrecorded.length) console.error(`  callers never recorded: ${unrecorded.join(' ')}`);
}

async function runFault(f: Fault, redis: RedisProc, pg: PostgresProc): Promise<Invariants & { seconds: number }> {
  const w = await startWorld(f.name, redis, pg, f.instances ?? 1);
  const began = Date.now();
  try {
    const load = new Load({
      simControlUrl: w.sim.controlUrl,
      serviceUrls: w.instances.map((i) => i.url),
      apiKey: w.apiKey,
      did: DID,
      callsPerSecond: CALLS_PER_SECOND,
      dialEveryMs: 3_000,
      dialExtensions: DIAL_EXTENSIONS,
      customer: CUSTOMER,
    });
    load.start();
    await sleep(INJECT_AT_MS);
    console.error(`  ${f.name}: injecting`);
    await f.inject(w);
    const left = INJECT_AT_MS + LOAD_MS - (Date.now() - began);
    if (left > 0) await sleep(left);
    await load.stop();
    console.error(`  ${f.name}: load stopped, settling`);
    const until = Date.now() + SETTLE_MS;
    while (Date.now() < until && !(await settled(w).catch(() => false))) await sleep(1_000);
    for (const [why, n] of load.dialRefusals) console.error(`  ${f.name}: click-to-dial refused ${n}×: ${why}`);
    const result = await measure(w.db, load, w.webhook, w.connector, () => agentStates(w), () => w.sim.bridges());
    await explain(w, load);
    return { ...result, seconds: Math.round((Date.now() - began) / 1000) };
  } finally {
    await w.close();
  }
}

const only = process.argv.slice(2);
const chosen = FAULTS.filter((f) => !only.length || only.includes(f.name));
const redis = new RedisProc(await freePort());
const pg = new PostgresProc(await freePort());
await redis.start();
pg.init();
pg.start();
const rows: Array<[Fault, Invariants & { seconds: number }]> = [];
try {
  for (const f of chosen) {
    console.error(`fault ${f.name}: ${f.what}`);
    try {
      rows.push([f, await runFault(f, redis, pg)]);
    } catch (err) {
      console.error(`  ${f.name} could not run: ${(err as Error).stack}`);
    }
    // A fault may leave its store down if it failed half-way.
    if (!redis.proc || redis.proc.exitCode !== null || redis.proc.signalCode !== null) await redis.start();
    try {
      pg.start();
    } catch {
      // already running
    }
  }
} finally {
  await redis.kill();
  redis.remove();
  pg.remove();
}

/** Missing ids, and how many of them were still on their way when the settle time ran out. */
const missing = (n: number, inFlight: number) => (inFlight ? `${n} (${inFlight} in flight)` : String(n));

const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
console.log(`machine: ${machine}; ${CALLS_PER_SECOND} calls/s and a click-to-dial every 3 s for ${LOAD_MS / 1000} s after the fault starts at ${INJECT_AT_MS / 1000} s\n`);
console.log('| fault | calls started / recorded / one CDR (of them unattended; unrecorded with an Asterisk Cdr) | refused (PBX / API) | open calls | agents not ready | webhook missing / dup | connector missing / dup | stranded deliveries | dead letters | leftover bridges | idempotency replays: other call / refused / unanswered | s |');
console.log('|---|---|---|---|---|---|---|---|---|---|---|---|');
for (const [f, r] of rows) {
  console.log(
    `| ${f.name} | ${r.started} / ${r.recorded} / ${r.withOneCdr} (${r.unattended}; ${r.unrecordedWithAsteriskCdr}) | ${r.refused} | ${r.open} | ${r.agentsWrong} | ${missing(r.webhookMissing, r.webhookInFlight)} / ${r.webhookDuplicated} | ${missing(r.connectorMissing, r.connectorInFlight)} / ${r.connectorDuplicated} | ${r.stranded} | ${r.deadLetters} | ${r.leftoverBridges} | ${r.idempotencyReplays} | ${r.seconds} |`,
  );
}
process.exit(rows.length === chosen.length ? 0 : 1);
