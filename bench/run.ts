// `npm run bench`: every benchmark, each a ratio against a baseline measured in the
// same run. Prints a table and the JSON, with the machine it ran on.
import { cpus, totalmem } from 'node:os';
import type { BenchResult, Rate } from './types.js';

const suites: Array<[string, () => Promise<{ run(): Promise<BenchResult | BenchResult[]> }>]> = [
  ['ami', () => import('./ami.js')],
  ['api', () => import('./api.js')],
  ['webhooks', () => import('./webhooks.js')],
  ['ivr', () => import('./ivr.js')],
  ['ivr-load', () => import('./ivr-load.js')],
  ['cdr-hangup', () => import('./cdr-pipeline.js').then((m) => ({ run: m.runHangup }))],
  ['cdr-pipeline', () => import('./cdr-pipeline.js')],
  ['cdr-drain', () => import('./cdr-pipeline.js').then((m) => ({ run: m.runDrain }))],
  ['cdr-latency', () => import('./cdr-pipeline.js').then((m) => ({ run: m.runLatency }))],
  ['acd', () => import('./acd.js')],
  ['retention', () => import('./retention.js')],
  ['call-cpu', () => import('./call-cpu.js')],
  ['wake-cost', () => import('./wake-cost.js')],
  ['history', () => import('./history.js')],
  ['history-ids', () => import('./history-ids.js')],
  ['redos', () => import('./redos.js')],
];

const only = process.argv.slice(2);
const results: BenchResult[] = [];
for (const [name, load] of suites) {
  if (only.length && !only.includes(name)) continue;
  const mod = await load();
  console.error(`running ${name} …`);
  results.push(...[await mod.run()].flat());
}

const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
console.log(`machine: ${machine}\n`);
console.log('| benchmark | baseline | subject | ratio | target | pass |');
console.log('|---|---|---|---|---|---|');
const show = (r: Rate) =>
  r.unit ? `${r.label}: ${r.perSecond.toFixed(1)} ${r.unit}` : `${r.label}: ${Math.round(r.perSecond).toLocaleString('en')}/s`;
for (const r of results) {
  console.log(`| ${r.name} | ${show(r.baseline)} | ${show(r.subject)} | ${(r.ratio * 100).toFixed(1)}% | ${r.target} | ${r.pass ? 'yes' : 'NO'} |`);
}
console.log(`\n${JSON.stringify({ machine, results }, null, 2)}`);
process.exit(results.every((r) => r.pass) ? 0 : 1);
