// The far side of the IVR load bench, in its own process so its work does not count
// against cti-bridge's event loop: the simulated PBX (short prompts) and the CRM the flow
// asks. Prints one JSON line with their addresses, then runs until killed.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startSimulator } from '../src/sim/index.js';

// Prompts long enough that a call lasts several seconds: 200 callers overlap fully. The
// per-call CPU bench passes shorter ones (milliseconds, the first argument).
const PROMPT_MS = Number(process.argv[2] ?? 1_000);
const sim = await startSimulator({
  soundDurationsMs: Object.fromEntries(['welcome', 'menu', 'status-shipped', 'goodbye'].map((p) => [`cti/${p}`, PROMPT_MS])),
});
const crm = createServer((req, res) => {
  req.resume();
  req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"shipped"}'));
});
await new Promise<void>((r) => crm.listen(0, '127.0.0.1', r));
console.log(
  JSON.stringify({
    ari: sim.ari.url,
    ami: sim.ami,
    control: sim.control.url,
    crm: `http://127.0.0.1:${(crm.address() as AddressInfo).port}`,
  }),
);
process.on('SIGTERM', () => {
  crm.close();
  void sim.close().then(() => process.exit(0));
});
