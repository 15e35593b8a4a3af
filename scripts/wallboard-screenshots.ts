// `npm run screenshots:wallboard`: the wallboard as a floor sees it, at 1920×1080, written
// to docs/screenshots/. Starts the service on embedded defaults (PBX simulator, embedded
// Postgres in a temporary directory, the local or a private Redis under its own prefix),
// sets up twenty queues and sixty agents over the API, puts real calls from the simulator
// into the sales queue, and journals a day of earlier traffic (today so far and the same
// weekday last week) so that the chart has something to compare. Then Chromium opens the
// whole-centre link, a three-queue link (a chart per queue) and a one-queue link, and
// finally the board with its service gone.
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { chromium, type Page } from 'playwright-core';
import { createApiKey } from '../src/api/keys.js';
import { loadConfig } from '../src/config.js';
import { startEmbeddedPostgres } from '../src/db/embedded.js';
import { ensureRedis } from '../src/demo/redis.js';
import { createLogger } from '../src/log.js';
import { startService } from '../src/main.js';
import { publishFlowDocument, putNumber } from '../src/ivr/repository.js';
import { startSimulator } from '../src/sim/index.js';
import { historyEvents, QUEUES, agentsFor } from './wallboard-sample.js';

const OUT = 'docs/screenshots';
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const cleanups: Array<() => Promise<unknown>> = [];

async function main(): Promise<void> {
  const redis = await ensureRedis(process.env.REDIS_URL);
  if (!redis) throw new Error('no Redis answers and redis-server is not on PATH');
  cleanups.push(redis.stop);
  const dir = await mkdtemp(join(tmpdir(), 'wallboard-shots-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  const pg = await startEmbeddedPostgres(join(dir, 'pglite'));
  cleanups.unshift(pg.stop);
  const sim = await startSimulator({ amiPort: 0, ariPort: 0, controlPort: 0 });
  cleanups.unshift(() => sim.close());
  const prefix = `cti-shots-${randomBytes(4).toString('hex')}`;
  // The keys this run wrote go when it ends, after the service (Redis may be the machine's own).
  cleanups.splice(cleanups.indexOf(redis.stop), 0, () => dropKeys(redis.url, prefix));
  const config = loadConfig({
    ...process.env,
    DATABASE_URL: pg.url, DATABASE_NAMED_STATEMENTS: 'false', DATABASE_POOL_MAX: '1', CALL_CACHE: 'false',
    REDIS_URL: redis.url, REDIS_PREFIX: prefix, PORT: '0',
    AMI_HOST: sim.ami?.host ?? '127.0.0.1', AMI_PORT: String(sim.ami?.port ?? 5038), AMI_SECRET: 'cti-secret',
    ARI_URL: sim.ari.url, ARI_PASSWORD: 'cti-secret', LEASE_TTL_MS: '3000', ALLOW_PLACEHOLDER_SECRETS: 'true', LOG_LEVEL: 'warn',
  });
  const service = await startService(config, createLogger('warn'));
  let serviceUp = true;
  cleanups.unshift(async () => serviceUp && service.stop());
  const { key } = await createApiKey(service.db, { name: 'screenshots', scopes: ['admin'] });
  const api = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${service.url}${path}`, {
      method, headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
    return res.status === 204 ? null : res.json();
  };

  console.log('defining queues and agents …');
  for (const q of QUEUES) {
    await api('PUT', `/v1/skills/${q.id}`, { description: q.name });
    await api('POST', '/v1/queues', { id: q.id, name: q.name, skills: { [q.id]: 1 }, serviceLevel: q.serviceLevel });
  }
  // A supervisor's own thresholds for the sales queue.
  await api('PUT', '/v1/wallboard/thresholds/sales', { waiting: { warning: 2, alarm: 4 }, aht: { warning: 240, alarm: 420 } });
  const agents = agentsFor(QUEUES.map((q) => q.id));
  for (const a of agents) {
    await api('POST', '/v1/agents', { id: a.id, name: a.name, endpoint: a.endpoint, skills: a.skills, wrapUpSeconds: 180 });
    await api('POST', `/v1/agents/${a.id}/state`, { action: 'login' });
    await api('POST', `/v1/agents/${a.id}/state`, a.notReady ? { action: 'not_ready', reason: a.notReady } : { action: 'ready' });
  }

  console.log('journaling earlier traffic …');
  const now = Date.now();
  const history = historyEvents(now);
  for (let i = 0; i < history.length; i += 500) {
    const page = history.slice(i, i + 500);
    await service.db.query(
      'INSERT INTO outbox (event_id, type, payload) SELECT * FROM unnest($1::uuid[], $2::text[], $3::jsonb[])',
      [page.map((e) => e.id), page.map((e) => e.type), page.map((e) => JSON.stringify(e))],
    );
  }
  // Last week's bars come from the rollups: wait until they have folded what was journaled.
  const newest = history.at(-1)!.id;
  for (let tries = 0; ; tries++) {
    const { rows } = await service.db.query(
      `SELECT (SELECT sequence FROM kpi_rollup_position) >= position AS done FROM outbox WHERE event_id = $1 AND position IS NOT NULL`,
      [newest],
    );
    if (rows[0]?.done) break;
    if (tries > 1500) throw new Error('the KPI rollups did not catch up');
    await new Promise((r) => setTimeout(r, 200));
  }

  console.log('placing calls into the sales queue …');
  await publishFlowDocument(service.db, { id: 'sales-line', version: 1, name: 'Sales line', entry: 'sales', nodes: { sales: { type: 'queue', name: 'Sales', queue: 'sales' } } } as never);
  await putNumber(service.db, { did: '200', flowId: 'sales-line', description: 'sales line (screenshots)' });
  for (let n = 0; n < 9; n++) {
    await fetch(`${sim.control.url}/calls`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ from: `+1555123${String(n).padStart(4, '0')}`, to: '200' }) });
    await new Promise((r) => setTimeout(r, 1500));
  }

  const link = async (body: unknown) => `${service.url}${((await api('POST', '/v1/wallboard/tokens', body)) as { url: string }).url}`;
  const centre = await link({ label: 'floor', timeZone: 'UTC' });
  const sales = await link({ label: 'sales team', timeZone: 'UTC', queues: ['sales'] });
  const team = await link({ label: 'orders team', timeZone: 'UTC', queues: ['sales', 'orders', 'returns'] });

  await mkdir(OUT, { recursive: true });
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu'] });
  cleanups.unshift(() => browser.close());
  const shoot = async (url: string, file: string, before?: (page: Page) => Promise<void>) => {
    const page = await browser.newPage({ viewport: { width: 1920, height: 1080 } });
    await page.goto(url);
    await page.waitForSelector('#status[data-state="live"]');
    await page.waitForSelector('.tile');
    await new Promise((r) => setTimeout(r, 2500));
    await before?.(page);
    await page.screenshot({ path: join(OUT, file) });
    console.log(`wrote ${join(OUT, file)}`);
    return page;
  };
  await shoot(centre, 'wallboard-centre-1080p.png');
  await (await shoot(team, 'wallboard-three-queues-1080p.png')).close();
  const page = await shoot(sales, 'wallboard-one-queue-1080p.png');
  // The service goes away: the open board greys and says how old its data is.
  await service.stop();
  serviceUp = false;
  await page.waitForSelector('#status[data-state="stale"]', { timeout: 20_000 });
  await new Promise((r) => setTimeout(r, 2000));
  await page.screenshot({ path: join(OUT, 'wallboard-feed-lost-1080p.png') });
  console.log(`wrote ${join(OUT, 'wallboard-feed-lost-1080p.png')}`);
}

async function dropKeys(url: string, prefix: string): Promise<void> {
  const r = new Redis(url);
  let cursor = '0';
  do {
    const [next, keys] = await r.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
    cursor = next;
    if (keys.length) await r.del(...keys);
  } while (cursor !== '0');
  r.disconnect();
}

async function shutdown(code: number): Promise<void> {
  for (const c of cleanups) await c().catch(() => {});
  process.exit(code);
}

main().then(
  () => shutdown(0),
  async (err) => {
    console.error(`screenshots failed: ${(err as Error).stack ?? err}`);
    await shutdown(1);
  },
);
