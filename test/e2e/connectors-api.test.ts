// Connectors over the API on two instances behind one load balancer: one from the
// environment (listed, testable, read-only), one created, changed and deleted through
// instance A while instance B's traffic makes the events: every change reaches both
// instances' deliveries without a restart. Secrets are never returned nor logged;
// refused targets and bad bodies are 4xx problems.
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../src/api/keys.js';
import { loadConfig } from '../../src/config.js';
import { verify } from '../../src/events/signing.js';
import { createLogger } from '../../src/log.js';
import { startService, type Service } from '../../src/main.js';
import { startSimulator, type Simulator } from '../../src/sim/index.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { startReceiver, type Receiver } from '../helpers/receiver.js';
import { uniquePrefix } from '../helpers/redis.js';
import { serviceEnv } from '../helpers/service.js';

const BEARER = 'erp-bearer-8c1f0d8e5b';
const SIGNING = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

let t: TestDatabase;
let sim: Simulator;
let a: Service;
let b: Service;
let key: { id: string; key: string };
let erp: Receiver;
let first: Receiver;
let second: Receiver;
const logs: string[] = [];

beforeAll(async () => {
  t = await createTestDatabase();
  sim = await startSimulator({ speed: 20 });
  [erp, first, second] = await Promise.all([startReceiver(), startReceiver(), startReceiver()]);
  const prefix = uniquePrefix('connapi');
  const env = (instance: string) =>
    serviceEnv(sim, t.url, prefix, {
      INSTANCE_ID: instance,
      LOG_LEVEL: 'debug',
      CONNECTORS: JSON.stringify([{ id: 'erp', url: erp.url, events: ['agent.*'], auth: { bearer: BEARER } }]),
    });
  const sink = new Writable({ write: (chunk: Buffer, _enc, done) => (logs.push(chunk.toString('utf8')), done()) });
  a = await startService(loadConfig(env('a')), createLogger('debug', sink));
  b = await startService(loadConfig(env('b')), createLogger('debug', sink));
  const created = await createApiKey(a.db, { name: 'ops', scopes: ['admin'] });
  key = { id: created.id, key: created.key };
}, 60_000);

afterAll(async () => {
  await b?.stop();
  await a?.stop();
  await sim?.close();
  await Promise.all([erp, first, second].map((r) => r?.close()));
  await t?.drop();
});

async function call(s: Service, method: string, path: string, body?: unknown): Promise<{ status: number; text: string; body: any }> {
  const res = await fetch(`${s.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${key.key}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, text, body: text ? JSON.parse(text) : undefined };
}

let agentN = 0;
/** A new agent logged in through B: an agent.state_changed event. */
async function agentEvents(): Promise<string> {
  const id = `ag${++agentN}`;
  expect((await call(b, 'POST', '/v1/agents', { id, name: id, endpoint: `PJSIP/10${agentN}0`, skills: {} })).status).toBe(201);
  expect((await call(b, 'POST', `/v1/agents/${id}/state`, { action: 'login' })).status).toBeLessThan(300);
  return id;
}
const got = (r: Receiver, agent: string) => r.received.filter((x) => x.json.type === 'agent.state_changed' && x.json.data['agentId'] === agent).length;

describe('/v1/connectors', () => {
  it('lists the environment connector read-only, without its secret, and tests it', async () => {
    const list = await call(b, 'GET', '/v1/connectors');
    expect(list.status).toBe(200);
    expect(list.body.items).toEqual([
      expect.objectContaining({ id: 'erp', url: erp.url, source: 'environment', readOnly: true, auth: { bearer: true, signingSecret: false }, ownerKeyId: null }),
    ]);
    expect(list.text).not.toContain(BEARER);
    for (const [method, body] of [['PATCH', { events: ['order.*'] }], ['DELETE', undefined]] as const) {
      const res = await call(a, method, '/v1/connectors/erp', body);
      expect(res.status).toBe(409);
      expect(res.body.detail).toContain('CONNECTORS');
    }
    const test = await call(a, 'POST', '/v1/connectors/erp/test');
    expect(test.status).toBe(200);
    expect(test.body).toMatchObject({ ok: true, statusCode: 204 });
    const probe = erp.received.find((r) => r.json.type === 'connector.test')!;
    expect(probe.headers.authorization).toBe(`Bearer ${BEARER}`);
    expect(probe.json.data).toEqual({ connector: 'erp' });
  });

  it('refuses bad bodies, refused targets and taken ids with 4xx problems', async () => {
    const unknown = await call(a, 'POST', '/v1/connectors', { id: 'x', url: first.url, events: ['agent.*'], colour: 'red' });
    expect(unknown.status).toBe(400);
    const metadata = await call(a, 'POST', '/v1/connectors', { id: 'meta', url: 'http://169.254.169.254/latest', events: ['agent.*'] });
    expect(metadata.status).toBe(400);
    expect(metadata.body.detail).toMatch(/url.*refused.*link-local/);
    const taken = await call(a, 'POST', '/v1/connectors', { id: 'erp', url: first.url, events: ['agent.*'] });
    expect(taken.status).toBe(409);
    expect((await call(a, 'PATCH', '/v1/connectors/nope', { events: ['agent.*'] })).status).toBe(404);
    expect((await call(a, 'PATCH', '/v1/connectors/erp', {})).status).toBe(400);
    const noScope = await createApiKey(a.db, { name: 'crm', scopes: ['webhooks:write'] });
    const res = await fetch(`${a.url}/v1/connectors`, { headers: { authorization: `Bearer ${noScope.key}` } });
    expect(res.status).toBe(403);
  });

  it('a connector created on A delivers the events B makes; changed, then deleted on A, both instances follow at once', async () => {
    const created = await call(a, 'POST', '/v1/connectors', { id: 'crm', url: first.url, events: ['agent.*'], auth: { signingSecret: SIGNING } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ id: 'crm', source: 'api', readOnly: false, ownerKeyId: key.id, auth: { bearer: false, signingSecret: true } });
    expect(created.text).not.toContain(SIGNING);
    expect((await call(b, 'GET', '/v1/connectors/crm')).text).not.toContain(SIGNING);
    expect((await call(a, 'POST', '/v1/connectors', { id: 'crm', url: first.url, events: ['agent.*'] })).status).toBe(409);

    // Several agents, so the fan-out runs on both instances: each must know the new connector.
    const agents = [await agentEvents(), await agentEvents(), await agentEvents()];
    await first.waitFor(() => agents.every((id) => got(first, id) >= 1));
    const sample = first.received.find((r) => r.json.type === 'agent.state_changed')!;
    expect(verify(sample.headers as Record<string, string>, sample.body, SIGNING).id).toBe(sample.headers['idempotency-key']);

    const changed = await call(b, 'PATCH', '/v1/connectors/crm', { url: second.url });
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({ url: second.url, auth: { signingSecret: true } });
    const later = [await agentEvents(), await agentEvents(), await agentEvents()];
    await second.waitFor(() => later.every((id) => got(second, id) >= 1));
    expect(later.map((id) => got(first, id))).toEqual([0, 0, 0]);

    expect((await call(a, 'DELETE', '/v1/connectors/crm')).status).toBe(204);
    expect((await call(b, 'GET', '/v1/connectors/crm')).status).toBe(404);
    const after = [await agentEvents(), await agentEvents(), await agentEvents()];
    // The environment connector is in the same fan-out: once it has them, crm would have too.
    await erp.waitFor(() => after.every((id) => got(erp, id) >= 1));
    expect(after.map((id) => got(second, id))).toEqual([0, 0, 0]);
  }, 60_000);

  it('never writes a secret to the log', () => {
    const all = logs.join('');
    expect(all.length).toBeGreaterThan(0);
    expect(all).not.toContain(BEARER);
    expect(all).not.toContain(SIGNING);
  });
});
