// An app subscribed to a technology's endpoints (`endpoint:PJSIP`, what the service asks for
// its agents' phones) on the PBX simulator, as a running Asterisk 22.10.1 delivers it: every
// channel event of that technology reaches the app through the endpoint, its own channels'
// a second time (byte for byte), other apps' channels too, with an EndpointStateChange each
// time a channel joins or leaves an endpoint. Over real HTTP and event WebSockets.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { startSimulator, type Simulator } from '../../src/sim/index.js';

const AUTH = `Basic ${Buffer.from('cti:cti-secret').toString('base64')}`;
const waitFor = <T>(check: () => T) => vi.waitFor(check, { timeout: 15_000, interval: 5 });

let sim: Simulator;

interface Socket {
  frames: string[];
  close(): void;
}

async function connect(app: string): Promise<Socket> {
  const ws = new WebSocket(`${sim.ari.url.replace(/^http/, 'ws')}/events?app=${app}&subscribeAll=false`, { headers: { authorization: AUTH } });
  const frames: string[] = [];
  ws.on('message', (d) => frames.push(d.toString()));
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  return { frames, close: () => ws.close() };
}

async function ari(method: string, path: string): Promise<number> {
  const res = await fetch(`${sim.ari.url}${path}`, { method, headers: { authorization: AUTH } });
  await res.arrayBuffer();
  return res.status;
}

/** An agent-like leg: the app rings PJSIP/<ext>, it answers, the app hangs it up. */
async function leg(app: string, ext: string, id: string, watch: Socket): Promise<void> {
  expect(await ari('POST', `/channels?endpoint=PJSIP/${ext}&app=${app}&channelId=${id}`)).toBe(200);
  await waitFor(() => expect(watch.frames.some((f) => f.includes('"ChannelStateChange"') && f.includes(id) && f.includes('"Up"'))).toBe(true));
  expect(await ari('DELETE', `/channels/${id}`)).toBe(204);
  await waitFor(() => expect(watch.frames.some((f) => f.includes('"ChannelDestroyed"') && f.includes(id))).toBe(true));
}

const ofChannel = (frames: string[], id: string) => frames.filter((f) => f.includes(`"id":"${id}"`) && !f.includes('"EndpointStateChange"'));
const typesOf = (frames: string[]) => frames.map((f) => (JSON.parse(f) as { type: string }).type);
const endpointChanges = (frames: string[], resource: string) =>
  frames
    .map((f) => JSON.parse(f) as { type: string; endpoint?: { resource: string; state: string; channel_ids: string[] } })
    .filter((e) => e.type === 'EndpointStateChange' && e.endpoint?.resource === resource)
    .map((e) => e.endpoint);

beforeAll(async () => {
  sim = await startSimulator({ speed: 100, withoutAmi: true, defaultAnswerAfterMs: 100, endpointChannelEvents: true });
});

afterAll(async () => {
  await sim?.close();
});

describe('endpoint subscriptions as Asterisk 22 delivers them', () => {
  it('without one, an app hears each event of its own channel once and no EndpointStateChange', async () => {
    const s = await connect('plain');
    await leg('plain', '1001', 'plain-leg', s);
    const mine = ofChannel(s.frames, 'plain-leg');
    expect(new Set(mine).size).toBe(mine.length);
    expect(typesOf(mine)).not.toContain('ChannelCreated');
    expect(endpointChanges(s.frames, '1001')).toEqual([]);
    s.close();
  });

  it('with endpoint:PJSIP, its own channel events come twice, ChannelCreated once, and the endpoint changes as the channel comes and goes', async () => {
    const s = await connect('watcher');
    expect(await ari('POST', '/applications/watcher/subscription?eventSource=endpoint%3APJSIP')).toBe(200);
    await leg('watcher', '1002', 'own-leg', s);
    const mine = ofChannel(s.frames, 'own-leg');
    const count = (type: string) => typesOf(mine).filter((t) => t === type).length;
    expect(count('ChannelCreated')).toBe(1);
    expect(count('StasisStart')).toBe(1);
    expect(count('ChannelDestroyed')).toBe(2);
    expect(count('ChannelStateChange') % 2).toBe(0);
    // The copies are the same frame, not two events.
    const destroyed = mine.filter((f) => f.includes('"ChannelDestroyed"'));
    expect(destroyed[0]).toBe(destroyed[1]);
    expect(endpointChanges(s.frames, '1002')).toEqual([
      { technology: 'PJSIP', resource: '1002', state: 'online', channel_ids: ['own-leg'] },
      { technology: 'PJSIP', resource: '1002', state: 'online', channel_ids: [] },
    ]);
    s.close();
  });

  it("with endpoint:PJSIP, another app's PJSIP channel reaches the subscribed app too", async () => {
    const watcher = await connect('watcher2');
    const owner = await connect('owner');
    expect(await ari('POST', '/applications/watcher2/subscription?eventSource=endpoint%3APJSIP')).toBe(200);
    await leg('owner', '1003', 'foreign-leg', owner);
    await waitFor(() => expect(typesOf(ofChannel(watcher.frames, 'foreign-leg'))).toContain('ChannelDestroyed'));
    const seen = typesOf(ofChannel(watcher.frames, 'foreign-leg'));
    expect(seen).toContain('ChannelCreated');
    expect(seen).not.toContain('StasisStart');
    expect(endpointChanges(watcher.frames, '1003').map((e) => e?.channel_ids)).toEqual([['foreign-leg'], []]);
    watcher.close();
    owner.close();
  });
});
