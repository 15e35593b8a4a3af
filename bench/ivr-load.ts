// 200 concurrent callers walking a five-node flow (welcome, menu, CRM lookup, status,
// goodbye) through the simulator, with cti-bridge in this process. Measured: the p99
// event-loop delay of this process while the calls run, against the same measurement
// with the service connected and idle (baseline), in the same run. The PBX and the CRM
// run in a child process so only cti-bridge's work (and a thin load driver) is measured.
// `npx tsx bench/ivr-load.ts` runs it alone.
//
// Here the measured value is the p99 delay in milliseconds (`unit: 'ms'`) and the
// ratio is loaded/idle; pass means p99 under 20 ms.
import { devNull } from 'node:os';
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

const CALLS = 200;
const TARGET_P99_MS = 20;
const IDLE_MS = 3_000;
const RAMP_MS = 2_000;

function fiveNodeFlow(crm: string): Flow {
  const s = (name: string) => ({ media: [`sound:cti/${name}`] });
  return {
    id: 'bench-hotline',
    version: 1,
    entry: 'welcome',
    nodes: {
      welcome: { type: 'play', prompt: s('welcome'), next: 'menu' },
      menu: { type: 'menu', prompt: s('menu'), options: { '1': 'lookup' }, timeoutMs: 5_000, retries: 1, fallback: 'bye' },
      lookup: { type: 'http', method: 'GET', url: `${crm}/orders/{{caller}}`, map: { status: '/status' }, timeoutMs: 3_000, next: 'status', onError: 'bye' },
      status: { type: 'play', prompt: { media: ['sound:cti/status-{{status}}'] }, next: 'bye' },
      bye: { type: 'hangup', prompt: s('goodbye') },
    },
  };
}

async function measure<T>(work: () => Promise<T>): Promise<{ p99Ms: number; maxMs: number; result: T }> {
  // The histogram records the interval between 1 ms ticks: an idle loop reads ~1 ms.
  const h = monitorEventLoopDelay({ resolution: 1 });
  h.enable();
  const result = await work();
  h.disable();
  return { p99Ms: h.percentile(99) / 1e6, maxMs: h.max / 1e6, result };
}

export async function run(): Promise<BenchResult & { detail: Record<string, unknown> }> {
  const { process: child, far } = await startFarPbx();
  const t = await createTestDatabase();
  const service = await startService(
    loadConfig(farServiceEnv(far, t.url, uniquePrefix('bench-ivr'))),
    // Production logging stays on; the lines go nowhere.
    createLogger('info', pino.destination({ dest: devNull, sync: false })),
  );
  try {
    await createFlow(service.db, { id: 'bench-hotline', name: 'bench', document: fiveNodeFlow(far.crm) });
    await publishVersion(service.db, 'bench-hotline', 1, async () => undefined);
    await putNumber(service.db, { did: '700', flowId: 'bench-hotline' });
    const deadline = Date.now() + 30_000;
    while (service.nodes[0]!.ariClient?.state !== 'connected') {
      if (Date.now() > deadline) throw new Error('ARI did not connect');
      await new Promise((r) => setTimeout(r, 50));
    }

    const idle = await measure(() => new Promise((r) => setTimeout(r, IDLE_MS)));

    const loaded = await measure(async () => {
      const started = performance.now();
      // Callers arrive over RAMP_MS (a PBX never delivers 200 calls in one instant); each
      // stays well over RAMP_MS, so all of them are in the IVR together at the peak.
      await Promise.all(
        Array.from({ length: CALLS }, async (_, i) => {
          await new Promise((r) => setTimeout(r, (i * RAMP_MS) / CALLS));
          const call = await farControl(far, '/calls', { from: `+1555${String(i).padStart(7, '0')}`, to: '700' });
          // The caller chooses 1 during the welcome (barge-in carries it to the menu).
          await new Promise((r) => setTimeout(r, 400));
          await farControl(far, `/channels/${call.channelId}/dtmf`, { digits: '1' });
        }),
      );
      const until = Date.now() + 60_000;
      for (;;) {
        const { rows } = await service.db.query<{ n: number }>("SELECT count(*)::int AS n FROM cdrs WHERE dnis = '700'");
        if (rows[0]!.n >= CALLS) break;
        if (Date.now() > until) throw new Error(`only ${rows[0]!.n} of ${CALLS} calls ended`);
        await new Promise((r) => setTimeout(r, 250));
      }
      return performance.now() - started;
    });

    const { rows } = await service.db.query<{ node: string; n: number }>(
      "SELECT data->>'node' AS node, count(*)::int AS n FROM call_events WHERE type = 'ivr.step' GROUP BY 1 ORDER BY 1",
    );
    const stepsByNode = Object.fromEntries(rows.map((r) => [r.node, r.n]));
    // The most calls alive at one instant: every call start is a candidate peak.
    const peak = await service.db.query<{ n: number }>(
      `SELECT max(n)::int AS n FROM (SELECT (SELECT count(*) FROM calls o WHERE o.created_at <= c.created_at AND o.ended_at > c.created_at) AS n
         FROM calls c WHERE c.dnis = '700') x`,
    );
    return {
      name: `ivr: ${CALLS} concurrent calls, five-node flow`,
      baseline: { label: 'idle service, event-loop delay p99 in ms', perSecond: idle.p99Ms, unit: 'ms' },
      subject: { label: `${CALLS} calls in the IVR, event-loop delay p99 in ms`, perSecond: loaded.p99Ms, unit: 'ms' },
      ratio: loaded.p99Ms / idle.p99Ms,
      target: `p99 event-loop delay < ${TARGET_P99_MS} ms under load`,
      pass: loaded.p99Ms < TARGET_P99_MS,
      detail: {
        idleP99Ms: idle.p99Ms,
        idleMaxMs: idle.maxMs,
        loadedP99Ms: loaded.p99Ms,
        loadedMaxMs: loaded.maxMs,
        wallMs: loaded.result,
        peakConcurrentCalls: peak.rows[0]!.n,
        stepsByNode,
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
