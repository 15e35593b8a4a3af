// API keys over REST and what revocation reaches: an administrator creates, re-scopes,
// rotates and revokes keys; a revoked key's live streams close within seconds on every
// instance (two apps sharing Redis), also when it was revoked outside the API; stream
// tokens open one stream only.
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import { Pool } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createApiKey, revokeApiKey } from '../../src/api/keys.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { TEST_REDIS_URL, uniquePrefix } from '../helpers/redis.js';
import { waitFor } from '../helpers/wait.js';
import { bearer, testApp, testConfig } from './api-fixtures.js';

let t: TestDatabase;
let redis: Redis;
let a: FastifyInstance;
let b: FastifyInstance;
let baseA: string;
let baseB: string;
let httpA: Pool;
let httpB: Pool;
let admin: string;
const open: WebSocket[] = [];

beforeAll(async () => {
  t = await createTestDatabase();
  redis = new Redis(TEST_REDIS_URL);
  const config = testConfig({ redisPrefix: uniquePrefix('keys') });
  // Two instances behind one load balancer: same database, same Redis, same token secret.
  const shared = { config, redis, streamTokenSecret: 'shared-secret', options: { keyRecheckMs: 300 } };
  a = (await testApp(t.db, shared)).app;
  b = (await testApp(t.db, shared)).app;
  baseA = await a.listen({ host: '127.0.0.1', port: 0 });
  baseB = await b.listen({ host: '127.0.0.1', port: 0 });
  httpA = new Pool(baseA);
  httpB = new Pool(baseB);
  admin = (await createApiKey(t.db, { name: 'root', scopes: ['admin'] })).key;
});

afterAll(async () => {
  for (const ws of open) ws.terminate();
  await httpA?.close();
  await httpB?.close();
  await a?.close();
  await b?.close();
  redis?.disconnect();
  await t?.drop();
});

async function call(http: Pool, method: string, path: string, key: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await http.request({
    method: method as 'GET',
    path,
    headers: { ...bearer(key), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.body.text();
  return { status: res.statusCode, body: text ? JSON.parse(text) : null };
}

/** Opens an event stream; resolves once open, with a promise of its close code. */
function stream(base: string, query: string, headers: Record<string, string> = {}): Promise<{ ws: WebSocket; closed: Promise<{ code: number; reason: string }> }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${base.replace('http', 'ws')}/v1/events/stream${query}`, { headers });
    open.push(ws);
    const closed = new Promise<{ code: number; reason: string }>((r) => ws.once('close', (code, reason) => r({ code, reason: String(reason) })));
    ws.once('open', () => resolve({ ws, closed }));
    ws.once('unexpected-response', (_req, res) => reject(Object.assign(new Error(`upgrade refused: ${res.statusCode}`), { status: res.statusCode })));
    ws.once('error', reject);
  });
}

async function newKey(scopes: string[], name = 'integrator'): Promise<{ id: string; key: string }> {
  const r = await call(httpA, 'POST', '/v1/api-keys', admin, { name, scopes });
  expect(r.status).toBe(201);
  return { id: r.body.id, key: r.body.key };
}

describe('/v1/api-keys', () => {
  it('an admin creates a key whose secret is shown once; nobody else may manage keys', async () => {
    const created = await call(httpA, 'POST', '/v1/api-keys', admin, { name: 'crm', scopes: ['calls:read', 'events:read'] });
    expect(created.status).toBe(201);
    expect(created.body.key).toMatch(/^ctb_[0-9a-f]{12}_/);
    expect(created.body.createdBy).toEqual(expect.any(String));
    const read = await call(httpA, 'GET', `/v1/api-keys/${created.body.id}`, admin);
    expect(read.status).toBe(200);
    expect(read.body.key).toBeUndefined();
    expect(read.body.scopes).toEqual(['calls:read', 'events:read']);
    // The new key works, sees itself, and may not create keys.
    expect((await call(httpA, 'GET', '/v1/calls', created.body.key)).status).toBe(200);
    expect((await call(httpA, 'GET', '/v1/api-keys/current', created.body.key)).body.name).toBe('crm');
    const forbidden = await call(httpA, 'POST', '/v1/api-keys', created.body.key, { name: 'x', scopes: ['admin'] });
    expect(forbidden.status).toBe(403);
    const list = await call(httpA, 'GET', '/v1/api-keys?limit=200', admin);
    expect(list.body.items.map((k: { id: string }) => k.id)).toContain(created.body.id);
    expect(JSON.stringify(list.body)).not.toContain(created.body.key);
  });

  it('bad input names what is wrong', async () => {
    const unknownScope = await call(httpA, 'POST', '/v1/api-keys', admin, { name: 'x', scopes: ['calls:everything'] });
    expect(unknownScope.status).toBe(400);
    const empty = await call(httpA, 'PATCH', `/v1/api-keys/${'0'.repeat(8)}-0000-4000-8000-${'0'.repeat(12)}`, admin, {});
    expect(empty.status).toBe(400);
    const missing = await call(httpA, 'DELETE', `/v1/api-keys/${'0'.repeat(8)}-0000-4000-8000-${'0'.repeat(12)}`, admin);
    expect(missing.status).toBe(404);
  });

  it('a scope taken away applies at once on every instance', async () => {
    const k = await newKey(['calls:read', 'cdrs:read']);
    expect((await call(httpB, 'GET', '/v1/calls', k.key)).status).toBe(200); // now cached on B
    const patched = await call(httpA, 'PATCH', `/v1/api-keys/${k.id}`, admin, { scopes: ['cdrs:read'] });
    expect(patched.status).toBe(200);
    await waitFor('B to forget the old scopes', async () => (await call(httpB, 'GET', '/v1/calls', k.key)).status === 403, 5_000);
  });

  it('rotation gives a new secret; the old one works for the grace period only', async () => {
    const k = await newKey(['calls:read']);
    const graceful = await call(httpA, 'POST', `/v1/api-keys/${k.id}/rotate`, admin, { graceSeconds: 3600 });
    expect(graceful.status).toBe(200);
    expect(graceful.body.id).toBe(k.id);
    expect(graceful.body.previousSecretExpiresAt).toEqual(expect.any(String));
    expect((await call(httpA, 'GET', '/v1/calls', k.key)).status).toBe(200);
    expect((await call(httpA, 'GET', '/v1/calls', graceful.body.key)).status).toBe(200);
    const hard = await call(httpA, 'POST', `/v1/api-keys/${k.id}/rotate`, admin, {});
    expect(hard.status).toBe(200);
    for (const old of [k.key, graceful.body.key]) {
      await waitFor('the old secrets to stop working on B', async () => (await call(httpB, 'GET', '/v1/calls', old)).status === 401, 5_000);
    }
    expect((await call(httpB, 'GET', '/v1/calls', hard.body.key)).status).toBe(200);
  });

  it('the last live admin key can be neither revoked nor demoted', async () => {
    const me = (await call(httpA, 'GET', '/v1/api-keys/current', admin)).body.id as string;
    const others = await call(httpA, 'GET', '/v1/api-keys?limit=200', admin);
    for (const k of others.body.items) if (k.id !== me && k.scopes.includes('admin')) await revokeApiKey(t.db, k.id);
    expect((await call(httpA, 'DELETE', `/v1/api-keys/${me}`, admin)).status).toBe(409);
    expect((await call(httpA, 'PATCH', `/v1/api-keys/${me}`, admin, { scopes: ['calls:read'] })).status).toBe(409);
  });
});

describe('revocation reaches live streams', () => {
  it('revoking over the API on one instance closes the key’s stream on the other within seconds', async () => {
    const k = await newKey(['events:read']);
    const s = await stream(baseB, '?types=call.*', bearer(k.key));
    const started = Date.now();
    expect((await call(httpA, 'DELETE', `/v1/api-keys/${k.id}`, admin)).status).toBe(204);
    const closed = await s.closed;
    expect(closed.code).toBe(4401);
    expect(closed.reason).toContain('revoked');
    expect(Date.now() - started).toBeLessThan(10_000);
    await expect(stream(baseB, '?types=call.*', bearer(k.key))).rejects.toMatchObject({ status: 401 });
  });

  it('a key revoked outside the API (command line, database) loses its stream at the next re-check', async () => {
    const k = await newKey(['events:read']);
    const s = await stream(baseA, '', bearer(k.key));
    await revokeApiKey(t.db, k.id);
    expect((await s.closed).code).toBe(4401);
  });

  it('a key that loses events:read loses its stream', async () => {
    const k = await newKey(['events:read', 'calls:read']);
    const s = await stream(baseA, '', bearer(k.key));
    await call(httpA, 'PATCH', `/v1/api-keys/${k.id}`, admin, { scopes: ['calls:read'] });
    const closed = await s.closed;
    expect(closed.code).toBe(4401);
    expect(closed.reason).toContain('scope');
  });

  it('a stream token opens one stream only, on any instance', async () => {
    const k = await newKey(['events:read']);
    const { body } = await call(httpA, 'POST', '/v1/events/stream-tokens', k.key);
    const first = await stream(baseA, `?token=${encodeURIComponent(body.token)}`);
    first.ws.close();
    await expect(stream(baseA, `?token=${encodeURIComponent(body.token)}`)).rejects.toMatchObject({ status: 401 });
    await expect(stream(baseB, `?token=${encodeURIComponent(body.token)}`)).rejects.toMatchObject({ status: 401 });
  });
});

describe('failed authentication', () => {
  it('is throttled per address: past the budget 429 with Retry-After, while a key that verified keeps working', async () => {
    const good = await newKey(['calls:read']);
    expect((await call(httpA, 'GET', '/v1/calls', good.key)).status).toBe(200);
    const statuses: number[] = [];
    let retryAfter: string | undefined;
    for (let i = 0; i < 40; i++) {
      const res = await httpA.request({ method: 'GET', path: '/v1/calls', headers: bearer(`ctb_${'0'.repeat(12)}_${'A'.repeat(43)}`) });
      statuses.push(res.statusCode);
      if (res.statusCode === 429) retryAfter = res.headers['retry-after'] as string;
      await res.body.dump();
    }
    // Earlier tests of this file spent some of the address's budget: 401s first, then 429s only.
    const first429 = statuses.indexOf(429);
    expect(first429).toBeGreaterThan(-1);
    expect(first429).toBeLessThanOrEqual(30);
    expect(statuses.slice(0, first429).every((s) => s === 401)).toBe(true);
    expect(statuses.slice(first429).every((s) => s === 429)).toBe(true);
    expect(Number(retryAfter)).toBeGreaterThan(0);
    expect((await call(httpA, 'GET', '/v1/calls', good.key)).status).toBe(200);
  });
});
