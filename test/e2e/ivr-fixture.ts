// What the IVR end-to-end tests share: the simulator with short prompts, the service, a
// CRM and a webhook receiver on loopback, flows published straight into Postgres, and
// small readers of what a call did (steps, data, CDR, prompts heard).
import { createApiKey } from '../../src/api/keys.js';
import { loadConfig } from '../../src/config.js';
import type { Flow } from '../../src/ivr/contract.js';
import { publishFlowDocument, putNumber } from '../../src/ivr/repository.js';
import type { IvrSession } from '../../src/ivr/runner.js';
import { validateFlow } from '../../src/ivr/validate.js';
import { createLogger } from '../../src/log.js';
import { startService, type Service } from '../../src/main.js';
import { startSimulator, type Simulator, type SimulatorOptions } from '../../src/sim/index.js';
import { startCrm, type Crm } from '../helpers/crm.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { startReceiver, waitUntil, type Receiver } from '../helpers/receiver.js';
import { uniquePrefix } from '../helpers/redis.js';
import { serviceEnv, simControl } from '../helpers/service.js';

/** Every prompt the flows use, made short so a whole call takes well under a second. */
export const PROMPTS = ['welcome', 'menu', 'enter-order', 'please-wait', 'status-shipped', 'status-unknown', 'goodbye', 'fallback', 'crm-error', 'crm-timeout', 'open', 'closed', 'invalid', 'timeout'];

export interface IvrWorld {
  t: TestDatabase;
  sim: Simulator;
  service: Service;
  crm: Crm;
  receiver: Receiver;
  logLines: string[];
  /** Media started on each channel, in order. */
  heard: Map<string, string[]>;
  /** The Redis prefix, for a second instance of the same deployment. */
  redisPrefix: string;
  close(): Promise<void>;
}

export async function startIvrWorld(name: string, env: Record<string, string> = {}, simOptions: SimulatorOptions = {}): Promise<IvrWorld> {
  const t = await createTestDatabase();
  const sim = await startSimulator({
    ...simOptions,
    soundDurationsMs: { ...Object.fromEntries(PROMPTS.map((p) => [`cti/${p}`, 40])), 'cti/long-welcome': 200, ...simOptions.soundDurationsMs },
  });
  const heard = new Map<string, string[]>();
  const off = sim.world.subscribe((e) => {
    // Every item of a media list starts with its own PlaybackStarted.
    if (e.type !== 'PlaybackStarted') return;
    const channelId = e.playback.targetUri.replace(/^channel:/, '');
    const list = heard.get(channelId) ?? [];
    list.push(e.playback.mediaUri);
    heard.set(channelId, list);
  });
  const logLines: string[] = [];
  const redisPrefix = uniquePrefix(name);
  const crm = await startCrm();
  const receiver = await startReceiver();
  const service = await startService(
    loadConfig(serviceEnv(sim, t.url, redisPrefix, env)),
    createLogger('info', { write: (line: string) => void logLines.push(line) }),
  );
  const key = (await createApiKey(service.db, { name, scopes: ['admin'] })).key;
  const res = await fetch(`${service.url}/v1/webhooks`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ url: receiver.url, eventTypes: ['call.ivr_step', 'call.ended', 'cdr.created', 'survey.completed'] }),
  });
  if (res.status !== 201) throw new Error(`webhook subscription: ${res.status}`);
  await waitUntil(() => service.nodes[0]!.ariClient?.state === 'connected', 'ARI connected');
  return {
    t,
    sim,
    service,
    crm,
    receiver,
    logLines,
    heard,
    redisPrefix,
    async close() {
      off();
      await service?.stop();
      await sim?.close();
      await crm?.close();
      await receiver?.close();
      await t?.drop();
    },
  };
}

/**
 * Stores and publishes a flow as the API would, after checking it is valid. Hand-over
 * nodes are allowed here so a test can play a flow that reaches one at run time (as a
 * flow published by a deployment that had the capability would).
 */
export async function publishFlow(w: IvrWorld, flow: Omit<Flow, 'version'>, did: string): Promise<void> {
  const problems = validateFlow({ ...flow, version: 1 }, { availableCapabilities: ['queue', 'voicemail', 'fax', 'transfer'] });
  if (problems.length > 0) throw new Error(`test flow ${flow.id} is invalid: ${JSON.stringify(problems)}`);
  await publishFlowDocument(w.t.db, { ...flow, version: 1 });
  await putNumber(w.t.db, { did, flowId: flow.id });
}

export interface PlacedCall {
  channelId: string;
  callId: string;
}

export async function placeCall(w: IvrWorld, to: string, from = '+15551230001'): Promise<PlacedCall> {
  const { channelId } = await simControl<{ channelId: string }>(w.sim, '/calls', { from, to });
  let callId = '';
  await waitUntil(async () => {
    const { rows } = await w.t.db.query('SELECT id FROM calls WHERE channel_id = $1', [channelId]);
    callId = rows[0]?.id ?? '';
    return callId !== '';
  }, 'the call to be created');
  return { channelId, callId };
}

export function sessionOf(w: IvrWorld, channelId: string): IvrSession | undefined {
  return w.service.nodes[0]!.ivrCalls?.sessionFor(channelId);
}

/** Waits until the caller is at `node` and the flow waits in `phase` (e.g. for keys). */
export async function waitAt(w: IvrWorld, channelId: string, node: string, phase: string): Promise<void> {
  await waitUntil(() => {
    const s = sessionOf(w, channelId)?.snapshot;
    return s?.node === node && s.phase === phase;
  }, `the caller at ${node}/${phase} (now ${JSON.stringify(sessionOf(w, channelId)?.snapshot?.node)}/${sessionOf(w, channelId)?.snapshot?.phase})`);
}

export async function press(w: IvrWorld, channelId: string, digits: string): Promise<void> {
  await simControl(w.sim, `/channels/${channelId}/dtmf`, { digits, gapMs: 20 });
}

export async function hangUp(w: IvrWorld, channelId: string): Promise<void> {
  await simControl(w.sim, `/channels/${channelId}/hangup`, { cause: 16 });
}

export async function waitEnded(w: IvrWorld, callId: string): Promise<void> {
  await waitUntil(async () => {
    const { rows } = await w.t.db.query('SELECT 1 FROM cdrs WHERE call_id = $1', [callId]);
    return rows.length === 1;
  }, 'the call to end with its CDR');
}

export interface StepRow {
  node: string;
  nodeType: string;
  outcome: string;
  input?: string;
  inputLength?: number;
}

export async function stepsOf(w: IvrWorld, callId: string): Promise<StepRow[]> {
  const { rows } = await w.t.db.query<{ data: StepRow }>("SELECT data FROM call_events WHERE call_id = $1 AND type = 'ivr.step' ORDER BY id", [callId]);
  return rows.map((r) => {
    const { node, nodeType, outcome, input, inputLength } = r.data;
    return { node, nodeType, outcome, ...(input !== undefined ? { input } : {}), ...(inputLength !== undefined ? { inputLength } : {}) };
  });
}

export async function timelineOf(w: IvrWorld, callId: string): Promise<string[]> {
  const { rows } = await w.t.db.query<{ type: string }>('SELECT type FROM call_events WHERE call_id = $1 ORDER BY id', [callId]);
  return rows.map((r) => r.type);
}

export async function callRow(w: IvrWorld, callId: string) {
  const { rows } = await w.t.db.query('SELECT state, data, hangup_cause FROM calls WHERE id = $1', [callId]);
  return rows[0] as { state: string; data: Record<string, unknown>; hangup_cause: number | null };
}

export const sound = (name: string) => ({ media: [`sound:cti/${name}`] });
