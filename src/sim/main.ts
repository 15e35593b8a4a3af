// `npm run sim`: the PBX simulator on fixed ports, for integrators and manual testing.
import { createLogger } from '../log.js';
import { startSimulator } from './index.js';

function port(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > 65535) {
    console.error(`${name} must be a TCP port (0-65535), got '${raw}'`);
    process.exit(2);
  }
  return n;
}

const log = createLogger(process.env['LOG_LEVEL'] ?? 'info');
const sim = await startSimulator({
  host: process.env['SIM_HOST'] ?? '127.0.0.1',
  ariPort: port('SIM_ARI_PORT', 8088),
  amiPort: port('SIM_AMI_PORT', 5038),
  controlPort: port('SIM_CONTROL_PORT', 8089),
  speed: process.env['SIM_SPEED'] ? Number(process.env['SIM_SPEED']) : undefined,
  logger: log,
});

console.log(`PBX simulator (Asterisk 22.10.1 look-alike) is listening
  ARI      ${sim.ari.url}   (user cti / cti-secret, events at ${sim.ari.url.replace(/^http/, 'ws')}/events?app=NAME)
  AMI      ${sim.ami ? `${sim.ami.host}:${sim.ami.port}` : 'off'}   (user cti / cti-secret)
  control  ${sim.control.url}   (POST /calls {"from":"+15551230001","to":"100"}; see docs/simulator.md)`);

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    void sim.close().then(() => process.exit(0));
  });
}
