// Each integrator's objects are its own: webhook subscriptions, campaigns and
// click-to-dial calls record the key that created them; another key with the same scope
// gets the 404 of a missing object (it can neither read, change nor probe them), and an
// admin key sees all. Calls that came in from the PBX belong to the centre.
import { createApiKey } from '../../src/api/keys.js';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { campaignRoutes } from '../../src/campaigns/routes.js';
import { callRoutes } from '../../src/calls/routes.js';
import { CallControlRegistry } from '../../src/calls/control/registry.js';
import { callControlRoutes } from '../../src/calls/control/routes.js';
import { recordingRoutes } from '../../src/calls/recordings/routes.js';
import { transferRoutes } from '../../src/calls/transfers/routes.js';
import { webhookRoutes } from '../../src/events/webhook-routes.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { bearer, insertCall, testApp, testConfig } from './api-fixtures.js';

let t: TestDatabase;
let app: FastifyInstance;
let alice: string;
let bob: string;
let admin: string;
let aliceId: string;

beforeAll(async () => {
  t = await createTestDatabase();
  const config = testConfig({ outbound: { ...testConfig().outbound, allowHosts: ['127.0.0.1'] } });
  const registry = new CallControlRegistry(); // drives no PBX node: commands that pass the checks answer 503
  ({ app } = await testApp(t.db, {
    config,
    routes: [
      { plugin: callRoutes, opts: { db: t.db } },
      { plugin: webhookRoutes, opts: { db: t.db, config, queues: { webhooks: { add: async () => undefined } } } },
      { plugin: campaignRoutes, opts: { db: t.db } },
      { plugin: callControlRoutes, opts: { db: t.db, registry } },
      { plugin: transferRoutes, opts: { db: t.db, registry, config: config.callControl } },
      { plugin: recordingRoutes, opts: { db: t.db, registry } },
    ],
  }));
  const scopes = ['webhooks:read', 'webhooks:write', 'campaigns:read', 'campaigns:write', 'calls:read', 'calls:write'] as const;
  const a = await createApiKey(t.db, { name: 'alice', scopes: [...scopes] });
  alice = a.key;
  aliceId = a.id;
  bob = (await createApiKey(t.db, { name: 'bob', scopes: [...scopes] })).key;
  admin = (await createApiKey(t.db, { name: 'root', scopes: ['admin'] })).key;
});

afterAll(async () => {
  await app?.close();
  await t?.drop();
});

const req = (method: string, url: string, key: string, payload?: unknown) =>
  app.inject({ method: method as 'GET', url, headers: bearer(key), ...(payload !== undefined ? { payload: payload as object } : {}) });

describe('webhook subscriptions', () => {
  it('are seen, changed and redelivered by their creator and admins only', async () => {
    const created = await req('POST', '/v1/webhooks', alice, { url: 'http://127.0.0.1:9/hook', eventTypes: [] });
    expect(created.statusCode).toBe(201);
    const id = created.json().id;
    expect(created.json().ownerKeyId).toBe(aliceId);
    expect((await req('GET', `/v1/webhooks/${id}`, bob)).statusCode).toBe(404);
    expect((await req('GET', `/v1/webhooks/${id}/deliveries`, bob)).statusCode).toBe(404);
    expect((await req('GET', '/v1/webhooks', bob)).json().items).toEqual([]);
    expect((await req('DELETE', `/v1/webhooks/${id}`, bob)).statusCode).toBe(404);
    const delivery = (
      await t.db.query("INSERT INTO webhook_deliveries (id, subscription_id, event_id, event_type, status) VALUES (gen_random_uuid(), $1, gen_random_uuid(), 'call.created', 'dead') RETURNING id", [id])
    ).rows[0].id;
    expect((await req('POST', `/v1/webhooks/deliveries/${delivery}/redeliver`, bob)).statusCode).toBe(404);
    expect((await req('GET', `/v1/webhooks/${id}`, alice)).statusCode).toBe(200);
    expect((await req('GET', '/v1/webhooks', admin)).json().items.map((w: { id: string }) => w.id)).toContain(id);
    expect((await req('DELETE', `/v1/webhooks/${id}`, alice)).statusCode).toBe(204);
  });
});

describe('campaigns', () => {
  it('belong to the key that created them', async () => {
    const created = await req('POST', '/v1/campaigns', alice, {
      name: 'follow-up', source: { type: 'csv' }, timeZone: 'UTC', callingHours: [{ days: [1, 2, 3, 4, 5, 6, 7], from: '00:00', to: '23:59' }], maxAttempts: 3, retryMinutes: 60,
    });
    expect(created.statusCode).toBe(201);
    const id = created.json().id;
    expect(created.json().ownerKeyId).toBe(aliceId);
    for (const [method, url, body] of [
      ['GET', `/v1/campaigns/${id}`],
      ['PATCH', `/v1/campaigns/${id}`, { status: 'paused' }],
      ['GET', `/v1/campaigns/${id}/contacts`],
      ['GET', `/v1/campaigns/${id}/due`],
      ['POST', `/v1/campaigns/${id}/contacts/import`],
    ] as const) {
      expect((await req(method, url, bob, body)).statusCode, `${method} ${url}`).toBe(404);
    }
    expect((await req('GET', '/v1/campaigns', bob)).json().items).toEqual([]);
    expect((await req('GET', `/v1/campaigns/${id}`, admin)).statusCode).toBe(200);
    expect((await req('PATCH', `/v1/campaigns/${id}`, alice, { status: 'paused' })).json().status).toBe('paused');
  });
});

describe('click-to-dial calls', () => {
  it('are controlled by the key that placed them; calls from the PBX by any calls:write key', async () => {
    const placed = await insertCall(t.db, { direction: 'outbound', state: 'answered' });
    await t.db.query("INSERT INTO call_originations (call_id, api_key_id, request_hash) VALUES ($1, $2, 'x')", [placed, aliceId]);
    const inbound = await insertCall(t.db, { state: 'answered' });
    for (const path of ['hangup', 'hold', 'mute', 'recordings']) {
      const r = await req('POST', `/v1/calls/${placed}/${path}`, bob);
      expect(r.statusCode, path).toBe(404);
      // Past the ownership check, this instance drives no PBX node: 503.
      expect((await req('POST', `/v1/calls/${placed}/${path}`, alice)).statusCode, path).toBe(503);
      expect((await req('POST', `/v1/calls/${inbound}/${path}`, bob)).statusCode, path).toBe(503);
    }
    expect((await req('POST', `/v1/calls/${placed}/transfers`, bob, { to: { extension: '2001' }, mode: 'blind' })).statusCode).toBe(404);
    expect((await req('POST', `/v1/calls/${placed}/dtmf`, bob, { digits: '1' })).statusCode).toBe(404);
    expect((await req('POST', `/v1/calls/${placed}/hangup`, admin)).statusCode).toBe(503);
    // Reads of calls stay scope-wide: a CRM sees every call of the centre.
    expect((await req('GET', `/v1/calls/${placed}`, bob)).statusCode).toBe(200);
  });
});
