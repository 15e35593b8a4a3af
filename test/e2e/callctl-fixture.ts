import { expect } from 'vitest';
// What the call-control end-to-end tests share: the simulator, the service, an API key,
// the "caller reaches agent A" setup, and readers of the simulated world (who is in
// which bridge, who hears music) and of the events the service emitted.
import { createApiKey } from '../../src/api/keys.js';
import { publishFlowDocument, putNumber } from '../../src/ivr/repository.js';
import { validateFlow } from '../../src/ivr/validate.js';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/log.js';
import { startService, type Service } from '../../src/main.js';
import { startSimulator, type Simulator, type SimulatorOptions } from '../../src/sim/index.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { uniquePrefix } from '../helpers/redis.js';
import { serviceEnv, simControl } from '../helpers/service.js';
import { waitFor, waitUntil } from '../helpers/wait.js';

export const AGENT_A = '1001';
export const AGENT_B = '1002';
export const CUSTOMER = '0612345678';
/** The DID whose IVR flow sets the call's business data and transfers to agent A. */
export const HOTLINE = '200';
/** What that flow puts on the call: the screen pop every agent must see. */
export const IVR_DATA = { customerId: 'C-4711', topic: 'billing' };

export interface CallCtlWorld {
  t: TestDatabase;
  sim: Simulator;
  service: Service;
  key: string;
  api<T = Record<string, unknown>>(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; body: T }>;
  close(): Promise<void>;
}

export async function startCallCtlWorld(name: string, env: Record<string, string> = {}, simOptions: Partial<SimulatorOptions> = {}): Promise<CallCtlWorld> {
  const t = await createTestDatabase();
  // Phones ring 2 simulated seconds before they answer: 100 ms here.
  const sim = await startSimulator({ speed: 20, ...simOptions });
  const service = await startService(
    loadConfig(serviceEnv(sim, t.url, uniquePrefix(name), { LOG_LEVEL: 'warn', TRANSFER_DESTINATIONS: JSON.stringify({ 'agent-a': AGENT_A }), ...env })),
    createLogger('warn'),
  );
  const key = (await createApiKey(service.db, { name, scopes: ['admin'] })).key;
  const flow = {
    id: 'hotline',
    version: 1,
    entry: 'identify',
    nodes: {
      identify: { type: 'set', values: IVR_DATA, next: 'agent' },
      agent: { type: 'transfer', to: 'agent-a' },
    },
  };
  const problems = validateFlow(flow, { availableCapabilities: ['transfer'] });
  if (problems.length) throw new Error(`hotline flow: ${JSON.stringify(problems)}`);
  await publishFlowDocument(service.db, flow as never, 'Hotline');
  await putNumber(service.db, { did: HOTLINE, flowId: flow.id });
  await waitUntil(() => service.nodes[0]!.ariClient?.state === 'connected', 'ARI connected');
  const api = async <T>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(`${service.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
  };
  return {
    t,
    sim,
    service,
    key,
    api,
    async close() {
      await service.stop();
      await sim.close();
      await t.drop();
    },
  };
}

export interface ConnectedCall {
  callId: string;
  /** Agent A's channel. */
  agent: string;
  customer: string;
}

/**
 * The acceptance cases' common start, as the field describes it: the customer calls the
 * hotline, passes the IVR (which puts IVR_DATA on the call) and reaches agent A, whose
 * phone the IVR's transfer node rings. When the ACD lands, only this function changes.
 */
export async function callerReachesAgentA(w: CallCtlWorld): Promise<ConnectedCall> {
  const { channelId: customer } = await simControl<{ channelId: string }>(w.sim, '/calls', { from: '+15551230001', callerName: 'Alice Caller', to: HOTLINE });
  const callId = await waitFor('the inbound call', async () => (await w.t.db.query<{ id: string }>('SELECT id FROM calls WHERE channel_id = $1', [customer])).rows[0]?.id);
  return connected(w, callId, customer);
}

/** The same start through click-to-dial: agent A calls the customer. */
export async function agentACallsCustomer(w: CallCtlWorld, data: Record<string, unknown> = {}): Promise<ConnectedCall> {
  const res = await w.api<{ id: string; channelId: string }>('POST', '/v1/calls', { extension: AGENT_A, to: CUSTOMER, data });
  if (res.status !== 201) throw new Error(`click-to-dial answered ${res.status}: ${JSON.stringify(res.body)}`);
  return connected(w, res.body.id, res.body.channelId);
}

async function connected(w: CallCtlWorld, callId: string, customer: string): Promise<ConnectedCall> {
  await waitFor('the call to be connected', async () => (await callState(w, callId)) === 'connected');
  const legs = await w.t.db.query<{ channel_id: string; role: string }>('SELECT channel_id, role FROM call_legs WHERE call_id = $1', [callId]);
  const agent = legs.rows.find((l) => l.role === 'agent')!.channel_id;
  await waitFor('A and the customer in one bridge', () => together(w, agent, customer));
  return { callId, agent, customer };
}

/** An API request that must succeed; its body. */
export async function apiOk<T = any>(w: CallCtlWorld, method: string, path: string, body?: unknown): Promise<T> {
  const res = await w.api<T>(method, path, body);
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

/** An ACD queue behind a DID (a one-node flow hands callers to it) and its agents, logged in and ready. */
export async function queueWithAgents(w: CallCtlWorld, did: string, queue: string, agents: Array<{ id: string; endpoint: string; skilled?: boolean }>): Promise<void> {
  await apiOk(w, 'PUT', `/v1/skills/${queue}`, {});
  await apiOk(w, 'POST', '/v1/queues', { id: queue, name: queue, skills: { [queue]: 1 } });
  for (const a of agents) {
    await apiOk(w, 'POST', '/v1/agents', { id: a.id, name: a.id, endpoint: a.endpoint, skills: a.skilled === false ? {} : { [queue]: 1 }, ringSeconds: 10, wrapUpSeconds: 1 });
    await apiOk(w, 'POST', `/v1/agents/${a.id}/state`, { action: 'login' });
    await apiOk(w, 'POST', `/v1/agents/${a.id}/state`, { action: 'ready' });
  }
  const flow = { id: `${queue}-line`, version: 1, entry: 'q', nodes: { q: { type: 'queue', queue } } };
  await publishFlowDocument(w.service.db, flow as never, `${queue} line`);
  await putNumber(w.service.db, { did, flowId: flow.id });
}

export async function callState(w: CallCtlWorld, callId: string): Promise<string | undefined> {
  const { rows } = await w.t.db.query<{ state: string }>('SELECT state FROM calls WHERE id = $1', [callId]);
  return rows[0]?.state;
}

/** The simulated PBX's truth: the channels bridged with this one (who hears whom). */
export function hears(w: CallCtlWorld, channelId: string): string[] {
  const c = w.sim.world.channel(channelId);
  if (!c?.bridgeId) return [];
  const b = w.sim.world.bridge(c.bridgeId);
  if (!b || b.type !== 'mixing') return [];
  return b.channelIds.filter((id) => id !== channelId).sort();
}

export function together(w: CallCtlWorld, ...channelIds: string[]): boolean {
  const [first, ...rest] = channelIds;
  const h = hears(w, first!);
  return rest.every((id) => h.includes(id)) && h.length === rest.length;
}

/** On hold: alone in a holding bridge that plays music. */
export function onHold(w: CallCtlWorld, channelId: string): boolean {
  const c = w.sim.world.channel(channelId);
  if (!c?.bridgeId) return false;
  const b = w.sim.world.bridge(c.bridgeId);
  return !!b && b.type === 'holding' && !!b.mohClass && b.channelIds.length === 1;
}

export function alive(w: CallCtlWorld, channelId: string): boolean {
  return !!w.sim.world.channel(channelId);
}

/** The channel that rings the given phone (PJSIP/<ext>), if any. */
export function channelOfPhone(w: CallCtlWorld, ext: string): string | undefined {
  return w.sim.world.channels().find((c) => c.name.startsWith(`PJSIP/${ext}-`))?.id;
}

export interface Emitted {
  type: string;
  data: Record<string, unknown>;
}

/** Every event the service put in the outbox for this call, in order. */
export async function events(w: CallCtlWorld, callId: string): Promise<Emitted[]> {
  const { rows } = await w.t.db.query<{ payload: { type: string; data: Record<string, unknown> } }>(
    "SELECT payload FROM outbox WHERE payload->>'callId' = $1 ORDER BY id",
    [callId],
  );
  return rows.map((r) => ({ type: r.payload.type, data: r.payload.data }));
}

export async function eventTypes(w: CallCtlWorld, callId: string): Promise<string[]> {
  return (await events(w, callId)).map((e) => e.type);
}

/** No bridge holds a channel of a call that has ended. */
export function noBridgesLeft(w: CallCtlWorld, callId: string): boolean {
  return !w.sim.world.bridges().some((b) => b.id === callId || b.id === `${callId}-hold`);
}

/**
 * Case 9's promise while A consults B: the caller is on hold and hears nobody, A and B
 * hear only each other. Then B leaves and A and the caller talk again, off hold.
 */
export async function expectPrivateConsultation(w: CallCtlWorld, parties: { customer: string; agent: string; target: string }): Promise<void> {
  const { customer, agent, target } = parties;
  expect(onHold(w, customer)).toBe(true);
  expect(hears(w, customer)).toEqual([]);
  expect(hears(w, agent)).toEqual([target]);
  expect(hears(w, target)).toEqual([agent]);
  w.sim.world.remoteHangup(target);
  await waitFor('A and the caller together', () => together(w, agent, customer));
  expect(onHold(w, customer)).toBe(false);
}
