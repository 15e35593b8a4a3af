// The ACD end to end through the simulator: IVR queue node → holding bridge → offer to an
// agent's phone → answer and bridge → agent hangs up → wrap-up → survey; and the cases
// around it: VIP overtaking, skills with widening, ring-no-answer, a failing phone,
// abandon, overflow.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitUntil } from '../helpers/wait.js';
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

    const changes = (await events(w, { type: 'agent.state_changed', agentId: 'alice' })).map((e) => `${e.data.from}>${e.data.to}`);
    expect(changes).toEqual(['logged_out>not_ready', 'not_ready>ready', 'ready>reserved', 'reserved>on_call', 'on_call>wrap_up', 'wrap_up>ready']);
    const stats = await must(w, 'GET', '/v1/queues/sales/stats');
    expect(stats.today).toMatchObject({ offered: 1, answered: 1, abandoned: 0 });
    await must(w, 'POST', '/v1/agents/alice/state', { action: 'logout' });
  });
});
