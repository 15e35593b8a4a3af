// The ACD end to end through the simulator: IVR queue node → holding bridge → offer to an
// agent's phone → answer and bridge → agent hangs up → wrap-up → survey; and the cases
// around it: VIP overtaking, skills with widening, ring-no-answer, a failing phone,
// abandon, overflow.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor, waitUntil } from '../helpers/wait.js';
import {
  agentLegs,
  agentState,
  events,
  hangUp,
  must,
  phone,
  placeCall,
  press,
  queueFlow,
  readyAgent,
  startAcdWorld,
  waitEvent,
  type AcdWorld,
} from './acd-fixture.js';

let w: AcdWorld;

beforeAll(async () => {
  w = await startAcdWorld('acd-e2e');
  for (const s of ['english', 'german', 'billing', 'sales', 'support', 'tech']) await must(w, 'PUT', `/v1/skills/${s}`, {});
});

afterAll(async () => {
  await w?.close();
});

describe('ACD through the simulator', () => {
  it('queues an IVR caller, offers an agent with the screen pop, bridges, wraps up and runs the survey', async () => {
    await must(w, 'POST', '/v1/queues', { id: 'sales', name: 'Sales', skills: { sales: 1 } });
    await phone(w, '1101', 'answer', 50);
    await readyAgent(w, 'alice', '1101', { sales: 3 });
    await queueFlow(w, '201', 'sales', { survey: true });
    const { channelId, callId } = await placeCall(w, '201');

    const offered = await waitEvent(w, { callId, type: 'call.offered' });
    expect(offered.data.offer).toMatchObject({ agentId: 'alice', queueId: 'sales', attempt: 1, reason: 'queue' });
    expect(offered.data.data).toMatchObject({ customer: 'caller of 201' });
    const queued = (await events(w, { callId, type: 'call.queued' }))[0]!;
    expect(queued.data.queue).toMatchObject({ id: 'sales', position: 1 });
    const connected = await waitEvent(w, { callId, type: 'call.connected' });
    expect(connected.data).toMatchObject({ agent: { id: 'alice' }, queueId: 'sales' });
    expect(await agentState(w, 'alice')).toBe('on_call');
    const [leg] = await agentLegs(w, callId);
    // Caller and agent talk in one mixing bridge.
    await waitUntil(async () => {
      const state = (await (await fetch(`${w.sim.control.url}/state`)).json()) as { bridges: Array<{ channels: string[]; bridge_type: string }> };
      return state.bridges.some((b) => b.bridge_type === 'mixing' && b.channels.includes(channelId) && b.channels.includes(leg!.channel_id));
    }, 'caller and agent bridged');
    expect((await must(w, 'GET', '/v1/queues/sales/calls')).items).toEqual([]);

    // The agent hangs up: wrap-up, then ready; the caller stays for the survey and rates 4.
    await hangUp(w, leg!.channel_id);
    await waitUntil(() => w.service.nodes[0]!.ivrCalls?.sessionFor(channelId)?.snapshot?.node === 'rate', 'the survey to start');
    await press(w, channelId, '4');
    await waitUntil(async () => (await agentState(w, 'alice')) === 'ready', 'alice ready after wrap-up');
    const survey = await waitEvent(w, { callId, type: 'survey.completed' });
    expect(survey.data.survey).toMatchObject({ rating: '4', rated: true });

    const changes: string[] = [];
    await waitUntil(async () => {
      changes.splice(0, changes.length, ...(await events(w, { type: 'agent.state_changed', agentId: 'alice' })).map((e) => `${e.data.from}>${e.data.to}`));
      return changes.length >= 6;
    }, 'alice\'s state changes to be announced');
    expect(changes).toEqual(['logged_out>not_ready', 'not_ready>ready', 'ready>reserved', 'reserved>on_call', 'on_call>wrap_up', 'wrap_up>ready']);
    const stats = await must(w, 'GET', '/v1/queues/sales/stats');
    expect(stats.today).toMatchObject({ offered: 1, answered: 1, abandoned: 0 });
    await must(w, 'POST', '/v1/agents/alice/state', { action: 'logout' });
  });

  it('serves a VIP first: the later VIP caller overtakes the one waiting', async () => {
    await must(w, 'POST', '/v1/queues', { id: 'vipq', name: 'VIP test', skills: { support: 1 }, priorityRules: [{ field: 'vip', equals: 'true', add: 10 }] });
    await phone(w, '1102', 'answer', 50);
    await must(w, 'POST', '/v1/agents', { id: 'bob', name: 'Bob', endpoint: 'PJSIP/1102', skills: { support: 2 }, ringSeconds: 5, wrapUpSeconds: 1 });
    await must(w, 'POST', '/v1/agents/bob/state', { action: 'login' });
    await queueFlow(w, '202', 'vipq');
    await queueFlow(w, '203', 'vipq', { vip: true });
    const normal = await placeCall(w, '202', '+15550000202');
    await waitEvent(w, { callId: normal.callId, type: 'call.queued' });
    const vip = await placeCall(w, '203', '+15550000203');
    const vipQueued = await waitEvent(w, { callId: vip.callId, type: 'call.queued' });
    expect(vipQueued.data.queue).toMatchObject({ priority: 10, position: 1 });
    const waiting = await must(w, 'GET', '/v1/queues/vipq/calls');
    expect(waiting.items.map((c: { callId: string }) => c.callId)).toEqual([vip.callId, normal.callId]);

    await must(w, 'POST', '/v1/agents/bob/state', { action: 'ready' });
    const first = await waitEvent(w, { type: 'call.offered', agentId: undefined, callId: vip.callId });
    expect(first.data.offer.agentId).toBe('bob');
    expect(await events(w, { callId: normal.callId, type: 'call.offered' })).toEqual([]);
    await waitEvent(w, { callId: vip.callId, type: 'call.connected' });
    // The VIP hangs up; after Bob's wrap-up the other caller is next.
    await hangUp(w, vip.channelId);
    const second = await waitEvent(w, { callId: normal.callId, type: 'call.offered' });
    expect(second.data.offer).toMatchObject({ agentId: 'bob' });
    await waitEvent(w, { callId: normal.callId, type: 'call.connected' });
    await hangUp(w, normal.channelId);
    await waitUntil(async () => (await agentState(w, 'bob')) === 'ready', 'bob ready');
    await must(w, 'POST', '/v1/agents/bob/state', { action: 'logout' });
  });

  it('keeps a caller waiting for the skill level, then widens to a weaker agent', async () => {
    await must(w, 'POST', '/v1/queues', { id: 'de', name: 'German', skills: { german: 4 }, wideningSteps: [{ afterSeconds: 1, lowerBy: 2 }] });
    await phone(w, '1103', 'answer', 50);
    await readyAgent(w, 'carl', '1103', { german: 2 });
    await queueFlow(w, '204', 'de');
    const { callId, channelId } = await placeCall(w, '204');
    const offered = await waitEvent(w, { callId, type: 'call.offered' });
    expect(offered.data.offer.agentId).toBe('carl');
    // Offered only once the widening step accepted level 2.
    expect(offered.data.offer.waitMs).toBeGreaterThanOrEqual(1000);
    await waitEvent(w, { callId, type: 'call.connected' });
    await hangUp(w, channelId);
    await waitUntil(async () => (await agentState(w, 'carl')) === 'ready', 'carl ready');
    await must(w, 'POST', '/v1/agents/carl/state', { action: 'logout' });
  });

  it('moves the call on when an agent does not answer (RONA) and pauses that agent', async () => {
    await must(w, 'POST', '/v1/queues', { id: 'rona', name: 'RONA', skills: { tech: 1 } });
    await phone(w, '1104', 'ring-out');
    await phone(w, '1105', 'answer', 50);
    await readyAgent(w, 'dan', '1104', { tech: 1 });
    await readyAgent(w, 'erin', '1105', { tech: 1 });
    await queueFlow(w, '205', 'rona');
    const { callId, channelId } = await placeCall(w, '205');
    const firstOffer = await waitEvent(w, { callId, type: 'call.offered' });
    expect(firstOffer.data.offer).toMatchObject({ agentId: 'dan', attempt: 1 });
    const connected = await waitEvent(w, { callId, type: 'call.connected' }, 'the call to reach erin', 30_000);
    expect(connected.data.agent.id).toBe('erin');
    const offers = (await events(w, { callId, type: 'call.offered' })).map((e) => [e.data.offer.agentId, e.data.offer.attempt]);
    expect(offers).toEqual([
      ['dan', 1],
      ['erin', 2],
    ]);
    expect(await must(w, 'GET', '/v1/agents/dan')).toMatchObject({ state: 'not_ready', reason: 'no answer' });
    const legs = await agentLegs(w, callId);
    expect(legs[0]).toMatchObject({ agent_id: 'dan', outcome: 'no_answer' });
    await hangUp(w, channelId);
    await waitUntil(async () => (await agentState(w, 'erin')) === 'ready', 'erin ready');
    for (const a of ['dan', 'erin']) await must(w, 'POST', `/v1/agents/${a}/state`, { action: 'logout' });
  });

  it('tries the next agent at once when a phone is unreachable, and makes its agent not ready', async () => {
    await must(w, 'POST', '/v1/queues', { id: 'fail', name: 'Fail', skills: { billing: 1 } });
    await phone(w, '1106', 'unreachable');
    await phone(w, '1107', 'answer', 50);
    await readyAgent(w, 'fay', '1106', { billing: 1 });
    await readyAgent(w, 'gus', '1107', { billing: 1 });
    await queueFlow(w, '206', 'fail');
    const { callId, channelId } = await placeCall(w, '206');
    const connected = await waitEvent(w, { callId, type: 'call.connected' });
    expect(connected.data.agent.id).toBe('gus');
    const legs = await agentLegs(w, callId);
    expect(legs.map((l) => [l.agent_id, l.outcome])).toEqual([
      ['fay', 'unreachable'],
      ['gus', null],
    ]);
    // An unplugged phone takes no call: fay is not offered any until she says she is back.
    expect(await must(w, 'GET', '/v1/agents/fay')).toMatchObject({ state: 'not_ready', reason: 'unreachable' });
    const told = await waitFor('fay not ready announced', async () =>
      (await events(w, { type: 'agent.state_changed', agentId: 'fay' })).find((e) => e.data.to === 'not_ready' && e.data.reason === 'unreachable'),
    );
    expect(told.data).toMatchObject({ from: 'reserved', to: 'not_ready', reason: 'unreachable' });
    await hangUp(w, channelId);
    await waitUntil(async () => (await agentState(w, 'gus')) === 'ready', 'gus ready');
    for (const a of ['fay', 'gus']) await must(w, 'POST', `/v1/agents/${a}/state`, { action: 'logout' });
  });

  it('records an abandon when the caller hangs up while waiting', async () => {
    await must(w, 'POST', '/v1/queues', { id: 'aband', name: 'Abandon', skills: { english: 1 }, shortAbandonSeconds: 30 });
    await queueFlow(w, '207', 'aband');
    const { callId, channelId } = await placeCall(w, '207');
    await waitEvent(w, { callId, type: 'call.queued' });
    await hangUp(w, channelId);
    const abandoned = await waitEvent(w, { callId, type: 'call.abandoned' });
    expect(abandoned.data).toMatchObject({ queue: { id: 'aband', position: 1 }, short: true });
    await waitEvent(w, { callId, type: 'call.ended' });
    expect((await must(w, 'GET', '/v1/queues/aband/calls')).items).toEqual([]);
    expect((await must(w, 'GET', '/v1/queues/aband/stats')).today).toMatchObject({ offered: 1, abandoned: 1, shortAbandoned: 1, serviceLevelPercent: null });
    const state = (await (await fetch(`${w.sim.control.url}/state`)).json()) as { bridges: Array<{ id: string }> };
    expect(state.bridges.filter((b) => b.id.includes(callId))).toEqual([]);
  });

  it('overflows a caller who waited too long into another queue', async () => {
    await must(w, 'POST', '/v1/queues', { id: 'ovf-target', name: 'Overflow target', skills: { english: 1 } });
    await must(w, 'POST', '/v1/queues', { id: 'ovf', name: 'Overflowing', skills: { german: 5 }, maxWaitSeconds: 1, overflow: { type: 'queue', id: 'ovf-target' } });
    await phone(w, '1108', 'answer', 50);
    await readyAgent(w, 'hal', '1108', { english: 3 });
    await queueFlow(w, '208', 'ovf');
    const { callId, channelId } = await placeCall(w, '208');
    const overflowed = await waitEvent(w, { callId, type: 'call.overflowed' });
    expect(overflowed.data).toMatchObject({ queue: { id: 'ovf' }, to: { type: 'queue', id: 'ovf-target' } });
    expect(overflowed.data.waitMs).toBeGreaterThanOrEqual(1000);
    const connected = await waitEvent(w, { callId, type: 'call.connected' });
    expect(connected.data).toMatchObject({ agent: { id: 'hal' }, queueId: 'ovf-target' });
    const queued = (await events(w, { callId, type: 'call.queued' })).map((e) => e.data.queue);
    expect(queued).toMatchObject([{ id: 'ovf' }, { id: 'ovf-target', overflowFrom: 'ovf' }]);
    await hangUp(w, channelId);
    await waitUntil(async () => (await agentState(w, 'hal')) === 'ready', 'hal ready');

    // A full queue sends the next caller on at once.
    await must(w, 'POST', '/v1/queues', { id: 'full', name: 'Full', skills: { german: 5 }, maxLength: 1, overflow: { type: 'queue', id: 'ovf-target' } });
    await queueFlow(w, '211', 'full');
    const waiting = await placeCall(w, '211', '+15550000211');
    await waitEvent(w, { callId: waiting.callId, type: 'call.queued' });
    const second = await placeCall(w, '211', '+15550000212');
    const full = await waitEvent(w, { callId: second.callId, type: 'call.overflowed' });
    expect(full.data).toMatchObject({ reason: 'max_length', to: { type: 'queue', id: 'ovf-target' } });
    expect((await waitEvent(w, { callId: second.callId, type: 'call.connected' })).data.agent.id).toBe('hal');
    await hangUp(w, second.channelId);
    await hangUp(w, waiting.channelId);
    await waitUntil(async () => (await agentState(w, 'hal')) === 'ready', 'hal ready again');
    await must(w, 'POST', '/v1/agents/hal/state', { action: 'logout' });
  });

  it('serves call control through the AgentDesk: a direct reservation, a followed leg, wrap-up', async () => {
    await must(w, 'POST', '/v1/queues', { id: 'desk-wait', name: 'Desk wait', skills: { german: 5 } });
    await queueFlow(w, '209', 'desk-wait');
    const { callId } = await placeCall(w, '209');
    await waitEvent(w, { callId, type: 'call.queued' });
    await phone(w, '1109', 'answer', 50);
    await readyAgent(w, 'ivy', '1109', { support: 1 });
    const desk = w.service.acd.desk;
    expect(await desk.reserveDirect('nobody', callId)).toMatchObject({ ok: false, status: 404 });
    expect(await desk.reserveDirect('ivy', '00000000-0000-4000-8000-000000000000')).toMatchObject({ ok: false, status: 404 });
    expect(await desk.reserveDirect('ivy', callId)).toEqual({ ok: true, agentId: 'ivy', endpoint: 'PJSIP/1109' });
    expect(await desk.reserveDirect('ivy', callId)).toMatchObject({ ok: false, status: 409, state: 'reserved' });
    // Call control hands the agent's leg to the desk to follow, then originates it (in that
    // order, as a transfer does: a phone that answers at once must not beat the tracking).
    const ari = w.service.nodes[0]!.ariClient!;
    const legId = `callctl-${callId.slice(0, 8)}`;
    await desk.trackLeg('ivy', callId, legId);
    await ari.channels.originate({ endpoint: 'PJSIP/1109', channelId: legId, app: ari.app, appArgs: ['transfer'] });
    await waitUntil(async () => (await agentState(w, 'ivy')) === 'on_call', 'ivy on the call');
    const offered = await waitEvent(w, { callId, type: 'call.offered' });
    expect(offered.data.offer).toMatchObject({ agentId: 'ivy', queueId: null, reason: 'transfer' });
    expect(await desk.agentsOnCall(callId)).toEqual([{ agentId: 'ivy', channelId: legId }]);
    await hangUp(w, legId);
    await waitUntil(async () => (await agentState(w, 'ivy')) === 'wrap_up', 'ivy in wrap-up');
    expect(await desk.agentsOnCall(callId)).toEqual([]);
    await waitUntil(async () => (await agentState(w, 'ivy')) === 'ready', 'ivy ready after wrap-up');
    // A reservation that ends without a leg: released back to ready, or paused after no answer.
    expect((await desk.reserveDirect('ivy', callId)).ok).toBe(true);
    await desk.release('ivy', callId, 'no_answer');
    expect(await must(w, 'GET', '/v1/agents/ivy')).toMatchObject({ state: 'not_ready', reason: 'no answer' });
    await must(w, 'POST', '/v1/agents/ivy/state', { action: 'logout' });
  });

  it('records a survey not answered when the caller keeps silent after the agent leg', async () => {
    await must(w, 'POST', '/v1/queues', { id: 'quiet', name: 'Quiet', skills: { tech: 2 } });
    await phone(w, '1110', 'answer', 50);
    await readyAgent(w, 'jon', '1110', { tech: 2 });
    await queueFlow(w, '210', 'quiet', { survey: true });
    const { callId } = await placeCall(w, '210');
    await waitEvent(w, { callId, type: 'call.connected' });
    const [leg] = await agentLegs(w, callId);
    await hangUp(w, leg!.channel_id);
    const survey = await waitEvent(w, { callId, type: 'survey.completed' });
    expect(survey.data.survey).toMatchObject({ rating: null, rated: false });
    await waitEvent(w, { callId, type: 'call.ended' });
    await waitUntil(async () => (await agentState(w, 'jon')) === 'ready', 'jon ready');
    await must(w, 'POST', '/v1/agents/jon/state', { action: 'logout' });
  });

  it('tells a waiting caller their position every N seconds', async () => {
    await must(w, 'POST', '/v1/queues', { id: 'ann', name: 'Announce', skills: { support: 4 }, announceEverySeconds: 5 });
    // Nobody logged in can serve it: no expected wait is said, only the position.
    await queueFlow(w, '212', 'ann');
    const heard: string[] = [];
    const { channelId, callId } = await placeCall(w, '212');
    const off = w.sim.world.subscribe((e) => {
      if (e.type === 'PlaybackStarted' && e.playback.targetUri === `channel:${channelId}`) heard.push(e.playback.mediaUri);
    });
    await waitEvent(w, { callId, type: 'call.queued' });
    await waitUntil(() => heard.includes('sound:queue-callswaiting'), 'the position announcement', 15_000);
    off();
    expect(heard).toEqual(['sound:queue-thereare', 'number:1', 'sound:queue-callswaiting']);
    await hangUp(w, channelId);
    await waitEvent(w, { callId, type: 'call.abandoned' });
  });

  it('rings every ready agent at once with ring-all; the first to answer takes the call, the others are free again', async () => {
    await must(w, 'POST', '/v1/queues', { id: 'all', name: 'Ring all', skills: { sales: 4 }, strategy: 'ring_all' });
    await phone(w, '1121', 'ring-out');
    await phone(w, '1122', 'answer', 300);
    await phone(w, '1123', 'answer', 3000);
    for (const [id, ext] of [['r1', '1121'], ['r2', '1122'], ['r3', '1123']] as const) await readyAgent(w, id, ext, { sales: 4 }, { ringSeconds: 10 });
    await queueFlow(w, '213', 'all');
    const { callId, channelId } = await placeCall(w, '213');
    const connected = await waitEvent(w, { callId, type: 'call.connected' });
    expect(connected.data.agent.id).toBe('r2');
    const offers = (await events(w, { callId, type: 'call.offered' })).map((e) => [e.data.offer.agentId, e.data.offer.attempt]);
    expect(offers.sort()).toEqual([
      ['r1', 1],
      ['r2', 1],
      ['r3', 1],
    ]);
    await waitUntil(async () => (await agentState(w, 'r1')) === 'ready' && (await agentState(w, 'r3')) === 'ready', 'the others free again');
    const legs = Object.fromEntries((await agentLegs(w, callId)).map((l) => [l.agent_id, l.outcome]));
    expect(legs).toEqual({ r1: 'answered_elsewhere', r2: null, r3: 'answered_elsewhere' });
    await hangUp(w, channelId);
    await waitUntil(async () => (await agentState(w, 'r2')) === 'ready', 'r2 ready');
    for (const a of ['r1', 'r2', 'r3']) await must(w, 'POST', `/v1/agents/${a}/state`, { action: 'logout' });
  });
});
