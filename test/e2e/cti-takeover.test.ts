// A call the ACD connected and handed to call control survives a take-over of the node:
// the instance taking over finds it by the ACD's bridge and the agent leg call control
// recorded, cancels the consultation caught in flight (the caller is back with agent A,
// B is hung up and wraps up), and the ACD there follows A's leg without driving it: the
// API hang-up ends the call and A goes into wrap-up, then ready.
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

describe('an ACD call under call control across a node take-over', () => {
  let t: TestDatabase;
  let sim: Simulator;
  let a: Service | undefined;
  let b: Service | undefined;
  let key = '';
  const prefix = uniquePrefix('cti-takeover');
  const env = (instance: string) => serviceEnv(sim, t.url, prefix, { INSTANCE_ID: instance, LOG_LEVEL: 'silent', LEASE_TTL_MS: '1500', RATE_LIMIT_PER_MINUTE: '1000000' });

  const api = async (s: Service, method: string, path: string, body?: unknown) => {
    const res = await fetch(`${s.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : undefined) as Record<string, any> };
  };
  const must = async (s: Service, method: string, path: string, body?: unknown) => {
    const res = await api(s, method, path, body);
    if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  };
  const agentState = async (s: Service, id: string) => (await must(s, 'GET', `/v1/agents/${id}`)).state as string;
  const callState = async (callId: string) => (await t.db.query('SELECT state FROM calls WHERE id = $1', [callId])).rows[0]?.state as string;
  const bridged = (x: string, y: string) => {
    const c = sim.world.channel(x);
    return !!c?.bridgeId && sim.world.bridge(c.bridgeId)!.type === 'mixing' && sim.world.bridge(c.bridgeId)!.channelIds.includes(y);
  };
  const changes = async (agentId: string, callId: string) =>
    (
      await t.db.query(
        "SELECT payload FROM outbox WHERE payload->>'type' = 'agent.state_changed' AND payload->'data'->>'agentId' = $1 AND payload->'data'->>'callId' = $2 ORDER BY id",
        [agentId, callId],
      )
    ).rows.map((r) => `${r.payload.data.from}>${r.payload.data.to}`);

  beforeAll(async () => {
    t = await createTestDatabase();
    sim = await startSimulator({ speed: 20 });
    a = await startService(loadConfig(env('instance-a')), createLogger('silent'));
    await waitUntil(() => a!.nodes[0]!.ariClient?.state === 'connected', 'A drives the node');
    b = await startService(loadConfig(env('instance-b')), createLogger('silent'));
    key = (await createApiKey(a.db, { name: 'cti-takeover', scopes: ['admin'] })).key;
    await must(a, 'PUT', '/v1/skills/orders', {});
    await must(a, 'POST', '/v1/queues', { id: 'orders', name: 'Orders', skills: { orders: 1 } });
    await must(a, 'POST', '/v1/agents', { id: 'alice', name: 'Alice', endpoint: 'PJSIP/1001', skills: { orders: 3 }, ringSeconds: 10, wrapUpSeconds: 1 });
    await must(a, 'POST', '/v1/agents', { id: 'bob', name: 'Bob', endpoint: 'PJSIP/1002', skills: {}, ringSeconds: 10, wrapUpSeconds: 1 });
    for (const id of ['alice', 'bob']) {
      await must(a, 'POST', `/v1/agents/${id}/state`, { action: 'login' });
      await must(a, 'POST', `/v1/agents/${id}/state`, { action: 'ready' });
    }
    const flow = { id: 'orders', version: 1, entry: 'mark', nodes: { mark: { type: 'set', values: { orderNumber: '4711' }, next: 'q' }, q: { type: 'queue', queue: 'orders' } } };
    await publishFlowDocument(a.db, flow as never, 'Orders');
    await putNumber(a.db, { did: '300', flowId: flow.id });
  });

  afterAll(async () => {
    await a?.stop();
    await b?.stop();
    await sim?.close();
    await t?.drop();
  });

  it('cancels the consultation in flight, keeps A with the caller, and both agents wrap up', async () => {
    const { channelId: customer } = await simControl<{ channelId: string }>(sim, '/calls', { from: '+15551230001', to: '300' });
    const callId = await waitFor('the call', async () => (await t.db.query('SELECT id FROM calls WHERE channel_id = $1', [customer])).rows[0]?.id as string | undefined);
    await waitFor('connected', async () => (await callState(callId)) === 'connected');
    const agent = await waitFor('A’s leg', async () => (await t.db.query("SELECT channel_id FROM acd_agent_legs WHERE call_id = $1 AND agent_id = 'alice' AND answered_at IS NOT NULL", [callId])).rows[0]?.channel_id as string | undefined);
    await waitUntil(() => bridged(customer, agent), 'A and the caller');

    // Whichever instance drives the node now hands the call over, then goes away.
    const first: Service = a!.nodes[0]!.isOwner ? a! : b!;
    const second: Service = first === a ? b! : a!;
    const started = await must(first, 'POST', `/v1/calls/${callId}/transfers`, { to: { agentId: 'bob' }, mode: 'attended' });
    await waitFor('consulting', async () => (await must(first, 'GET', `/v1/transfers/${started.id}`)).state === 'answered');
    const target = (await t.db.query('SELECT target_channel_id FROM call_transfers WHERE id = $1', [started.id])).rows[0].target_channel_id as string;
    await waitUntil(() => bridged(agent, target), 'A and B consulting');

    await first.stop();
    if (first === a) a = undefined;
    else b = undefined;
    await waitUntil(() => second.nodes[0]!.isOwner && second.nodes[0]!.ariClient?.state === 'connected', 'the other instance drives the node', 20_000);
    await waitFor('the transfer cancelled', async () => (await must(second, 'GET', `/v1/transfers/${started.id}`)).state === 'cancelled', 20_000);
    await waitUntil(() => !sim.world.channel(target), 'B hung up');
    await waitUntil(() => bridged(customer, agent), 'the caller back with A');
    await waitFor('bob ready after wrap-up', async () => (await agentState(second, 'bob')) === 'ready');
    expect(await agentState(second, 'alice')).toBe('on_call');
    expect(await callState(callId)).toBe('connected');

    expect((await api(second, 'POST', `/v1/calls/${callId}/hangup`)).status).toBe(204);
    await waitFor('ended', async () => (await callState(callId)) === 'ended');
    await waitUntil(() => !sim.world.channel(customer) && !sim.world.channel(agent), 'every leg gone');
    await waitUntil(() => !sim.world.bridges().some((x) => x.id.includes(callId)), 'no bridge left');
    await waitFor('alice ready after wrap-up', async () => (await agentState(second, 'alice')) === 'ready');
    await waitFor('the changes announced', async () => (await changes('alice', callId)).at(-1) === 'wrap_up>ready' && (await changes('bob', callId)).at(-1) === 'wrap_up>ready');
    expect(await changes('alice', callId)).toEqual(['ready>reserved', 'reserved>on_call', 'on_call>wrap_up', 'wrap_up>ready']);
    expect(await changes('bob', callId)).toEqual(['ready>reserved', 'reserved>on_call', 'on_call>wrap_up', 'wrap_up>ready']);
  }, 60_000);
});
