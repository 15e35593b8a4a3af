// Another instance takes the PBX node over in the middle of a consultation: it rebuilds
// the call from the PBX's bridges and its legs, cancels the transfer caught in flight
// (the customer is back with agent A, B is hung up) and drives the call from then on.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../src/api/keys.js';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/log.js';
import { startService, type Service } from '../../src/main.js';
import { publishFlowDocument, putNumber } from '../../src/ivr/repository.js';
import { startSimulator, type Simulator } from '../../src/sim/index.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { uniquePrefix } from '../helpers/redis.js';
import { serviceEnv, simControl } from '../helpers/service.js';
import { waitFor, waitUntil } from '../helpers/wait.js';

describe('call control across a node take-over', () => {
  let t: TestDatabase;
  let sim: Simulator;
  let a: Service | undefined;
  let b: Service | undefined;
  let key = '';
  const prefix = uniquePrefix('callctl-takeover');
  const env = (instance: string) =>
    serviceEnv(sim, t.url, prefix, { INSTANCE_ID: instance, LOG_LEVEL: 'silent', TRANSFER_DESTINATIONS: JSON.stringify({ 'agent-a': '1001' }) });

  beforeAll(async () => {
    t = await createTestDatabase();
    sim = await startSimulator({ speed: 20 });
    a = await startService(loadConfig(env('instance-a')), createLogger('silent'));
    await waitUntil(() => a!.nodes[0]!.ariClient?.state === 'connected', 'A drives the node');
    b = await startService(loadConfig(env('instance-b')), createLogger('silent'));
    key = (await createApiKey(a.db, { name: 'takeover', scopes: ['admin'] })).key;
    const flow = { id: 'hotline', version: 1, entry: 'agent', nodes: { agent: { type: 'transfer', to: 'agent-a' } } };
    await publishFlowDocument(a.db, flow as never, 'Hotline');
    await putNumber(a.db, { did: '200', flowId: flow.id });
  });

  afterAll(async () => {
    await a?.stop();
    await b?.stop();
    await sim?.close();
    await t?.drop();
  });

  const api = async (s: Service, method: string, path: string, body?: unknown) => {
    const res = await fetch(`${s.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : undefined) as Record<string, unknown> };
  };
  const state = async (callId: string) => (await t.db.query('SELECT state FROM calls WHERE id = $1', [callId])).rows[0]?.state as string;
  const bridged = (x: string, y: string) => {
    const c = sim.world.channel(x);
    return !!c?.bridgeId && sim.world.bridge(c.bridgeId)!.type === 'mixing' && sim.world.bridge(c.bridgeId)!.channelIds.includes(y);
  };

  it('cancels the consultation in flight and keeps driving the call', async () => {
    const { channelId: customer } = await simControl<{ channelId: string }>(sim, '/calls', { from: '+15551230001', to: '200' });
    const callId = await waitFor('the call', async () => (await t.db.query('SELECT id FROM calls WHERE channel_id = $1', [customer])).rows[0]?.id as string | undefined);
    await waitFor('connected', async () => (await state(callId)) === 'connected');
    const agent = (await t.db.query("SELECT channel_id FROM call_legs WHERE call_id = $1 AND role = 'agent'", [callId])).rows[0].channel_id as string;

    // The instance that does not own the node forwards call control to the owner.
    expect((await api(b!, 'POST', `/v1/calls/${callId}/hold`)).status).toBe(204);
    expect((await api(b!, 'POST', `/v1/calls/${callId}/unhold`)).status).toBe(204);
    await waitFor('the caller back with the agent', () => bridged(customer, agent));
    const started = await api(a!, 'POST', `/v1/calls/${callId}/transfers`, { to: { extension: '1002' }, mode: 'attended' });
    expect(started.status).toBe(201);
    const transferId = started.body['id'] as string;
    await waitFor('consulting', async () => (await api(a!, 'GET', `/v1/transfers/${transferId}`)).body['state'] === 'answered');
    const target = (await t.db.query('SELECT target_channel_id FROM call_transfers WHERE id = $1', [transferId])).rows[0].target_channel_id as string;

    await a!.stop();
    a = undefined;
    await waitUntil(() => b!.nodes[0]!.isOwner && b!.nodes[0]!.ariClient?.state === 'connected', 'B drives the node', 20_000);
    await waitFor('the transfer cancelled', async () => (await api(b!, 'GET', `/v1/transfers/${transferId}`)).body['state'] === 'cancelled');
    await waitUntil(() => !sim.world.channel(target), 'B hung up');
    await waitUntil(() => bridged(customer, agent), 'the customer back with A');

    expect((await api(b!, 'POST', `/v1/calls/${callId}/hold`)).status).toBe(204);
    expect((await api(b!, 'POST', `/v1/calls/${callId}/unhold`)).status).toBe(204);
    expect(bridged(customer, agent)).toBe(true);
    expect((await api(b!, 'POST', `/v1/calls/${callId}/hangup`)).status).toBe(204);
    await waitFor('ended', async () => (await state(callId)) === 'ended');
    await waitUntil(() => !sim.world.channel(customer) && !sim.world.channel(agent), 'every leg gone');
    expect(sim.world.bridges().filter((x) => x.id.startsWith(callId))).toEqual([]);
  }, 60_000);
});
