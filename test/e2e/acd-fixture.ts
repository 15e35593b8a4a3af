// What the ACD end-to-end tests share: the simulator, the service on its own database and
// Redis prefix, an admin key, REST helpers, phones scripted through the simulator's
// control API, and readers of the events the ACD wrote to the outbox.
import { createApiKey } from '../../src/api/keys.js';
import { loadConfig } from '../../src/config.js';
import type { Flow } from '../../src/ivr/contract.js';
import { publishFlowDocument, putNumber } from '../../src/ivr/repository.js';
import { createLogger } from '../../src/log.js';
import { startService, type Service } from '../../src/main.js';
import { startSimulator, type Simulator } from '../../src/sim/index.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { uniquePrefix } from '../helpers/redis.js';
import { serviceEnv, simControl } from '../helpers/service.js';
import { waitFor, waitUntil } from '../helpers/wait.js';

export interface AcdWorld {
  t: TestDatabase;
  sim: Simulator;
  service: Service;
  key: string;
  redisPrefix: string;
  env(instance: string): Record<string, string>;
  api(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }>;
  close(): Promise<void>;
}

export async function startAcdWorld(name: string, extraEnv: Record<string, string> = {}): Promise<AcdWorld> {
  const t = await createTestDatabase();
  const sim = await startSimulator({ soundDurationsMs: { 'cti/rate': 40, 'cti/thanks': 40 } });
  const redisPrefix = uniquePrefix(name);
  const env = (instance: string) => serviceEnv(sim, t.url, redisPrefix, { INSTANCE_ID: instance, LOG_LEVEL: 'silent', LEASE_TTL_MS: '1500', RATE_LIMIT_PER_MINUTE: '1000000', ...extraEnv });
  const service = await startService(loadConfig(env('instance-a')), createLogger((process.env.ACD_TEST_LOG as 'info') ?? 'silent'));
  const key = (await createApiKey(service.db, { name, scopes: ['admin'] })).key;
  await waitUntil(() => service.nodes[0]!.ariClient?.state === 'connected', 'ARI connected');
  const world: AcdWorld = {
    t,
    sim,
    service,
    key,
    redisPrefix,
    env,
    async api(method, path, body) {
      const res = await fetch(`${world.service.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${key}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        body: body !== undefined ? JSON.stringify(body) : undefined,
      });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : undefined };
    },
    async close() {
      await world.service?.stop();
      await sim?.close();
      await t?.drop();
    },
  };
  return world;
}

export async function must(w: AcdWorld, method: string, path: string, body?: unknown): Promise<any> {
  const res = await w.api(method, path, body);
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

/** An agent with a phone at PJSIP/<ext>, logged in and ready. */
export async function readyAgent(w: AcdWorld, id: string, ext: string, skills: Record<string, number>, over: Record<string, unknown> = {}): Promise<void> {
  await must(w, 'POST', '/v1/agents', { id, name: id, endpoint: `PJSIP/${ext}`, skills, ringSeconds: 5, wrapUpSeconds: 1, ...over });
  await must(w, 'POST', `/v1/agents/${id}/state`, { action: 'login' });
  await must(w, 'POST', `/v1/agents/${id}/state`, { action: 'ready' });
}

export async function phone(w: AcdWorld, ext: string, behaviour: 'answer' | 'ring-out' | 'busy' | 'unreachable', answerAfterMs = 50): Promise<void> {
  const res = await fetch(`${w.sim.control.url}/endpoints/PJSIP/${ext}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ behaviour, answerAfterMs }),
  });
  if (!res.ok) throw new Error(`phone ${ext}: ${res.status}`);
}

/** A flow on `did` that (optionally marks the caller VIP and) queues the caller. */
export async function queueFlow(w: AcdWorld, did: string, queue: string, o: { vip?: boolean; survey?: boolean; data?: Record<string, string> } = {}): Promise<void> {
  const id = `f-${did}`;
  const nodes: Flow['nodes'] = {
    mark: { type: 'set', values: { ...(o.vip ? { vip: 'true' } : {}), customer: `caller of ${did}`, ...(o.data ?? {}) }, next: 'q' },
    q: { type: 'queue', queue, ...(o.survey ? { survey: 'rate' } : {}) },
    rate: { type: 'survey', prompt: { media: ['sound:cti/rate'] }, scale: '1-5', timeoutMs: 3000, thanksPrompt: { media: ['sound:cti/thanks'] } },
  };
  const flow = { id, version: 1, name: id, entry: 'mark', nodes } as Flow;
  await publishFlowDocument(w.t.db, flow);
  await putNumber(w.t.db, { did, flowId: id });
}

export async function placeCall(w: AcdWorld, to: string, from = '+15551230001'): Promise<{ channelId: string; callId: string }> {
  const { channelId } = await simControl<{ channelId: string }>(w.sim, '/calls', { from, to });
  const callId = await waitFor('the call to be created', async () => {
    const { rows } = await w.t.db.query('SELECT id FROM calls WHERE channel_id = $1', [channelId]);
    return rows[0]?.id as string | undefined;
  });
  return { channelId, callId };
}

export interface OutboxEvent {
  type: string;
  callId?: string;
  data: Record<string, any>;
}

export async function events(w: AcdWorld, filter: { callId?: string; type?: string; agentId?: string } = {}): Promise<OutboxEvent[]> {
  const { rows } = await w.t.db.query('SELECT payload FROM outbox ORDER BY id');
  return rows
    .map((r) => r.payload as OutboxEvent)
    .filter((e) => (!filter.callId || e.callId === filter.callId) && (!filter.type || e.type === filter.type) && (!filter.agentId || e.data.agentId === filter.agentId));
}

export async function waitEvent(w: AcdWorld, filter: { callId?: string; type: string; agentId?: string }, what?: string, timeoutMs = 20_000): Promise<OutboxEvent> {
  return waitFor(what ?? `${filter.type} for ${filter.callId ?? filter.agentId ?? 'someone'}`, async () => (await events(w, filter))[0], timeoutMs);
}

export async function agentState(w: AcdWorld, id: string): Promise<string> {
  return (await must(w, 'GET', `/v1/agents/${id}`)).state;
}

/** The agent leg channels of a call (offer order). */
export async function agentLegs(w: AcdWorld, callId: string): Promise<Array<{ agent_id: string; channel_id: string; answered_at: Date | null; ended_at: Date | null; outcome: string | null }>> {
  const { rows } = await w.t.db.query('SELECT agent_id, channel_id, answered_at, ended_at, outcome FROM acd_agent_legs WHERE call_id = $1 ORDER BY offered_at', [callId]);
  return rows;
}

export async function hangUp(w: AcdWorld, channelId: string): Promise<void> {
  await simControl(w.sim, `/channels/${channelId}/hangup`, { cause: 16 });
}

export async function press(w: AcdWorld, channelId: string, digits: string): Promise<void> {
  await simControl(w.sim, `/channels/${channelId}/dtmf`, { digits, gapMs: 20 });
}
