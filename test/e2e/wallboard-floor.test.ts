// Wallboard v2 in a real headless Chromium against the real HTTP server and Postgres, its
// feed through a TCP proxy that can be cut: one queue filling the screen with figures that
// cross to warning and alarm at the thresholds set over the API; thirty queues and two
// hundred agents paged in attention order; the feed lost (the board greys, freezes and
// says how old its data is) and back (live again, with what happened meanwhile).
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../src/api/keys.js';
import { LocalEventBus } from '../../src/events/bus.js';
import type { DomainEvent } from '../../src/events/catalogue.js';
import { createLogger } from '../../src/log.js';
import { Wallboard } from '../../src/wallboard/feed.js';
import { wallboardRoutes } from '../../src/wallboard/routes.js';
import { thresholdRoutes } from '../../src/wallboard/threshold-routes.js';
import { WallboardTokens } from '../../src/wallboard/token.js';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../helpers/chromium.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js';
import { bearer, keyWith, testApp } from '../integration/api-fixtures.js';

let t: TestDatabase;
let app: FastifyInstance;
let bus: LocalEventBus;
let wallboard: Wallboard;
let browser: BrowserContext;
let profile: string;
let proxy: TcpProxy;
let base: string;
let reader: string;
let supervisor: { id: string; key: string };

const event = (type: DomainEvent['type'], callId: string | undefined, data: Record<string, unknown>, at = Date.now()): DomainEvent => ({
  id: randomUUID(), type, version: 1, occurredAt: new Date(at).toISOString(), ...(callId ? { callId } : {}), data,
});
const stateChange = (agentId: string, to: string, reason: string | null, at: number) =>
  event('agent.state_changed', undefined, { agentId, from: 'logged_out', to, reason, durationMs: 0, callId: null, queueId: null }, at);
const figure = (page: Page, queue: string, metric: string) => page.locator(`[data-queue="${queue}"] .fig[data-metric="${metric}"]`);
const link = async (body: Record<string, unknown>) => {
  const res = await app.inject({ method: 'POST', url: '/v1/wallboard/tokens', headers: bearer(reader), payload: body });
  expect(res.statusCode).toBe(201);
  return base + res.json().url;
};
const open = async (url: string, width = 1920, height = 1080) => {
  const page = await browser.newPage();
  await page.setViewportSize({ width, height });
  await page.goto(url);
  await expect.poll(() => page.locator('#status').getAttribute('data-state')).toBe('live');
  return page;
};
const defineQueue = (id: string, name: string, skill: string, percent = 80, seconds = 20) =>
  t.db.query('INSERT INTO acd_queues (id, name, definition) VALUES ($1, $2, $3)', [
    id, name, JSON.stringify({ id, name, skills: { [skill]: 1 }, wideningSteps: [], serviceLevel: { percent, seconds } }),
  ]);

beforeAll(async () => {
  t = await createTestDatabase();
  bus = new LocalEventBus();
  wallboard = new Wallboard({ db: t.db, bus, log: createLogger('warn'), coalesceMs: 20 });
  await wallboard.start();
  ({ app } = await testApp(t.db, {
    bus,
    routes: [
      { plugin: wallboardRoutes, opts: { wallboard, tokens: new WallboardTokens(t.db, 'test-secret') } },
      { plugin: thresholdRoutes, opts: { db: t.db, changed: () => wallboard.definitionsChanged() } },
    ],
  }));
  const address = new URL(await app.listen({ host: '127.0.0.1', port: 0 }));
  proxy = await startTcpProxy('127.0.0.1', Number(address.port));
  base = `http://127.0.0.1:${proxy.port}`;
  reader = await keyWith(t.db, 'reports:read');
  supervisor = await createApiKey(t.db, { name: 'supervisor', scopes: ['queues:write', 'reports:read'] });
  profile = await mkdtemp(join(tmpdir(), 'wallboard-floor-chromium-'));
  browser = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS });
});
afterAll(async () => {
  await browser?.close();
  wallboard?.stop();
  await app?.close();
  await proxy?.close();
  await t?.drop();
  if (profile) await rm(profile, { recursive: true, force: true });
});

describe('wallboard v2', () => {
  it('one queue fills the screen; its figures cross to warning and alarm at the thresholds set over the API', async () => {
    await t.db.query("INSERT INTO acd_skills (name) VALUES ('sales')");
    await defineQueue('sales', 'Sales', 'sales');
    await t.db.query("INSERT INTO acd_agents (id, name, endpoint, skills, ring_seconds, wrap_up_seconds) VALUES ('anna', 'Anna Berg', 'PJSIP/2001', '{\"sales\": 2}', 15, 10)");
    await bus.publish(stateChange('anna', 'not_ready', 'lunch', Date.now() - 60_000));

    // Thresholds: validated, stored with the key that set them, per queue.
    const put = (queue: string, body: unknown, key = supervisor.key) =>
      app.inject({ method: 'PUT', url: `/v1/wallboard/thresholds/${queue}`, headers: bearer(key), payload: body as Record<string, unknown> });
    const backwards = await put('sales', { waiting: { warning: 3, alarm: 2 } });
    expect(backwards.statusCode).toBe(422);
    expect(backwards.json().detail).toMatch(/waiting: the alarm \(2\) must not come before the warning \(3\)/);
    expect((await put('sales', { waiting: { warning: 'many' } })).statusCode).toBe(400);
    expect((await put('nope', { waiting: { warning: 1 } })).statusCode).toBe(404);
    expect((await put('sales', { waiting: { warning: 1 } }, reader)).statusCode).toBe(403);
    const set = await put('sales', { waiting: { warning: 1, alarm: 2 } });
    expect(set.statusCode).toBe(200);
    expect(set.json()).toMatchObject({ queueId: 'sales', queueName: 'Sales', ownerKeyId: supervisor.id, thresholds: { waiting: { warning: 1, alarm: 2, direction: 'above' } } });
    // The defaults follow the queue's target.
    expect(set.json().thresholds.serviceLevel).toMatchObject({ warning: 80, alarm: 70, direction: 'below' });

    const page = await open(await link({ queues: ['sales'] }));
    expect(await page.locator('body').getAttribute('data-density')).toBe('one');
    await expect.poll(() => page.locator('[data-queue="sales"] h3').textContent()).toContain('Sales');
    await expect.poll(() => page.locator('.tile[data-agent="anna"] .name').textContent()).toBe('Anna Berg');
    expect(await page.locator('.tile[data-agent="anna"] .state').textContent()).toBe('Not ready \u00B7 lunch');
    // The one queue takes most of its area, in type readable across a room.
    const card = (await page.locator('[data-queue="sales"]').boundingBox())!;
    expect(card.height).toBeGreaterThan(1080 * 0.4);
    const bigType = async () => parseFloat(await figure(page, 'sales', 'waiting').locator('.value').evaluate((e) => getComputedStyle(e).fontSize));
    await expect.poll(bigType).toBeGreaterThanOrEqual(64);
    expect(await figure(page, 'sales', 'waiting').getAttribute('data-level')).toBe('ok');
    expect(await figure(page, 'sales', 'waiting').locator('.mark').textContent()).toBe('');

    await bus.publish(event('call.queued', 'c1', { callId: 'c1', queue: { id: 'sales', priority: 0, position: 1 } }));
    await expect.poll(() => figure(page, 'sales', 'waiting').getAttribute('data-level')).toBe('warning');
    const warned = figure(page, 'sales', 'waiting');
    expect(await warned.locator('.value').textContent()).toBe('1');
    expect(await warned.locator('.mark').textContent()).toBe('\u25B2 warning'); // a shape and a word, not colour alone
    expect(await warned.evaluate((e) => getComputedStyle(e).borderTopStyle)).toBe('dashed');

    await bus.publish(event('call.queued', 'c2', { callId: 'c2', queue: { id: 'sales', priority: 0, position: 2 } }));
    await expect.poll(() => figure(page, 'sales', 'waiting').getAttribute('data-level')).toBe('alarm');
    expect(await figure(page, 'sales', 'waiting').locator('.mark').textContent()).toBe('\u25A0 alarm');
    expect(await figure(page, 'sales', 'waiting').evaluate((e) => getComputedStyle(e).borderTopStyle)).toBe('solid');
    // Alarm and warning are told apart by colour as well (read until the board has drawn both levels).
    const colours = () => Promise.all(['ready', 'waiting'].map((m) => figure(page, 'sales', m).evaluate((e) => getComputedStyle(e).backgroundColor)));
    await expect.poll(async () => new Set(await colours()).size).toBe(2);
    // Nobody ready (anna is at lunch): a warning by default.
    expect(await figure(page, 'sales', 'ready').getAttribute('data-level')).toBe('warning');

    // A supervisor loosens the threshold: the open board follows at once.
    expect((await put('sales', { waiting: { warning: 5, alarm: 10 } })).statusCode).toBe(200);
    await expect.poll(() => figure(page, 'sales', 'waiting').getAttribute('data-level')).toBe('ok');

    // 4K: the same board, larger type.
    await page.setViewportSize({ width: 3840, height: 2160 });
    await expect.poll(bigType).toBeGreaterThan(120);
    await page.close();
  });

  it('thirty queues and two hundred agents: every queue has its row, tiles come in attention order, a page at a time', async () => {
    const queues = Array.from({ length: 30 }, (_, i) => `q${String(i).padStart(2, '0')}`);
    await t.db.query('INSERT INTO acd_skills (name) SELECT unnest($1::text[])', [queues]);
    for (const [i, q] of queues.entries()) await defineQueue(q, `Queue ${i + 1}`, q);
    const agents = Array.from({ length: 200 }, (_, i) => `ag${String(i).padStart(3, '0')}`);
    await t.db.query(
      `INSERT INTO acd_agents (id, name, endpoint, skills, ring_seconds, wrap_up_seconds)
       SELECT id, 'Agent ' || id, 'PJSIP/' || (3000 + n), jsonb_build_object(($2::text[])[n % 30 + 1], 1), 15, 10
         FROM unnest($1::text[]) WITH ORDINALITY AS a(id, n)`,
      [agents, queues],
    );
    const now = Date.now();
    const states = ['ready', 'on_call', 'wrap_up', 'not_ready'];
    for (const [i, id] of agents.entries()) {
      const to = states[i % 4]!;
      // ag103 has been on a break longest, ag042 wrapping up longest.
      const since = id === 'ag103' ? now - 3_600_000 : id === 'ag042' ? now - 1_800_000 : now - 60_000 - i * 1000;
      await bus.publish(stateChange(id, to, to === 'not_ready' ? 'break' : null, since));
    }
    for (const q of queues.slice(0, 5)) await bus.publish(event('call.queued', `w-${q}`, { callId: `w-${q}`, queue: { id: q, priority: 0, position: 1 } }));

    const page = await open(await link({}));
    await expect.poll(() => page.locator('#agents .tile[data-agent^="ag"]').count()).toBe(200); // and anna
    await expect.poll(() => page.locator('#queues .queue[data-queue^="q"]').count()).toBe(30);
    expect(await page.locator('body').getAttribute('data-density')).toBe('many');
    const order = await page.locator('#agents .tile').evaluateAll((tiles) => tiles.map((e) => [(e as HTMLElement).dataset.agent, (e as HTMLElement).dataset.agentState]));
    expect(order[0]).toEqual(['ag103', 'not_ready']);
    // after everyone not ready, the longest wrap-up
    const firstWrapUp = order.findIndex(([, state]) => state === 'wrap_up');
    expect(order.slice(0, firstWrapUp).every(([, state]) => state === 'not_ready')).toBe(true);
    expect(order[firstWrapUp]![0]).toBe('ag042');
    expect(await page.locator('.tile[data-agent="ag103"] .name').textContent()).toBe('Agent ag103');

    // What does not fit is paged: every tile shown lies on the screen.
    const pager = page.locator('#agents-pager');
    await expect.poll(() => pager.isVisible()).toBe(true);
    expect(Number(await pager.getAttribute('data-pages'))).toBeGreaterThan(1);
    const shown = async (selector: string) =>
      page.locator(selector).evaluateAll((els) => els.filter((e) => !(e as HTMLElement).hidden).map((e) => ({ id: (e as HTMLElement).dataset.agent ?? (e as HTMLElement).dataset.queue, bottom: e.getBoundingClientRect().bottom })));
    const firstPage = await shown('#agents .tile');
    expect(firstPage.length).toBeGreaterThan(10);
    expect(firstPage.length).toBeLessThan(200);
    for (const tile of firstPage) expect(tile.bottom).toBeLessThanOrEqual(1080);
    const rows = await shown('#queues .queue');
    expect(rows.length).toBeLessThan(30);
    for (const row of rows) expect(row.bottom).toBeLessThanOrEqual(1080);
    // Turned by hand from the keyboard: another page of tiles.
    await page.keyboard.press('ArrowRight');
    await expect.poll(async () => (await shown('#agents .tile'))[0]!.id).not.toBe(firstPage[0]!.id);
    // Thirty queues share the centre's chart.
    expect(await page.locator('#charts .chart').count()).toBe(1);
    expect(await page.locator('#chart-title').textContent()).toBe('Today \u2013 All queues');
    await page.close();

    // A link for three queues: a chart each, side by side, captioned, inside the screen, its
    // hour labels as large as the centre chart's, at 1080p and at 4K.
    const few = await open(await link({ queues: ['q00', 'q01', 'q02'] }));
    await expect.poll(() => few.locator('#charts .chart').count()).toBe(3);
    expect(await few.locator('#chart-title').textContent()).toBe('Today by queue');
    expect(await few.locator('#charts .chart figcaption').allTextContents()).toEqual(expect.arrayContaining([expect.stringContaining('Queue 1')]));
    const charts = async () =>
      few.locator('#charts .chart').evaluateAll((els) =>
        els.map((e) => {
          const box = e.getBoundingClientRect();
          const label = e.querySelector('svg text')!.getBoundingClientRect();
          return { queue: (e as HTMLElement).dataset.chartQueue, left: box.left, right: box.right, bottom: box.bottom, text: label.height };
        }),
      );
    const at1080 = await charts();
    expect(at1080.map((c) => c.queue).sort()).toEqual(['q00', 'q01', 'q02']);
    for (const [i, c] of at1080.entries()) {
      expect(c.bottom).toBeLessThanOrEqual(1080);
      if (i > 0) expect(c.left).toBeGreaterThanOrEqual(at1080[i - 1]!.right);
      expect(c.text).toBeGreaterThanOrEqual(14);
    }
    await few.setViewportSize({ width: 3840, height: 2160 });
    await expect.poll(async () => Math.min(...(await charts()).map((c) => c.text))).toBeGreaterThanOrEqual(28);
    await few.close();
  });

  it('greys the board and says how old its data is when the feed is lost, and is live again when it is back', async () => {
    const page = await open(await link({ queues: ['sales'] }));
    await expect.poll(() => page.locator('.tile[data-agent="anna"]').count()).toBe(1);
    proxy.cut();
    await expect.poll(() => page.locator('#status').getAttribute('data-state')).toBe('stale');
    expect(await page.locator('body').getAttribute('class')).toContain('stale');
    expect(await page.locator('main').evaluate((e) => getComputedStyle(e).filter)).toContain('grayscale');
    // Timers stop: a frozen board must not look live.
    const frozen = await page.locator('.tile[data-agent="anna"] .time').textContent();
    await expect.poll(() => page.locator('#status').textContent(), { timeout: 15_000 }).toMatch(/^Data is ([3-9]|\d\d+) s old$/);
    expect(await page.locator('.tile[data-agent="anna"] .time').textContent()).toBe(frozen);

    // Meanwhile anna comes back from lunch; the board learns it once the feed is back.
    await bus.publish(event('agent.state_changed', undefined, { agentId: 'anna', from: 'not_ready', to: 'ready', reason: null, durationMs: 60_000, callId: null, queueId: null }));
    proxy.restore();
    await expect.poll(() => page.locator('#status').getAttribute('data-state'), { timeout: 15_000 }).toBe('live');
    expect(await page.locator('body').getAttribute('class')).not.toContain('stale');
    await expect.poll(() => page.locator('.tile[data-agent="anna"]').getAttribute('data-agent-state')).toBe('ready');
    await page.close();
  });
});
