// `npm run demo`: a working call centre on a laptop with no PBX. Starts the PBX
// simulator, Postgres (embedded PGlite unless DATABASE_URL is set), Redis (REDIS_URL,
// the local one, or a private redis-server), the service itself, a webhook receiver
// that verifies signatures, and a trickle of scripted calls.
import { mkdir } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApiKey } from './api/keys.js';
import { loadConfig } from './config.js';
import { startEmbeddedPostgres } from './db/embedded.js';
import { verifyWebhook } from './events/signing.js';
import { createLogger } from './log.js';
import { startService } from './main.js';
import { startDemoCrm } from './demo/crm.js';
import { ensureRedis } from './demo/redis.js';
import { demoFlow } from './ivr/demo-flow.js';
import { publishFlowDocument, putNumber } from './ivr/repository.js';
import { createMailbox } from './voicemail/repository.js';
import { startSimulator } from './sim/index.js';

const env = process.env;
const log = createLogger(env.LOG_LEVEL ?? 'info');
const cleanups: Array<() => Promise<unknown>> = [];

async function main(): Promise<void> {
  const redis = await ensureRedis(env.REDIS_URL);
  if (!redis) {
    console.error('cti-bridge demo: no Redis answers and redis-server is not on PATH — install one (e.g. `apt-get install redis-server`) or set REDIS_URL.');
    process.exit(1);
  }
  cleanups.push(redis.stop);

  let databaseUrl = env.DATABASE_URL;
  let namedStatements = 'true';
  let poolMax = env.DATABASE_POOL_MAX ?? '10';
  // PGlite does not deliver NOTIFY between connections, which the call detail cache needs.
  let callCache = env.CALL_CACHE ?? 'true';
  if (!databaseUrl) {
    await mkdir('.data', { recursive: true });
    console.log('starting embedded Postgres (PGlite) in .data/pglite …');
    const pg = await startEmbeddedPostgres('.data/pglite');
    cleanups.push(pg.stop);
    databaseUrl = pg.url;
    namedStatements = 'false';
    callCache = 'false';
    // PGlite is one session: statements from several connections interleave inside it.
    poolMax = '1';
  }

  const sim = await startSimulator({
    amiPort: Number(env.SIM_AMI_PORT ?? 0),
    ariPort: Number(env.SIM_ARI_PORT ?? 0),
    controlPort: Number(env.SIM_CONTROL_PORT ?? 8089),
  });
  cleanups.push(() => sim.close());

  // The order hotline IVR, against a stand-in CRM, open around the clock for the demo.
  const crmToken = 'Bearer demo-crm-token';
  const crm = await startDemoCrm(crmToken);
  cleanups.push(crm.close);

  const config = loadConfig({
    ...env,
    DATABASE_URL: databaseUrl,
    DATABASE_NAMED_STATEMENTS: namedStatements,
    DATABASE_POOL_MAX: poolMax,
    CALL_CACHE: callCache,
    REDIS_URL: redis.url,
    REDIS_PREFIX: env.REDIS_PREFIX ?? 'cti-demo',
    PORT: env.PORT ?? '8080',
    AMI_HOST: sim.ami?.host ?? '127.0.0.1',
    AMI_PORT: String(sim.ami?.port ?? 5038),
    AMI_SECRET: 'cti-secret',
    ARI_URL: sim.ari.url,
    ARI_PASSWORD: 'cti-secret',
    LEASE_TTL_MS: '3000',
    // The demo's CRM and webhook receiver run on this machine.
    OUTBOUND_ALLOW_HOSTS: env.OUTBOUND_ALLOW_HOSTS ?? '127.0.0.1,::1,localhost',
    ALLOW_PLACEHOLDER_SECRETS: 'true',
    LOG_LEVEL: env.LOG_LEVEL ?? 'info',
    IVR_SECRETS: JSON.stringify({ 'crm-token': { value: crmToken, hosts: [new URL(crm.url).hostname] } }),
    // Key 0 of the hotline: the operator's phone.
    TRANSFER_DESTINATIONS: env.TRANSFER_DESTINATIONS ?? JSON.stringify({ operator: '1009' }),
  });
  const service = await startService(config, log);
  cleanups.unshift(() => service.stop());
  const hotline = demoFlow(crm.url);
  const allDay = Object.fromEntries(['0', '1', '2', '3', '4', '5', '6'].map((d) => [d, ['00:00-24:00']]));
  await publishFlowDocument(service.db, { ...hotline, calendars: { hotline: { timeZone: 'UTC', weekly: allDay } } });
  await putNumber(service.db, { did: '100', flowId: hotline.id, description: 'order hotline (demo)' });
  // The mailboxes the hotline's voicemail nodes name (key 9, and after hours).
  await createMailbox(service.db, 'orders', { name: 'Order hotline', kind: 'queue', owner: 'orders' });
  await createMailbox(service.db, 'orders-after-hours', { name: 'Order hotline after hours', kind: 'general' });

  const { key } = await createApiKey(service.db, { name: 'demo-admin', scopes: ['admin'] });
  await staffSalesQueue(service.url, key);
  const receiver = await startReceiver();
  cleanups.push(receiver.close);
  const res = await fetch(`${service.url}/v1/webhooks`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ url: receiver.url, eventTypes: [], description: 'demo receiver' }),
  });
  const sub = (await res.json()) as { secret?: string };
  receiver.secret = sub.secret ?? '';
  const panel = await fetch(`${service.url}/v1/agent-panel/links`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ agentId: 'ada', label: 'demo' }),
  });
  const panelUrl = `${service.url}${((await panel.json()) as { url: string }).url}`;

  console.log(`
cti-bridge demo is running
  API docs        ${service.url}/docs
  calls           curl -H 'Authorization: Bearer ${key}' ${service.url}/v1/calls
  live stream     ${service.url.replace(/^http/, 'ws')}/v1/events/stream (token: POST /v1/events/stream-tokens)
  health          ${service.url}/readyz   metrics ${service.url}/metrics
  PBX simulator   control ${sim.control.url}  (POST /calls {"from":"+15551230001","to":"100"})
  IVR             DID 100 runs the order hotline flow: GET /v1/flows/order-hotline
  ACD             queue "sales" (key 1) with agents ada, grace and linus on the simulator's phones 1001-1003:
                  GET /v1/queues/sales/stats, GET /v1/agents, POST /v1/agents/ada/state {"action":"not_ready","reason":"lunch"}
  agent panel     ${panelUrl}  (Ada's desk)
  webhooks        verified deliveries are printed below as they arrive
Ctrl-C stops everything.
`);

  const everyMs = Number(env.DEMO_CALL_EVERY_MS ?? 5000);
  let n = 0;
  // Every other demo caller asks for an order's status (2, then the order number) and hangs
  // up; the others press 1 to place an order, wait in the sales queue, talk with an agent
  // (the simulator's phones answer after two seconds) and hang up.
  const control = (path: string, body: unknown) =>
    fetch(`${sim.control.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const trickle = setInterval(() => {
    n++;
    const from = `+1555${String(1230000 + (n % 10000)).padStart(7, '0')}`;
    void control('/calls', { from, callerName: `Demo Caller ${n}`, to: '100' })
      .then((res) => res.json() as Promise<{ channelId: string }>)
      .then(({ channelId }) => {
        const later = (ms: number, path: string, body: unknown) => setTimeout(() => void control(path, body).catch(() => {}), ms);
        if (n % 2 === 0) {
          later(3_000, `/channels/${channelId}/dtmf`, { digits: '1' });
          later(30_000, `/channels/${channelId}/hangup`, { cause: 16 });
          return;
        }
        later(3_000, `/channels/${channelId}/dtmf`, { digits: '2' });
        later(5_000, `/channels/${channelId}/dtmf`, { digits: `${100000 + n}#`, gapMs: 150 });
        later(14_000, `/channels/${channelId}/hangup`, { cause: 16 });
      })
      .catch(() => {});
  }, everyMs);
  cleanups.unshift(async () => clearInterval(trickle));
}

/** The sales queue of the hotline and three agents on the simulator's phones, set up as an integrator would. */
async function staffSalesQueue(base: string, key: string): Promise<void> {
  const api = async (method: string, path: string, body: unknown) => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (!res.ok && res.status !== 409) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  };
  await api('PUT', '/v1/skills/orders', { description: 'Order taking' });
  await api('POST', '/v1/queues', {
    id: 'sales',
    name: 'Sales',
    skills: { orders: 1 },
    serviceLevel: { percent: 90, seconds: 10 },
    announceEverySeconds: 20,
    priorityRules: [{ field: 'vip', equals: 'true', add: 10 }],
  });
  await api('PUT', '/v1/not-ready-reasons', { items: [{ code: 'lunch', label: 'Lunch' }, { code: 'training', label: 'Training' }] });
  await api('PUT', '/v1/disposition-codes', { items: [{ code: 'sale', label: 'Sale' }, { code: 'info', label: 'Information only' }, { code: 'callback', label: 'Call back' }] });
  const agents = [
    ['ada', 'Ada Lovelace', 'PJSIP/1001', 5],
    ['grace', 'Grace Hopper', 'PJSIP/1002', 4],
    ['linus', 'Linus Torvalds', 'PJSIP/1003', 3],
  ] as const;
  for (const [id, name, endpoint, level] of agents) {
    await api('POST', '/v1/agents', { id, name, endpoint, skills: { orders: level }, wrapUpSeconds: 5 });
    await api('POST', `/v1/agents/${id}/state`, { action: 'login' });
    await api('POST', `/v1/agents/${id}/state`, { action: 'ready' });
  }
}

async function startReceiver() {
  const state = { secret: '' };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const ok = state.secret !== '' && verifyWebhook(req.headers, body, state.secret).ok;
      const event = JSON.parse(body) as { type: string; callId?: string };
      console.log(`webhook ${ok ? 'verified' : 'BAD SIGNATURE'}: ${event.type}${event.callId ? ` call ${event.callId}` : ''}`);
      res.writeHead(ok ? 204 : 401).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`,
    set secret(s: string) {
      state.secret = s;
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

async function shutdown(): Promise<void> {
  for (const c of cleanups) await c().catch(() => {});
  process.exit(0);
}
process.on('SIGINT', () => void shutdown());
process.on('SIGTERM', () => void shutdown());

main().catch(async (err) => {
  console.error(`cti-bridge demo failed: ${(err as Error).message}`);
  for (const c of cleanups) await c().catch(() => {});
  process.exit(1);
});
