// A queue call as cti-bridge's ACD drives it, against the simulator over real sockets:
// caller waits in a holding bridge with music, a PJSIP agent is originated, rings and
// answers, both meet in a mixing bridge, then the agent's phone hangs up.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startSimulator, type Simulator } from '../../src/sim/index.js';

type Ev = Record<string, any>;
const AUTH = `Basic ${Buffer.from('cti:cti-secret').toString('base64')}`;

describe('simulator queue call', () => {
  let sim: Simulator;
  let ws: WebSocket;
  const events: Ev[] = [];

  const ari = async (method: string, path: string) => {
    const res = await fetch(`${sim.ari.url}${path}`, { method, headers: { authorization: AUTH } });
    const text = await res.text();
    return { status: res.status, json: text ? (JSON.parse(text) as any) : undefined };
  };
  const control = (method: string, path: string, body?: unknown) =>
    fetch(`${sim.control.url}${path}`, { method, body: body === undefined ? undefined : JSON.stringify(body) });
  const waitFor = async (pred: (e: Ev) => boolean, what: string): Promise<Ev> => {
    const end = Date.now() + 10_000;
    while (!events.some(pred)) {
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 5));
    }
    return events.find(pred) as Ev;
  };

  beforeAll(async () => {
    sim = await startSimulator({ speed: 20, withoutAmi: true });
    ws = new WebSocket(`${sim.ari.url.replace(/^http/, 'ws')}/events?app=cti-bridge&subscribeAll=false`, { headers: { authorization: AUTH } });
    ws.on('message', (d) => events.push(JSON.parse(String(d)) as Ev));
    await new Promise((r) => ws.once('open', r));
  });
  afterAll(async () => {
    ws?.close();
    await sim?.close();
  });

  it('moves the caller from the waiting room to the agent and survives the agent hanging up', async () => {
    const res = await control('POST', '/calls', { from: '+15551230001', callerName: 'Alice', to: '100' });
    const { channelId: caller } = (await res.json()) as { channelId: string };
    await waitFor((e) => e.type === 'StasisStart' && e.channel.id === caller, 'caller StasisStart');
    expect((await ari('POST', `/channels/${caller}/answer`)).status).toBe(204);

    const waiting = await ari('POST', '/bridges?type=holding&name=queue-sales&bridgeId=queue-sales-1');
    expect(waiting.json).toMatchObject({ id: 'queue-sales-1', bridge_type: 'holding', technology: 'holding_bridge' });
    expect((await ari('POST', `/bridges/queue-sales-1/addChannel?channel=${caller}&role=participant`)).status).toBe(204);
    expect((await ari('POST', '/bridges/queue-sales-1/moh?mohClass=default')).status).toBe(204);

    await control('PUT', '/endpoints/PJSIP/1001', { behaviour: 'answer', answerAfterMs: 1000 });
    const agentRes = await ari('POST', '/channels/agent-leg-1?endpoint=PJSIP/1001&app=cti-bridge&appArgs=agent,1001&callerId=Alice%20%3C%2B15551230001%3E&timeout=20');
    expect(agentRes.status).toBe(200);
    expect(agentRes.json).toMatchObject({ id: 'agent-leg-1', state: 'Down' });
    expect(agentRes.json.name).toMatch(/^PJSIP\/1001-[0-9a-f]{8}$/);
    await waitFor((e) => e.type === 'Dial' && e.dialstatus === 'RINGING' && e.peer.id === 'agent-leg-1', 'agent ringing');
    await waitFor((e) => e.type === 'StasisStart' && e.channel.id === 'agent-leg-1', 'agent answers');

    const call = await ari('POST', '/bridges?type=mixing&name=call-1');
    expect((await ari('POST', `/bridges/${call.json.id}/addChannel?channel=${caller},agent-leg-1`)).status).toBe(204);
    const left = await waitFor((e) => e.type === 'ChannelLeftBridge' && e.channel.id === caller, 'caller leaves the waiting room');
    expect(left.bridge.id).toBe('queue-sales-1');
    const entered = await waitFor((e) => e.type === 'ChannelEnteredBridge' && e.channel.id === 'agent-leg-1', 'agent enters');
    expect(entered.bridge.channels).toEqual([caller, 'agent-leg-1']);
    expect((await ari('GET', `/channels/${caller}/variable?variable=BRIDGEPEER`)).json).toEqual({ value: agentRes.json.name });

    expect((await control('POST', '/channels/agent-leg-1/hangup', { cause: 16 })).status).toBe(204);
    await waitFor((e) => e.type === 'ChannelDestroyed' && e.channel.id === 'agent-leg-1', 'agent leg destroyed');
    const agentTypes = events.filter((e) => e.channel?.id === 'agent-leg-1' && events.indexOf(e) > events.indexOf(entered)).map((e) => e.type);
    // BRIDGEPEER when the bridge formed (the connected line already named Alice), then the hang-up.
    expect(agentTypes).toEqual(['ChannelVarset', 'ChannelHangupRequest', 'ChannelVarset', 'ChannelLeftBridge', 'StasisEnd', 'ChannelVarset', 'ChannelDestroyed']);
    const request = events.find((e) => e.type === 'ChannelHangupRequest' && e.channel.id === 'agent-leg-1')!;
    expect(request.cause).toBe(16);
    expect('soft' in request).toBe(false);

    // The caller is still up, in the call bridge, ready to be requeued.
    const callerNow = await ari('GET', `/channels/${caller}`);
    expect(callerNow.json.state).toBe('Up');
    expect((await ari('GET', `/bridges/${call.json.id}`)).json.channels).toEqual([caller]);
    await ari('DELETE', `/channels/${caller}`);
  });
});
