// A caller who never went through a queue (here: an IVR transfer to extension 1001) is
// not dropped when the agent's desk-phone transfer fails: the agent's phone rings again
// while the caller hears music, and only when nobody answers that does the call end, its
// reason recorded. Through the simulator over real sockets.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WorldEvent } from '../../src/sim/world.js';
import { simControl } from '../helpers/service.js';
import { waitFor, waitUntil } from '../helpers/wait.js';
import { AGENT_A, alive, callerReachesAgentA, callState, events, onHold, startCallCtlWorld, together, type CallCtlWorld } from './callctl-fixture.js';

const RECALL_SECONDS = 3;
let w: CallCtlWorld;
const moh: string[] = [];

interface TransferJson {
  id: string;
  state: string;
  reason: string | null;
  outcome?: string | null;
}

async function transfersOf(callId: string): Promise<TransferJson[]> {
  const { rows } = await w.t.db.query<TransferJson & { outcome: string | null }>('SELECT id, state, reason, outcome FROM call_transfers WHERE call_id = $1 ORDER BY created_at', [callId]);
  return rows;
}
const phoneBehaves = (ext: string, behaviour: 'answer' | 'ring-out' | 'busy') =>
  w.sim.world.setEndpointBehaviour(`PJSIP/${ext}`, behaviour === 'answer' ? { behaviour, answerAfterMs: 2000 } : { behaviour });
const refer = (channel: string, body: Record<string, unknown>) => simControl(w.sim, `/channels/${channel}/refer`, body);
/** A PJSIP/1001 channel other than the one that transferred. */
const recalledLeg = (first: string) => w.sim.world.channels().find((c) => c.name.startsWith(`PJSIP/${AGENT_A}-`) && c.id !== first)?.id;

const endReason = (callId: string) =>
  waitFor('the call.ended event', async () => (await events(w, callId)).find((e) => e.type === 'call.ended')?.data.reason as string | undefined);

beforeAll(async () => {
  w = await startCallCtlWorld('phone-transfer-recall', { TRANSFER_RECALL_SECONDS: String(RECALL_SECONDS), RATE_LIMIT_PER_MINUTE: '1000000' });
  w.sim.world.subscribe((e: WorldEvent) => {
    if (e.type === 'MusicOnHoldStarted') moh.push(e.channel.id);
  });
  await w.api('POST', '/v1/agents', { id: 'anna', name: 'Anna', endpoint: 'PJSIP/1011', skills: {}, ringSeconds: 10, wrapUpSeconds: 1 });
  for (const action of ['login', 'ready']) await w.api('POST', '/v1/agents/anna/state', { action });
});

afterAll(async () => {
  await w?.close();
});

describe("a failed desk-phone transfer of a caller who came through no queue", () => {
  it('rings the transferring agent back; the caller hears music meanwhile and is theirs again once they answer', async () => {
    phoneBehaves('1013', 'busy');
    phoneBehaves(AGENT_A, 'answer');
    const c = await callerReachesAgentA(w);
    await refer(c.agent, { target: '1013' });
    await waitFor('the transfer cancelled', async () => (await transfersOf(c.callId))[0]?.state === 'cancelled');
    expect((await transfersOf(c.callId))[0]!.reason).toBe('target busy');
    // The phone that transferred has gone; a new leg to the same phone rings, the caller on hold.
    await waitUntil(() => !alive(w, c.agent), 'the phone that transferred hung up');
    const recalled = await waitFor('the agent rung back', () => recalledLeg(c.agent));
    await waitFor('the caller with the recalled agent', () => together(w, recalled, c.customer));
    expect(moh).toContain(c.customer);
    expect(await callState(w, c.callId)).toBe('connected');
    await waitFor('the recall recorded', async () => (await transfersOf(c.callId))[0]?.outcome === 'recalled');
    const types = (await events(w, c.callId)).map((e) => e.type);
    expect(types.indexOf('call.transfer_cancelled')).toBeLessThan(types.indexOf('call.recall_started'));
    expect(types.indexOf('call.recall_started')).toBeLessThan(types.indexOf('call.recall_ended'));
    const ended = (await events(w, c.callId)).find((e) => e.type === 'call.recall_ended')!;
    expect(ended.data).toMatchObject({ recall: { endpoint: `PJSIP/${AGENT_A}`, outcome: 'recalled' }, transfer: { outcome: 'recalled' } });
    expect(types).not.toContain('call.ended');
    // The recalled leg is the call's agent now: their hang-up ends the call as an agent's would.
    await simControl(w.sim, `/channels/${recalled}/hangup`, {});
    await waitFor('the call ended', async () => (await callState(w, c.callId)) === 'ended');
    await waitUntil(() => !alive(w, c.customer), 'the caller hung up by us');
    expect(await endReason(c.callId)).toBe('agent hung up');
  });

  it('an agent who does not answer the recall: the call ends cleanly with the reason, nothing left in Stasis', async () => {
    phoneBehaves('1013', 'busy');
    phoneBehaves(AGENT_A, 'answer');
    const c = await callerReachesAgentA(w);
    phoneBehaves(AGENT_A, 'ring-out');
    try {
      await refer(c.agent, { target: '1013' });
      const recalled = await waitFor('the agent rung back', () => recalledLeg(c.agent));
      await waitFor('the caller on hold meanwhile', () => onHold(w, c.customer));
      expect(alive(w, c.customer)).toBe(true);
      await waitFor('the call ended', async () => (await callState(w, c.callId)) === 'ended', (RECALL_SECONDS + 30) * 1000);
      await waitUntil(() => !alive(w, c.customer) && !alive(w, recalled), 'no leg left');
      await waitUntil(() => !w.sim.world.channels().some((ch) => ch.stasis && ch.linkedid === w.sim.world.channel(c.customer)?.linkedid), 'nothing left in Stasis');
      expect((await transfersOf(c.callId))[0]!.outcome).toBe('recall_unanswered');
      expect(await endReason(c.callId)).toMatch(/^transfer failed: the transferring agent did not take the caller back/);
      const recall = (await events(w, c.callId)).find((e) => e.type === 'call.recall_ended')!;
      expect(recall.data).toMatchObject({ recall: { outcome: 'recall_unanswered', fallback: 'hangup' } });
    } finally {
      phoneBehaves(AGENT_A, 'answer');
    }
  });

  it("an ACD agent's click-to-dial: the ACD books the recall (reserved, on_call once answered) and the CDR counts their talk again", async () => {
    const ANNA = 'anna';
    const PHONE = '1011';
    phoneBehaves('1019', 'busy');
    phoneBehaves(PHONE, 'answer');
    const state = async () => (await w.api<{ state: string }>('GET', `/v1/agents/${ANNA}`)).body.state;
    const res = await w.api<{ id: string; channelId: string }>('POST', '/v1/calls', { extension: PHONE, to: '0612345678', agentId: ANNA });
    expect(res.status).toBe(201);
    const callId = res.body.id;
    const customer = res.body.channelId;
    await waitFor('the call connected', async () => (await callState(w, callId)) === 'connected');
    const first = await waitFor("Anna's leg", () => w.sim.world.channels().find((ch) => ch.name.startsWith(`PJSIP/${PHONE}-`))?.id);
    await waitFor('Anna with the customer', () => together(w, first, customer));
    await refer(first, { target: '1019' });
    await waitFor('the recall answered', async () => (await transfersOf(callId))[0]?.outcome === 'recalled');
    const again = await waitFor('Anna rung back', () => w.sim.world.channels().find((ch) => ch.name.startsWith(`PJSIP/${PHONE}-`) && ch.id !== first)?.id);
    await waitFor('the customer with Anna again', () => together(w, again, customer));
    await waitFor('Anna on the call', async () => (await state()) === 'on_call');
    const recall = (await events(w, callId)).find((e) => e.type === 'call.recall_started')!;
    expect(recall.data).toMatchObject({ recall: { agentId: ANNA, endpoint: `PJSIP/${PHONE}` } });
    await simControl(w.sim, `/channels/${customer}/hangup`, {});
    await waitFor('the call ended', async () => (await callState(w, callId)) === 'ended');
    await waitFor('Anna ready after her wrap-up', async () => (await state()) === 'ready');
    const cdrId = await waitFor('the CDR', async () => (await events(w, callId)).find((e) => e.type === 'cdr.created')?.data.cdrId as string | undefined);
    const cdr = (await w.api<{ transfers: Array<{ outcome: string }>; agents: Array<{ agentId: string }> }>('GET', `/v1/cdrs/${cdrId}`)).body;
    expect(cdr.transfers).toEqual([expect.objectContaining({ outcome: 'recalled' })]);
    expect(cdr.agents.map((a) => a.agentId)).toContain(ANNA);
  });

  it('the caller who hangs up during the recall stops it; the outcome says so', async () => {
    phoneBehaves('1013', 'busy');
    phoneBehaves(AGENT_A, 'answer');
    const c = await callerReachesAgentA(w);
    phoneBehaves(AGENT_A, 'ring-out');
    try {
      await refer(c.agent, { target: '1013' });
      const recalled = await waitFor('the agent rung back', () => recalledLeg(c.agent));
      await waitFor('the recall recorded', async () => (await transfersOf(c.callId))[0]?.outcome === 'recalling');
      await simControl(w.sim, `/channels/${c.customer}/hangup`, {});
      await waitFor('the call ended', async () => (await callState(w, c.callId)) === 'ended');
      await waitUntil(() => !alive(w, recalled), 'the recall stopped ringing');
      await waitFor('the outcome', async () => (await transfersOf(c.callId))[0]?.outcome === 'caller_hung_up');
    } finally {
      phoneBehaves(AGENT_A, 'answer');
    }
  });
});
