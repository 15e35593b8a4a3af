// The wallboard in a real headless Chromium against the real HTTP server and Postgres: it
// renders the journal's state, then updates live when a call arrives on the event bus and
// when an agent answers it. A wrong token gets no page and no feed.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DomainEvent } from '../../src/events/catalogue.js';
import { LocalEventBus } from '../../src/events/bus.js';
import { createLogger } from '../../src/log.js';
import { Wallboard } from '../../src/wallboard/feed.js';
import { wallboardRoutes } from '../../src/wallboard/routes.js';
import { WallboardTokens } from '../../src/wallboard/token.js';
import { CHROMIUM_ARGS } from '../helpers/chromium.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { bearer, keyWith, testApp } from '../integration/api-fixtures.js';

export { CHROMIUM_ARGS };

let t: TestDatabase;
let app: FastifyInstance;
let bus: LocalEventBus;
let wallboard: Wallboard;
let browser: BrowserContext;
let profile: string;
let base: string;
let url: string;
let key: string;

const event = (type: DomainEvent['type'], callId: string | undefined, data: Record<string, unknown>): DomainEvent => ({
  id: randomUUID(), type, version: 1, occurredAt: new Date().toISOString(), ...(callId ? { callId } : {}), data,
});

beforeAll(async () => {
  t = await createTestDatabase();
  // Already in the journal before the service starts: agent a1 is ready, one caller waits in support.
  for (const e of [
    event('agent.state_changed', undefined, { agentId: 'a1', from: 'logged_out', to: 'ready', reason: null, durationMs: 0, callId: null, queueId: null }),
    event('call.queued', 'old-1', { callId: 'old-1', caller: { number: '+4930111', name: 'Secret Name' }, queue: { id: 'support', priority: 0, position: 1 } }),
  ]) await t.db.query('INSERT INTO outbox (event_id, type, payload) VALUES ($1, $2, $3)', [e.id, e.type, e]);
  bus = new LocalEventBus();
  wallboard = new Wallboard({ db: t.db, bus, log: createLogger('warn'), coalesceMs: 20 });
  await wallboard.start();
  ({ app } = await testApp(t.db, { bus, routes: [{ plugin: wallboardRoutes, opts: { wallboard, tokens: new WallboardTokens(t.db, 'test-secret') } }], options: { keyRecheckMs: 300 } }));
  base = await app.listen({ host: '127.0.0.1', port: 0 });
  key = await keyWith(t.db, 'reports:read');
  const issued = await app.inject({ method: 'POST', url: '/v1/wallboard/tokens', headers: bearer(key), payload: { serviceLevelSeconds: 20, serviceLevelTarget: 0.8 } });
  expect(issued.statusCode).toBe(201);
  url = base + issued.json().url;
  profile = await mkdtemp(join(tmpdir(), 'wallboard-chromium-'));
  // A fresh profile directory: Playwright passes it as --user-data-dir itself.
  browser = await chromium.launchPersistentContext(profile, { executablePath: '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS });
});
afterAll(async () => {
  await browser?.close();
  wallboard?.stop();
  await app?.close();
  await t?.drop();
  if (profile) await rm(profile, { recursive: true, force: true });
});

const cell = (page: Page, queue: string, metric: string) => page.locator(`[data-queue="${queue}"] .fig[data-metric="${metric}"] .value`);

describe('wallboard', () => {
  it('renders the state, then updates live when a call arrives and is answered', async () => {
    const page = await browser.newPage();
    const response = await page.goto(url);
    expect(response!.status()).toBe(200);
    expect(response!.headers()['content-security-policy']).toContain("script-src 'self'");
    await expect.poll(() => page.locator('#status').getAttribute('data-state')).toBe('live');
    await expect.poll(() => cell(page, 'support', 'waiting').textContent()).toBe('1');
    await expect.poll(() => page.locator('#states [data-state="ready"] b').textContent()).toBe('1');
    expect(await page.content()).not.toContain('Secret Name'); // no caller data on a wall

    // a call arrives in sales
    await bus.publish(event('call.queued', 'c1', { callId: 'c1', caller: { number: '+4930222', name: null }, queue: { id: 'sales', priority: 0, position: 1 } }));
    await expect.poll(() => cell(page, 'sales', 'waiting').textContent()).toBe('1');
    await expect.poll(() => cell(page, 'sales', 'offered').textContent()).toBe('1');
    expect(await cell(page, 'sales', 'serviceLevel').textContent()).toBe('0 %');

    // a1 answers it after 5 s
    await bus.publish(event('agent.state_changed', undefined, { agentId: 'a1', from: 'ready', to: 'on_call', reason: null, durationMs: 1000, callId: 'c1', queueId: 'sales' }));
    await bus.publish(event('call.connected', 'c1', { callId: 'c1', agent: { id: 'a1' }, queueId: 'sales', waitMs: 5000 }));
    await expect.poll(() => cell(page, 'sales', 'waiting').textContent()).toBe('0');
    await expect.poll(() => cell(page, 'sales', 'serviceLevel').textContent()).toBe('100 %');
    expect(await page.locator('[data-queue="sales"] .fig[data-metric="serviceLevel"]').getAttribute('data-level')).toBe('ok');
    await expect.poll(() => page.locator('#states [data-state="on_call"] b').textContent()).toBe('1');
    expect(await page.locator('.tile[data-agent="a1"]').getAttribute('data-agent-state')).toBe('on_call');
    await page.close();
  });

  it('refuses a tampered or missing token: no page, no feed', async () => {
    const page = await browser.newPage();
    const bad = url.replace(/token=([^.]+)\.(.)/, (_m, body: string, c: string) => `token=${body}.${c === 'A' ? 'B' : 'A'}`);
    expect((await page.goto(bad))!.status()).toBe(401);
    expect((await page.goto(`${base}/wallboard`))!.status()).toBe(400);
    // a wallboard token is not an API key
    const token = new URL(url).searchParams.get('token')!;
    const api = await app.inject({ method: 'POST', url: '/v1/wallboard/tokens', headers: bearer(token), payload: {} });
    expect(api.statusCode).toBe(401);
    await page.close();
  });

  it('a link revoked on its own takes its screen down; the other links stay live', async () => {
    const other = await app.inject({ method: 'POST', url: '/v1/wallboard/tokens', headers: bearer(key), payload: { label: 'hall B' } });
    expect(other.statusCode).toBe(201);
    const page = await browser.newPage();
    await page.goto(base + other.json().url);
    await expect.poll(() => page.locator('#status').textContent()).toBe('Live');
    const listed = await app.inject({ method: 'GET', url: '/v1/wallboard/links', headers: bearer(key) });
    expect(listed.json().items.map((l: { label: string | null }) => l.label)).toContain('hall B');
    // Another key with reports:read cannot see or revoke it.
    const stranger = await keyWith(t.db, 'reports:read');
    expect((await app.inject({ method: 'GET', url: '/v1/wallboard/links', headers: bearer(stranger) })).json().items).toEqual([]);
    expect((await app.inject({ method: 'DELETE', url: `/v1/wallboard/links/${other.json().id}`, headers: bearer(stranger) })).statusCode).toBe(404);
    const revoked = await app.inject({ method: 'DELETE', url: `/v1/wallboard/links/${other.json().id}`, headers: bearer(key) });
    expect(revoked.statusCode).toBe(204);
    await expect.poll(() => page.locator('#status').textContent(), { timeout: 15_000 }).toMatch(/expired or was revoked/);
    expect((await page.goto(base + other.json().url))!.status()).toBe(401);
    const first = await browser.newPage();
    await first.goto(url);
    await expect.poll(() => first.locator('#status').textContent()).toBe('Live');
    await first.close();
    await page.close();
  });

  it('a link for one queue shows only the agents who can serve it', async () => {
    await t.db.query("INSERT INTO acd_skills (name) VALUES ('sales'), ('support')");
    await t.db.query(
      `INSERT INTO acd_agents (id, name, endpoint, skills, ring_seconds, wrap_up_seconds) VALUES
       ('seller', 'Sam', 'PJSIP/2001', '{"sales": 3}', 15, 10), ('helper', 'Hana', 'PJSIP/2002', '{"support": 3}', 15, 10)`,
    );
    await t.db.query("INSERT INTO acd_queues (id, name, definition) VALUES ('sales', 'Sales', $1)", [
      JSON.stringify({ id: 'sales', name: 'Sales', skills: { sales: 1 }, wideningSteps: [] }),
    ]);
    for (const agentId of ['seller', 'helper']) {
      await bus.publish(event('agent.state_changed', undefined, { agentId, from: 'logged_out', to: 'ready', reason: null, durationMs: 0, callId: null, queueId: null }));
    }
    const issued = await app.inject({ method: 'POST', url: '/v1/wallboard/tokens', headers: bearer(key), payload: { queues: ['sales'] } });
    const page = await browser.newPage();
    await page.goto(base + issued.json().url);
    await expect.poll(() => page.locator('.tile[data-agent="seller"]').count()).toBe(1);
    expect(await page.locator('.tile[data-agent="helper"]').count()).toBe(0);
    expect(await page.locator('.tile[data-agent="a1"]').count()).toBe(0);
    // The whole-floor link still shows everyone.
    const all = await browser.newPage();
    await all.goto(url);
    await expect.poll(() => all.locator('.tile[data-agent="helper"]').count()).toBe(1);
    await all.close();
    await page.close();
  });

  it('takes an open screen down when its key is revoked', async () => {
    const page = await browser.newPage();
    await page.goto(url);
    await expect.poll(() => page.locator('#status').textContent()).toBe('Live');
    // Revoked outside the API (the command line): open screens notice at their next re-check.
    await t.db.query('UPDATE api_keys SET revoked_at = now()');
    await expect.poll(() => page.locator('#status').textContent(), { timeout: 15_000 }).toMatch(/expired or was revoked/);
    await page.close();
  });
});
