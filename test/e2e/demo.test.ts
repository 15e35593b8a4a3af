// `npm run demo` started twice in a row, as a user would: one banner (printed and in a
// file) with the URLs and the admin key; the second run reuses the first run's key,
// webhook subscription, wallboard link and agent panel link (which still open: the stream-token secret is
// kept next to the data), and after each stop the demo's Redis prefix is empty.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { TEST_REDIS_URL, uniquePrefix } from '../helpers/redis.js';
import { waitFor } from '../helpers/wait.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
let t: TestDatabase;
let dir: string;
let demo: ChildProcess | undefined;
let stdout = '';
const prefix = uniquePrefix('demo');
const redis = new Redis(TEST_REDIS_URL);

interface Banner {
  base: string;
  key: string;
  wallboard: string;
  panel: string;
  text: string;
}

async function start(): Promise<Banner> {
  await rm(join(dir, 'demo-banner.txt'), { force: true });
  stdout = '';
  demo = spawn(process.execPath, ['--import', 'tsx', 'src/demo.ts'], {
    cwd: ROOT,
    env: {
      ...process.env,
      DEMO_DATA_DIR: dir,
      DEMO_REDIS_PREFIX: prefix,
      DATABASE_URL: t.url,
      REDIS_URL: TEST_REDIS_URL,
      PORT: '0',
      SIM_CONTROL_PORT: '0',
      DEMO_CALL_EVERY_MS: '1500',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  demo.stdout!.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
  const text = await waitFor('the banner file', () => readFile(join(dir, 'demo-banner.txt'), 'utf8').catch(() => ''), 90_000);
  const field = (label: string) => new RegExp(`^  ${label} +(\\S+)`, 'm').exec(text)?.[1] ?? '';
  return { base: field('API docs').replace(/\/docs$/, ''), key: field('admin key'), wallboard: field('wallboard'), panel: field('agent panel'), text };
}

async function stop(): Promise<void> {
  const exited = new Promise<number | null>((r) => demo!.once('exit', (code) => r(code)));
  demo!.kill('SIGTERM');
  expect(await exited).toBe(0);
  demo = undefined;
}

const live = async (sql: string) => Number((await t.db.query<{ n: number }>(sql)).rows[0]!.n);
const demoKeys = async () => (await redis.keys(`${prefix}:*`)).length;

beforeAll(async () => {
  t = await createTestDatabase();
  dir = await mkdtemp(join(tmpdir(), 'cti-demo-'));
});

afterAll(async () => {
  demo?.kill('SIGKILL');
  await rm(dir, { recursive: true, force: true });
  await redis.quit();
  await t?.drop();
});

describe('the demo, twice in a row', () => {
  let first: Banner;
  let subscription = '';

  it('prints one banner with the URLs and the key, writes it to a file, logs to a file', async () => {
    first = await start();
    expect(first.base).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(first.key).toMatch(/^ctb_/);
    expect(first.wallboard).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/wallboard\?token=/);
    await waitFor('the banner on the console', () => stdout.includes(first.text.trim()));
    // The console has the banner and nothing else: logs go to the file.
    expect(stdout).not.toMatch(/"level":/);
    const log = await readFile(join(dir, 'demo.log'), 'utf8');
    expect(log).toContain('cti-bridge listening');
    expect((await fetch(first.wallboard)).status).toBe(200);
    expect(first.panel).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/agent\?token=/);
    expect((await fetch(first.panel)).status).toBe(200);
    const docs = await fetch(`${first.base}/docs`);
    expect(docs.status).toBeLessThan(400);
    // Calls flow and the receiver verifies their webhooks.
    await waitFor('a delivered webhook', () => live("SELECT count(*)::int AS n FROM webhook_deliveries WHERE status = 'delivered'"), 60_000);
    expect(await demoKeys()).toBeGreaterThan(0);
    subscription = (await t.db.query<{ id: string }>('SELECT id FROM webhook_subscriptions WHERE deleted_at IS NULL')).rows[0]!.id;
    await stop();
    expect(await demoKeys()).toBe(0);
  }, 150_000);

  it('the second start reuses the key, the subscription, the wallboard and agent panel links, and leaves nothing behind', async () => {
    const second = await start();
    expect(second.key).toBe(first.key);
    // The first run's link, on the second run's service.
    const link = new URL(first.wallboard);
    expect((await fetch(`${second.base}${link.pathname}${link.search}`)).status).toBe(200);
    expect(await live('SELECT count(*)::int AS n FROM webhook_subscriptions WHERE deleted_at IS NULL')).toBe(1);
    expect(await live('SELECT count(*)::int AS n FROM api_keys')).toBe(1);
    expect(await live('SELECT count(*)::int AS n FROM wallboard_links')).toBe(1);
    // Ada's panel link too: the same one, still opening her desk.
    expect(new URL(second.panel).search).toBe(new URL(first.panel).search);
    expect((await fetch(second.panel)).status).toBe(200);
    expect(await live('SELECT count(*)::int AS n FROM agent_panel_links')).toBe(1);
    const now = (await t.db.query<{ id: string }>('SELECT id FROM webhook_subscriptions WHERE deleted_at IS NULL')).rows[0]!.id;
    // The receiver listens on its previous port (just released, so free): the very same subscription.
    expect(now).toBe(subscription);
    expect(await live('SELECT count(*)::int AS n FROM webhook_subscriptions')).toBe(1);
    await waitFor('a delivered webhook of the second run', async () =>
      live(`SELECT count(*)::int AS n FROM webhook_deliveries WHERE status = 'delivered' AND subscription_id = '${now}'`), 60_000);
    await stop();
    expect(await demoKeys()).toBe(0);
  }, 150_000);
});
