// The field's ten CTI acceptance cases (requirements §6) with real ACD agents: the caller
// dials a DID, keys in an order number in the IVR, waits in an ACD queue and is offered to
// agent A (alice, an ACD agent on a simulated phone); the consultation/transfer target B
// is the ACD agent bob. Each case asserts who hears whom (bridges in the simulated PBX),
// who is on hold, the events emitted, both agents' states (wrap-up, then ready) and the
// call's CDR as GET /v1/cdrs/{id} and cdr.created give it. A last test holds and hangs
// up an ACD call through the API (the same hand-over to call control, without a transfer).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { publishFlowDocument, putNumber } from '../../src/ivr/repository.js';
import { simControl } from '../helpers/service.js';
import { waitFor, waitUntil } from '../helpers/wait.js';
import { alive, callState, events, expectPrivateConsultation, hears, onHold, startCallCtlWorld, together, type CallCtlWorld, type Emitted } from './callctl-fixture.js';

const DID = '300';
const A = 'alice';
const B = 'bob';
const PHONE_A = '1001';
const PHONE_B = '1002';
const ORDER = '4711';
/** What the IVR puts on the call: the screen pop every agent must see. */
const SCREEN_POP = { orderNumber: ORDER, topic: 'orders' };

interface Reached {
  callId: string;
  customer: string;
  /** Agent A's channel. */
  agent: string;
}

interface TransferJson {
  id: string;
  state: string;
  mode: string;
  reason: string | null;
}

interface CdrJson {
  id: string;
  callId: string;
  disposition: string;
  data: Record<string, unknown>;
  queue: { id: string } | null;
  legs: Array<{ role: string; agentId: string | null; answeredAt: string | null; talkMs: number; holdMs: number; endReason: string; transferId: string | null }>;
  agents: Array<{ agentId: string; roles: string[]; talkMs: number; holdMs: number; wrapUpMs: number | null }>;
  transfers: Array<{ id: string; mode: string; fromAgentId: string | null; to: Record<string, string>; outcome: string }>;
  conferences: Array<{ agentIds: string[] }>;
  holdMs: number;
  waitMs: number;
  complete: boolean;
}

let w: CallCtlWorld;

async function must<T = any>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await w.api<T>(method, path, body);
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

async function phone(ext: string, behaviour: 'answer' | 'ring-out'): Promise<void> {
  w.sim.world.setEndpointBehaviour(`PJSIP/${ext}`, behaviour === 'answer' ? { behaviour, answerAfterMs: 2000 } : { behaviour });
}

beforeAll(async () => {
  // The PBX delivers the agents' technology as a running Asterisk 22 does: the endpoint
  // subscription repeats every event of the call's own PJSIP channels (the caller's `4711`
  // would be read `44771111`) and brings the phones' other channels.
  w = await startCallCtlWorld('cti-acceptance', { TRANSFER_INITIATOR_HANGUP: 'blind', RATE_LIMIT_PER_MINUTE: '1000000' }, { endpointChannelEvents: true });
  await must('PUT', '/v1/skills/orders', {});
  await must('POST', '/v1/queues', { id: 'orders', name: 'Orders', skills: { orders: 1 } });
  // Only A takes the queue's calls; B is reached by transfers alone.
  await must('POST', '/v1/agents', { id: A, name: 'Alice', endpoint: `PJSIP/${PHONE_A}`, skills: { orders: 3 }, ringSeconds: 10, wrapUpSeconds: 1 });
  await must('POST', '/v1/agents', { id: B, name: 'Bob', endpoint: `PJSIP/${PHONE_B}`, skills: {}, ringSeconds: 10, wrapUpSeconds: 1 });
  for (const id of [A, B]) {
    await must('POST', `/v1/agents/${id}/state`, { action: 'login' });
    await must('POST', `/v1/agents/${id}/state`, { action: 'ready' });
  }
  const flow = {
    id: 'order-line',
    version: 1,
    entry: 'order',
    nodes: {
      order: { type: 'collect', prompt: { media: ['sound:cti/enter-order'] }, variable: 'orderNumber', maxDigits: 8, firstDigitTimeoutMs: 10_000, next: 'remember' },
      remember: { type: 'set', values: { orderNumber: '{{orderNumber}}', topic: 'orders' }, next: 'q' },
      q: { type: 'queue', queue: 'orders' },
    },
  };
  await publishFlowDocument(w.service.db, flow as never, 'Order line');
  await putNumber(w.service.db, { did: DID, flowId: flow.id });
});

afterAll(async () => {
  await w?.close();
});

/** The common start: the caller dials the DID, keys in the order number, is queued and reaches A. */
async function callerReachesAgentA(): Promise<Reached> {
  await waitFor('A and B ready', async () => (await agentState(A)) === 'ready' && (await agentState(B)) === 'ready');
  const { channelId: customer } = await simControl<{ channelId: string }>(w.sim, '/calls', { from: '+15551230001', callerName: 'Alice Caller', to: DID });
  const callId = await waitFor('the inbound call', async () => (await w.t.db.query<{ id: string }>('SELECT id FROM calls WHERE channel_id = $1', [customer])).rows[0]?.id);
  await waitUntil(() => w.service.nodes[0]!.ivrCalls?.sessionFor(customer)?.snapshot?.node === 'order', 'the IVR to ask for the order number');
  await simControl(w.sim, `/channels/${customer}/dtmf`, { digits: `${ORDER}#`, gapMs: 20 });
  await waitFor('the call to be connected', async () => (await callState(w, callId)) === 'connected');
  const agent = await waitFor('A’s leg', async () => (await w.t.db.query<{ channel_id: string }>("SELECT channel_id FROM acd_agent_legs WHERE call_id = $1 AND agent_id = $2 AND answered_at IS NOT NULL", [callId, A])).rows[0]?.channel_id);
  await waitFor('A and the caller in one bridge', () => together(w, agent, customer));
  expect(await agentState(A)).toBe('on_call');
  return { callId, customer, agent };
}

async function agentState(id: string): Promise<string> {
  return (await must<{ state: string }>('GET', `/v1/agents/${id}`)).state;
}

async function transfer(c: Reached, mode: 'blind' | 'attended' = 'attended', timeout?: number) {
  const res = await w.api<TransferJson>('POST', `/v1/calls/${c.callId}/transfers`, { to: { agentId: B }, mode, ...(timeout ? { timeout } : {}) });
  if (res.status !== 201) throw new Error(`transfer answered ${res.status}: ${JSON.stringify(res.body)}`);
  const { rows } = await w.t.db.query<{ target_channel_id: string }>('SELECT target_channel_id FROM call_transfers WHERE id = $1', [res.body.id]);
  return { ...res.body, target: rows[0]!.target_channel_id };
}

const transferState = async (id: string) => (await w.api<TransferJson>('GET', `/v1/transfers/${id}`)).body;
const settled = (id: string, state: string) => waitFor(`transfer ${state}`, async () => (await transferState(id)).state === state);

async function consult(c: Reached) {
  const t = await transfer(c);
  await settled(t.id, 'answered');
  await waitFor('A and B consulting', () => together(w, c.agent, t.target));
  expect(onHold(w, c.customer)).toBe(true);
  expect(await agentState(B)).toBe('on_call');
  return t;
}

/** The call is over: no leg, no bridge of it left, its CDR written. */
async function ended(c: Reached, ...more: string[]) {
  await waitFor('the call to end', async () => (await callState(w, c.callId)) === 'ended');
  await waitUntil(() => [c.customer, c.agent, ...more].every((id) => !alive(w, id)), 'no leg of the call left');
  // Bridges are destroyed after the last leg's hang-up is handled, a moment later.
  await waitUntil(() => !w.sim.world.bridges().some((b) => b.id.includes(c.callId)), 'no bridge left');
}

/** Both agents back to ready after their wrap-up; the agent's state changes named by this call. */
async function statesOf(c: Reached, agentId: string): Promise<string[]> {
  await waitFor(`${agentId} ready again`, async () => (await agentState(agentId)) === 'ready');
  // The change is announced a moment after it is made.
  await waitFor(`${agentId}'s return to ready announced`, async () => (await agentEvents(c, agentId)).at(-1)?.data.to === 'ready');
  return (await agentEvents(c, agentId)).map((e) => `${e.data.from}>${e.data.to}`);
}

async function agentEvents(c: Reached, agentId: string): Promise<Emitted[]> {
  const { rows } = await w.t.db.query<{ payload: Emitted }>(
    "SELECT payload FROM outbox WHERE payload->>'type' = 'agent.state_changed' AND payload->'data'->>'agentId' = $1 AND payload->'data'->>'callId' = $2 ORDER BY id",
    [agentId, c.callId],
  );
  return rows.map((r) => r.payload);
}

const A_TALKS_THEN_WRAPS = ['ready>reserved', 'reserved>on_call', 'on_call>wrap_up', 'wrap_up>ready'];
const B_TALKS_THEN_WRAPS = ['ready>reserved', 'reserved>on_call', 'on_call>wrap_up', 'wrap_up>ready'];

/** Call-control and transfer events after the ACD connected the caller to A. */
async function controlEvents(c: Reached): Promise<string[]> {
  const types = (await events(w, c.callId)).map((e) => e.type).filter((t) => t !== 'call.ivr_step');
  const connected = types.indexOf('call.connected');
  expect(types.slice(0, connected + 1)).toEqual(['call.created', 'call.answered', 'call.queued', 'call.offered', 'call.connected']);
  return types.slice(connected + 1);
}

/** The one call.offered to B, with the call's data: the screen pop. */
async function offerToB(c: Reached, reason: 'transfer' | 'consult'): Promise<Emitted> {
  const offers = (await events(w, c.callId)).filter((e) => e.type === 'call.offered' && (e.data.offer as { agentId: string }).agentId === B);
  expect(offers).toHaveLength(1);
  expect(offers[0]!.data).toMatchObject({ callId: c.callId, data: SCREEN_POP, offer: { agentId: B, queueId: null, reason, waitMs: 0 } });
  return offers[0]!;
}

/** The CDR once every wrap-up is over; the same as cdr.created's payload, but complete. */
async function cdrOf(c: Reached): Promise<CdrJson> {
  const created = (await events(w, c.callId)).filter((e) => e.type === 'cdr.created');
  expect(created).toHaveLength(1);
  const cdrId = created[0]!.data.cdrId as string;
  const cdr = await waitFor('the CDR complete', async () => {
    const body = await must<CdrJson>('GET', `/v1/cdrs/${cdrId}`);
    return body.complete ? body : undefined;
  });
  expect(cdr).toMatchObject({ callId: c.callId, disposition: 'answered', data: SCREEN_POP, queue: { id: 'orders' } });
  // cdr.created was written at the hang-up: the same legs and transfers.
  expect(created[0]!.data).toMatchObject({ disposition: 'answered', transfers: cdr.transfers.map((t) => ({ id: t.id, outcome: t.outcome })) });
  expect((created[0]!.data.legs as unknown[]).length).toBe(cdr.legs.length);
  return cdr;
}

/** The caller waited on hold during the consultation: that is A's hold, and all of it. */
function consultHeld(cdr: CdrJson): void {
  expect(agentOf(cdr, A).holdMs).toBeGreaterThan(0);
  expect(cdr.holdMs).toBe(agentOf(cdr, A).holdMs);
}

const legsOf = (cdr: CdrJson) => cdr.legs.map((l) => [l.role, l.agentId]);
const agentOf = (cdr: CdrJson, id: string) => cdr.agents.find((a) => a.agentId === id)!;

describe('the CTI acceptance cases with ACD agents', () => {
  it('case 1: A consults agent B internally; B ends the consultation; A continues; caller hangs up, then A', async () => {
    const c = await callerReachesAgentA();
    const t = await consult(c);
    await offerToB(c, 'consult');
    w.sim.world.remoteHangup(t.target);
    await settled(t.id, 'cancelled');
    await waitFor('A and the caller together again', () => together(w, c.agent, c.customer));
    expect(onHold(w, c.customer)).toBe(false);
    expect(await callState(w, c.callId)).toBe('connected');
    w.sim.world.remoteHangup(c.customer);
    await ended(c, t.target);
    expect(await statesOf(c, B)).toEqual(B_TALKS_THEN_WRAPS);
    expect(await statesOf(c, A)).toEqual(A_TALKS_THEN_WRAPS);
    expect(await controlEvents(c)).toEqual(['call.transfer_started', 'call.offered', 'call.transfer_cancelled', 'call.ended', 'cdr.created']);
    const cdr = await cdrOf(c);
    expect(legsOf(cdr)).toEqual([['caller', null], ['agent', A], ['consult', B]]);
    expect(cdr.transfers).toMatchObject([{ id: t.id, mode: 'attended', fromAgentId: A, to: { agentId: B }, outcome: 'consulted' }]);
    expect(agentOf(cdr, B)).toMatchObject({ roles: ['consult'] });
    expect(agentOf(cdr, B).talkMs).toBeGreaterThan(0);
    consultHeld(cdr);
    expect(agentOf(cdr, A).wrapUpMs).toBeGreaterThan(0);
    expect(agentOf(cdr, B).wrapUpMs).toBeGreaterThan(0);
  });

  it('case 2: A consults B; A ends the consultation and continues with the caller; A hangs up, then the caller', async () => {
    const c = await callerReachesAgentA();
    const t = await consult(c);
    const res = await w.api<TransferJson>('POST', `/v1/transfers/${t.id}/cancel`);
    expect(res.body).toMatchObject({ state: 'cancelled', reason: 'the initiator ended the consultation' });
    await waitUntil(() => !alive(w, t.target), 'B hung up');
    await waitFor('A and the caller together again', () => together(w, c.agent, c.customer));
    w.sim.world.remoteHangup(c.agent);
    await ended(c, t.target);
    expect((await events(w, c.callId)).find((e) => e.type === 'call.ended')!.data).toMatchObject({ reason: 'agent hung up' });
    expect(await statesOf(c, B)).toEqual(B_TALKS_THEN_WRAPS);
    expect(await statesOf(c, A)).toEqual(A_TALKS_THEN_WRAPS);
    expect(await controlEvents(c)).toEqual(['call.transfer_started', 'call.offered', 'call.transfer_cancelled', 'call.ended', 'cdr.created']);
    const cdr = await cdrOf(c);
    expect(legsOf(cdr)).toEqual([['caller', null], ['agent', A], ['consult', B]]);
    expect(cdr.legs.find((l) => l.agentId === B)).toMatchObject({ answeredAt: expect.any(String), endReason: 'consultation_ended' });
    expect(cdr.transfers).toMatchObject([{ id: t.id, outcome: 'consulted' }]);
    expect(cdr.legs.find((l) => l.agentId === A)).toMatchObject({ endReason: 'agent_hangup' });
    consultHeld(cdr);
  });

  it('case 3: the caller hangs up; agent A goes into after-call work (wrap-up), then is ready', async () => {
    const c = await callerReachesAgentA();
    w.sim.world.remoteHangup(c.customer);
    await ended(c);
    const created = (await events(w, c.callId)).find((e) => e.type === 'cdr.created')!;
    // Written at the hang-up, while A's wrap-up still runs.
    expect(created.data).toMatchObject({ complete: false, agents: [{ agentId: A, wrapUpMs: null }] });
    expect(await statesOf(c, A)).toEqual(A_TALKS_THEN_WRAPS);
    // The stored CDR (lists, CSV) completed itself when the wrap-up ended.
    const stored = await w.t.db.query("SELECT (detail->>'complete')::boolean AS complete, detail->'agents' AS agents FROM cdrs WHERE call_id = $1", [c.callId]);
    expect(stored.rows[0].complete).toBe(true);
    expect(stored.rows[0].agents[0].wrapUpMs).toBeGreaterThan(0);
    const wrap = (await agentEvents(c, A)).find((e) => e.data.from === 'wrap_up')!;
    expect(wrap.data.durationMs).toBeGreaterThanOrEqual(1000);
    expect(await controlEvents(c)).toEqual(['call.ended', 'cdr.created']);
    const cdr = await cdrOf(c);
    expect(legsOf(cdr)).toEqual([['caller', null], ['agent', A]]);
    expect(cdr.transfers).toEqual([]);
    expect(agentOf(cdr, A)).toMatchObject({ roles: ['agent'], holdMs: 0, wrapUpMs: wrap.data.durationMs });
    expect(agentOf(cdr, A).talkMs).toBeGreaterThan(0);
    expect(cdr.holdMs).toBe(0);
  });

  it('case 4: A consults B; B is ringing; A cancels the consultation; A talks with the caller', async () => {
    await phone(PHONE_B, 'ring-out');
    try {
      const c = await callerReachesAgentA();
      const t = await transfer(c);
      await waitFor('B ringing', () => w.sim.world.channel(t.target)?.state === 'Ringing');
      expect(onHold(w, c.customer)).toBe(true);
      expect(await agentState(B)).toBe('reserved');
      await offerToB(c, 'consult');
      const res = await w.api<TransferJson>('POST', `/v1/transfers/${t.id}/cancel`);
      expect(res.body).toMatchObject({ state: 'cancelled', reason: 'cancelled by the initiator' });
      await waitUntil(() => !alive(w, t.target), 'B stops ringing');
      await waitFor('A and the caller together', () => together(w, c.agent, c.customer));
      expect(await agentState(B)).toBe('ready');
      await must('POST', `/v1/calls/${c.callId}/hangup`);
      await ended(c, t.target);
      expect(await statesOf(c, B)).toEqual(['ready>reserved', 'reserved>ready']);
      expect(await statesOf(c, A)).toEqual(A_TALKS_THEN_WRAPS);
      expect(await controlEvents(c)).toEqual(['call.transfer_started', 'call.offered', 'call.transfer_cancelled', 'call.ended', 'cdr.created']);
      const cdr = await cdrOf(c);
      expect(legsOf(cdr)).toEqual([['caller', null], ['agent', A], ['consult', B]]);
      expect(cdr.legs.find((l) => l.agentId === B)).toMatchObject({ answeredAt: null, talkMs: 0, endReason: 'cancelled' });
      expect(cdr.transfers).toMatchObject([{ id: t.id, outcome: 'cancelled' }]);
      expect(agentOf(cdr, B)).toMatchObject({ talkMs: 0, wrapUpMs: 0 });
      consultHeld(cdr);
    } finally {
      await phone(PHONE_B, 'answer');
    }
  });

  it('case 5: A consults B; B does not answer (ring timeout); A stays with the caller', async () => {
    await phone(PHONE_B, 'ring-out');
    try {
      const c = await callerReachesAgentA();
      const t = await transfer(c, 'attended', 1);
      await settled(t.id, 'cancelled');
      expect((await transferState(t.id)).reason).toBe('target did not answer in time');
      await waitUntil(() => !alive(w, t.target), 'B stops ringing');
      await waitFor('A and the caller together', () => together(w, c.agent, c.customer));
      await offerToB(c, 'consult');
      // Like a queue offer not answered: B is paused.
      expect(await must('GET', `/v1/agents/${B}`)).toMatchObject({ state: 'not_ready', reason: 'no answer' });
      w.sim.world.remoteHangup(c.customer);
      await ended(c, t.target);
      // The state is in Redis first; its event reaches the journal through the state relay.
      const paused = await waitFor("B's pause announced", async () => {
        const seen = (await agentEvents(c, B)).map((e) => `${e.data.from}>${e.data.to}`);
        return seen.at(-1) === 'reserved>not_ready' ? seen : undefined;
      });
      expect(paused).toEqual(['ready>reserved', 'reserved>not_ready']);
      expect(await statesOf(c, A)).toEqual(A_TALKS_THEN_WRAPS);
      const cdr = await cdrOf(c);
      expect(legsOf(cdr)).toEqual([['caller', null], ['agent', A], ['consult', B]]);
      expect(cdr.transfers).toMatchObject([{ id: t.id, outcome: 'no_answer' }]);
      expect(cdr.legs.find((l) => l.agentId === B)).toMatchObject({ answeredAt: null, endReason: 'no_answer' });
      consultHeld(cdr);
    } finally {
      await phone(PHONE_B, 'answer');
      await must('POST', `/v1/agents/${B}/state`, { action: 'ready' });
    }
  });

  it('case 6: A consults B, then transfers to B; B talks with the caller; the caller hangs up, then B', async () => {
    const c = await callerReachesAgentA();
    const t = await consult(c);
    const res = await w.api<TransferJson>('POST', `/v1/transfers/${t.id}/complete`);
    expect(res.body.state).toBe('completed');
    await waitUntil(() => !alive(w, c.agent), 'A left the call');
    expect(together(w, c.customer, t.target)).toBe(true);
    // A goes to wrap-up when A leaves, while B and the caller go on talking.
    expect(await statesOf(c, A)).toEqual(A_TALKS_THEN_WRAPS);
    expect(await callState(w, c.callId)).toBe('connected');
    expect(await agentState(B)).toBe('on_call');
    // The call's legs: A's (from the queue) is over, B's (the transfer's) goes on.
    const call = await must<{ legs: Array<{ channelId: string; role: string; agentId: string | null; endedAt: string | null }> }>('GET', `/v1/calls/${c.callId}`);
    expect(call.legs.find((l) => l.channelId === c.agent)).toMatchObject({ role: 'agent', agentId: A, endedAt: expect.any(String) });
    expect(call.legs.find((l) => l.channelId === t.target)).toMatchObject({ role: 'transfer_target', agentId: B, endedAt: null });
    w.sim.world.remoteHangup(c.customer);
    await ended(c, t.target);
    expect(await statesOf(c, B)).toEqual(B_TALKS_THEN_WRAPS);
    expect(await controlEvents(c)).toEqual(['call.transfer_started', 'call.offered', 'call.transfer_completed', 'call.connected', 'call.ended', 'cdr.created']);
    const cdr = await cdrOf(c);
    expect(legsOf(cdr)).toEqual([['caller', null], ['agent', A], ['agent', B]]);
    expect(cdr.legs.find((l) => l.agentId === A)).toMatchObject({ endReason: 'transferred' });
    expect(cdr.transfers).toMatchObject([{ id: t.id, mode: 'attended', fromAgentId: A, to: { agentId: B }, outcome: 'transferred' }]);
    expect(agentOf(cdr, B).roles).toEqual(['consult', 'agent']);
    expect(agentOf(cdr, B).talkMs).toBeGreaterThan(0);
    consultHeld(cdr);
    expect(agentOf(cdr, A).wrapUpMs).toBeGreaterThan(0);
    expect(agentOf(cdr, B).wrapUpMs).toBeGreaterThan(0);
  });

  it('case 7: same, but B hangs up first, then the caller', async () => {
    const c = await callerReachesAgentA();
    const t = await consult(c);
    await must('POST', `/v1/transfers/${t.id}/complete`);
    await waitFor('B and the caller', () => together(w, c.customer, t.target));
    w.sim.world.remoteHangup(t.target);
    await ended(c, t.target);
    expect((await events(w, c.callId)).find((e) => e.type === 'call.ended')!.data).toMatchObject({ reason: 'agent hung up' });
    expect(await statesOf(c, A)).toEqual(A_TALKS_THEN_WRAPS);
    expect(await statesOf(c, B)).toEqual(B_TALKS_THEN_WRAPS);
    const cdr = await cdrOf(c);
    expect(legsOf(cdr)).toEqual([['caller', null], ['agent', A], ['agent', B]]);
    expect(cdr.transfers).toMatchObject([{ id: t.id, outcome: 'transferred' }]);
    expect(agentOf(cdr, B).wrapUpMs).toBeGreaterThan(0);
  });

  it('case 8: A transfers the caller to B; the business data goes with the call (B sees it); caller hangs up; B goes into after-call work', async () => {
    const stream = new WebSocket(`${w.service.url.replace('http', 'ws')}/v1/agents/${B}/stream`, { headers: { authorization: `Bearer ${w.key}` } });
    const seen: Emitted[] = [];
    stream.on('message', (m) => seen.push(JSON.parse(String(m)) as Emitted));
    await new Promise((resolve, reject) => stream.once('open', resolve).once('error', reject));
    try {
      const c = await callerReachesAgentA();
      const t = await transfer(c, 'blind');
      await settled(t.id, 'completed');
      await waitFor('B and the caller', () => together(w, c.customer, t.target));
      await waitUntil(() => !alive(w, c.agent), 'A left the call');
      const pop = await offerToB(c, 'transfer');
      // The screen pop on B's own stream: the call's data as the IVR collected it.
      await waitUntil(() => seen.some((e) => e.type === 'call.offered'), 'the screen pop on B’s stream');
      const popped = seen.filter((e) => e.type === 'call.offered');
      expect(popped).toHaveLength(1);
      expect(popped[0]!.data).toEqual(pop.data);
      const evs = await events(w, c.callId);
      for (const type of ['call.transfer_started', 'call.transfer_completed']) {
        expect(evs.find((e) => e.type === type)!.data).toMatchObject({ data: SCREEN_POP, transfer: { id: t.id, mode: 'blind', fromAgentId: A, to: { agentId: B } } });
      }
      expect(w.sim.world.channel(t.target)!.linkedid).toBe(w.sim.world.channel(c.customer)!.linkedid);
      w.sim.world.remoteHangup(c.customer);
      await ended(c, t.target);
      expect(await statesOf(c, A)).toEqual(A_TALKS_THEN_WRAPS);
      expect(await statesOf(c, B)).toEqual(B_TALKS_THEN_WRAPS);
      const mine = () => seen.filter((e) => e.type === 'agent.state_changed' && e.data.callId === c.callId);
      await waitUntil(() => mine().at(-1)?.data.to === 'ready', 'B’s return to ready on B’s stream');
      expect(mine().map((e) => `${e.data.from}>${e.data.to}`)).toEqual(B_TALKS_THEN_WRAPS);
      const cdr = await cdrOf(c);
      expect(legsOf(cdr)).toEqual([['caller', null], ['agent', A], ['agent', B]]);
      expect(cdr.transfers).toMatchObject([{ id: t.id, mode: 'blind', outcome: 'transferred' }]);
      expect(cdr.legs.find((l) => l.agentId === B)).toMatchObject({ answeredAt: expect.any(String) });
      expect(agentOf(cdr, B).talkMs).toBeGreaterThan(0);
      expect(agentOf(cdr, B).wrapUpMs).toBeGreaterThan(0);
    } finally {
      stream.close();
    }
  });

  it('case 9: during A’s consultation with B the caller cannot hear A and B; after B finishes (wrap-up), A and the caller talk again', async () => {
    const c = await callerReachesAgentA();
    const t = await consult(c);
    await expectPrivateConsultation(w, { customer: c.customer, agent: c.agent, target: t.target });
    // B's wrap-up runs out while A and the caller still talk.
    expect(await statesOf(c, B)).toEqual(B_TALKS_THEN_WRAPS);
    expect(await callState(w, c.callId)).toBe('connected');
    expect(await agentState(A)).toBe('on_call');
    expect(together(w, c.agent, c.customer)).toBe(true);
    w.sim.world.remoteHangup(c.customer);
    await ended(c, t.target);
    expect(await statesOf(c, A)).toEqual(A_TALKS_THEN_WRAPS);
    const cdr = await cdrOf(c);
    expect(legsOf(cdr)).toEqual([['caller', null], ['agent', A], ['consult', B]]);
    expect(cdr.transfers).toMatchObject([{ id: t.id, outcome: 'consulted' }]);
    expect(agentOf(cdr, B)).toMatchObject({ roles: ['consult'], holdMs: 0 });
    expect(agentOf(cdr, B).wrapUpMs).toBeGreaterThan(0);
    consultHeld(cdr);
  });

  it('case 10: A consults B and joins a three-way conference; all three talk; the caller hangs up; B goes into after-call work', async () => {
    const c = await callerReachesAgentA();
    const t = await consult(c);
    const res = await w.api<TransferJson>('POST', `/v1/transfers/${t.id}/conference`);
    expect(res.body.state).toBe('conference');
    expect(together(w, c.customer, c.agent, t.target)).toBe(true);
    expect(hears(w, c.agent)).toEqual([c.customer, t.target].sort());
    expect(hears(w, t.target)).toEqual([c.agent, c.customer].sort());
    expect(onHold(w, c.customer)).toBe(false);
    w.sim.world.remoteHangup(c.customer);
    await ended(c, t.target);
    expect(await statesOf(c, A)).toEqual(A_TALKS_THEN_WRAPS);
    expect(await statesOf(c, B)).toEqual(B_TALKS_THEN_WRAPS);
    expect(await controlEvents(c)).toEqual(['call.transfer_started', 'call.offered', 'call.conference_started', 'call.ended', 'cdr.created']);
    const conference = (await events(w, c.callId)).find((e) => e.type === 'call.conference_started')!;
    expect(conference.data).toMatchObject({ conference: { transferId: t.id, agentIds: [A, B] }, data: SCREEN_POP });
    const cdr = await cdrOf(c);
    expect(legsOf(cdr)).toEqual([['caller', null], ['conference', A], ['conference', B]]);
    expect(agentOf(cdr, A).roles).toEqual(['agent', 'conference']);
    expect(agentOf(cdr, B).roles).toEqual(['consult', 'conference']);
    expect(cdr.conferences).toMatchObject([{ agentIds: [A, B] }]);
    expect(cdr.transfers).toMatchObject([{ id: t.id, outcome: 'conference' }]);
    expect(agentOf(cdr, B).wrapUpMs).toBeGreaterThan(0);
    expect(agentOf(cdr, A).wrapUpMs).toBeGreaterThan(0);
    consultHeld(cdr);
  });

  it('case 1 with a phone that answers at once: B is on_call, wraps up and has talk time', async () => {
    // B's phone answers before the originate's response leaves the PBX.
    w.sim.world.setEndpointBehaviour(`PJSIP/${PHONE_B}`, { behaviour: 'answer', atOnce: true });
    try {
      const c = await callerReachesAgentA();
      const t = await transfer(c);
      await settled(t.id, 'answered');
      await waitFor('B on_call', async () => (await agentState(B)) === 'on_call');
      w.sim.world.remoteHangup(t.target);
      await settled(t.id, 'cancelled');
      await waitFor('A and the caller together again', () => together(w, c.agent, c.customer));
      w.sim.world.remoteHangup(c.customer);
      await ended(c, t.target);
      expect(await statesOf(c, B)).toEqual(B_TALKS_THEN_WRAPS);
      const cdr = await cdrOf(c);
      expect(legsOf(cdr)).toEqual([['caller', null], ['agent', A], ['consult', B]]);
      expect(agentOf(cdr, B).talkMs).toBeGreaterThan(0);
      expect(agentOf(cdr, B).wrapUpMs).toBeGreaterThan(0);
    } finally {
      await phone(PHONE_B, 'answer');
    }
  });

  it('a call the ACD connected is held, resumed and hung up through the API; A wraps up', async () => {
    const c = await callerReachesAgentA();
    expect((await w.api('POST', `/v1/calls/${c.callId}/hold`)).status).toBe(204);
    await waitFor('the caller on hold', () => onHold(w, c.customer));
    expect(hears(w, c.agent)).toEqual([]);
    expect((await w.api('POST', `/v1/calls/${c.callId}/unhold`)).status).toBeLessThan(300);
    await waitFor('A and the caller together again', () => together(w, c.agent, c.customer));
    expect(await agentState(A)).toBe('on_call');
    await must('POST', `/v1/calls/${c.callId}/hangup`);
    await ended(c);
    expect(await statesOf(c, A)).toEqual(A_TALKS_THEN_WRAPS);
    const evs = await events(w, c.callId);
    expect(evs.find((e) => e.type === 'call.held')!.data).toMatchObject({ agentId: A });
    const resumed = evs.find((e) => e.type === 'call.resumed')!;
    expect(resumed.data).toMatchObject({ agentId: A });
    const cdr = await cdrOf(c);
    expect(legsOf(cdr)).toEqual([['caller', null], ['agent', A]]);
    expect(agentOf(cdr, A).holdMs).toBe(resumed.data.holdMs);
    expect(cdr.holdMs).toBe(resumed.data.holdMs);
  });
});
