// The field's ten CTI acceptance cases (requirements §6), named by number, plus a hang-up
// at every transfer state and the refusals. Each case asserts who hears whom (bridge
// membership in the simulated PBX), who is on hold, the events emitted and the call data
// carried. Agent-state and wrap-up assertions join when the ACD lands.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { simControl } from '../helpers/service.js';
import { waitFor, waitUntil } from '../helpers/wait.js';
import {
  AGENT_B,
  alive,
  IVR_DATA,
  callerReachesAgentA,
  callState,
  eventTypes,
  HOTLINE,
  events,
  expectPrivateConsultation,
  hears,
  noBridgesLeft,
  onHold,
  startCallCtlWorld,
  together,
  type CallCtlWorld,
  type ConnectedCall,
} from './callctl-fixture.js';

const RINGS_FOREVER = '1003';
const BUSY = '1004';
const UNREACHABLE = '1005';

/** The events after the caller reached A (the IVR's own come before). */
async function controlEvents(w: CallCtlWorld, callId: string): Promise<string[]> {
  const types = await eventTypes(w, callId);
  expect(types.slice(0, 2)).toEqual(['call.created', 'call.answered']);
  return types.filter((t) => !['call.created', 'call.answered', 'call.ivr_step'].includes(t));
}

interface TransferJson {
  id: string;
  state: string;
  mode: string;
  reason: string | null;
  to: Record<string, string>;
}

describe('synchronised call transfer: the acceptance cases', () => {
  let w: CallCtlWorld;

  beforeAll(async () => {
    w = await startCallCtlWorld('callctl-xfer', { TRANSFER_INITIATOR_HANGUP: 'blind' });
    w.sim.world.setEndpointBehaviour(`PJSIP/${RINGS_FOREVER}`, { behaviour: 'ring-out' });
    w.sim.world.setEndpointBehaviour(`PJSIP/${BUSY}`, { behaviour: 'busy' });
    w.sim.world.setEndpointBehaviour(`PJSIP/${UNREACHABLE}`, { behaviour: 'unreachable' });
  });
  afterAll(async () => {
    await w?.close();
  });

  async function transfer(c: ConnectedCall, extension: string, mode: 'blind' | 'attended' = 'attended', timeout?: number) {
    const res = await w.api<TransferJson>('POST', `/v1/calls/${c.callId}/transfers`, { to: { extension }, mode, ...(timeout ? { timeout } : {}) });
    if (res.status !== 201) throw new Error(`transfer answered ${res.status}: ${JSON.stringify(res.body)}`);
    const { rows } = await w.t.db.query<{ target_channel_id: string }>('SELECT target_channel_id FROM call_transfers WHERE id = $1', [res.body.id]);
    return { ...res.body, target: rows[0]!.target_channel_id };
  }

  async function transferState(id: string): Promise<string> {
    return (await w.api<TransferJson>('GET', `/v1/transfers/${id}`)).body.state;
  }

  const settled = (id: string, state: string) => waitFor(`transfer ${state}`, async () => (await transferState(id)) === state);

  async function consult(c: ConnectedCall) {
    const t = await transfer(c, AGENT_B);
    await settled(t.id, 'answered');
    await waitFor('A and B consulting', () => together(w, c.agent, t.target));
    return t;
  }

  async function ended(c: ConnectedCall) {
    await waitFor('the call to end', async () => (await callState(w, c.callId)) === 'ended');
    await waitUntil(() => !alive(w, c.customer) && !alive(w, c.agent), 'no leg of the call left');
    // Bridges are destroyed after the last leg's hang-up is handled, a moment later.
    await waitUntil(() => noBridgesLeft(w, c.callId), 'no bridge left');
  }

  it('case 1: A consults B, B ends the consultation, A continues; caller hangs up, then A', async () => {
    const c = await callerReachesAgentA(w);
    const t = await consult(c);
    w.sim.world.remoteHangup(t.target);
    await settled(t.id, 'cancelled');
    await waitFor('A and the caller together again', () => together(w, c.agent, c.customer));
    expect(await callState(w, c.callId)).toBe('connected');
    w.sim.world.remoteHangup(c.customer);
    await ended(c);
    expect(await controlEvents(w, c.callId)).toEqual(['call.transfer_started', 'call.transfer_cancelled', 'call.ended', 'cdr.created']);
    const cancelled = (await events(w, c.callId)).find((e) => e.type === 'call.transfer_cancelled')!;
    expect(cancelled.data).toMatchObject({ transfer: { id: t.id, mode: 'attended', state: 'cancelled', reason: 'the target ended the consultation', to: { extension: AGENT_B } } });
  });

  it('case 2: A consults B, A ends the consultation and continues; A hangs up, then the caller', async () => {
    const c = await callerReachesAgentA(w);
    const t = await consult(c);
    const res = await w.api<TransferJson>('POST', `/v1/transfers/${t.id}/cancel`);
    expect(res.status).toBe(200);
    expect(res.body.state).toBe('cancelled');
    await waitUntil(() => !alive(w, t.target), 'B hung up');
    expect(together(w, c.agent, c.customer)).toBe(true);
    w.sim.world.remoteHangup(c.agent);
    await ended(c);
    const { rows } = await w.t.db.query('SELECT reason FROM call_transfers WHERE id = $1', [t.id]);
    expect(rows[0].reason).toBe('the initiator ended the consultation');
  });

  it('case 3: the caller hangs up; A’s leg ends with the call', async () => {
    const c = await callerReachesAgentA(w);
    w.sim.world.remoteHangup(c.customer);
    await ended(c);
    const legs = await w.t.db.query('SELECT role, ended_at FROM call_legs WHERE call_id = $1', [c.callId]);
    expect(legs.rows.every((l) => l.ended_at !== null)).toBe(true);
    const ev = (await events(w, c.callId)).find((e) => e.type === 'call.ended')!;
    expect(ev.data).toMatchObject({ reason: 'customer hung up', cause: 16 });
  });

  it('case 4: A consults B, B rings, A cancels; A talks with the caller', async () => {
    const c = await callerReachesAgentA(w);
    const t = await transfer(c, RINGS_FOREVER);
    await waitFor('B ringing', () => w.sim.world.channel(t.target)?.state === 'Ringing');
    expect(onHold(w, c.customer)).toBe(true);
    const res = await w.api<TransferJson>('POST', `/v1/transfers/${t.id}/cancel`);
    expect(res.body).toMatchObject({ state: 'cancelled', reason: 'cancelled by the initiator' });
    await waitUntil(() => !alive(w, t.target), 'B stops ringing');
    expect(together(w, c.agent, c.customer)).toBe(true);
    await w.api('POST', `/v1/calls/${c.callId}/hangup`);
    await ended(c);
  });

  it('case 5: B does not answer within the timeout; A stays with the caller', async () => {
    const c = await callerReachesAgentA(w);
    const t = await transfer(c, RINGS_FOREVER, 'attended', 1);
    await settled(t.id, 'cancelled');
    expect((await w.api<TransferJson>('GET', `/v1/transfers/${t.id}`)).body.reason).toBe('target did not answer in time');
    await waitUntil(() => !alive(w, t.target), 'B stops ringing');
    await waitFor('A and the caller together', () => together(w, c.agent, c.customer));
    await w.api('POST', `/v1/calls/${c.callId}/hangup`);
    await ended(c);
  });

  it('case 6: A consults B, then transfers; B talks with the caller; the caller hangs up, then B', async () => {
    const c = await callerReachesAgentA(w);
    const t = await consult(c);
    const res = await w.api<TransferJson>('POST', `/v1/transfers/${t.id}/complete`);
    expect(res.body.state).toBe('completed');
    await waitUntil(() => !alive(w, c.agent), 'A left the call');
    expect(together(w, c.customer, t.target)).toBe(true);
    // A's handle time ends when A leaves; B's leg goes on.
    const legs = await w.t.db.query<{ channel_id: string; ended_at: Date | null }>('SELECT channel_id, ended_at FROM call_legs WHERE call_id = $1', [c.callId]);
    expect(legs.rows.find((l) => l.channel_id === c.agent)!.ended_at).not.toBeNull();
    expect(legs.rows.find((l) => l.channel_id === t.target)!.ended_at).toBeNull();
    w.sim.world.remoteHangup(c.customer);
    await waitFor('the call to end', async () => (await callState(w, c.callId)) === 'ended');
    await waitUntil(() => !alive(w, t.target), 'B’s leg ends');
    // Bridges are destroyed after the last leg's hang-up is handled, a moment later.
    await waitUntil(() => noBridgesLeft(w, c.callId), 'no bridge left');
    expect(await controlEvents(w, c.callId)).toEqual(['call.transfer_started', 'call.transfer_completed', 'call.ended', 'cdr.created']);
  });

  it('case 7: same, but B hangs up first, then the caller', async () => {
    const c = await callerReachesAgentA(w);
    const t = await consult(c);
    await w.api('POST', `/v1/transfers/${t.id}/complete`);
    await waitFor('B and the caller', () => together(w, c.customer, t.target));
    w.sim.world.remoteHangup(t.target);
    await waitFor('the call to end', async () => (await callState(w, c.callId)) === 'ended');
    await waitUntil(() => !alive(w, c.customer), 'the caller’s leg ends');
    // Bridges are destroyed after the last leg's hang-up is handled, a moment later.
    await waitUntil(() => noBridgesLeft(w, c.callId), 'no bridge left');
    const ev = (await events(w, c.callId)).find((e) => e.type === 'call.ended')!;
    expect(ev.data).toMatchObject({ reason: 'agent hung up' });
  });

  it('case 8: A transfers the caller to B and the business data goes with the call', async () => {
    const data = IVR_DATA;
    const c = await callerReachesAgentA(w);
    const t = await transfer(c, AGENT_B, 'blind');
    await settled(t.id, 'completed');
    await waitFor('B and the caller', () => together(w, c.customer, t.target));
    await waitUntil(() => !alive(w, c.agent), 'A left the call');
    const evs = await events(w, c.callId);
    for (const type of ['call.transfer_started', 'call.transfer_completed']) {
      const e = evs.find((x) => x.type === type)!;
      expect(e.data).toMatchObject({ callId: c.callId, data, transfer: { id: t.id, mode: 'blind', to: { extension: AGENT_B } } });
    }
    // B's leg belongs to the same conversation: one linkedid for every leg.
    expect(w.sim.world.channel(t.target)!.linkedid).toBe(w.sim.world.channel(c.customer)!.linkedid);
    type CallJson = { data: unknown; legs: Array<{ channelId: string; role: string; agentId: string | null; endedAt: string | null }> };
    // A's hang-up reaches the call's record a moment after the PBX has let A go.
    const call = await waitFor('A\'s leg recorded as ended', async () => {
      const res = await w.api<CallJson>('GET', `/v1/calls/${c.callId}`);
      return res.body.legs.find((l) => l.channelId === c.agent)?.endedAt ? res : undefined;
    });
    expect(call.body.data).toEqual(data);
    expect(call.body.legs.map((l) => l.channelId).sort()).toEqual([c.agent, c.customer, t.target].sort());
    // Transfer-aware: A's leg is over, B's goes on.
    expect(call.body.legs.find((l) => l.channelId === c.agent)).toMatchObject({ role: 'agent', agentId: null, endedAt: expect.any(String) });
    expect(call.body.legs.find((l) => l.channelId === t.target)).toMatchObject({ role: 'transfer_target', endedAt: null });
    w.sim.world.remoteHangup(c.customer);
    await waitFor('the call to end', async () => (await callState(w, c.callId)) === 'ended');
    await waitUntil(() => !alive(w, t.target), 'B’s leg ends');
  });

  it('case 9: during the consultation the caller hears neither agent; afterwards A and the caller talk again', async () => {
    const c = await callerReachesAgentA(w);
    const t = await consult(c);
    await expectPrivateConsultation(w, { customer: c.customer, agent: c.agent, target: t.target });
    await w.api('POST', `/v1/calls/${c.callId}/hangup`);
    await ended(c);
  });

  it('case 10: A consults B and joins a three-way conference; the caller hangs up', async () => {
    const c = await callerReachesAgentA(w);
    const t = await consult(c);
    const res = await w.api<TransferJson>('POST', `/v1/transfers/${t.id}/conference`);
    expect(res.body.state).toBe('conference');
    expect(together(w, c.customer, c.agent, t.target)).toBe(true);
    expect(hears(w, c.agent).sort()).toEqual([c.customer, t.target].sort());
    w.sim.world.remoteHangup(c.customer);
    await ended(c);
    await waitUntil(() => !alive(w, t.target), 'B’s leg ends');
    expect(await controlEvents(w, c.callId)).toEqual(['call.transfer_started', 'call.conference_started', 'call.ended', 'cdr.created']);
    const conference = (await events(w, c.callId)).find((e) => e.type === 'call.conference_started')!;
    expect(conference.data).toMatchObject({ conference: { transferId: t.id, agentIds: [] }, data: IVR_DATA });
  });
});

describe('transfers: hang-ups at every state and refusals', () => {
  let w: CallCtlWorld;

  beforeAll(async () => {
    w = await startCallCtlWorld('callctl-xfer-edge', { TRANSFER_INITIATOR_HANGUP: 'blind' });
    w.sim.world.setEndpointBehaviour(`PJSIP/${RINGS_FOREVER}`, { behaviour: 'ring-out' });
    w.sim.world.setEndpointBehaviour(`PJSIP/${BUSY}`, { behaviour: 'busy' });
    w.sim.world.setEndpointBehaviour(`PJSIP/${UNREACHABLE}`, { behaviour: 'unreachable' });
  });
  afterAll(async () => {
    await w?.close();
  });

  async function start(c: ConnectedCall, to: Record<string, string>, mode = 'attended') {
    return w.api<TransferJson & { detail?: string }>('POST', `/v1/calls/${c.callId}/transfers`, { to, mode });
  }
  async function target(id: string): Promise<string> {
    return (await w.t.db.query('SELECT target_channel_id FROM call_transfers WHERE id = $1', [id])).rows[0].target_channel_id;
  }
  const stateOf = async (id: string) => (await w.api<TransferJson>('GET', `/v1/transfers/${id}`)).body;
  const settled = (id: string, state: string) => waitFor(`transfer ${state}`, async () => (await stateOf(id)).state === state);
  const allGone = async (c: ConnectedCall, ...more: string[]) => {
    await waitFor('the call to end', async () => (await callState(w, c.callId)) === 'ended');
    await waitUntil(() => [c.customer, c.agent, ...more].every((id) => !alive(w, id)), 'every leg gone');
    // Bridges are destroyed after the last leg's hang-up is handled, a moment later.
    await waitUntil(() => noBridgesLeft(w, c.callId), 'no bridge left');
  };

  it('caller hangs up while the target rings: abandoned, nobody left behind', async () => {
    const c = await callerReachesAgentA(w);
    // No mode: attended, the documented default.
    const t = await w.api<TransferJson>('POST', `/v1/calls/${c.callId}/transfers`, { to: { extension: RINGS_FOREVER } });
    expect(t.status).toBe(201);
    expect(t.body.mode).toBe('attended');
    const b = await target(t.body.id);
    w.sim.world.remoteHangup(c.customer);
    await settled(t.body.id, 'abandoned');
    await allGone(c, b);
  });

  it('caller hangs up during the consultation: abandoned, both agents’ legs end', async () => {
    const c = await callerReachesAgentA(w);
    const t = await start(c, { extension: AGENT_B });
    await settled(t.body.id, 'answered');
    const b = await target(t.body.id);
    w.sim.world.remoteHangup(c.customer);
    await settled(t.body.id, 'abandoned');
    await allGone(c, b);
  });

  it('initiator hangs up while the target rings (policy blind): the target gets the caller', async () => {
    w.sim.world.setEndpointBehaviour('PJSIP/1006', { behaviour: 'answer', answerAfterMs: 4000 });
    const c = await callerReachesAgentA(w);
    const t = await start(c, { extension: '1006' });
    const b = await target(t.body.id);
    w.sim.world.remoteHangup(c.agent);
    await waitFor('handed over', async () => (await stateOf(t.body.id)).mode === 'blind');
    expect(onHold(w, c.customer)).toBe(true);
    await settled(t.body.id, 'completed');
    await waitFor('B and the caller', () => together(w, c.customer, b));
    await w.api('POST', `/v1/calls/${c.callId}/hangup`);
    await allGone(c, b);
  });

  it('initiator hangs up during the consultation: the transfer completes', async () => {
    const c = await callerReachesAgentA(w);
    const t = await start(c, { extension: AGENT_B });
    await settled(t.body.id, 'answered');
    const b = await target(t.body.id);
    w.sim.world.remoteHangup(c.agent);
    await settled(t.body.id, 'completed');
    await waitFor('B and the caller', () => together(w, c.customer, b));
    w.sim.world.remoteHangup(b);
    await allGone(c, b);
  });

  it('initiator leaves the conference: the caller stays with the target', async () => {
    const c = await callerReachesAgentA(w);
    const t = await start(c, { extension: AGENT_B });
    await settled(t.body.id, 'answered');
    const b = await target(t.body.id);
    await w.api('POST', `/v1/transfers/${t.body.id}/conference`);
    expect((await w.api<TransferJson>('POST', `/v1/transfers/${t.body.id}/complete`)).body.state).toBe('completed');
    await waitUntil(() => !alive(w, c.agent), 'A left');
    expect(together(w, c.customer, b)).toBe(true);
    w.sim.world.remoteHangup(c.customer);
    await allGone(c, b);
  });

  it('a busy or unreachable target cancels the transfer and gives the caller back', async () => {
    const c = await callerReachesAgentA(w);
    for (const ext of [BUSY, UNREACHABLE]) {
      const t = await start(c, { extension: ext });
      expect(t.status).toBe(201);
      await settled(t.body.id, 'cancelled');
      expect((await stateOf(t.body.id)).reason).toBe(ext === BUSY ? 'target busy' : 'target unreachable');
      await waitFor('A and the caller', () => together(w, c.agent, c.customer));
    }
    await w.api('POST', `/v1/calls/${c.callId}/hangup`);
    await allGone(c);
  });

  it('an IVR transfer whose agent does not answer ends the call; no bridge stays behind', async () => {
    w.sim.world.setEndpointBehaviour('PJSIP/1001', { behaviour: 'busy' });
    try {
      const { channelId } = await simControl<{ channelId: string }>(w.sim, '/calls', { from: '+15551239999', to: HOTLINE });
      const callId = await waitFor('the call', async () => (await w.t.db.query('SELECT id FROM calls WHERE channel_id = $1', [channelId])).rows[0]?.id as string | undefined);
      await waitFor('the call to end', async () => (await callState(w, callId)) === 'ended');
      await waitUntil(() => !alive(w, channelId), 'the caller is hung up');
      await waitUntil(() => noBridgesLeft(w, callId), 'no bridge left');
      const ended = (await events(w, callId)).find((e) => e.type === 'call.ended')!;
      expect(ended.data).toMatchObject({ reason: 'agent did not answer', cause: 17 });
    } finally {
      w.sim.world.setEndpointBehaviour('PJSIP/1001', { behaviour: 'answer', answerAfterMs: 2000 });
    }
  });

  it('hang-ups missed while ARI was away end the transfer and the call at the reconnect', async () => {
    const c = await callerReachesAgentA(w);
    const t = await start(c, { extension: AGENT_B });
    await settled(t.body.id, 'answered');
    const b = await target(t.body.id);
    const node = w.service.nodes[0]!;
    await simControl(w.sim, '/faults/ari-drop');
    await waitUntil(() => node.ariClient?.state !== 'connected', 'ARI dropped');
    w.sim.world.remoteHangup(c.customer);
    await waitUntil(() => node.ariClient?.state === 'connected', 'ARI back', 30_000);
    await settled(t.body.id, 'abandoned');
    await allGone(c, b);
  });

  it('refuses: a second transfer, double complete, conference before answer, bad targets, a call not up', async () => {
    const c = await callerReachesAgentA(w);
    const t = await start(c, { extension: RINGS_FOREVER });
    expect((await start(c, { extension: AGENT_B })).status).toBe(409);
    const early = await w.api<{ detail: string }>('POST', `/v1/transfers/${t.body.id}/conference`);
    expect(early).toMatchObject({ status: 409, body: { detail: 'the target has not answered yet' } });
    await w.api('POST', `/v1/transfers/${t.body.id}/cancel`);
    await waitFor('A and the caller', () => together(w, c.agent, c.customer));

    const noAcd = await start(c, { agentId: 'agent-7' });
    expect(noAcd.status).toBe(422);
    const abroad = await start(c, { number: '0044207123456' });
    expect(abroad.status).toBe(422);
    expect(abroad.body.detail).toMatch(/denied pattern/);
    expect((await start(c, { extension: '1' })).status).toBe(400);

    const t2 = await start(c, { extension: AGENT_B });
    await settled(t2.body.id, 'answered');
    expect((await w.api('POST', `/v1/transfers/${t2.body.id}/complete`)).status).toBe(200);
    const again = await w.api<{ detail: string }>('POST', `/v1/transfers/${t2.body.id}/complete`);
    expect(again).toMatchObject({ status: 409, body: { detail: 'the transfer is already completed' } });
    const b = await target(t2.body.id);

    expect((await w.api('POST', `/v1/calls/${c.callId}/hold`)).status).toBe(204);
    const held = await start(c, { extension: AGENT_B });
    expect(held).toMatchObject({ status: 409, body: { detail: 'the call is held, not connected' } });
    await w.api('POST', `/v1/calls/${c.callId}/hangup`);
    await allGone(c, b);
    expect((await start(c, { extension: AGENT_B })).status).toBe(409);
    expect((await w.api('POST', '/v1/transfers/00000000-0000-4000-8000-000000000000/complete')).status).toBe(404);
  });
});
