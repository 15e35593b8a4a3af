// The key CLI as an operator runs it: a child process with DATABASE_URL; the key it
// prints must open the API.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { bearer, testApp } from './api-fixtures.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const cli = fileURLToPath(new URL('../../src/api/create-key-cli.ts', import.meta.url));
const tsx = fileURLToPath(new URL('../../node_modules/.bin/tsx', import.meta.url));

let t: TestDatabase;
let app: FastifyInstance;

function run(args: string[], env: Record<string, string | undefined>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(tsx, [cli, ...args], { cwd: root, env: { ...process.env, ...env } }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

beforeAll(async () => {
  t = await createTestDatabase();
  ({ app } = await testApp(t.db));
});
afterAll(async () => {
  await app?.close();
  await t?.drop();
});

describe('create-api-key', () => {
  it('prints a key once that authenticates with exactly the scopes asked for', async () => {
    const r = await run(['--name', 'ops', '--scopes', 'calls:read,webhooks:write'], { DATABASE_URL: t.url });
    expect(r.code).toBe(0);
    const key = r.stdout.trim();
    expect(key).toMatch(/^ctb_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
    expect(r.stderr).toContain('shown only once');
    expect(r.stderr).not.toContain(key);

    const row = (await t.db.query('SELECT name, scopes, hash FROM api_keys')).rows[0];
    expect(row.name).toBe('ops');
    expect(row.scopes).toEqual(['calls:read', 'webhooks:write']);
    expect(row.hash).not.toContain(key.slice(17));

    expect((await app.inject({ method: 'GET', url: '/v1/calls', headers: bearer(key) })).statusCode).toBe(200);
    expect((await app.inject({ method: 'POST', url: '/v1/events/stream-tokens', headers: bearer(key) })).statusCode).toBe(403);
  }, 60_000);

  it('refuses unknown scopes and a missing DATABASE_URL with a message', async () => {
    const bad = await run(['--name', 'x', '--scopes', 'calls:read,calls:delete'], { DATABASE_URL: t.url });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("unknown scope 'calls:delete'");
    const noDb = await run(['--name', 'x', '--scopes', 'admin'], { DATABASE_URL: '' });
    expect(noDb.code).toBe(2);
    expect(noDb.stderr).toContain('DATABASE_URL');
    expect((await t.db.query('SELECT count(*)::int AS n FROM api_keys')).rows[0].n).toBe(1);
  }, 60_000);

  it('revokes a key by id', async () => {
    const created = await run(['--name', 'temp', '--scopes', 'calls:read'], { DATABASE_URL: t.url });
    const key = created.stdout.trim();
    const id = /created API key ([0-9a-f-]{36})/.exec(created.stderr)![1]!;
    const r = await run(['--revoke', id], { DATABASE_URL: t.url });
    expect(r.code).toBe(0);
    expect((await app.inject({ method: 'GET', url: '/v1/calls', headers: bearer(key) })).statusCode).toBe(401);
  }, 60_000);
});
