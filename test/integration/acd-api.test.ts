// The ACD REST API on a real Postgres and Redis: definitions, state changes with their
// events, refusals (422 unknown skill/queue, 409 illegal state change), waiting calls,
// stats, the routing simulation and an agent's own stream.
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import { Pool } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { agentStreamRoutes } from '../../src/acd/agent-stream.js';
import { AgentLiveStore } from '../../src/acd/live-store.js';
import { QueueLiveStore } from '../../src/acd/queue-live.js';
import { acdRoutes } from '../../src/acd/routes.js';
import { LocalEventBus } from '../../src/events/bus.js';
import type { DomainEvent } from '../../src/events/catalogue.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { TEST_REDIS_URL, uniquePrefix } from '../helpers/redis.js';
import { waitUntil } from '../helpers/wait.js';
import { bearer, keyWith, testApp } from './api-fixtures.js';

let t: TestDatabase;
let app: FastifyInstance;
const bus = new LocalEventBus();
let http: Pool;
let base: string;
let admin: string;
let reader: string;
const redis = new Redis(TEST_REDIS_URL);
const prefix = uniquePrefix('acd-api');

async function call(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown, key = admin) {
  const res = await http.request({
    method,
    path,
    headers: { ...bearer(key), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    body: body !== undefined ? JSON.stringify(body) : undefined,
  });
  const text = await res.body.text();
  return { status: res.statusCode, body: text ? JSON.parse(text) : undefined, type: String(res.headers['content-type'] ?? '') };
}

beforeAll(async () => {
  t = await createTestDatabase();
  ({ app } = await testApp(t.db, {
    redis,
    bus,
    routes: [
      { plugin: acdRoutes, opts: { db: t.db, redis, redisPrefix: prefix } },
      { plugin: agentStreamRoutes, opts: { db: t.db, bus } },
    ],
  }));
  base = await app.listen({ host: '127.0.0.1', port: 0 });
  http = new Pool(base);
  admin = await keyWith(t.db, 'agents:read', 'agents:write', 'queues:read', 'queues:write', 'events:read');
  reader = await keyWith(t.db, 'agents:read');
  for (const s of ['english', 'german', 'billing']) expect((await call('PUT', `/v1/skills/${s}`, {})).status).toBe(201);
});

afterAll(async () => {
  await http?.close();
  await app?.close();
  await t?.drop();
  await redis.quit();
});

describe('ACD API', () => {
  it('creates agents, refuses unknown skills and bad endpoints, lists live state', async () => {
    const created = await call('POST', '/v1/agents', { id: 'anna', name: 'Anna', endpoint: 'PJSIP/1001', skills: { english: 5, billing: 3 } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ id: 'anna', state: 'logged_out', ringSeconds: 20, wrapUpSeconds: 10 });
    const unknown = await call('POST', '/v1/agents', { id: 'bob', name: 'Bob', endpoint: 'PJSIP/1002', skills: { klingon: 2 } });
    expect(unknown.status).toBe(422);
    expect(unknown.type).toContain('application/problem+json');
    expect(unknown.body.unknown).toEqual({ skill: ['klingon'] });
    expect((await call('POST', '/v1/agents', { id: 'eve', name: 'Eve', endpoint: 'Local/1@default,x', skills: {} })).status).toBe(400);
    // chan_sip is not in Asterisk 22: an agent on it could never be rung.
    const sip = await call('POST', '/v1/agents', { id: 'eve', name: 'Eve', endpoint: 'SIP/1003', skills: {} });
    expect(sip.status).toBe(400);
    expect(JSON.stringify(sip.body)).toContain('endpoint');
    expect((await call('POST', '/v1/agents', { id: 'anna', name: 'Anna', endpoint: 'PJSIP/1001', skills: {} })).status).toBe(409);
    expect((await call('POST', '/v1/agents', { id: 'bert', name: 'Bert', endpoint: 'PJSIP/1002', skills: { german: 4, billing: 1 }, ringSeconds: 15 })).status).toBe(201);
    const list = await call('GET', '/v1/agents', undefined, reader);
    expect(list.body.items.map((a: { id: string }) => a.id)).toEqual(['anna', 'bert']);
    expect((await call('POST', '/v1/agents', { id: 'x', name: 'X', endpoint: 'PJSIP/1', skills: {} }, reader)).status).toBe(403);
  });

  it('changes agent state, announces each change, and answers 409 with the state for an illegal change', async () => {
    expect((await call('POST', '/v1/agents/anna/state', { action: 'ready' })).body).toMatchObject({ status: 409, state: 'logged_out' });
    expect((await call('POST', '/v1/agents/anna/state', { action: 'login' })).body).toMatchObject({ state: 'not_ready', reason: 'login' });
    expect((await call('POST', '/v1/agents/anna/state', { action: 'not_ready' })).status).toBe(422);
    expect((await call('POST', '/v1/agents/anna/state', { action: 'ready' })).body).toMatchObject({ state: 'ready' });
    expect((await call('POST', '/v1/agents/nobody/state', { action: 'ready' })).status).toBe(404);
    // A call reaches Anna (as the routing would do it) and she answers.
    const live = new AgentLiveStore(redis, prefix);
    await live.reserve('anna', 'call-1', 'offer-1', 10_000, Date.now());
    await live.apply('anna', { type: 'answer' }, Date.now(), 'offer-1');
    const refused = await call('POST', '/v1/agents/anna/state', { action: 'ready' });
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ state: 'on_call' });
    expect((await call('DELETE', '/v1/agents/anna')).body).toMatchObject({ status: 409, state: 'on_call' });
    // Not ready during the call is remembered, not refused.
    expect((await call('POST', '/v1/agents/anna/state', { action: 'not_ready', reason: 'lunch' })).body).toMatchObject({ state: 'on_call' });
    const { rows } = await t.db.query(`SELECT payload FROM outbox WHERE type = 'agent.state_changed' ORDER BY id`);
    const changes = rows.map((r) => r.payload.data).filter((d) => d.agentId === 'anna');
    // The store's own changes (the offer and the answer) carry their events too.
    expect(changes.map((d) => [d.from, d.to, d.reason])).toEqual([
      ['logged_out', 'not_ready', 'login'],
      ['not_ready', 'ready', null],
      ['ready', 'reserved', null],
      ['reserved', 'on_call', null],
    ]);
    expect(changes[1].durationMs).toBeGreaterThanOrEqual(0);
  });

  it('creates queues, refuses unknown skills and overflow targets with 422', async () => {
    const q = await call('POST', '/v1/queues', {
      id: 'billing',
      name: 'Billing',
      skills: { billing: 2 },
      priorityRules: [{ field: 'vip', equals: 'true', add: 10 }],
      wideningSteps: [{ afterSeconds: 30, lowerBy: 1 }],
    });
    expect(q.status).toBe(201);
    expect(q.body).toMatchObject({ strategy: 'longest_idle', serviceLevel: { percent: 90, seconds: 10 }, agingSecondsPerLevel: 60 });
    expect((await call('POST', '/v1/queues', { id: 'bad', name: 'Bad', skills: { juggling: 1 } })).status).toBe(422);
    const overflow = await call('POST', '/v1/queues', { id: 'over', name: 'Over', overflow: { type: 'queue', id: 'nowhere' } });
    expect(overflow.status).toBe(422);
    expect(overflow.body.unknown).toEqual({ queue: ['nowhere'] });
    expect((await call('POST', '/v1/queues', { id: 'german', name: 'German', skills: { german: 3 }, strategy: 'best_skill', overflow: { type: 'queue', id: 'billing' } })).status).toBe(201);
    expect((await call('DELETE', '/v1/queues/billing')).status).toBe(409);
    expect((await call('DELETE', '/v1/skills/billing')).status).toBe(409);
    expect((await call('GET', '/v1/queues/german')).body).toMatchObject({ strategy: 'best_skill' });
  });

  it('simulates routing: ready agents in offer order, VIP priority, widening, 422 for unknown queue or skill', async () => {
    await call('POST', '/v1/agents/bert/state', { action: 'login' });
    await call('POST', '/v1/agents/bert/state', { action: 'ready' });
    // Bert has billing 1 < 2: only after the widening step.
    const now = await call('POST', '/v1/routing/simulate', { queueId: 'billing', data: { vip: true } });
    expect(now.status).toBe(200);
    expect(now.body).toMatchObject({ priority: 10, requiredSkills: { billing: 2 }, agents: [], position: 1 });
    // Anna is on a call: the wait is estimated from her, not unknown.
    expect(now.body.expectedWaitSeconds).toBeGreaterThan(0);
    const later = await call('POST', '/v1/routing/simulate', { queueId: 'billing', waitSeconds: 31 });
    expect(later.body).toMatchObject({ priority: 0, requiredSkills: { billing: 1 }, agents: [{ id: 'bert', name: 'Bert' }], expectedWaitSeconds: 0 });
    expect((await call('POST', '/v1/routing/simulate', { queueId: 'nope' })).status).toBe(422);
    expect((await call('POST', '/v1/routing/simulate', { queueId: 'billing', skills: { klingon: 1 } })).status).toBe(422);
  });

  it('lists waiting calls in service order and reports stats', async () => {
    const waiting = new QueueLiveStore(redis, prefix);
    const base = { pbxNode: 'pbx1', bridgeId: null, survey: null, overflowFrom: null, attempts: 0, skills: {}, queueId: 'billing' };
    const now = Date.now();
    await waiting.put({ ...base, callId: 'c-old', channelId: 'ch1', priority: 0, enteredMs: now - 20_000 });
    await waiting.put({ ...base, callId: 'c-vip', channelId: 'ch2', priority: 10, enteredMs: now - 1_000 });
    const calls = await call('GET', '/v1/queues/billing/calls');
    expect(calls.body.items.map((c: { callId: string; position: number }) => [c.callId, c.position])).toEqual([
      ['c-vip', 1],
      ['c-old', 2],
    ]);
    const callId = randomUUID();
    await t.db.query(`INSERT INTO acd_queue_entries (queue_id, call_id) VALUES ('billing', $1), ('billing', $1), ('billing', $1)`, [callId]);
    await t.db.query(
      `INSERT INTO acd_queue_outcomes (queue_id, call_id, outcome, wait_ms, short, entered_at) VALUES
        ('billing', $1, 'answered', 4000, false, now()), ('billing', $1, 'answered', 14000, false, now()), ('billing', $1, 'abandoned', 2000, true, now())`,
      [callId],
    );
    const stats = await call('GET', '/v1/queues/billing/stats');
    expect(stats.status).toBe(200);
    expect(stats.body.now).toMatchObject({ waiting: 2, agents: { on_call: 1, ready: 0 } });
    expect(stats.body.now.longestWaitSeconds).toBeGreaterThanOrEqual(20);
    // 1 of 2 answered within 10 s, over 3 offered minus 1 short abandon.
    expect(stats.body.today).toMatchObject({ offered: 3, answered: 2, abandoned: 1, shortAbandoned: 1, serviceLevelPercent: 50, asaSeconds: 9 });
    expect((await call('DELETE', '/v1/queues/billing')).status).toBe(409);
    expect((await call('GET', '/v1/queues/none/stats')).status).toBe(404);
  });

  it('publishes every ACD route in the OpenAPI document with its scope', async () => {
    const res = await http.request({ method: 'GET', path: '/docs/json' });
    const doc = (await res.body.json()) as { paths: Record<string, Record<string, { description?: string }>> };
    for (const path of ['/v1/agents', '/v1/agents/{id}', '/v1/agents/{id}/state', '/v1/agents/{id}/stream', '/v1/queues', '/v1/queues/{id}/calls', '/v1/queues/{id}/stats', '/v1/routing/simulate', '/v1/skills/{name}']) {
      expect(doc.paths[path], path).toBeDefined();
    }
    expect(JSON.stringify(doc.paths['/v1/agents/{id}/state'])).toContain('agents:write');
  });

  it("streams an agent's own offers and state changes, nobody else's", async () => {
    const ws = new WebSocket(`${base.replace('http', 'ws')}/v1/agents/anna/stream`, { headers: bearer(admin) });
    const got: DomainEvent[] = [];
    ws.on('message', (m) => got.push(JSON.parse(String(m))));
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    const ev = (type: DomainEvent['type'], data: Record<string, unknown>): DomainEvent => ({ id: randomUUID(), type, version: 1, occurredAt: new Date().toISOString(), data });
    await bus.publish(ev('call.offered', { offer: { agentId: 'bert' }, data: { crm: 'secret of bert' } }));
    await bus.publish(ev('agent.state_changed', { agentId: 'bert', from: 'ready', to: 'reserved' }));
    await bus.publish(ev('call.ended', { callId: 'x' }));
    await bus.publish(ev('call.offered', { offer: { agentId: 'anna' }, data: { crm: 'for anna' } }));
    await bus.publish(ev('agent.state_changed', { agentId: 'anna', from: 'ready', to: 'reserved' }));
    await waitUntil(() => got.length >= 2, 'the agent stream to deliver');
    await new Promise((r) => setTimeout(r, 100));
    expect(got.map((e) => [e.type, (e.data as any).offer?.agentId ?? (e.data as any).agentId])).toEqual([
      ['call.offered', 'anna'],
      ['agent.state_changed', 'anna'],
    ]);
    ws.close();
    // A browser uses a stream token instead of the key.
    const tokenRes = await call('POST', '/v1/events/stream-tokens');
    expect(tokenRes.status).toBe(201);
    const viaToken = new WebSocket(`${base.replace('http', 'ws')}/v1/agents/anna/stream?token=${encodeURIComponent(tokenRes.body.token)}`);
    const tokenGot: DomainEvent[] = [];
    viaToken.on('message', (m) => tokenGot.push(JSON.parse(String(m))));
    await new Promise((resolve, reject) => viaToken.once('open', resolve).once('error', reject));
    await bus.publish(ev('agent.state_changed', { agentId: 'anna', from: 'reserved', to: 'on_call' }));
    await waitUntil(() => tokenGot.length === 1, 'the token stream to deliver');
    viaToken.close();
    const bad = new WebSocket(`${base.replace('http', 'ws')}/v1/agents/anna/stream?token=nonsense.x`);
    const status = await new Promise<number>((resolve) => bad.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0)).once('open', () => resolve(101)));
    expect(status).toBe(401);
    const missing = await http.request({ method: 'GET', path: '/v1/agents/nobody/stream', headers: bearer(admin) });
    expect(missing.statusCode).toBe(404);
    await missing.body.dump();
  });
  it('lets a supervisor force an agent stuck on a call to ready or logged out', async () => {
    expect((await call('POST', '/v1/agents/anna/state', { action: 'login', force: true })).status).toBe(422);
    const forced = await call('POST', '/v1/agents/anna/state', { action: 'ready', force: true });
    expect(forced.status).toBe(200);
    expect(forced.body).toMatchObject({ state: 'ready', callId: null });
    const live = new AgentLiveStore(redis, prefix);
    await live.reserve('anna', 'call-2', 'offer-2', 10_000, Date.now());
    await live.apply('anna', { type: 'answer' }, Date.now(), 'offer-2');
    expect((await call('POST', '/v1/agents/anna/state', { action: 'logout' })).status).toBe(409);
    expect((await call('POST', '/v1/agents/anna/state', { action: 'logout', force: true })).body).toMatchObject({ state: 'logged_out' });
    const { rows } = await t.db.query(`SELECT payload FROM outbox WHERE type = 'agent.state_changed' ORDER BY id`);
    const changes = rows.map((r) => r.payload.data).filter((d) => d.agentId === 'anna').slice(-4);
    expect(changes.map((d) => [d.from, d.to, d.reason])).toEqual([
      ['on_call', 'ready', 'forced'],
      ['ready', 'reserved', null],
      ['reserved', 'on_call', null],
      ['on_call', 'logged_out', 'forced'],
    ]);
  });
});
