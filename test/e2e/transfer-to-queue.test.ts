// Transfers to a queue through the simulated PBX: blind, the caller re-enters the queue
// (by priority) and its agent takes them while the transferring agent wraps up; attended,
// the agent the queue offers is consulted. The transfer, the ACD events and the CDR all
// name the queue; an unknown queue or a key that may not read queues moves nobody.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../src/api/keys.js';
import { publishFlowDocument, putNumber } from '../../src/ivr/repository.js';
import { simControl } from '../helpers/service.js';
import { waitFor, waitUntil } from '../helpers/wait.js';
import { alive, apiOk, callState, events, onHold, queueWithAgents, startCallCtlWorld, together, type CallCtlWorld } from './callctl-fixture.js';

const DID = '310';
const BILLING_DID = '311';
const A = 'ann';
const B = 'ben';
const PHONE_A = '1001';
const PHONE_B = '1002';

interface TransferJson {
  id: string;
  state: string;
  mode: string;
  to: Record<string, string>;
}

let w: CallCtlWorld;

beforeAll(async () => {
  w = await startCallCtlWorld('xfer-queue', { TRANSFER_INITIATOR_HANGUP: 'blind', RATE_LIMIT_PER_MINUTE: '1000000' });
  // A alone serves "sales", where callers arrive; B alone serves "billing", reached by transfers.
  await queueWithAgents(w, DID, 'sales', [{ id: A, endpoint: `PJSIP/${PHONE_A}` }]);
  await apiOk(w, 'PUT', '/v1/skills/billing', {});
  await apiOk(w, 'POST', '/v1/queues', { id: 'billing', name: 'Billing', skills: { billing: 1 } });
  await apiOk(w, 'POST', '/v1/agents', { id: B, name: 'Ben', endpoint: `PJSIP/${PHONE_B}`, skills: { billing: 2 }, ringSeconds: 10, wrapUpSeconds: 1 });
  for (const action of ['login', 'ready']) await apiOk(w, 'POST', `/v1/agents/${B}/state`, { action });
  const billingLine = { id: 'billing-line', version: 1, entry: 'q', nodes: { q: { type: 'queue', queue: 'billing' } } };
  await publishFlowDocument(w.service.db, billingLine as never, 'billing line');
  await putNumber(w.service.db, { did: BILLING_DID, flowId: billingLine.id });
});

afterAll(async () => {
  await w?.close();
});

const agentState = async (id: string) => (await apiOk<{ state: string }>(w, 'GET', `/v1/agents/${id}`)).state;

async function callerReachesA(): Promise<{ callId: string; customer: string; agent: string }> {
  await waitFor('A and B ready', async () => (await agentState(A)) === 'ready' && (await agentState(B)) === 'ready');
  const { channelId: customer } = await simControl<{ channelId: string }>(w.sim, '/calls', { from: '+15551230007', to: DID });
  const callId = await waitFor('the inbound call', async () => (await w.t.db.query<{ id: string }>('SELECT id FROM calls WHERE channel_id = $1', [customer])).rows[0]?.id);
  await waitFor('the call connected', async () => (await callState(w, callId)) === 'connected');
  const agent = await waitFor('A’s leg', async () => (await w.t.db.query<{ channel_id: string }>('SELECT channel_id FROM acd_agent_legs WHERE call_id = $1 AND agent_id = $2 AND answered_at IS NOT NULL', [callId, A])).rows[0]?.channel_id);
  await waitFor('A and the caller together', () => together(w, agent, customer));
  return { callId, customer, agent };
}

/** B's answered leg of this call through the ACD. */
const legOf = (callId: string, agentId: string) =>
  waitFor(`${agentId}'s answered leg`, async () => (await w.t.db.query<{ channel_id: string }>('SELECT channel_id FROM acd_agent_legs WHERE call_id = $1 AND agent_id = $2 AND answered_at IS NOT NULL', [callId, agentId])).rows[0]?.channel_id);

async function cdrOf(callId: string) {
  const created = await waitFor('cdr.created', async () => (await events(w, callId)).find((e) => e.type === 'cdr.created'));
  return waitFor('the CDR complete', async () => {
    const body = await apiOk(w, 'GET', `/v1/cdrs/${created.data.cdrId as string}`);
    return body.complete ? body : undefined;
  });
}

describe('a transfer to a queue', () => {
  it('blind: the caller goes into the queue, its agent takes them, the transferring agent wraps up; the CDR names the queue', async () => {
    const c = await callerReachesA();
    const res = await w.api<TransferJson>('POST', `/v1/calls/${c.callId}/transfers`, { to: { queueId: 'billing' }, mode: 'blind' });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ mode: 'blind', state: 'completed', to: { queueId: 'billing' } });
    await waitUntil(() => !alive(w, c.agent), 'A left the call');
    const benLeg = await legOf(c.callId, B);
    await waitFor('B and the caller together', () => together(w, benLeg, c.customer));
    expect(onHold(w, c.customer)).toBe(false);
    await waitFor('A wrapped up and ready again', async () => (await agentState(A)) === 'ready');
    const evs = await events(w, c.callId);
    const queued = evs.filter((e) => e.type === 'call.queued').map((e) => (e.data.queue as { id: string }).id);
    expect(queued).toEqual(['sales', 'billing']);
    const offered = evs.filter((e) => e.type === 'call.offered').map((e) => e.data.offer as { agentId: string; queueId: string | null; reason: string });
    expect(offered.at(-1)).toMatchObject({ agentId: B, queueId: 'billing', reason: 'queue' });
    const after = evs.map((e) => e.type).slice(evs.findIndex((e) => e.type === 'call.transfer_started'));
    expect(after.slice(0, 4)).toEqual(['call.transfer_started', 'call.transfer_completed', 'call.queued', 'call.offered']);
    // Each change is announced a moment after it is made.
    const aStates = await waitFor("A's return to ready announced", async () => {
      const { rows } = await w.t.db.query<{ change: string }>(
        "SELECT (payload->'data'->>'from') || '>' || (payload->'data'->>'to') AS change FROM outbox WHERE payload->>'type' = 'agent.state_changed' AND payload->'data'->>'agentId' = $1 AND payload->'data'->>'callId' = $2 ORDER BY id",
        [A, c.callId],
      );
      return rows.at(-1)?.change === 'wrap_up>ready' ? rows.map((r) => r.change) : undefined;
    });
    expect(aStates).toEqual(['ready>reserved', 'reserved>on_call', 'on_call>wrap_up', 'wrap_up>ready']);

    w.sim.world.remoteHangup(c.customer);
    await waitFor('the call to end', async () => (await callState(w, c.callId)) === 'ended');
    const cdr = await cdrOf(c.callId);
    expect(cdr.transfers).toMatchObject([{ id: res.body.id, mode: 'blind', fromAgentId: A, to: { queueId: 'billing' }, outcome: 'transferred' }]);
    // The queue that finally served the caller.
    expect(cdr.queue).toMatchObject({ id: 'billing' });
    expect(cdr.legs.filter((l: { role: string }) => l.role === 'agent').map((l: { agentId: string }) => l.agentId)).toEqual([A, B]);
  });

  it('attended: the agent the queue offers is consulted, then takes the caller', async () => {
    const c = await callerReachesA();
    const res = await w.api<TransferJson>('POST', `/v1/calls/${c.callId}/transfers`, { to: { queueId: 'billing' }, mode: 'attended' });
    expect(res.status).toBe(201);
    expect(res.body.to).toEqual({ queueId: 'billing', agentId: B });
    await waitFor('the consultation', async () => (await apiOk<TransferJson>(w, 'GET', `/v1/transfers/${res.body.id}`)).state === 'answered');
    expect(onHold(w, c.customer)).toBe(true);
    const done = await apiOk<TransferJson>(w, 'POST', `/v1/transfers/${res.body.id}/complete`);
    expect(done.state).toBe('completed');
    const { rows } = await w.t.db.query<{ target_channel_id: string }>('SELECT target_channel_id FROM call_transfers WHERE id = $1', [res.body.id]);
    await waitFor('B and the caller together', () => together(w, rows[0]!.target_channel_id, c.customer));
    w.sim.world.remoteHangup(c.customer);
    const cdr = await cdrOf(c.callId);
    expect(cdr.transfers).toMatchObject([{ mode: 'attended', to: { queueId: 'billing', agentId: B }, outcome: 'transferred' }]);
    await waitFor('B ready again', async () => (await agentState(B)) === 'ready');
  });

  it('blind: the caller enters behind those already waiting at their priority, not at the front', async () => {
    const c = await callerReachesA();
    await apiOk(w, 'POST', `/v1/agents/${B}/state`, { action: 'not_ready', reason: 'training' });
    // Someone already waits for billing (nobody there is ready).
    const { channelId: earlier } = await simControl<{ channelId: string }>(w.sim, '/calls', { from: '+15551230099', to: BILLING_DID });
    const earlierId = await waitFor('the billing caller', async () => (await w.t.db.query<{ id: string }>('SELECT id FROM calls WHERE channel_id = $1', [earlier])).rows[0]?.id);
    await waitFor('the billing caller queued', async () => (await events(w, earlierId)).some((e) => e.type === 'call.queued'));
    const res = await w.api<TransferJson>('POST', `/v1/calls/${c.callId}/transfers`, { to: { queueId: 'billing' }, mode: 'blind' });
    expect(res.status).toBe(201);
    const queued = await waitFor('the transferred caller queued in billing', async () =>
      (await events(w, c.callId)).find((e) => e.type === 'call.queued' && (e.data.queue as { id: string }).id === 'billing'),
    );
    expect(queued.data.queue).toMatchObject({ id: 'billing', position: 2 });
    // B is ready again: the caller who waited first is offered first.
    await apiOk(w, 'POST', `/v1/agents/${B}/state`, { action: 'ready' });
    await legOf(earlierId, B);
    expect((await w.t.db.query('SELECT 1 FROM acd_agent_legs WHERE call_id = $1 AND agent_id = $2', [c.callId, B])).rowCount).toBe(0);
    w.sim.world.remoteHangup(earlier);
    await legOf(c.callId, B);
    w.sim.world.remoteHangup(c.customer);
    await waitFor('both calls ended', async () => (await callState(w, c.callId)) === 'ended' && (await callState(w, earlierId)) === 'ended');
  });

  it('refuses an unknown queue (422) and a key without queues:read (403); the call stays with its agent', async () => {
    const c = await callerReachesA();
    const unknown = await w.api<{ detail: string }>('POST', `/v1/calls/${c.callId}/transfers`, { to: { queueId: 'nowhere' }, mode: 'blind' });
    expect(unknown.status).toBe(422);
    expect(unknown.body.detail).toContain('nowhere');
    const attended = await w.api<{ detail: string }>('POST', `/v1/calls/${c.callId}/transfers`, { to: { queueId: 'nowhere' } });
    expect(attended.status).toBe(422);
    const narrow = (await createApiKey(w.service.db, { name: 'calls only', scopes: ['calls:write', 'calls:read'] })).key;
    const res = await fetch(`${w.service.url}/v1/calls/${c.callId}/transfers`, {
      method: 'POST',
      headers: { authorization: `Bearer ${narrow}`, 'content-type': 'application/json' },
      body: JSON.stringify({ to: { queueId: 'billing' }, mode: 'blind' }),
    });
    expect(res.status).toBe(403);
    expect(((await res.json()) as { detail: string }).detail).toContain('queues:read');
    const both = await w.api('POST', `/v1/calls/${c.callId}/transfers`, { to: { queueId: 'billing', agentId: B } });
    expect(both.status).toBe(400);
    expect(together(w, c.agent, c.customer)).toBe(true);
    expect(await callState(w, c.callId)).toBe('connected');
    w.sim.world.remoteHangup(c.customer);
    await waitFor('the call to end', async () => (await callState(w, c.callId)) === 'ended');
  });
});
