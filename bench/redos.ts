// The flow-pattern attack of issue #13, timed: callers whose caller id is 31 ones and an x
// reach a flow that branches on `^(1+)+$`, and callers key 111…1* into a collect whose
// pattern is `(1+)+`. A backtracking engine holds the event loop for seconds per call; the
// linear-time matcher must leave /healthz answering within 100 ms throughout.
//
// Baseline: /healthz while the same callers arrive every 50 ms with 32 ones as their caller
// id and keyed digits (the patterns match at once). Subject: the same with the attack's x
// and *. Windows alternate, two each, so both see the same busy machine. /healthz is asked
// from this process over real HTTP, the PBX simulator runs in a process of its own; the
// service's own event-loop delay is kept as detail. The target is the 100 ms; on a
// machine loaded far beyond its cores the ratio is the figure to read.
import { devNull, loadavg } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { pino } from 'pino';
import { loadConfig } from '../src/config.js';
import type { Flow } from '../src/ivr/contract.js';
import { createFlow, publishVersion, putNumber } from '../src/ivr/repository.js';
import { createLogger } from '../src/log.js';
import { startService } from '../src/main.js';
import { createTestDatabase } from '../test/helpers/db.js';
import { uniquePrefix } from '../test/helpers/redis.js';
import { farControl, farServiceEnv, startFarPbx, stopFarPbx } from './far-pbx.js';
import type { BenchResult } from './types.js';

const ATTACK = '1111111111111111111111111111111x';
const TARGET_MS = 100;
const WINDOW_MS = 3_000;
const ROUNDS = 2;
const ARRIVAL_MS = 50;

const say = (name: string) => ({ media: [`sound:cti/${name}`] });
const FLOWS: Flow[] = [
  {
    id: 'redos-branch',
    version: 1,
    entry: 'check',
    nodes: {
      check: { type: 'branch', cases: [{ when: [{ var: 'caller', op: 'matches', regex: '^(1+)+$' }], next: 'bye' }], otherwise: 'bye' },
      bye: { type: 'hangup', prompt: say('goodbye') },
    },
  },
  {
    id: 'redos-collect',
    version: 1,
    entry: 'ask',
    nodes: {
      ask: { type: 'collect', prompt: say('welcome'), variable: 'order', maxDigits: 40, terminator: '#', pattern: '(1+)+', next: 'bye', fallback: 'bye', retries: 0 },
      bye: { type: 'hangup', prompt: say('goodbye') },
    },
  },
];

/** /healthz asked back to back until `until`; every answer's time in ms, sorted. */
async function healthz(url: string, until: () => boolean): Promise<number[]> {
  const times: number[] = [];
  while (!until()) {
    const started = performance.now();
    const res = await fetch(`${url}/healthz`);
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`/healthz answered ${res.status}`);
    times.push(performance.now() - started);
  }
  return times.sort((a, b) => a - b);
}

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

export async function run(): Promise<BenchResult & { detail: Record<string, unknown> }> {
  const { process: child, far } = await startFarPbx(['200']);
  const t = await createTestDatabase();
  const service = await startService(
    loadConfig(farServiceEnv(far, t.url, uniquePrefix('bench-redos'))),
    createLogger('info', pino.destination({ dest: devNull, sync: false })),
  );
  try {
    for (const [i, flow] of FLOWS.entries()) {
      await createFlow(service.db, { id: flow.id, name: flow.id, document: flow });
      await publishVersion(service.db, flow.id, 1, async () => undefined);
      await putNumber(service.db, { did: `72${i}`, flowId: flow.id });
    }
    const deadline = Date.now() + 30_000;
    while (service.nodes[0]!.ariClient?.state !== 'connected') {
      if (Date.now() > deadline) throw new Error('ARI did not connect');
      await new Promise((r) => setTimeout(r, 50));
    }
    const load = () => loadavg().map((l) => l.toFixed(2)).join(' ');
    const loadBefore = load();
    // The same callers with an ordinary caller id and ordinary digits, then with the
    // attack, alternated so both see the same (busy, shared) machine.
    const ordinary: number[] = [];
    const attacked: number[] = [];
    const loop = { ordinary: monitorEventLoopDelay({ resolution: 1 }), attack: monitorEventLoopDelay({ resolution: 1 }) };
    let placed = 0;
    for (let round = 0; round < ROUNDS * 2; round++) {
      const attack = round % 2 === 1;
      const h = attack ? loop.attack : loop.ordinary;
      h.enable();
      const ends = Date.now() + WINDOW_MS;
      const callers = (async () => {
        const pending: Promise<unknown>[] = [];
        for (let i = 0; Date.now() < ends; i++) {
          const collect = i % 2 === 1;
          placed += attack ? 1 : 0;
          const from = collect ? '+15550001111' : attack ? ATTACK : '11111111111111111111111111111111';
          const digits = attack ? `${'1'.repeat(31)}*#` : `${'1'.repeat(31)}#`;
          pending.push(
            farControl(far, '/calls', { from, to: collect ? '721' : '720' }).then(async (c) => {
              if (collect) await farControl(far, `/channels/${c.channelId}/dtmf`, { digits, gapMs: 5 });
            }),
          );
          await new Promise((r) => setTimeout(r, ARRIVAL_MS));
        }
        await Promise.all(pending);
      })();
      (attack ? attacked : ordinary).push(...(await healthz(service.url, () => Date.now() > ends)));
      await callers;
      h.disable();
    }
    ordinary.sort((a, b) => a - b);
    attacked.sort((a, b) => a - b);
    const { rows } = await service.db.query<{ n: number }>("SELECT count(*)::int AS n FROM call_events WHERE type = 'ivr.step' AND data->>'node' IN ('check', 'ask')");

    const p99 = pct(attacked, 99);
    return {
      name: 'redos: /healthz while callers send the ^(1+)+$ attack',
      baseline: { label: `ordinary callers every ${ARRIVAL_MS} ms, /healthz p99 in ms`, perSecond: pct(ordinary, 99), unit: 'ms' },
      subject: { label: `attacking callers every ${ARRIVAL_MS} ms, /healthz p99 in ms`, perSecond: p99, unit: 'ms' },
      ratio: p99 / pct(ordinary, 99),
      target: `/healthz p99 and max < ${TARGET_MS} ms during the attack`,
      pass: p99 < TARGET_MS && attacked.at(-1)! < TARGET_MS,
      detail: {
        ordinaryAnswers: ordinary.length,
        ordinaryP50Ms: pct(ordinary, 50),
        ordinaryMaxMs: ordinary.at(-1),
        attackAnswers: attacked.length,
        attackP50Ms: pct(attacked, 50),
        attackMaxMs: attacked.at(-1),
        serviceLoopDelayP99Ms: { ordinary: loop.ordinary.percentile(99) / 1e6, attack: loop.attack.percentile(99) / 1e6 },
        serviceLoopDelayMaxMs: { ordinary: loop.ordinary.max / 1e6, attack: loop.attack.max / 1e6 },
        attackCallsPlaced: placed,
        patternStepsRun: rows[0]!.n,
        loadAverageBefore: loadBefore,
        loadAverageAfter: load(),
      },
    };
  } finally {
    await service.stop();
    await stopFarPbx(child);
    await t.drop();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const r = await run();
  console.log(JSON.stringify(r, null, 2));
  process.exit(0);
}
