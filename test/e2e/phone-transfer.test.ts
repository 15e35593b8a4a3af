// An agent transfers with the desk phone's transfer key (SIP REFER), as a simulated phone
// does it: with Asterisk's core handling (a channel swapped into the call's bridge in the
// phone's place) and with ari-only (ChannelTransfer; cti-bridge carries it out). The call,
// its transfers, the agents' states and the screen pop follow, as for API transfers.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publishFlowDocument, putNumber } from '../../src/ivr/repository.js';
import type { WorldEvent } from '../../src/sim/world.js';
import { simControl } from '../helpers/service.js';
import { waitFor, waitUntil } from '../helpers/wait.js';
import { alive, callerReachesAgentA, callState, events, startCallCtlWorld, together, type CallCtlWorld, type ConnectedCall } from './callctl-fixture.js';

const QUEUE_DID = '310';
const A = 'anna';
const B = 'bert';
const PHONE_A = '1011';
const PHONE_B = '1012';
const SCREEN_POP = { topic: 'refunds' };

let w: CallCtlWorld;
const progress: Array<{ channel: string; state: string }> = [];

async function must<T = any>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await w.api<T>(method, path, body);
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

const agentState = async (id: string) => (await must<{ state: string }>('GET', `/v1/agents/${id}`)).state;
const phoneBehaves = (ext: string, behaviour: 'answer' | 'ring-out' | 'busy' | 'unreachable') =>
  w.sim.world.setEndpointBehaviour(`PJSIP/${ext}`, behaviour === 'answer' ? { behaviour, answerAfterMs: 2000 } : { behaviour });
const refer = (channel: string, body: Record<string, unknown>) => simControl(w.sim, `/channels/${channel}/refer`, body);
interface TransferJson {
  id: string;
  state: string;
  mode: string;
  fromAgentId: string | null;
  to: Record<string, string>;
  reason: string | null;
}
/** The call's transfers as the API shows each. */
async function transfersOf(callId: string): Promise<TransferJson[]> {
  const { rows } = await w.t.db.query<{ id: string }>('SELECT id FROM call_transfers WHERE call_id = $1 ORDER BY created_at', [callId]);
  return Promise.all(rows.map((r) => must<TransferJson>('GET', `/v1/transfers/${r.id}`)));
}
const inStasis = (channelId: string) => !!w.sim.world.channel(channelId)?.stasis;

beforeAll(async () => {
  w = await startCallCtlWorld('phone-transfer', { TRANSFER_TIMEOUT_SECONDS: '20', RATE_LIMIT_PER_MINUTE: '1000000' });
  w.sim.world.subscribe((e: WorldEvent) => {
    if (e.type === 'ChannelTransferRequested' && e.state) progress.push({ channel: e.source.id, state: e.state });
  });
  await must('PUT', '/v1/skills/refunds', {});
  await must('POST', '/v1/queues', { id: 'refunds', name: 'Refunds', skills: { refunds: 1 } });
  await must('POST', '/v1/agents', { id: A, name: 'Anna', endpoint: `PJSIP/${PHONE_A}`, skills: { refunds: 3 }, ringSeconds: 10, wrapUpSeconds: 1 });
  await must('POST', '/v1/agents', { id: B, name: 'Bert', endpoint: `PJSIP/${PHONE_B}`, skills: {}, ringSeconds: 10, wrapUpSeconds: 1 });
  for (const id of [A, B]) {
    await must('POST', `/v1/agents/${id}/state`, { action: 'login' });
    await must('POST', `/v1/agents/${id}/state`, { action: 'ready' });
  }
  const flow = { id: 'refund-line', version: 1, entry: 'tag', nodes: { tag: { type: 'set', values: SCREEN_POP, next: 'q' }, q: { type: 'queue', queue: 'refunds' } } };
  await publishFlowDocument(w.service.db, flow as never, 'Refund line');
  await putNumber(w.service.db, { did: QUEUE_DID, flowId: flow.id });
});

afterAll(async () => {
  await w?.close();
});

/** A queue caller the ACD connected to Anna (with Bert ready too, unless he is away). */
async function callerReachesAnna(o: { bertAway?: boolean; from?: string } = {}): Promise<ConnectedCall> {
  await waitFor('the agents ready', async () => (await agentState(A)) === 'ready' && (o.bertAway || (await agentState(B)) === 'ready'));
  const { channelId: customer } = await simControl<{ channelId: string }>(w.sim, '/calls', { from: o.from ?? '+15551230002', callerName: 'Refund Caller', to: QUEUE_DID });
  const callId = await waitFor('the inbound call', async () => (await w.t.db.query<{ id: string }>('SELECT id FROM calls WHERE channel_id = $1', [customer])).rows[0]?.id);
  await waitFor('the call connected', async () => (await callState(w, callId)) === 'connected');
  const agent = await waitFor("Anna's leg", async () => (await w.t.db.query<{ channel_id: string }>('SELECT channel_id FROM acd_agent_legs WHERE call_id = $1 AND agent_id = $2 AND answered_at IS NOT NULL', [callId, A])).rows[0]?.channel_id);
  await waitFor('Anna and the caller in one bridge', () => together(w, agent, customer));
  return { callId, customer, agent };
}

/** The one channel that took the phone's place next to the caller. */
const partnerOf = (customer: string) => w.sim.world.channels().find((c) => c.bridgeId && c.id !== customer && w.sim.world.channel(customer)?.bridgeId === c.bridgeId)?.id;
/** The transfer is saved before its PBX moves are carried out: wait for the caller's new partner. */
const newPartner = (c: ConnectedCall) => waitFor('the caller with the target', () => {
  const p = partnerOf(c.customer);
  return p && p !== c.agent ? p : undefined;
});

async function ends(c: ConnectedCall, ...more: string[]) {
  await waitFor('the call to end', async () => (await callState(w, c.callId)) === 'ended');
  await waitUntil(() => [c.customer, c.agent, ...more].every((id) => !alive(w, id)), 'no leg of the call left');
  await waitUntil(() => !w.sim.world.channels().some((ch) => ch.stasis && ch.linkedid === w.sim.world.channel(c.customer)?.linkedid), 'nothing left in Stasis');
}

describe("a desk phone's transfer key, Asterisk's core handling", () => {
  it('blind to an ACD agent: the Local channel becomes the call\'s agent leg, Bert is on_call with the screen pop, Anna wraps up', async () => {
    phoneBehaves(PHONE_B, 'answer');
    const c = await callerReachesAnna();
    await refer(c.agent, { target: PHONE_B });
    const [t] = await waitFor('the transfer recorded', async () => {
      const list = await transfersOf(c.callId);
      return list.length ? list : undefined;
    });
    expect(t).toMatchObject({ mode: 'blind', fromAgentId: A, to: { agentId: B } });
    await waitFor('the transfer completed', async () => (await transfersOf(c.callId))[0]?.state === 'completed');
    // The caller talks with the swapped-in channel; Anna's phone is gone, the call is not.
    const target = await newPartner(c);
    expect(w.sim.world.channel(target)!.name).toMatch(/^Local\/1012@cti-phones-/);
    expect(w.sim.world.channel(target)!.state).toBe('Up');
    await waitUntil(() => !alive(w, c.agent), "Anna's phone hung up");
    expect(await callState(w, c.callId)).toBe('connected');
    await waitFor('Bert on the call', async () => (await agentState(B)) === 'on_call');
    const offers = (await events(w, c.callId)).filter((e) => e.type === 'call.offered' && (e.data.offer as { agentId: string }).agentId === B);
    expect(offers).toHaveLength(1);
    expect(offers[0]!.data).toMatchObject({ data: SCREEN_POP, offer: { agentId: B, reason: 'transfer' } });
    await waitFor('Anna wraps up, then is ready', async () => (await agentState(A)) === 'ready');
    // The caller hangs up: the call ends with the transfer in its CDR, Bert wraps up.
    await simControl(w.sim, `/channels/${c.customer}/hangup`, {});
    await ends(c, target);
    const cdrId = await waitFor('the CDR', async () => (await events(w, c.callId)).find((e) => e.type === 'cdr.created')?.data.cdrId as string | undefined);
    const cdr = await must<{ transfers: Array<{ mode: string; fromAgentId: string; to: Record<string, string>; outcome: string }> }>('GET', `/v1/cdrs/${cdrId}`);
    expect(cdr.transfers).toEqual([expect.objectContaining({ mode: 'blind', fromAgentId: A, to: { agentId: B }, outcome: 'transferred' })]);
    await waitFor('Bert ready after his wrap-up', async () => (await agentState(B)) === 'ready');
  });

  for (const failure of ['busy', 'unreachable'] as const) {
    it(`blind to a ${failure} agent phone: the caller goes back to the front of the queue, never hung up; the failure is recorded`, async () => {
      phoneBehaves(PHONE_B, failure);
      const c = await callerReachesAnna();
      await refer(c.agent, { target: PHONE_B });
      await waitFor('the transfer cancelled', async () => (await transfersOf(c.callId))[0]?.state === 'cancelled');
      expect((await transfersOf(c.callId))[0]).toMatchObject({ to: { agentId: B }, reason: failure === 'busy' ? 'target busy' : 'target unreachable' });
      // Back in the queue (a second call.queued after the failure), then with an agent again.
      await waitFor('the caller queued again', async () => (await events(w, c.callId)).filter((e) => e.type === 'call.queued').length === 2);
      const again = await waitFor('the caller with an agent again', async () => {
        const { rows } = await w.t.db.query<{ channel_id: string }>(
          'SELECT channel_id FROM acd_agent_legs WHERE call_id = $1 AND answered_at IS NOT NULL AND ended_at IS NULL AND channel_id <> $2',
          [c.callId, c.agent],
        );
        return rows[0]?.channel_id;
      });
      await waitFor('the caller talks with that agent', () => together(w, again, c.customer));
      await waitFor('the call connected again', async () => (await callState(w, c.callId)) === 'connected');
      const types = (await events(w, c.callId)).map((e) => e.type);
      expect(types.indexOf('call.transfer_cancelled')).toBeLessThan(types.lastIndexOf('call.queued'));
      expect(types).not.toContain('call.ended');
      phoneBehaves(PHONE_B, 'answer');
      await simControl(w.sim, `/channels/${c.customer}/hangup`, {});
      await ends(c, again);
      const cdrId = await waitFor('the CDR', async () => (await events(w, c.callId)).find((e) => e.type === 'cdr.created')?.data.cdrId as string | undefined);
      const cdr = await must<{ transfers: Array<{ to: Record<string, string>; outcome: string }> }>('GET', `/v1/cdrs/${cdrId}`);
      expect(cdr.transfers).toEqual([expect.objectContaining({ to: { agentId: B }, outcome: 'cancelled' })]);
      // Bert's phone failed: the ACD may have paused him (an unreachable phone is not offered calls).
      const bert = await waitFor('Bert settled', async () => ['ready', 'not_ready'].includes(await agentState(B)) && agentState(B));
      if (bert === 'not_ready') await must('POST', `/v1/agents/${B}/state`, { action: 'ready' });
      await waitFor('both agents ready again', async () => (await agentState(A)) === 'ready' && (await agentState(B)) === 'ready');
    });
  }

  it('the caller given back goes ahead of a caller who waited meanwhile', async () => {
    await waitFor('both agents ready', async () => (await agentState(A)) === 'ready' && (await agentState(B)) === 'ready');
    await must('POST', `/v1/agents/${B}/state`, { action: 'not_ready', reason: 'break' });
    try {
      phoneBehaves('1019', 'busy');
      const first = await callerReachesAnna({ bertAway: true, from: '+15551230008' });
      // A second caller waits while Anna talks.
      const { channelId: second } = await simControl<{ channelId: string }>(w.sim, '/calls', { from: '+15551230009', callerName: 'Second Caller', to: QUEUE_DID });
      const secondCall = await waitFor('the second call queued', async () => {
        const { rows } = await w.t.db.query<{ id: string; state: string }>('SELECT id, state FROM calls WHERE channel_id = $1', [second]);
        return rows[0]?.state === 'queued' ? rows[0].id : undefined;
      });
      await refer(first.agent, { target: '1019' });
      await waitFor('the transfer cancelled', async () => (await transfersOf(first.callId))[0]?.state === 'cancelled');
      await waitFor('the first caller queued again', async () => (await events(w, first.callId)).filter((e) => e.type === 'call.queued').length === 2);
      // Anna's wrap-up ends: she gets the caller given back, not the one who waited meanwhile.
      await waitFor('the first caller connected again', async () => (await callState(w, first.callId)) === 'connected', 15_000);
      expect(await callState(w, secondCall)).toBe('queued');
      for (const ch of [first.customer, second]) await simControl(w.sim, `/channels/${ch}/hangup`, {});
      await waitFor('both calls ended', async () => (await callState(w, first.callId)) === 'ended' && (await callState(w, secondCall)) === 'ended');
    } finally {
      await must('POST', `/v1/agents/${B}/state`, { action: 'ready' });
    }
  });

  it('attended (REFER with Replaces): the consulted phone takes Anna\'s place and the transfer completes at once', async () => {
    phoneBehaves(PHONE_B, 'answer');
    const c = await callerReachesAnna();
    await refer(c.agent, { target: PHONE_B, attended: true, consultMs: 60_000 });
    // Bert's phone took the consultation the phone placed through the dialplan: booked, never offered a caller meanwhile.
    await waitFor('Bert on the consultation', async () => (await agentState(B)) === 'on_call');
    await waitFor('the transfer completed', async () => (await transfersOf(c.callId))[0]?.state === 'completed');
    // The consulted phone is Bert's: the transfer is to him, and his stream gets the call's screen pop.
    expect((await transfersOf(c.callId))[0]).toMatchObject({ mode: 'blind', fromAgentId: A, to: { agentId: B } });
    const offers = (await events(w, c.callId)).filter((e) => e.type === 'call.offered' && (e.data.offer as { agentId: string }).agentId === B);
    expect(offers).toHaveLength(1);
    expect(offers[0]!.data).toMatchObject({ data: SCREEN_POP, offer: { agentId: B, reason: 'transfer' } });
    const target = await newPartner(c);
    expect(w.sim.world.channel(target)!.name).toMatch(/^PJSIP\/1012-/);
    expect(inStasis(target)).toBe(true);
    await waitUntil(() => !alive(w, c.agent), "Anna's phone hung up");
    expect(await callState(w, c.callId)).toBe('connected');
    expect(await agentState(B)).toBe('on_call');
    await simControl(w.sim, `/channels/${target}/hangup`, {});
    await ends(c, target);
    await waitFor('Anna ready again', async () => (await agentState(A)) === 'ready');
    await waitFor('Bert wrapped up and ready', async () => (await agentState(B)) === 'ready');
    const path = await waitFor("Bert's changes announced", async () => {
      const bert = await w.t.db.query<{ data: { from: string; to: string } }>(
        "SELECT payload->'data' AS data FROM outbox WHERE payload->>'type' = 'agent.state_changed' AND payload->'data'->>'agentId' = $1 ORDER BY id",
        [B],
      );
      const all = bert.rows.map((r) => `${r.data.from}>${r.data.to}`);
      const last = all.slice(all.lastIndexOf('ready>reserved'));
      return last.includes('wrap_up>ready') ? last : undefined;
    });
    expect(path).toEqual(['ready>reserved', 'reserved>on_call', 'on_call>wrap_up', 'wrap_up>ready']);
    const cdrId = await waitFor('the CDR', async () => (await events(w, c.callId)).find((e) => e.type === 'cdr.created')?.data.cdrId as string | undefined);
    const cdr = await must<{ agents: Array<{ agentId: string }>; transfers: unknown }>('GET', `/v1/cdrs/${cdrId}`);
    expect(cdr.agents.map((a) => a.agentId)).toEqual([A, B]);
    expect(cdr.transfers).toEqual([expect.objectContaining({ fromAgentId: A, to: { agentId: B }, outcome: 'transferred' })]);
  });
});

describe('a desk phone\'s transfer key under PJSIP_TRANSFER_HANDLING=ari-only', () => {
  it('cti-bridge rings the ACD agent, tells the phone, and hands the caller over when Bert answers', async () => {
    phoneBehaves(PHONE_B, 'answer');
    const c = await callerReachesAnna();
    await refer(c.agent, { target: PHONE_B, handling: 'ari-only' });
    await waitFor('the transfer completed', async () => (await transfersOf(c.callId))[0]?.state === 'completed');
    // The consulted phone is Bert's: the transfer is to him, and his stream gets the call's screen pop.
    expect((await transfersOf(c.callId))[0]).toMatchObject({ mode: 'blind', fromAgentId: A, to: { agentId: B } });
    const offers = (await events(w, c.callId)).filter((e) => e.type === 'call.offered' && (e.data.offer as { agentId: string }).agentId === B);
    expect(offers).toHaveLength(1);
    expect(offers[0]!.data).toMatchObject({ data: SCREEN_POP, offer: { agentId: B, reason: 'transfer' } });
    const target = await newPartner(c);
    expect(w.sim.world.channel(target)!.name).toMatch(/^PJSIP\/1012-/);
    expect(progress.filter((p) => p.channel === c.agent).map((p) => p.state)).toEqual(['channel_progress', 'channel_answered']);
    await waitUntil(() => !alive(w, c.agent), "Anna's phone hung up after the NOTIFY");
    await waitFor('Bert on the call', async () => (await agentState(B)) === 'on_call');
    await simControl(w.sim, `/channels/${c.customer}/hangup`, {});
    await ends(c, target);
  });

  it('a target that does not answer gives the caller back to the phone that transferred', async () => {
    phoneBehaves('1013', 'ring-out');
    const c = await callerReachesAgentA(w);
    await refer(c.agent, { target: '1013', handling: 'ari-only' });
    const [t] = await waitFor('the transfer', async () => {
      const list = await transfersOf(c.callId);
      return list.length ? list : undefined;
    });
    expect(t).toMatchObject({ to: { extension: '1013' } });
    await w.api('POST', `/v1/transfers/${t!.id}/cancel`);
    await waitFor('the transfer cancelled', async () => (await transfersOf(c.callId))[0]?.state === 'cancelled');
    await waitFor('the caller back with the phone', () => together(w, c.agent, c.customer));
    expect(progress.filter((p) => p.channel === c.agent).map((p) => p.state)).toEqual(['channel_progress', 'channel_unavailable']);
    expect(alive(w, c.agent)).toBe(true);
    await simControl(w.sim, `/channels/${c.customer}/hangup`, {});
    await ends(c);
  });

  it('attended (REFER with Replaces): the consulted agent is brought into the call, the phone told, Anna wraps up', async () => {
    phoneBehaves(PHONE_B, 'answer');
    const c = await callerReachesAnna();
    await refer(c.agent, { target: PHONE_B, attended: true, handling: 'ari-only', consultMs: 500 });
    await waitFor('Bert on the consultation', async () => (await agentState(B)) === 'on_call');
    await waitFor('the transfer completed', async () => (await transfersOf(c.callId))[0]?.state === 'completed');
    expect((await transfersOf(c.callId))[0]).toMatchObject({ mode: 'blind', fromAgentId: A, to: { agentId: B } });
    const target = await newPartner(c);
    expect(w.sim.world.channel(target)!.name).toMatch(/^PJSIP\/1012-/);
    expect(inStasis(target)).toBe(true);
    // Asterisk told the phone "trying" itself; the app reports the outcome, and the phone hangs up.
    expect(progress.filter((p) => p.channel === c.agent).map((p) => p.state)).toEqual(['channel_answered']);
    await waitUntil(() => !alive(w, c.agent), "Anna's phone hung up after the NOTIFY");
    const offers = (await events(w, c.callId)).filter((e) => e.type === 'call.offered' && (e.data.offer as { agentId: string }).agentId === B);
    expect(offers).toHaveLength(1);
    expect(offers[0]!.data).toMatchObject({ data: SCREEN_POP, offer: { agentId: B, reason: 'transfer' } });
    expect(await callState(w, c.callId)).toBe('connected');
    expect(await agentState(B)).toBe('on_call');
    await waitFor('Anna wraps up, then is ready', async () => (await agentState(A)) === 'ready');
    await simControl(w.sim, `/channels/${c.customer}/hangup`, {});
    await ends(c, target);
    const cdrId = await waitFor('the CDR', async () => (await events(w, c.callId)).find((e) => e.type === 'cdr.created')?.data.cdrId as string | undefined);
    const cdr = await must<{ agents: Array<{ agentId: string }>; transfers: unknown }>('GET', `/v1/cdrs/${cdrId}`);
    expect(cdr.agents.map((a) => a.agentId)).toEqual([A, B]);
    expect(cdr.transfers).toEqual([expect.objectContaining({ fromAgentId: A, to: { agentId: B }, outcome: 'transferred' })]);
    await waitFor('Bert wrapped up and ready', async () => (await agentState(B)) === 'ready');
  });

  it('attended, the consulted party hangs up as the phone hands over: the caller stays with the phone, which hears the failure', async () => {
    phoneBehaves(PHONE_B, 'answer');
    const c = await callerReachesAnna();
    await refer(c.agent, { target: PHONE_B, attended: true, handling: 'ari-only', consultMs: 300, targetHangsUp: true });
    await waitFor('the transfer cancelled', async () => (await transfersOf(c.callId))[0]?.state === 'cancelled');
    await waitFor('the caller back with the phone', () => together(w, c.agent, c.customer));
    await waitFor('the phone told', () => progress.some((p) => p.channel === c.agent && p.state === 'channel_declined'));
    expect(alive(w, c.agent)).toBe(true);
    expect(await callState(w, c.callId)).toBe('connected');
    // Nothing of the consultation is left in our app or anywhere else.
    await waitUntil(() => !w.sim.world.channels().some((ch) => ch.name.startsWith(`PJSIP/${PHONE_B}-`)), "Bert's phone free");
    await waitFor('Bert ready again', async () => ['ready', 'wrap_up'].includes(await agentState(B)));
    await simControl(w.sim, `/channels/${c.customer}/hangup`, {});
    await ends(c);
    await waitFor('both ready', async () => (await agentState(A)) === 'ready' && (await agentState(B)) === 'ready');
  });

  it('an outside number goes through the dial policy: a denied one is declined, an allowed one becomes a leg of its own', async () => {
    const c = await callerReachesAgentA(w);
    await refer(c.agent, { target: '09001234567', handling: 'ari-only' });
    await waitFor('the phone told no', () => progress.some((p) => p.channel === c.agent && p.state === 'channel_declined'));
    expect(await transfersOf(c.callId)).toEqual([]);
    expect(together(w, c.agent, c.customer)).toBe(true);

    await refer(c.agent, { target: '0301234567', handling: 'ari-only' });
    await waitFor('the transfer completed', async () => (await transfersOf(c.callId))[0]?.state === 'completed');
    expect((await transfersOf(c.callId))[0]).toMatchObject({ to: { number: '0301234567' } });
    const outside = await newPartner(c);
    expect(w.sim.world.channel(outside)!.name).toMatch(/^PJSIP\/0301234567@trunk/);
    await waitUntil(() => !alive(w, c.agent), 'the phone hung up after the NOTIFY');
    await simControl(w.sim, `/channels/${outside}/hangup`, {});
    await ends(c, outside);
  });
});
