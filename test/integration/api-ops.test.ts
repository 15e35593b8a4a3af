// Health, readiness, metrics, OpenAPI and rate limits: the parts operators and
// integrators rely on before they call any business route.
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerCollector } from '../../src/api/metrics.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { TEST_REDIS_URL, uniquePrefix } from '../helpers/redis.js';
import { bearer, keyWith, testApp, testConfig } from './api-fixtures.js';
import { postgresCheck, redisCheck } from '../../src/api/health.js';

let t: TestDatabase;
let app: FastifyInstance;
let key: string;

beforeAll(async () => {
  t = await createTestDatabase();
  ({ app } = await testApp(t.db, {
    config: testConfig({ rateLimitPerMinute: 3 }),
    readiness: {
      postgres: postgresCheck(t.db),
      'ami:pbx1': async () => ({ ok: false, detail: 'not logged in' }),
      'ari:pbx1': async () => ({ ok: true }),
      'ari:pbx2': async () => {
        throw new Error('connect ECONNREFUSED');
      },
    },
  }));
  key = await keyWith(t.db, 'calls:read');
});
afterAll(async () => {
  await app?.close();
  await t?.drop();
});

describe('health', () => {
  it('/healthz answers without a key', async () => {
    const res = await app.inject({ method: 'GET', url: '/healthz' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ok' });
  });

  it('/readyz names each dependency and is 503 when a required one fails', async () => {
    const res = await app.inject({ method: 'GET', url: '/readyz' });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toEqual({
      status: 'unready',
      checks: {
        postgres: { ok: true },
        'ami:pbx1': { ok: false, detail: 'not logged in' },
        'ari:pbx1': { ok: true },
        'ari:pbx2': { ok: false, detail: 'connect ECONNREFUSED' },
      },
    });
  });

  it('/readyz is 200 when every check passes, including a real Redis ping', async () => {
    const redis = new Redis(TEST_REDIS_URL);
    const { app: ok } = await testApp(t.db, {
      readiness: { postgres: postgresCheck(t.db), redis: redisCheck(redis), optional: async () => ({ ok: false, required: false }) },
    });
    try {
      const res = await ok.inject({ method: 'GET', url: '/readyz' });
      expect(res.statusCode).toBe(200);
      expect(res.json().checks).toEqual({ postgres: { ok: true }, redis: { ok: true }, optional: { ok: false, required: false } });
    } finally {
      await ok.close();
      redis.disconnect();
    }
  });

  it('a check that hangs is reported as failed instead of hanging /readyz', async () => {
    const { app: slow } = await testApp(t.db, {
      readiness: { hung: () => new Promise(() => {}) },
      options: { readinessTimeoutMs: 50 },
    });
    try {
      const res = await slow.inject({ method: 'GET', url: '/readyz' });
      expect(res.statusCode).toBe(503);
      expect(res.json().checks.hung.detail).toMatch(/no answer/);
    } finally {
      await slow.close();
    }
  });
});

describe('metrics', () => {
  it('serves Prometheus text without a key, with default metrics and registered collectors', async () => {
    let connected = 1;
    registerCollector('cti_test_ami_connected', 'AMI connection up', () => [{ labels: { node: 'pbx1' }, value: connected }], ['node']);
    const first = await app.inject({ method: 'GET', url: '/metrics' });
    expect(first.statusCode).toBe(200);
    expect(first.headers['content-type']).toMatch(/^text\/plain/);
    expect(first.body).toContain('cti_process_cpu_user_seconds_total');
    expect(first.body).toContain('cti_test_ami_connected{node="pbx1"} 1');
    connected = 0;
    // Registering again replaces instead of throwing "already registered".
    registerCollector('cti_test_ami_connected', 'AMI connection up', () => [{ labels: { node: 'pbx1' }, value: connected }], ['node']);
    expect((await app.inject({ method: 'GET', url: '/metrics' })).body).toContain('cti_test_ami_connected{node="pbx1"} 0');
  });
});

describe('OpenAPI', () => {
  it('documents the routes with tags, security, scopes and problem responses, and hides /metrics', async () => {
    const res = await app.inject({ method: 'GET', url: '/docs/json' });
    expect(res.statusCode).toBe(200);
    const doc = res.json();
    expect(doc.openapi).toMatch(/^3\./);
    expect(doc.info.title).toBe('cti-bridge API');
    expect(doc.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(doc.components.schemas.Problem).toBeDefined();
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/v1/calls', '/v1/calls/{id}', '/v1/events/stream', '/v1/events/stream-tokens', '/healthz', '/readyz']),
    );
    expect(doc.paths['/metrics']).toBeUndefined();
    const detail = doc.paths['/v1/calls/{id}'].get;
    expect(detail.tags).toEqual(['calls']);
    expect(detail.description).toContain('calls:read');
    for (const status of ['400', '401', '403', '404', '429']) {
      expect(detail.responses[status].content['application/problem+json'].schema.$ref).toBe('#/components/schemas/Problem');
    }
    expect(detail.responses['200'].content['application/json'].schema.properties.timeline).toBeDefined();
    const list = doc.paths['/v1/calls'].get;
    expect(list.parameters.map((p: any) => p.name)).toEqual(
      expect.arrayContaining(['state', 'direction', 'pbxNode', 'callerNumber', 'dnis', 'from', 'to', 'linkedid', 'limit', 'cursor']),
    );
    expect(doc.paths['/healthz'].get.security).toEqual([]);
    expect(doc.paths['/v1/events/stream'].get.parameters.map((p: any) => p.name)).toEqual(['types', 'token', 'after']);
  });

  it('serves swagger-ui with a CSP that lets it run, and a strict CSP on the API', async () => {
    const page = await app.inject({ method: 'GET', url: '/docs/' });
    expect(page.statusCode).toBe(200);
    const csp = String(page.headers['content-security-policy']);
    // The page loads only its own external scripts, so 'self' must be allowed (helmet's
    // API policy, default-src 'none', would blank the page) and inline code need not be.
    expect(csp).toMatch(/script-src 'self'/);
    expect(csp).not.toContain('unsafe-inline');
    expect(page.body).not.toMatch(/<script>[^<]/);
    const asset = await app.inject({ method: 'GET', url: '/docs/static/swagger-initializer.js' });
    expect(asset.statusCode).toBe(200);
    expect(String(asset.headers['content-security-policy'])).toMatch(/script-src 'self'/);
    expect(csp).not.toContain('upgrade-insecure-requests');
    // The page also gets helmet's full set for documents.
    expect(page.headers['cross-origin-opener-policy']).toBe('same-origin');
    expect(page.headers['x-frame-options']).toBe('SAMEORIGIN');
    // JSON responses get the API set: no framing, no sniffing, HSTS, never cached.
    const api = await app.inject({ method: 'GET', url: '/healthz' });
    expect(api.headers['content-security-policy']).toBe("default-src 'none'; frame-ancestors 'none'");
    expect(api.headers['x-content-type-options']).toBe('nosniff');
    expect(api.headers['cache-control']).toBe('no-store');
    expect(api.headers['strict-transport-security']).toMatch(/^max-age=/);
    const problem = await app.inject({ method: 'GET', url: '/v1/calls' });
    expect(problem.statusCode).toBe(401);
    expect(problem.headers['x-content-type-options']).toBe('nosniff');
  });
});

describe('rate limits', () => {
  it('answers 429 problem+json with Retry-After once a key exceeds its limit', async () => {
    const statuses: number[] = [];
    let last;
    for (let i = 0; i < 4; i++) {
      last = await app.inject({ method: 'GET', url: '/v1/calls', headers: bearer(key) });
      statuses.push(last.statusCode);
    }
    expect(statuses).toEqual([200, 200, 200, 429]);
    expect(last!.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(Number(last!.headers['retry-after'])).toBeGreaterThan(0);
    expect(last!.json().detail).toMatch(/rate limit of 3 requests per minute/);
    // Another key has its own budget; health and metrics are never limited.
    const other = await keyWith(t.db, 'calls:read');
    expect((await app.inject({ method: 'GET', url: '/v1/calls', headers: bearer(other) })).statusCode).toBe(200);
    for (let i = 0; i < 5; i++) expect((await app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
  });

  it('with Redis, instances share one budget per key', async () => {
    const redis = new Redis(TEST_REDIS_URL);
    const prefix = uniquePrefix('rl');
    const config = testConfig({ rateLimitPerMinute: 2, redisPrefix: prefix });
    const one = (await testApp(t.db, { config, redis })).app;
    const two = (await testApp(t.db, { config, redis })).app;
    try {
      const k = await keyWith(t.db, 'calls:read');
      const a = await one.inject({ method: 'GET', url: '/v1/calls', headers: bearer(k) });
      const b = await two.inject({ method: 'GET', url: '/v1/calls', headers: bearer(k) });
      const c = await one.inject({ method: 'GET', url: '/v1/calls', headers: bearer(k) });
      expect([a.statusCode, b.statusCode, c.statusCode]).toEqual([200, 200, 429]);
      expect(await redis.keys(`${prefix}:ratelimit:*`)).not.toEqual([]);
    } finally {
      await one.close();
      await two.close();
      const keys = await redis.keys(`${prefix}:*`);
      if (keys.length) await redis.del(...keys);
      redis.disconnect();
    }
  });
});
