// cti-bridge for the per-call benchmark, alone in its own process so its CPU is its own:
// the service as production starts it (configuration from the environment, info logging
// written as production writes it, to nowhere), plus a profiler the driver switches on and off over IPC for the
// measured window only. Messages in: {profile: 'start'|'stop'}, {cpu: true}, {loops: true}, {amiEvents: true}, {ariEvents: true}, {tally: true}; out:
// {ready: url}, {profile: CpuProfile}, {cpu: seconds}, {loops: event-loop turns so far}, {amiEvents: received so far}, {ariEvents: received so far, ariTypes: by type since the first ask}, {tally: counts} (with BENCH_TALLY=1).
import { Session } from 'node:inspector/promises';
import { performance } from 'node:perf_hooks';
import { openSync } from 'node:fs';
import { devNull } from 'node:os';
import { loadConfig } from '../src/config.js';
import { createServiceLogger } from '../src/log.js';
import { startService } from '../src/main.js';
import { installTally, takeTally } from './call-tally.js';

if (process.env.BENCH_TALLY === '1') installTally();

const config = loadConfig();
const service = await startService(config, createServiceLogger(config.logLevel, config.logFlushMs, openSync(devNull, 'w')));
while (!service.nodes.every((n) => n.ariClient?.state === 'connected')) await new Promise((r) => setTimeout(r, 50));

// ARI events by type, from the first ask on: which types the app's event filter leaves.
const ariTypes = new Map<string, number>();
const counted = new WeakSet<object>();
function countAriTypes(): Record<string, number> {
  for (const node of service.nodes) {
    const ari = node.ariClient;
    if (!ari || counted.has(ari)) continue;
    counted.add(ari);
    ari.on('event', (e) => void ariTypes.set(e.type, (ariTypes.get(e.type) ?? 0) + 1));
  }
  return Object.fromEntries(ariTypes);
}

const session = new Session();
session.connect();
process.on('message', (m: { profile?: 'start' | 'stop'; cpu?: true; loops?: true; amiEvents?: true; ariEvents?: true; tally?: true }) => {
  void (async () => {
    if (m.tally) {
      process.send!({ tally: takeTally() });
    } else if (m.cpu) {
      const u = process.cpuUsage();
      process.send!({ cpu: (u.user + u.system) / 1e6 });
    } else if (m.amiEvents) {
      // AMI events the PBX sent and the client parsed: what the session's filters let through.
      process.send!({ amiEvents: service.nodes.reduce((n, node) => n + (node.amiClient?.stats.eventsReceived ?? 0), 0) });
    } else if (m.ariEvents) {
      // ARI events the PBX sent on the app's socket: what its event type filter lets through.
      process.send!({ ariEvents: service.nodes.reduce((n, node) => n + (node.ariClient?.stats.eventsReceived ?? 0), 0), ariTypes: countAriTypes() });
    } else if (m.loops) {
      // libuv's count of loop turns: each is a wake-up, whose CPU on a shared machine is
      // most of a quiet instance's cost (caches and the core handed back), whatever it does.
      process.send!({ loops: performance.nodeTiming.uvMetricsInfo.loopCount });
    } else if (m.profile === 'start') {
      await session.post('Profiler.enable');
      await session.post('Profiler.setSamplingInterval', { interval: 1_000 });
      await session.post('Profiler.start');
      process.send!({ profiling: true });
    } else if (m.profile === 'stop') {
      const { profile } = await session.post('Profiler.stop');
      process.send!({ profile });
    }
  })();
});
process.on('disconnect', () => void service.stop().then(() => process.exit(0)));
process.send!({ ready: service.url });
