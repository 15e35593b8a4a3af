// An agent's desk phone goes offline (unplugged, qualify fails) and comes back, as the PBX
// reports it (EndpointStateChange to an app subscribed to the agents' endpoints): the agent
// is paused as unreachable and made ready again, with events supervisors see; what a
// person chose is never overridden.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { simControl } from '../helpers/service.js';
import { waitFor } from '../helpers/wait.js';
import { apiOk, callState, queueWithAgents, startCallCtlWorld, type CallCtlWorld } from './callctl-fixture.js';

const DID = '320';
const AGENT = 'cora';
const PHONE = '1031';

let w: CallCtlWorld;

const must = <T = any>(method: string, path: string, body?: unknown) => apiOk<T>(w, method, path, body);
const OTHER = 'dora';
const OTHER_PHONE = '1032';
const agent = async (id = AGENT) => must<{ state: string; reason: string | null }>('GET', `/v1/agents/${id}`);
async function phone(state: 'online' | 'offline', ext = PHONE): Promise<void> {
  const res = await fetch(`${w.sim.control.url}/endpoints/PJSIP/${ext}/state`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ state }) });
  expect(res.status).toBe(200);
}
async function stateEvents(): Promise<Array<{ from: string; to: string; reason: string | null }>> {
  const { rows } = await w.t.db.query<{ data: { from: string; to: string; reason: string | null } }>(
    "SELECT payload->'data' AS data FROM outbox WHERE payload->>'type' = 'agent.state_changed' AND payload->'data'->>'agentId' = $1 ORDER BY id",
    [AGENT],
  );
  return rows.map((r) => ({ from: r.data.from, to: r.data.to, reason: r.data.reason }));
}

beforeAll(async () => {
  w = await startCallCtlWorld('phone-state', { RATE_LIMIT_PER_MINUTE: '1000000' });
  await queueWithAgents(w, DID, 'care', [
    { id: AGENT, endpoint: `PJSIP/${PHONE}` },
    { id: OTHER, endpoint: `PJSIP/${OTHER_PHONE}`, skilled: false },
  ]);
  // The service subscribes to the agents' phones once it knows an agent with one.
  await waitFor('the app subscribed to PJSIP endpoints', () => w.sim.world.applications().some((a) => w.sim.world.applicationSubscriptions(a).endpointIds.includes('PJSIP')));
});

afterAll(async () => {
  await w?.close();
});

describe("an agent's phone offline and online", () => {
  it('offline pauses a ready agent as unreachable; online makes them ready again, each announced with its reason', async () => {
    const before = (await stateEvents()).length;
    await phone('offline');
    await waitFor('Cora paused', async () => (await agent()).state === 'not_ready');
    expect(await agent()).toMatchObject({ state: 'not_ready', reason: 'unreachable' });
    await phone('online');
    await waitFor('Cora ready', async () => (await agent()).state === 'ready');
    expect((await agent()).reason).toBe('phone online');
    // The change is journaled by the agents' relay just after it is made: read it once there.
    await expect.poll(async () => (await stateEvents()).slice(before), { timeout: 30_000 }).toEqual([
      { from: 'ready', to: 'not_ready', reason: 'unreachable' },
      { from: 'not_ready', to: 'ready', reason: 'phone online' },
    ]);
  });

  it('an offer that found the phone unreachable is undone when the phone registers, and the waiting caller reaches her', async () => {
    w.sim.world.setEndpointBehaviour(`PJSIP/${PHONE}`, { behaviour: 'unreachable' });
    const { channelId } = await simControl<{ channelId: string }>(w.sim, '/calls', { from: '+15551230031', to: DID });
    const callId = await waitFor('the call', async () => (await w.t.db.query<{ id: string }>('SELECT id FROM calls WHERE channel_id = $1', [channelId])).rows[0]?.id);
    await waitFor('Cora paused by the failed offer', async () => (await agent()).reason === 'unreachable');
    expect(await callState(w, callId)).toBe('queued');
    await phone('online');
    await waitFor('the caller with Cora', async () => (await callState(w, callId)) === 'connected');
    await simControl(w.sim, `/channels/${channelId}/hangup`, {});
    await waitFor('the call ended', async () => (await callState(w, callId)) === 'ended');
    await waitFor('Cora ready after wrap-up', async () => (await agent()).state === 'ready');
  });

  it('a phone that changed while ARI was down is seen at the resync, from the endpoint list', async () => {
    // The socket closes and the phone changes in the same turn: its event reaches nobody.
    const missed = (online: boolean): void => {
      w.sim.dropAri();
      w.sim.world.setEndpointOnline(`PJSIP/${PHONE}`, online);
    };
    missed(false);
    await waitFor('Cora paused at the resync', async () => (await agent()).state === 'not_ready');
    expect(await agent()).toMatchObject({ state: 'not_ready', reason: 'unreachable' });
    missed(true);
    await waitFor('Cora ready at the resync', async () => (await agent()).state === 'ready');
    expect((await agent()).reason).toBe('phone online');
  });

  it('never overrides a not-ready a person chose', async () => {
    await must('POST', `/v1/agents/${AGENT}/state`, { action: 'not_ready', reason: 'break' });
    const before = (await stateEvents()).length;
    await phone('offline');
    await phone('online');
    // The PBX's endpoint events are handled in order: once Dora's phone is heard, Cora's were.
    await phone('offline', OTHER_PHONE);
    await waitFor('Dora paused', async () => (await agent(OTHER)).reason === 'unreachable');
    expect(await agent()).toMatchObject({ state: 'not_ready', reason: 'break' });
    expect((await stateEvents()).slice(before)).toEqual([]);
    await phone('online', OTHER_PHONE);
    await waitFor('Dora ready', async () => (await agent(OTHER)).state === 'ready');
    await must('POST', `/v1/agents/${AGENT}/state`, { action: 'ready' });
  });
});
