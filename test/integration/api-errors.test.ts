// The API shell's error contract: every failure is application/problem+json with a
// status and a detail that says what is wrong, and secrets never reach the logs.
import { connect } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { revokeApiKey, createApiKey } from '../../src/api/keys.js';
import { callRoutes } from '../../src/calls/routes.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { bearer, keyWith, testApp, testConfig } from './api-fixtures.js';

let t: TestDatabase;
let app: FastifyInstance;
let logs: () => string;
let writer: string;
let reader: string;

// A capability route plugged in the way the lead plugs webhooks in: it relies on the
// shell for validation, auth and error rendering only.
async function echoRoutes(a: FastifyInstance): Promise<void> {
  a.post(
    '/v1/echo',
    {
      config: { scopes: ['calls:write'] },
      schema: {
        body: Type.Object(
          { name: Type.String({ minLength: 1 }), caller: Type.Optional(Type.Object({ number: Type.String() }, { additionalProperties: false })) },
          { additionalProperties: false },
        ),
      },
    },
    async (req) => ({ got: req.body }),
  );
  a.get('/v1/boom', { config: { scopes: ['calls:read'] } }, async () => {
    throw new Error('database password is hunter2');
  });
}

beforeAll(async () => {
  t = await createTestDatabase();
  ({ app, logs } = await testApp(t.db, {
    config: testConfig({ bodyLimitBytes: 2048 }),
    routes: [{ plugin: callRoutes, opts: { db: t.db } }, { plugin: echoRoutes }],
  }));
  writer = await keyWith(t.db, 'calls:write');
  reader = await keyWith(t.db, 'calls:read');
});
afterAll(async () => {
  await app?.close();
  await t?.drop();
});

function expectProblem(res: { statusCode: number; headers: Record<string, unknown>; json(): any }, status: number) {
  expect(res.statusCode).toBe(status);
  expect(String(res.headers['content-type'])).toMatch(/^application\/problem\+json/);
  const body = res.json();
  expect(body).toMatchObject({ type: 'about:blank', status });
  expect(typeof body.title).toBe('string');
  expect(typeof body.detail).toBe('string');
  return body;
}

describe('bad input', () => {
  it('malformed JSON is a 400 saying so', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/v1/echo',
      headers: { ...bearer(writer), 'content-type': 'application/json' },
      payload: '{"name": "x",',
    });
    const body = expectProblem(res, 400);
    expect(body.detail).toBe('body is not valid JSON');
  });

  it('an unknown field is a 400 naming it, with the errors array', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/v1/echo',
      headers: bearer(writer),
      payload: { name: 'x', colour: 'blue' },
    });
    const body = expectProblem(res, 400);
    expect(body.detail).toBe("body has unknown field 'colour'");
    expect(body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ instancePath: '/body' })]));
  });

  it('a nested unknown field and a wrong type are named with their path', async () => {
    const nested = await app.inject({
      method: 'POST',
      url: '/v1/echo',
      headers: bearer(writer),
      payload: { name: 'x', caller: { number: '100', extra: 1 } },
    });
    expect(expectProblem(nested, 400).detail).toBe("body has unknown field 'caller.extra'");
    const wrongType = await app.inject({ method: 'POST', url: '/v1/echo', headers: bearer(writer), payload: { name: 5 } });
    expect(expectProblem(wrongType, 400).detail).toBe("body 'name' must be string");
    const missing = await app.inject({ method: 'POST', url: '/v1/echo', headers: bearer(writer), payload: {} });
    expect(expectProblem(missing, 400).detail).toBe("body is missing required field 'name'");
  });

  it('a valid body passes through', async () => {
    const res = await app.inject({ method: 'POST', url: '/v1/echo', headers: bearer(writer), payload: { name: 'ok' } });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ got: { name: 'ok' } });
  });

  it('an oversized body is a 400 naming the limit', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/v1/echo',
      headers: bearer(writer),
      payload: { name: 'x'.repeat(5000) },
    });
    const body = expectProblem(res, 400);
    expect(body.detail).toBe('body exceeds 2048 bytes');
  });

  it('an unsupported content type is a 415', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/v1/echo',
      headers: { ...bearer(writer), 'content-type': 'application/xml' },
      payload: '<name>x</name>',
    });
    expect(expectProblem(res, 415).detail).toContain('application/xml');
  });

  it('a NUL character anywhere is a 400 naming the field, not a 500 from Postgres', async () => {
    const query = await app.inject({ method: 'GET', url: '/v1/calls?callerNumber=%2B49%0030', headers: bearer(reader) });
    expect(expectProblem(query, 400).detail).toBe("query parameter 'callerNumber' must not contain the NUL character (U+0000)");
    const nested = await app.inject({ method: 'POST', url: '/v1/echo', headers: bearer(writer), payload: { name: 'ok', caller: { number: '1\u00002' } } });
    expect(expectProblem(nested, 400).detail).toBe("body 'caller.number' must not contain the NUL character (U+0000)");
    const raw = await app.inject({
      method: 'POST',
      url: '/v1/echo',
      headers: { ...bearer(writer), 'content-type': 'application/json' },
      payload: '{"name":"a\\u0000b"}',
    });
    expect(expectProblem(raw, 400).detail).toBe("body 'name' must not contain the NUL character (U+0000)");
    const path = await app.inject({ method: 'GET', url: '/v1/calls/%00', headers: bearer(reader) });
    expect(expectProblem(path, 400).detail).toBe("path parameter 'id' must not contain the NUL character (U+0000)");
    expect(logs()).not.toMatch(/"level":50/);
  });

  it('a bad uuid is a 400 naming the path parameter', async () => {
    const res = await app.inject({ method: 'GET', url: '/v1/calls/not-a-uuid', headers: bearer(reader) });
    expect(expectProblem(res, 400).detail).toBe("path parameter 'id' must be a valid uuid");
  });

  it('an unknown query parameter and an out-of-range limit are 400s', async () => {
    const unknown = await app.inject({ method: 'GET', url: '/v1/calls?colour=blue', headers: bearer(reader) });
    expect(expectProblem(unknown, 400).detail).toBe("unknown query parameter 'colour'");
    const big = await app.inject({ method: 'GET', url: '/v1/calls?limit=201', headers: bearer(reader) });
    expect(expectProblem(big, 400).detail).toBe("query parameter 'limit' must be <= 200");
    const cursor = await app.inject({ method: 'GET', url: '/v1/calls?cursor=garbage', headers: bearer(reader) });
    expect(expectProblem(cursor, 400).detail).toContain('cursor');
  });
});

describe('authentication and scopes', () => {
  it('no key is a 401 with WWW-Authenticate', async () => {
    const res = await app.inject({ method: 'GET', url: '/v1/calls' });
    expectProblem(res, 401);
    expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
  });

  it('a malformed or unknown key is a 401', async () => {
    for (const key of ['nonsense', `ctb_000000000000_${'A'.repeat(43)}`, reader.slice(0, -1) + (reader.endsWith('A') ? 'B' : 'A')]) {
      const res = await app.inject({ method: 'GET', url: '/v1/calls', headers: bearer(key) });
      expectProblem(res, 401);
      expect(res.headers['www-authenticate']).toContain('invalid_token');
    }
  });

  it('X-API-Key works as well as Bearer', async () => {
    const res = await app.inject({ method: 'GET', url: '/v1/calls', headers: { 'x-api-key': reader } });
    expect(res.statusCode).toBe(200);
  });

  it('a revoked key is a 401', async () => {
    const { id, key } = await createApiKey(t.db, { name: 'leaver', scopes: ['calls:read'] });
    await revokeApiKey(t.db, id);
    expectProblem(await app.inject({ method: 'GET', url: '/v1/calls', headers: bearer(key) }), 401);
  });

  it('revocation is honoured once the cache entry is dropped', async () => {
    const { id, key, prefix } = await createApiKey(t.db, { name: 'soon-gone', scopes: ['calls:read'] });
    expect((await app.inject({ method: 'GET', url: '/v1/calls', headers: bearer(key) })).statusCode).toBe(200);
    await revokeApiKey(t.db, id);
    app.apiKeys.invalidate(prefix);
    expectProblem(await app.inject({ method: 'GET', url: '/v1/calls', headers: bearer(key) }), 401);
  });

  it('a key without the route scope is a 403 naming the scope', async () => {
    const res = await app.inject({ method: 'GET', url: '/v1/calls', headers: bearer(writer) });
    const body = expectProblem(res, 403);
    expect(body.detail).toContain('calls:read');
    expect(body.requiredScope).toBe('calls:read');
  });

  it('admin implies every scope', async () => {
    const admin = await keyWith(t.db, 'admin');
    expect((await app.inject({ method: 'GET', url: '/v1/calls', headers: bearer(admin) })).statusCode).toBe(200);
    expect(
      (await app.inject({ method: 'POST', url: '/v1/echo', headers: bearer(admin), payload: { name: 'a' } })).statusCode,
    ).toBe(200);
  });

  it('records last use without a write per request', async () => {
    const { id, key } = await createApiKey(t.db, { name: 'toucher', scopes: ['calls:read'] });
    for (let i = 0; i < 3; i++) await app.inject({ method: 'GET', url: '/v1/calls', headers: bearer(key) });
    // The update is fire-and-forget; wait for it to land.
    let lastUsed: Date | null = null;
    for (let i = 0; i < 50 && !lastUsed; i++) {
      lastUsed = (await t.db.query('SELECT last_used_at FROM api_keys WHERE id = $1', [id])).rows[0].last_used_at;
      if (!lastUsed) await new Promise((r) => setTimeout(r, 20));
    }
    expect(lastUsed).toBeInstanceOf(Date);
    await t.db.query("UPDATE api_keys SET last_used_at = 'epoch' WHERE id = $1", [id]);
    await app.inject({ method: 'GET', url: '/v1/calls', headers: bearer(key) });
    await new Promise((r) => setTimeout(r, 100));
    const after = (await t.db.query('SELECT last_used_at FROM api_keys WHERE id = $1', [id])).rows[0].last_used_at;
    // Within the minute the in-memory throttle suppresses the write entirely.
    expect(after.getTime()).toBe(0);
  });
});

describe('malformed and oversized requests', () => {
  it('a URL the router cannot decode is a 400 problem with the usual security headers', async () => {
    const res = await app.inject({ method: 'GET', url: '/v1/calls/%E0%A4%A', headers: bearer(reader) });
    expect(expectProblem(res, 400).detail).toBe('the URL is malformed (bad percent-encoding)');
    expect(res.headers['content-security-policy']).toContain("default-src 'none'");
    expect(res.headers['x-content-type-options']).toBe('nosniff');
  });

  it('a request line over the size limit is a 431 problem with the usual headers, from a real socket', async () => {
    const address = await app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = new URL(address);
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(port), '127.0.0.1', () => socket.write(`GET /v1/calls/${'a'.repeat(20_000)} HTTP/1.1\r\nhost: x\r\n\r\n`));
      let text = '';
      socket.on('data', (d) => (text += d.toString()));
      socket.on('end', () => resolve(text));
      socket.on('error', reject);
    });
    const [head, body] = answer.split('\r\n\r\n');
    expect(head).toMatch(/^HTTP\/1\.1 431 /);
    expect(head).toMatch(/content-type: application\/problem\+json/);
    expect(head).toMatch(/content-security-policy: default-src 'none'/);
    expect(JSON.parse(body!)).toMatchObject({ status: 431, detail: 'the request line or headers exceed the size limit' });
  });
});

describe('other failures', () => {
  it('an unknown route is a 404 problem', async () => {
    const res = await app.inject({ method: 'GET', url: '/v1/nowhere' });
    expect(expectProblem(res, 404).detail).toContain('/v1/nowhere');
  });

  it('an unexpected error is a generic 500 with the request id, logged but not leaked', async () => {
    const res = await app.inject({ method: 'GET', url: '/v1/boom', headers: { ...bearer(reader), 'x-request-id': 'req-boom-1' } });
    const body = expectProblem(res, 500);
    expect(body.detail).not.toContain('hunter2');
    expect(body.requestId).toBe('req-boom-1');
    expect(res.headers['x-request-id']).toBe('req-boom-1');
    expect(logs()).toContain('req-boom-1');
  });

  it('a request without an id gets one of its own, never another request\'s, and a malformed one is replaced', async () => {
    const ids = new Set<string>();
    for (let i = 0; i < 3; i++) {
      const res = await app.inject({ method: 'GET', url: '/v1/nowhere' });
      const id = String(res.headers['x-request-id']);
      expect(id).toMatch(/^[A-Za-z0-9._:-]{1,64}$/);
      expect((JSON.parse(res.body) as { requestId: string }).requestId).toBe(id);
      ids.add(id);
    }
    expect(ids.size).toBe(3);
    const replaced = await app.inject({ method: 'GET', url: '/v1/nowhere', headers: { 'x-request-id': 'has spaces' } });
    expect(replaced.headers['x-request-id']).not.toBe('has spaces');
    expect(ids.has(String(replaced.headers['x-request-id']))).toBe(false);
  });

  it('API keys never reach the logs', async () => {
    await app.inject({ method: 'GET', url: '/v1/calls', headers: bearer(reader) });
    await app.inject({ method: 'GET', url: '/v1/calls', headers: { 'x-api-key': writer } });
    const text = logs();
    expect(text).toContain('request completed');
    expect(text).not.toContain(reader);
    expect(text).not.toContain(writer);
    expect(text).not.toContain(reader.slice(17));
  });
});
