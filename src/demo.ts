// `npm run demo`: a working call centre on a laptop with no PBX. Starts the PBX
// simulator, Postgres (embedded PGlite unless DATABASE_URL is set), Redis (REDIS_URL,
// the local one, or a private redis-server), the service itself, a webhook receiver
// that verifies signatures, and a trickle of scripted calls. The console gets one banner
// (also in <data>/demo-banner.txt); logs go to <data>/demo.log. What must survive a
// restart (the stream-token secret, the admin key, the webhook subscription, the
// wallboard link) is kept in <data>/demo-state.json, and the demo's Redis keys live
// under their own prefix, removed when it stops.
import { createWriteStream } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { CtiBridge } from '../client/src/index.js';
import { createApiKey } from './api/keys.js';
import { loadConfig } from './config.js';
import { startEmbeddedPostgres } from './db/embedded.js';
import { createLogger } from './log.js';
import { startService } from './main.js';
import { renderBanner, type BannerEntry } from './demo/banner.js';
import { startDemoCrm } from './demo/crm.js';
import { startDemoReceiver } from './demo/receiver.js';
import { cleanPrefix, ensureRedis } from './demo/redis.js';
import { ensurePanelLink, ensureWallboard, ensureWebhook, keyWorks, staffSalesQueue } from './demo/setup.js';
import { loadDemoState, saveDemoState } from './demo/state.js';
import { demoFlow } from './ivr/demo-flow.js';
import { publishFlowDocument, putNumber } from './ivr/repository.js';
import { createMailbox } from './voicemail/repository.js';
import { startSimulator } from './sim/index.js';

const env = process.env;
const dataDir = resolve(env.DEMO_DATA_DIR ?? '.data');
// Never REDIS_PREFIX: that may be a real deployment's, and the demo deletes its prefix.
const redisPrefix = env.DEMO_REDIS_PREFIX ?? 'cti-demo';
const cleanups: Array<() => Promise<unknown>> = [];

async function main(): Promise<void> {
  await mkdir(dataDir, { recursive: true });
  const logFile = join(dataDir, 'demo.log');
  const log = createLogger(env.LOG_LEVEL ?? 'info', createWriteStream(logFile, { flags: 'a' }));
  const state = await loadDemoState(dataDir);

  const redis = await ensureRedis(env.REDIS_URL);
  if (!redis) {
    console.error('cti-bridge demo: no Redis answers and redis-server is not on PATH — install one (e.g. `apt-get install redis-server`) or set REDIS_URL.');
    process.exit(1);
  }
  // What a previous run left (killed before it could clean up) goes first.
  await cleanPrefix(redis.url, redisPrefix);
  cleanups.push(() => cleanPrefix(redis.url, redisPrefix));
  cleanups.push(redis.stop);

  let databaseUrl = env.DATABASE_URL;
  let namedStatements = 'true';
  let poolMax = env.DATABASE_POOL_MAX ?? '10';
  // PGlite does not deliver NOTIFY between connections, which the call detail cache needs.
  let callCache = env.CALL_CACHE ?? 'true';
  if (!databaseUrl) {
    console.log(`starting embedded Postgres (PGlite) in ${join(dataDir, 'pglite')} …`);
    const pg = await startEmbeddedPostgres(join(dataDir, 'pglite'));
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
    REDIS_PREFIX: redisPrefix,
    PORT: env.PORT ?? '8080',
    AMI_HOST: sim.ami?.host ?? '127.0.0.1',
    AMI_PORT: String(sim.ami?.port ?? 5038),
    AMI_SECRET: 'cti-secret',
    ARI_URL: sim.ari.url,
    ARI_PASSWORD: 'cti-secret',
    LEASE_TTL_MS: '3000',
    // Stream tokens and wallboard links signed with it stay valid across restarts.
    STREAM_TOKEN_SECRET: env.STREAM_TOKEN_SECRET ?? state.streamTokenSecret,
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

  // The previous run's key while the database still knows it; a new one otherwise.
  if (!state.adminKey || !(await keyWorks(service.url, state.adminKey))) {
    state.adminKey = (await createApiKey(service.db, { name: 'demo-admin', scopes: ['admin'] })).key;
  }
  const key = state.adminKey;
  const cti = new CtiBridge({ baseUrl: service.url, apiKey: key });
  await staffSalesQueue(cti);
  const receiver = await startDemoReceiver(log, state.webhook?.port);
  cleanups.push(receiver.close);
  await ensureWebhook(cti, state, receiver);
  const wallboard = await ensureWallboard(cti, service.url, state);
  const panel = await ensurePanelLink(cti, state);
  await saveDemoState(dataDir, state);

  const entries: BannerEntry[] = [
    ['API docs', `${service.url}/docs`],
    ['admin key', key],
    ['calls', `curl -H 'Authorization: Bearer ${key}' ${service.url}/v1/calls`],
    ['wallboard', `${service.url}${wallboard}`],
    ['agent panel', `${service.url}${panel}  (Ada's desk)`],
    ['live stream', `${service.url.replace(/^http/, 'ws')}/v1/events/stream (token: POST /v1/events/stream-tokens)`],
    ['health', `${service.url}/readyz   metrics ${service.url}/metrics`],
    ['PBX simulator', `control ${sim.control.url}  (POST /calls {"from":"+15551230001","to":"100"})`],
    ['IVR', 'DID 100 runs the order hotline flow: GET /v1/flows/order-hotline'],
    ['ACD', 'queue "sales" (key 1) with agents ada, grace and linus on the simulator\'s phones 1001-1003'],
    ['webhooks', `verified by the demo receiver (${receiver.url}); see the log`],
    ['logs', logFile],
  ];
  const bannerFile = join(dataDir, 'demo-banner.txt');
  const banner = renderBanner('cti-bridge demo is running', entries, [`(this banner: ${bannerFile})`, 'Ctrl-C stops everything.']);
  await writeFile(bannerFile, banner, { mode: 0o600 });
  console.log(`\n${banner}`);

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
  // One quiet line a minute instead of a line per event.
  const summary = setInterval(() => {
    const { verified, bad } = receiver.counts;
    console.log(`${new Date().toISOString().slice(11, 19)}  ${n} demo calls placed, ${verified} webhooks verified${bad ? `, ${bad} with a BAD SIGNATURE` : ''}`);
  }, 60_000);
  cleanups.unshift(async () => clearInterval(summary));
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
