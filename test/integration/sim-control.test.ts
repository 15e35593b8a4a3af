// The simulator's control API and the far-end behaviours it scripts, observed the way
// cti-bridge observes them: over real ARI HTTP and WebSocket connections.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startSimulator, type Simulator } from '../../src/sim/index.js';

type Ev = Record<string, any>;

const AUTH = `Basic ${Buffer.from('cti:cti-secret').toString('base64')}`;

class AppSocket {
  readonly events: Ev[] = [];
  closed = false;
  private constructor(readonly ws: WebSocket) {
    ws.on('message', (d) => this.events.push(JSON.parse(String(d)) as Ev));
    ws.on('close', () => {
      this.closed = true;
    });
  }
  static open(sim: Simulator, app: string): Promise<AppSocket> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(`${sim.ari.url.replace(/^http/, 'ws')}/events?app=${app}&subscribeAll=false`, { headers: { authorization: AUTH } });
      ws.once('open', () => resolve(new AppSocket(ws)));
      ws.once('error', reject);
    });
  }
  of(channelId: string): Ev[] {
    return this.events.filter((e) => e.channel?.id === channelId || e.peer?.id === channelId);
  }
  async waitFor(pred: (e: Ev) => boolean, what: string): Promise<Ev> {
    await until(() => this.events.some(pred), what);
    return this.events.find(pred) as Ev;
  }
  close(): void {
    this.ws.close();
  }
}

async function until(cond: () => boolean, what: string, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

const quiet = () => new Promise((r) => setTimeout(r, 60));

describe('simulator control API', () => {
  let sim: Simulator;
  let app: AppSocket;

  const control = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${sim.control.url}${path}`, {
      method,
      headers: { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, json: text ? (JSON.parse(text) as Ev) : undefined };
  };
  const ari = async (method: string, path: string) => {
    const res = await fetch(`${sim.ari.url}${path}`, { method, headers: { authorization: AUTH } });
    const text = await res.text();
    return { status: res.status, json: text ? (JSON.parse(text) as any) : undefined };
  };

  beforeAll(async () => {
    sim = await startSimulator({ speed: 50, defaultAnswerAfterMs: 100, withoutAmi: true });
  });
  beforeEach(async () => {
    if (!app || app.closed) app = await AppSocket.open(sim, 'cti-bridge');
  });
  afterAll(async () => {
    app?.close();
    await sim?.close();
  });

  it('POST /calls brings an inbound PJSIP call into Stasis(cti-bridge,inbound,<DID>)', async () => {
    const res = await control('POST', '/calls', { from: '+15551230001', callerName: 'Alice Caller', to: '100' });
    expect(res.status).toBe(201);
    const id = res.json!.channelId as string;
    const start = await app.waitFor((e) => e.type === 'StasisStart' && e.channel.id === id, 'StasisStart');
    expect(start.args).toEqual(['inbound', '100', start.channel.id]);
    expect(start.channel.name).toMatch(/^PJSIP\/trunk-[0-9a-f]{8}$/);
    expect(start.channel.state).toBe('Ring');
    expect(start.channel.caller).toEqual({ name: 'Alice Caller', number: '+15551230001' });
    expect(start.channel.dialplan).toEqual({ context: 'from-pstn', exten: '100', priority: 2, app_name: 'Stasis', app_data: `cti-bridge,inbound,100,${start.channel.id}` });
    expect(id).toMatch(/^\d+\.\d+$/);
    await ari('DELETE', `/channels/${id}`);
  });

  it('delivers the caller DTMF as ChannelDtmfReceived in order', async () => {
    const { json } = await control('POST', '/calls', { from: '+15551230002', to: '200' });
    const id = json!.channelId as string;
    await app.waitFor((e) => e.type === 'StasisStart' && e.channel.id === id, 'StasisStart');
    expect((await ari('POST', `/channels/${id}/answer`)).status).toBe(204);
    expect((await control('POST', `/channels/${id}/dtmf`, { digits: '12*#', gapMs: 50 })).status).toBe(204);
    await until(() => app.of(id).filter((e) => e.type === 'ChannelDtmfReceived').length === 4, 'four digits');
    const digits = app.of(id).filter((e) => e.type === 'ChannelDtmfReceived');
    expect(digits.map((e) => e.digit)).toEqual(['1', '2', '*', '#']);
    expect(digits.every((e) => e.duration_ms === 100)).toBe(true);
    await ari('DELETE', `/channels/${id}`);
  });

  it('a caller hang-up gives ChannelHangupRequest cause 16 without soft, then StasisEnd and nothing more', async () => {
    const { json } = await control('POST', '/calls', { from: '+15551230003', to: '100' });
    const id = json!.channelId as string;
    await app.waitFor((e) => e.type === 'StasisStart' && e.channel.id === id, 'StasisStart');
    expect((await control('POST', `/channels/${id}/hangup`, { cause: 16 })).status).toBe(204);
    await app.waitFor((e) => e.type === 'StasisEnd' && e.channel.id === id, 'StasisEnd');
    await quiet();
    const types = app.of(id).map((e) => e.type);
    expect(types).toEqual(['StasisStart', 'ChannelHangupRequest', 'StasisEnd']);
    const req = app.of(id).find((e) => e.type === 'ChannelHangupRequest')!;
    expect(req.cause).toBe(16);
    expect('soft' in req).toBe(false);
    expect((await ari('GET', `/channels/${id}`)).status).toBe(404);
  });

  it('a hang-up during a prompt ends the playback failed, before StasisEnd', async () => {
    const { json } = await control('POST', '/calls', { from: '+15551230009', to: '100' });
    const id = json!.channelId as string;
    await app.waitFor((e) => e.type === 'StasisStart' && e.channel.id === id, 'StasisStart');
    await ari('POST', `/channels/${id}/answer`);
    const play = await fetch(`${sim.ari.url}/channels/${id}/play?media=sound:tt-monkeys&playbackId=pb-${id}`, { method: 'POST', headers: { authorization: AUTH } });
    expect(play.status).toBe(201);
    expect(play.headers.get('location')).toBe(`/ari/playbacks/pb-${id}`);
    await app.waitFor((e) => e.type === 'PlaybackStarted' && e.playback.id === `pb-${id}`, 'PlaybackStarted');
    await control('POST', `/channels/${id}/hangup`, { cause: 16 });
    await app.waitFor((e) => e.type === 'StasisEnd' && e.channel.id === id, 'StasisEnd');
    const order = app.events.filter((e) => e.playback?.id === `pb-${id}` || e.channel?.id === id).map((e) => e.type);
    expect(order.slice(-3)).toEqual(['ChannelHangupRequest', 'PlaybackFinished', 'StasisEnd']);
    expect(app.events.find((e) => e.type === 'PlaybackFinished' && e.playback.id === `pb-${id}`)!.playback.state).toBe('failed');
  });

  it('ARI DELETE ?reason=normal gives cause 32 soft:true', async () => {
    const { json } = await control('POST', '/calls', { from: '+15551230004', to: '100' });
    const id = json!.channelId as string;
    await app.waitFor((e) => e.type === 'StasisStart' && e.channel.id === id, 'StasisStart');
    const refused = await ari('DELETE', `/channels/${id}?reason=sideways`);
    expect(refused).toEqual({ status: 400, json: { message: 'Invalid reason for hangup provided' } });
    expect((await ari('DELETE', `/channels/${id}?reason=normal`)).status).toBe(204);
    const req = await app.waitFor((e) => e.type === 'ChannelHangupRequest' && e.channel.id === id, 'hangup request');
    expect(Object.keys(req).slice(0, 3)).toEqual(['cause', 'soft', 'type']);
    expect(req.cause).toBe(32);
    expect(req.soft).toBe(true);
    expect((await ari('DELETE', `/channels/${id}`)).status).toBe(404);
  });

  it('PUT /endpoints scripts answer, busy, ring-out and unreachable phones', async () => {
    const cases = [
      { resource: '1101', behaviour: 'answer', expect: 'StasisStart' },
      { resource: '1102', behaviour: 'busy', expect: 17 },
      { resource: '1103', behaviour: 'ring-out', expect: 19 },
      { resource: '1104', behaviour: 'unreachable', expect: 20 },
    ] as const;
    for (const c of cases) {
      const put = await control('PUT', `/endpoints/PJSIP/${c.resource}`, { behaviour: c.behaviour, answerAfterMs: 200 });
      expect(put.status).toBe(200);
      const orig = await ari('POST', `/channels?endpoint=PJSIP/${c.resource}&app=cti-bridge&appArgs=agent,${c.resource}&timeout=2`);
      expect(orig.status).toBe(200);
      const id = orig.json.id as string;
      expect(orig.json.name).toMatch(new RegExp(`^PJSIP/${c.resource}-[0-9a-f]{8}$`));
      expect(orig.json.state).toBe('Down');
      if (c.expect === 'StasisStart') {
        const start = await app.waitFor((e) => e.type === 'StasisStart' && e.channel.id === id, 'StasisStart');
        expect(start.args).toEqual(['agent', c.resource]);
        expect(start.channel.state).toBe('Up');
        const dials = app.of(id).filter((e) => e.type === 'Dial').map((e) => e.dialstatus);
        expect(dials).toEqual(['', 'RINGING', 'ANSWER']);
        await ari('DELETE', `/channels/${id}`);
      } else {
        const destroyed = await app.waitFor((e) => e.type === 'ChannelDestroyed' && e.channel.id === id, `${c.behaviour} ChannelDestroyed`);
        expect(destroyed.cause).toBe(c.expect);
        expect(app.of(id).some((e) => e.type === 'StasisStart')).toBe(false);
      }
    }
    const state = await control('GET', '/state');
    expect(state.json!.endpoints.map((e: Ev) => `${e.technology}/${e.resource}:${e.behaviour.behaviour}`)).toEqual(
      expect.arrayContaining(['PJSIP/1101:answer', 'PJSIP/1102:busy', 'PJSIP/1103:ring-out', 'PJSIP/1104:unreachable']),
    );
  });

  it('ChannelHold/ChannelUnhold are published for PJSIP channels', async () => {
    const { json } = await control('POST', '/calls', { from: '+15551230005', to: '100' });
    const id = json!.channelId as string;
    await app.waitFor((e) => e.type === 'StasisStart' && e.channel.id === id, 'StasisStart');
    await ari('POST', `/channels/${id}/answer`);
    expect((await ari('POST', `/channels/${id}/hold`)).status).toBe(204);
    expect((await ari('DELETE', `/channels/${id}/hold`)).status).toBe(204);
    await app.waitFor((e) => e.type === 'ChannelUnhold' && e.channel.id === id, 'ChannelUnhold');
    const hold = app.of(id).find((e) => e.type === 'ChannelHold')!;
    expect(Object.keys(hold)).toEqual(['type', 'timestamp', 'channel', 'asterisk_id', 'application']);
    await ari('DELETE', `/channels/${id}`);
  });

  it('GET /state lists channels, bridges and registered apps', async () => {
    const { json } = await control('POST', '/calls', { from: '+15551230006', to: '300' });
    const id = json!.channelId as string;
    await app.waitFor((e) => e.type === 'StasisStart' && e.channel.id === id, 'StasisStart');
    const bridge = await ari('POST', '/bridges?type=mixing&name=state-check');
    await ari('POST', `/bridges/${bridge.json.id}/addChannel?channel=${id}`);
    const state = await control('GET', '/state');
    expect(state.status).toBe(200);
    expect(state.json!.apps).toContain('cti-bridge');
    const ch = state.json!.channels.find((c: Ev) => c.id === id);
    expect(ch).toMatchObject({ bridge: bridge.json.id, stasis: { app: 'cti-bridge', args: ['inbound', '300', expect.any(String)] } });
    expect(state.json!.bridges.find((b: Ev) => b.id === bridge.json.id).channels).toEqual([id]);
    await ari('DELETE', `/channels/${id}`);
    await ari('DELETE', `/bridges/${bridge.json.id}`);
  });

  it('rejects bad control input with a clear 4xx', async () => {
    expect((await control('POST', '/calls', { from: '+1555' })).status).toBe(400);
    expect((await control('POST', '/calls', 'not an object')).status).toBe(400);
    expect((await control('POST', '/channels/nope/dtmf', { digits: '1' })).status).toBe(404);
    expect((await control('POST', '/channels/nope/hangup', {})).status).toBe(404);
    expect((await control('PUT', '/endpoints/PJSIP/1001', { behaviour: 'explode' })).status).toBe(400);
    expect((await control('GET', '/nothing-here')).status).toBe(404);
    const bad = await fetch(`${sim.control.url}/calls`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"to":' });
    expect(bad.status).toBe(400);
  });

  it('a second socket for the app takes over the events and the first gets ApplicationReplaced', async () => {
    const second = await AppSocket.open(sim, 'cti-bridge');
    await app.waitFor((e) => e.type === 'ApplicationReplaced', 'ApplicationReplaced');
    const { json } = await control('POST', '/calls', { from: '+15551230007', to: '100' });
    const id = json!.channelId as string;
    await second.waitFor((e) => e.type === 'StasisStart' && e.channel.id === id, 'StasisStart on the second socket');
    expect(app.of(id)).toEqual([]);
    await ari('DELETE', `/channels/${id}`);
    app.close();
    app = second;
  });

  it('POST /faults/ari-drop cuts the sockets; calls in Stasis survive for the reconnecting client', async () => {
    const { json } = await control('POST', '/calls', { from: '+15551230010', to: '100' });
    const id = json!.channelId as string;
    await app.waitFor((e) => e.type === 'StasisStart' && e.channel.id === id, 'StasisStart');
    expect((await control('POST', '/faults/ari-drop')).status).toBe(204);
    await until(() => app.closed, 'socket closed');
    expect((await ari('GET', '/applications')).json).toEqual([]);
    app = await AppSocket.open(sim, 'cti-bridge');
    const resync = await ari('GET', '/applications/cti-bridge');
    expect(resync.json.channel_ids).toEqual([id]);
    await control('POST', `/channels/${id}/dtmf`, { digits: '5' });
    const digit = await app.waitFor((e) => e.type === 'ChannelDtmfReceived' && e.channel.id === id, 'events after reconnect');
    expect(digit.digit).toBe('5');
    await ari('DELETE', `/channels/${id}`);
  });

  it('with no app registered inbound calls fall back to the default agent', async () => {
    expect((await control('POST', '/faults/ari-drop')).status).toBe(204);
    await until(() => app.closed, 'socket closed');
    expect((await ari('GET', '/applications')).json).toEqual([]);
    const { json } = await control('POST', '/calls', { from: '+15551230008', to: '100' });
    expect(json!.stasis).toBe(false);
    await until(() => sim.world.channels().some((c) => c.name.startsWith('PJSIP/1001-') && c.state === 'Up'), 'fallback agent answers');
    const caller = sim.world.channel(json!.channelId as string)!;
    expect(caller.state).toBe('Up');
    expect(sim.world.getVar(caller.id, 'STASISSTATUS')).toBe('FAILED');
    // The agent hangs up: the caller's leg ends too.
    const agent = sim.world.channels().find((c) => c.name.startsWith('PJSIP/1001-'))!;
    await control('POST', `/channels/${agent.id}/hangup`, { cause: 16 });
    expect(sim.world.channel(caller.id)).toBeUndefined();
    expect((await control('POST', '/faults/ami-drop')).status).toBe(409);
  });

  it('answers WebSocket pings so clients can check liveness', async () => {
    const s = await AppSocket.open(sim, 'ping-check');
    const pong = new Promise<Buffer>((resolve) => s.ws.once('pong', resolve));
    s.ws.ping('are-you-there');
    expect(String(await pong)).toBe('are-you-there');
    s.close();
  });
});
