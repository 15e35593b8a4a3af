// `npm run screenshots:agent`: the agent panel at 1920×1080, idle, with a call offered and
// on a call, written to docs/screenshots/. Runs the service on embedded defaults (PGlite
// in a temporary directory, the local or a private Redis, the PBX simulator, the order
// hotline with its stand-in CRM) and drives Debian's chromium through playwright-core.
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Page } from 'playwright-core';
import { createApiKey } from '../src/api/keys.js';
import { loadConfig } from '../src/config.js';
import { startEmbeddedPostgres } from '../src/db/embedded.js';
import { startDemoCrm } from '../src/demo/crm.js';
import { ensureRedis } from '../src/demo/redis.js';
import { demoFlow } from '../src/ivr/demo-flow.js';
import { publishFlowDocument, putNumber } from '../src/ivr/repository.js';
import { createLogger } from '../src/log.js';
import { startService } from '../src/main.js';
import { startSimulator } from '../src/sim/index.js';

const OUT = 'docs/screenshots';
const cleanups: Array<() => Promise<unknown>> = [];

async function main(): Promise<void> {
  const redis = await ensureRedis(process.env.REDIS_URL);
  if (!redis) throw new Error('no Redis answers and redis-server is not on PATH');
  cleanups.push(redis.stop);
  const dir = await mkdtemp(join(tmpdir(), 'cti-screenshots-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  const pg = await startEmbeddedPostgres(join(dir, 'pglite'));
  cleanups.unshift(pg.stop);
  const sim = await startSimulator({});
  cleanups.unshift(() => sim.close());
  const crmToken = 'Bearer screenshots-crm';
  const crm = await startDemoCrm(crmToken);
  cleanups.unshift(crm.close);
  const service = await startService(
    loadConfig({
      ...process.env,
      DATABASE_URL: pg.url,
      DATABASE_NAMED_STATEMENTS: 'false',
      DATABASE_POOL_MAX: '1',
      CALL_CACHE: 'false',
      REDIS_URL: redis.url,
      REDIS_PREFIX: `cti-screenshots-${process.pid}`,
      PORT: '0',
      AMI_HOST: sim.ami?.host ?? '127.0.0.1',
      AMI_PORT: String(sim.ami?.port ?? 5038),
      AMI_SECRET: 'cti-secret',
      ARI_URL: sim.ari.url,
      ARI_PASSWORD: 'cti-secret',
      OUTBOUND_ALLOW_HOSTS: '127.0.0.1,::1,localhost',
      ALLOW_PLACEHOLDER_SECRETS: 'true',
      LOG_LEVEL: 'silent',
      IVR_SECRETS: JSON.stringify({ 'crm-token': { value: crmToken, hosts: ['127.0.0.1'] } }),
    }),
    createLogger('silent'),
  );
  cleanups.unshift(() => service.stop());

  const hotline = demoFlow(crm.url);
  const allDay = Object.fromEntries(['0', '1', '2', '3', '4', '5', '6'].map((d) => [d, ['00:00-24:00']]));
  await publishFlowDocument(service.db, { ...hotline, calendars: { hotline: { timeZone: 'UTC', weekly: allDay } } });
  await putNumber(service.db, { did: '100', flowId: hotline.id });
  const { key } = await createApiKey(service.db, { name: 'screenshots', scopes: ['admin'] });
  const api = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${service.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
    return res.status === 204 ? undefined : res.json();
  };
  const control = (path: string, body: unknown, method = 'POST') =>
    fetch(`${sim.control.url}${path}`, { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }).then((r) => r.json() as Promise<any>);

  await api('PUT', '/v1/skills/orders', { description: 'Order taking' });
  await api('POST', '/v1/queues', { id: 'sales', name: 'Sales', skills: { orders: 1 } });
  await api('PUT', '/v1/not-ready-reasons', { items: [{ code: 'lunch', label: 'Lunch' }, { code: 'training', label: 'Training' }, { code: 'coaching', label: 'Coaching' }] });
  await api('PUT', '/v1/disposition-codes', { items: [{ code: 'sale', label: 'Sale' }, { code: 'info', label: 'Information only' }, { code: 'callback', label: 'Call back' }] });
  const agents = [['ada', 'Ada Lovelace', '1001'], ['grace', 'Grace Hopper', '1002'], ['linus', 'Linus Torvalds', '1003'], ['margaret', 'Margaret Hamilton', '1004']] as const;
  for (const [id, name, ext] of agents) {
    await api('POST', '/v1/agents', { id, name, endpoint: `PJSIP/${ext}`, skills: { orders: 3 }, ringSeconds: 30, wrapUpSeconds: 60 });
    await api('POST', `/v1/agents/${id}/state`, { action: 'login' });
    await control(`/endpoints/PJSIP/${ext}`, { behaviour: 'answer', answerAfterMs: 8000 }, 'PUT');
  }
  await api('POST', '/v1/agents/grace/state', { action: 'not_ready', reason: 'lunch' });
  await api('POST', '/v1/agents/linus/state', { action: 'not_ready', reason: 'training' });
  await api('POST', '/v1/agents/margaret/state', { action: 'logout' });
  const { url } = (await api('POST', '/v1/agent-panel/links', { agentId: 'ada', label: 'screenshots' })) as { url: string };

  const profile = await mkdtemp(join(tmpdir(), 'cti-screenshots-chromium-'));
  cleanups.unshift(() => rm(profile, { recursive: true, force: true }));
  const browser = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
    viewport: { width: 1920, height: 1080 },
  });
  cleanups.unshift(() => browser.close());
  const page = await browser.newPage();
  await page.goto(`${service.url}${url}`);
  await waitText(page, '#link', 'live');
  await page.getByRole('button', { name: 'Ready', exact: true }).click();
  await waitAttr(page, '#state', 'data-state', 'ready');
  await mkdir(OUT, { recursive: true });
  await shot(page, 'agent-panel-idle');

  // A VIP caller of the hotline presses 1 and is offered to Ada, the one agent ready.
  const { channelId } = await control('/calls', { from: '+15551230007', callerName: 'Customer 0007', to: '100' });
  const dtmf = setInterval(() => void control(`/channels/${channelId}/dtmf`, { digits: '1' }).catch(() => {}), 2500);
  try {
    await waitText(page, '#pop-h', 'Incoming: ');
  } finally {
    clearInterval(dtmf);
  }
  await shot(page, 'agent-panel-offered');
  await waitAttr(page, '#state', 'data-state', 'on_call');
  await page.getByRole('button', { name: 'Hold' }).click();
  await waitText(page, '#btn-hold', 'Resume');
  await page.getByRole('button', { name: 'Resume' }).click();
  await waitText(page, '#btn-hold', 'Hold');
  await api('POST', '/v1/agents/linus/state', { action: 'ready' });
  await page.waitForFunction(() => [...document.querySelectorAll('#to-agent option')].some((o) => o.textContent!.includes('Linus Torvalds — Ready')), undefined, { timeout: 60_000 });
  await page.locator('#to-agent').selectOption('linus');
  await shot(page, 'agent-panel-on-call');
  console.log(`wrote ${OUT}/agent-panel-{idle,offered,on-call}.png`);
}

async function waitText(page: Page, selector: string, text: string): Promise<void> {
  await page.waitForFunction(([s, t]) => (document.querySelector(s!)?.textContent ?? '').includes(t!), [selector, text], { timeout: 60_000 });
}
async function waitAttr(page: Page, selector: string, attr: string, value: string): Promise<void> {
  await page.waitForFunction(([s, a, v]) => document.querySelector(s!)?.getAttribute(a!) === v, [selector, attr, value], { timeout: 60_000 });
}
async function shot(page: Page, name: string): Promise<void> {
  await page.mouse.move(0, 0);
  await page.screenshot({ path: join(OUT, `${name}.png`) });
}

main()
  .catch((err) => {
    console.error(`screenshots failed: ${(err as Error).stack ?? err}`);
    process.exitCode = 1;
  })
  .finally(async () => {
    for (const c of cleanups) await c().catch(() => {});
    process.exit();
  });
