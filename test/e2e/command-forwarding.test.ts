// Two instances on one simulated PBX behind one load balancer: instance A owns the node,
// the client talks to instance B only. Click-to-dial (with its Idempotency-Key), hold and
// a blind transfer sent to B are run by A over the command bus, and so is voicemail's
// greeting by phone; A's problems reach the client unchanged. A frozen owner gives a 504, a dead one (its lease not yet lapsed, so
// no new owner) a 503 at once: a clear problem, never a hang.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../src/api/keys.js';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/log.js';
import { startService, type Service } from '../../src/main.js';
import { startSimulator, type Simulator } from '../../src/sim/index.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { TEST_REDIS_URL, uniquePrefix } from '../helpers/redis.js';
import { serviceEnv, simControl, waitForNodeOwner } from '../helpers/service.js';
import { waitFor, waitUntil } from '../helpers/wait.js';
import { channelOfPhone, onHold, together, type CallCtlWorld } from './callctl-fixture.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CUSTOMER = '0612345678';

let t: TestDatabase;
let sim: Simulator;
let a: ChildProcess | undefined;
let b: Service | undefined;
let key: string;
const redis = new Redis(TEST_REDIS_URL);
const prefix = uniquePrefix('forward');
// The fixture's readers of the simulated world only look at the simulator.
const world = () => ({ sim }) as unknown as CallCtlWorld;

const env = (instance: string, extra: Record<string, string> = {}) =>
  serviceEnv(sim, t.url, prefix, {
    // The owner's lease outlives this test: once it is killed, nobody takes over.
    LEASE_TTL_MS: '60000',
    INSTANCE_ID: instance,
    LOG_LEVEL: 'silent',
    ...extra,
  });

async function viaB<T = Record<string, unknown>>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${b!.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, type: res.headers.get('content-type') ?? '', body: (text ? JSON.parse(text) : undefined) as T };
}

const callState = async (id: string) => (await t.db.query<{ state: string }>('SELECT state FROM calls WHERE id = $1', [id])).rows[0]?.state;

beforeAll(async () => {
  t = await createTestDatabase();
  sim = await startSimulator({ speed: 20 });
  a = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], { cwd: ROOT, env: { ...process.env, ...env('instance-a') }, stdio: 'ignore' });
  // The owner answers its node's commands once its call control is up.
  await waitForNodeOwner(redis, prefix, 'instance-a');
  b = await startService(loadConfig(env('instance-b', { COMMAND_TIMEOUT_MS: '1500' })), createLogger('silent'));
  key = (await createApiKey(b.db, { name: 'crm', scopes: ['admin'] })).key;
}, 90_000);

afterAll(async () => {
  a?.kill('SIGKILL');
  await b?.stop();
  await sim?.close();
  await redis.quit();
  await t?.drop();
});

describe('commands on an instance that does not own the PBX node', () => {
  let callId = '';
  let customer = '';
  let agent = '';

  it('click-to-dial through B is placed by A, and its Idempotency-Key replays through B', async () => {
    expect(b!.nodes[0]!.isOwner).toBe(false);
    const first = await viaB<{ id: string; channelId: string; pbxNode: string }>('POST', '/v1/calls', { extension: '1001', to: CUSTOMER }, { 'idempotency-key': 'fw-1' });
    expect(first.status).toBe(201);
    expect(first.body.pbxNode).toBe('pbx1');
    callId = first.body.id;
    const again = await viaB<{ id: string }>('POST', '/v1/calls', { extension: '1001', to: CUSTOMER }, { 'idempotency-key': 'fw-1' });
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(callId);
    await waitFor('the call to be connected', async () => (await callState(callId)) === 'connected');
    const legs = await t.db.query<{ channel_id: string; role: string }>('SELECT channel_id, role FROM call_legs WHERE call_id = $1', [callId]);
    agent = legs.rows.find((l) => l.role === 'agent')!.channel_id;
    customer = legs.rows.find((l) => l.role !== 'agent')!.channel_id;
    await waitUntil(() => together(world(), agent, customer), 'the agent and the customer in one bridge');
    // The only instance that ever touched the PBX is A: B has no ARI session at all.
    expect(b!.nodes[0]!.ariClient).toBeUndefined();
  });

  it("the owner's problem reaches the client unchanged", async () => {
    const refused = await viaB<Record<string, unknown>>('POST', '/v1/calls', { extension: '1001', to: '0041441234567' });
    expect(refused.status).toBe(422);
    expect(refused.type).toContain('application/problem+json');
    expect(refused.body).toMatchObject({ status: 422, title: 'Unprocessable Content' });
    expect(String(refused.body['detail'])).toContain('0041441234567');
  });

  it('hold and unhold through B', async () => {
    expect((await viaB('POST', `/v1/calls/${callId}/hold`)).status).toBe(204);
    await waitUntil(() => onHold(world(), customer), 'the customer on hold');
    expect((await viaB('POST', `/v1/calls/${callId}/unhold`)).status).toBe(204);
    await waitUntil(() => together(world(), agent, customer), 'the customer back with the agent');
  });

  it('a blind transfer through B', async () => {
    const res = await viaB<{ id: string; state: string }>('POST', `/v1/calls/${callId}/transfers`, { to: { extension: '1002' }, mode: 'blind' });
    expect(res.status).toBe(201);
    await waitFor('the transfer to complete', async () => (await viaB<{ state: string }>('GET', `/v1/transfers/${res.body.id}`)).body.state === 'completed');
    const target = await waitFor('agent B to ring', () => channelOfPhone(world(), '1002'));
    await waitUntil(() => together(world(), customer, target), 'the customer talking with agent B');
  });

  it("voicemail's greeting by phone through B: the owner's PBX calls the extension", async () => {
    expect((await viaB('POST', '/v1/mailboxes', { id: 'desk', name: 'Desk', kind: 'general' })).status).toBe(201);
    const res = await viaB<{ channelId: string; extension: string }>('POST', '/v1/mailboxes/desk/greeting/record', { extension: '1003' });
    expect(res.status).toBe(202);
    expect(res.body.extension).toBe('1003');
    const phone = await waitFor('extension 1003 to be called', () => channelOfPhone(world(), '1003'));
    expect(phone).toBe(res.body.channelId);
    await simControl(sim, `/channels/${phone}/hangup`);
  });

  it('a campaign preview task accepted through B is dialled by A', async () => {
    const must = async (method: string, path: string, body?: unknown) => {
      const res = await viaB<Record<string, any>>(method, path, body);
      if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(res.body)}`);
      return res.body;
    };
    await must('PUT', '/v1/skills/outbound', {});
    await must('POST', '/v1/queues', { id: 'followup', name: 'Follow-up', skills: { outbound: 1 } });
    const campaign = await must('POST', '/v1/campaigns', {
      name: 'Through B',
      source: { type: 'csv' },
      timeZone: 'UTC',
      callingHours: [{ days: [1, 2, 3, 4, 5, 6, 7], from: '00:00', to: '24:00' }],
      maxAttempts: 1,
      retryMinutes: 0,
      queueId: 'followup',
    });
    const csv = await fetch(`${b!.url}/v1/campaigns/${campaign.id}/contacts`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'text/csv' },
      body: 'number,name\n0612345999,Forwarded Fiona\n',
    });
    expect(csv.status).toBeLessThan(300);
    await must('POST', '/v1/agents', { id: 'fran', name: 'Fran', endpoint: 'PJSIP/1005', skills: { outbound: 1 }, wrapUpSeconds: 1 });
    await must('POST', '/v1/agents/fran/state', { action: 'login' });
    await must('POST', '/v1/agents/fran/state', { action: 'ready' });
    const offered = await waitFor(
      'a task offered to fran',
      async () =>
        (await t.db.query<{ payload: { data: { agentId: string; task: { id: string } } } }>("SELECT payload FROM outbox WHERE type = 'campaign.task_offered' ORDER BY id")).rows.find(
          (r) => r.payload.data.agentId === 'fran',
        ),
      30_000,
    );
    const accepted = await viaB<{ state: string; callId: string }>('POST', `/v1/agents/fran/tasks/${offered.payload.data.task.id}/accept`);
    expect(accepted.status).toBe(200);
    expect(accepted.body).toMatchObject({ state: 'dialing', callId: expect.any(String) });
    // A placed it: fran's phone rings on the PBX that only A drives.
    await waitFor('fran\'s phone to be called', () => channelOfPhone(world(), '1005'));
    await viaB('POST', `/v1/calls/${accepted.body.callId}/hangup`);
  });

  it('a frozen owner: 504 after the command timeout, not a hang', async () => {
    a!.kill('SIGSTOP');
    try {
      const res = await viaB<Record<string, unknown>>('POST', `/v1/calls/${callId}/hold`);
      expect(res.status).toBe(504);
      expect(res.type).toContain('application/problem+json');
      expect(String(res.body['detail'])).toContain('did not answer');
    } finally {
      a!.kill('SIGCONT');
    }
  });

  it('a dead owner and no new owner yet: 503 at once, saying so', async () => {
    a!.kill('SIGKILL');
    await waitUntil(async () => {
      const [, n] = (await redis.pubsub('NUMSUB', `${prefix}:cmd:node:pbx1`)) as [string, number];
      return Number(n) === 0;
    }, "Redis to notice the owner's death");
    // The dead owner's lease has not lapsed: nobody may take over yet.
    expect(await redis.get(`${prefix}:lease:pbx:pbx1`)).toBe('instance-a');
    const res = await viaB<Record<string, unknown>>('POST', `/v1/calls/${callId}/hold`);
    expect(res.status).toBe(503);
    expect(res.type).toContain('application/problem+json');
    expect(res.body).toMatchObject({ status: 503, pbxNode: 'pbx1' });
    expect(String(res.body['detail'])).toContain('no instance drives PBX node pbx1');
    const dial = await viaB('POST', '/v1/calls', { extension: '1001', to: CUSTOMER });
    expect(dial.status).toBe(503);
  });
});
