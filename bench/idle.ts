// What a quiet instance costs: the service started as production starts it (configuration
// from the environment, the far simulator's PBX node connected), left alone for 10 s, then
// its event-loop turns and CPU per second over 20 s. Each turn is a wake-up (~150 µs of CPU
// on a busy 2-vCPU machine whatever it does), so the turns are the load-independent figure.
// The service runs in this process (nothing else happens in it meanwhile); the simulator
// runs in its own. Run alone: npx tsx bench/idle.ts (BENCH_IDLE_SECONDS, default 20).
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { openSync } from 'node:fs';
import { devNull } from 'node:os';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../src/config.js';
import { createServiceLogger } from '../src/log.js';
import { startService } from '../src/main.js';
import { createTestDatabase } from '../test/helpers/db.js';
import { uniquePrefix } from '../test/helpers/redis.js';
import { farServiceEnv } from './far-pbx.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const SECONDS = Number(process.env.BENCH_IDLE_SECONDS ?? 20);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const pbx = spawn(process.execPath, ['--import', 'tsx', 'bench/ivr-load-pbx.ts', '500'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
const [line] = (await once(createInterface({ input: pbx.stdout! }), 'line')) as [string];
const t = await createTestDatabase();
Object.assign(process.env, farServiceEnv(JSON.parse(line), t.url, uniquePrefix('bench-idle')));
const config = loadConfig();
const service = await startService(config, createServiceLogger(config.logLevel, config.logFlushMs, openSync(devNull, 'w')));
try {
  while (!service.nodes.every((n) => n.ariClient?.state === 'connected')) await sleep(50);
  // Start-up work (migrations checked, partitions, first passes) out of the way.
  await sleep(10_000);
  const loops = performance.nodeTiming.uvMetricsInfo.loopCount;
  const cpu = process.cpuUsage();
  await sleep(SECONDS * 1000);
  const turns = performance.nodeTiming.uvMetricsInfo.loopCount - loops;
  const used = process.cpuUsage(cpu);
  console.log(JSON.stringify({
    quietLoopTurnsPerSecond: Math.round((turns * 10) / SECONDS) / 10,
    quietServiceCpuMsPerSecond: Math.round((used.user + used.system) / 100 / SECONDS) / 10,
  }));
} finally {
  await service.stop();
  pbx.kill();
  await t.drop();
}
// Two Redis connections stay open after service.stop() (on main as well): the figures are
// printed, so the bench ends here rather than waiting on them.
process.exit(0);
