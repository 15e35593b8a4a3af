// The ARI client against a real loopback peer: a node:http server answering the resync
// with captured Asterisk responses and a ws WebSocketServer sending the captured event
// stream, garbage, drops, silence and ApplicationReplaced.
import { once } from 'node:events';
import type { ServerResponse } from 'node:http';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { WebSocket } from 'ws';
import { AriClient, type ResyncSnapshot } from '../../src/ari/client.js';
import { createLogger } from '../../src/log.js';
import type { AriEvent } from '../../src/ari/types.js';
import {
  ARI_AUTHORIZATION,
  ARI_PASSWORD,
  ARI_USER,
  capturedResponse,
  fixtureBytes,
  scenarioFrames,
  startFakeAri,
  type FakeAri,
} from './ari-fixtures.js';

const log = createLogger('silent');
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

async function setup(
  opts: { ping?: { intervalMs: number; timeoutMs: number } } = {},
): Promise<{ fake: FakeAri; client: AriClient; events: AriEvent[] }> {
  const fake = await startFakeAri();
  const client = new AriClient({
    url: fake.url,
    user: ARI_USER,
    password: ARI_PASSWORD,
    app: 'cti-bridge',
    log,
    requestTimeoutMs: 5_000,
    reconnect: { minMs: 20, maxMs: 50 },
    ping: opts.ping ?? { intervalMs: 60_000, timeoutMs: 60_000 },
  });
  const events: AriEvent[] = [];
  client.on('event', (e) => events.push(e));
  cleanups.push(() => fake.close());
  cleanups.push(() => client.stop());
  return { fake, client, events };
}

const waitFor = <T>(check: () => T) => vi.waitFor(check, { timeout: 10_000, interval: 5 });

/** Send a marker event and wait until the client has delivered it: everything sent before has been handled. */
async function flush(ws: WebSocket, client: AriClient, events: AriEvent[]): Promise<void> {
  const marker = `TestMarker-${events.length}-${Math.random()}`;
  ws.send(JSON.stringify({ type: marker }));
  await waitFor(() => expect(events.some((e) => e.type === marker)).toBe(true));
  void client;
}

function body(fixture: string): unknown {
  return JSON.parse(capturedResponse(fixture).body.toString('utf8'));
}

describe('AriClient over a real WebSocket', () => {
  it('upgrades with the Authorization header, never the password in the URL, and resyncs', async () => {
    const { fake, client } = await setup();
    const ready = once(client, 'ready') as Promise<[ResyncSnapshot]>;
    const connected = once(client, 'connected');
    client.start();
    await connected;
    const [snapshot] = await ready;

    expect(fake.upgrades).toHaveLength(1);
    const upgrade = fake.upgrades[0]!;
    expect(upgrade.url).toBe('/ari/events?app=cti-bridge&subscribeAll=false');
    expect(upgrade.headers.authorization).toBe(ARI_AUTHORIZATION);
    expect(upgrade.url).not.toContain('api_key');
    expect(upgrade.url).not.toContain(ARI_PASSWORD);

    expect(snapshot.application).toEqual(body('006-200-application-get'));
    expect(snapshot.channels).toEqual(body('017-200-channels-list-one-call'));
    expect(snapshot.bridges).toEqual(body('038-200-bridges-list'));
    expect(client.state).toBe('connected');
    expect(client.stats).toMatchObject({ connects: 1, reconnects: 0, resyncs: 1, badFrames: 0 });
  });

  it('delivers the captured stream in order, counts garbage, keeps the connection and routes by channel', async () => {
    const { fake, client, events } = await setup();
    client.start();
    const ws = await fake.socket(0);
    await once(client, 'ready');

    const caller: string[] = [];
    client.onChannel('1795384317.33', (e) => caller.push(e.type));
    const agent: string[] = [];
    client.onChannel('1795384321.34', (e) => agent.push(e.type));

    const frames = scenarioFrames();
    const garbage: (() => void)[] = [
      () => ws.send('this is not json'),
      () => ws.send(Buffer.from([0xde, 0xad, 0xbe, 0xef]), { binary: true }),
      () => ws.send('[{"type":"StasisStart"}]'),
      () => ws.send('{"no":"type"}'),
      () => ws.send(Buffer.from([0xc3, 0x28, 0x7b, 0x7d]), { binary: false }), // invalid UTF-8 in a text frame
      () => ws.send(''),
      () => ws.send('{"type":"StasisStart","channel":'),
    ];
    frames.forEach((frame, i) => {
      ws.send(frame);
      if (i % 15 === 0) garbage[(i / 15) % garbage.length]!();
    });
    const garbageSent = frames.filter((_, i) => i % 15 === 0).length;
    await flush(ws, client, events);

    const expected = frames.map((f) => (JSON.parse(f) as { type: string }).type);
    expect(events.slice(0, -1).map((e) => e.type)).toEqual(expected);
    expect(client.stats.badFrames).toBe(garbageSent);
    expect(client.stats.eventsReceived).toBe(frames.length + 1);
    expect(client.stats.connects).toBe(1);
    expect(fake.sockets).toHaveLength(1);
    expect(ws.readyState).toBe(ws.OPEN);

    expect(caller[0]).toBe('StasisStart');
    expect(caller).toContain('PlaybackFinished');
    expect(caller.at(-1)).toBe('StasisEnd');
    expect(agent).toContain('ChannelEnteredBridge');
    expect(client.routedChannels()).toBe(0);
  });

  it('routes 1,000 short calls through one map that ends up empty, with no listener growth', async () => {
    const { fake, client, events } = await setup();
    client.start();
    const ws = await fake.socket(0);
    await once(client, 'ready');
    const listenersBefore = client.listenerCount('event');
    const perCall = new Map<string, number>();
    for (let i = 0; i < 1_000; i++) {
      const id = `call-${i}`;
      client.onChannel(id, () => perCall.set(id, (perCall.get(id) ?? 0) + 1));
    }
    expect(client.routedChannels()).toBe(1_000);
    for (let i = 0; i < 1_000; i++) {
      const channel = { id: `call-${i}`, name: `PJSIP/x-${i}`, state: 'Up' };
      ws.send(JSON.stringify({ type: 'StasisStart', args: ['inbound'], channel }));
      ws.send(JSON.stringify({ type: 'ChannelDtmfReceived', digit: '1', duration_ms: 100, channel }));
      ws.send(JSON.stringify({ type: 'StasisEnd', channel }));
      // Late events after StasisEnd find no route and are ignored.
      ws.send(JSON.stringify({ type: 'ChannelDestroyed', cause: 16, cause_txt: 'Normal Clearing', channel }));
    }
    await flush(ws, client, events);
    expect(client.routedChannels()).toBe(0);
    expect(client.stats.routedChannels).toBe(0);
    expect(perCall.size).toBe(1_000);
    expect([...perCall.values()].every((n) => n === 3)).toBe(true);
    expect(client.listenerCount('event')).toBe(listenersBefore);
  });

  it('reconnects after a drop, resyncs, and drops routes of channels that died in the gap', async () => {
    const { fake, client } = await setup();
    client.start();
    const first = await fake.socket(0);
    await once(client, 'ready');
    client.onChannel('1795384317.33', () => undefined); // still in GET /channels after the gap
    client.onChannel('died-in-gap', () => undefined);

    const disconnected = once(client, 'disconnected');
    const readyAgain = once(client, 'ready') as Promise<[ResyncSnapshot]>;
    first.terminate();
    await disconnected;
    expect(['disconnected', 'connecting', 'resyncing', 'connected']).toContain(client.state);
    const [snapshot] = await readyAgain;

    expect(fake.sockets).toHaveLength(2);
    expect(snapshot.channels.map((c) => c.id)).toContain('1795384317.33');
    expect(client.stats.reconnects).toBeGreaterThanOrEqual(1);
    expect(client.stats.connects).toBe(2);
    expect(client.stats.resyncs).toBe(2);
    expect(client.state).toBe('connected');
    expect(client.routedChannels()).toBe(1);
  });

  it('holds events that arrive during the resync and delivers them right after ready', async () => {
    const { fake, client } = await setup();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    fake.route('GET /ari/channels', async (req, res: ServerResponse) => {
      await gate;
      req.resume();
      res.writeHead(200, { 'content-type': 'application/json' }).end('[]');
    });
    const order: string[] = [];
    client.on('ready', () => order.push('ready'));
    client.on('event', (e) => order.push(e.type));
    client.start();
    const ws = await fake.socket(0);
    await once(client, 'connected');
    const start = scenarioFrames().find((f) => f.includes('"type":"StasisStart"'))!;
    ws.send(start);
    ws.send('{"type":"ChannelDtmfReceived","digit":"5","duration_ms":100,"channel":{"id":"1795384317.33"}}');
    await waitFor(() => expect(client.stats.eventsReceived).toBe(2));
    expect(order).toEqual([]);
    expect(client.state).toBe('resyncing');
    release();
    await waitFor(() => expect(order).toEqual(['ready', 'StasisStart', 'ChannelDtmfReceived']));
  });

  it('retries the resync while Asterisk has not registered the app yet', async () => {
    const { fake, client } = await setup();
    let calls = 0;
    fake.route('GET /ari/applications/cti-bridge', (req, res) => {
      req.resume();
      if (++calls < 3) {
        res.writeHead(404, { 'content-type': 'application/json' }).end('{"message":"Application not found"}');
      } else {
        req.socket.end(fixtureBytes('http/006-200-application-get.res.http'));
      }
    });
    const ready = once(client, 'ready') as Promise<[ResyncSnapshot]>;
    client.start();
    const [snapshot] = await ready;
    expect(calls).toBe(3);
    expect(snapshot.application.name).toBe('cti-bridge');
    expect(client.stats).toMatchObject({ resyncFailures: 0, connects: 1 });
  });

  it('drops the connection when the resync fails and tries again', async () => {
    const { fake, client } = await setup();
    let failures = 1;
    fake.route('GET /ari/bridges', (req, res) => {
      req.resume();
      if (failures-- > 0) {
        res.writeHead(500, 'Internal Server Error', { 'content-type': 'application/json' }).end('{"message":"boom"}');
      } else {
        req.socket.end(fixtureBytes('http/038-200-bridges-list.res.http'));
      }
    });
    const ready = once(client, 'ready');
    client.start();
    await ready;
    expect(client.stats).toMatchObject({ resyncFailures: 1, resyncs: 1, connects: 2 });
    expect(fake.sockets[0]!.readyState).toBe(fake.sockets[0]!.CLOSED);
  });

  it('detects a peer that stops answering pings and reconnects', async () => {
    const { fake, client } = await setup({ ping: { intervalMs: 30, timeoutMs: 60 } });
    client.start();
    await fake.socket(0);
    await once(client, 'ready');
    const readyAgain = once(client, 'ready');
    fake.answerPings = false;
    await fake.socket(1).then(() => {
      fake.answerPings = true;
    });
    await readyAgain;
    expect(client.stats.pingTimeouts).toBeGreaterThanOrEqual(1);
    expect(client.stats.connects).toBeGreaterThanOrEqual(2);
    expect(client.state).toBe('connected');
  });

  it('keeps answering pings as a sign of life', async () => {
    const { fake, client, events } = await setup({ ping: { intervalMs: 10, timeoutMs: 5_000 } });
    client.start();
    const ws = await fake.socket(0);
    await once(client, 'ready');
    let pings = 0;
    ws.on('ping', () => pings++);
    await waitFor(() => expect(pings).toBeGreaterThanOrEqual(5));
    await flush(ws, client, events);
    expect(client.stats.pingTimeouts).toBe(0);
    expect(fake.sockets).toHaveLength(1);
  });

  it('keeps trying while the upgrade is refused, then connects', async () => {
    const { fake, client } = await setup();
    fake.refuseUpgrades(3, 'ws/handshake-401-bad-password.res.http');
    const ready = once(client, 'ready');
    client.start();
    await ready;
    expect(fake.upgrades).toHaveLength(4);
    expect(fake.sockets).toHaveLength(1);
    expect(client.stats.reconnects).toBe(3);
    expect(client.stats.connects).toBe(1);
  });

  it('survives listeners and channel handlers that throw', async () => {
    const { fake, client, events } = await setup();
    client.on('event', (e) => {
      if (e.type === 'StasisStart') throw new Error('listener bug');
    });
    client.start();
    const ws = await fake.socket(0);
    await once(client, 'ready');
    const seen: string[] = [];
    client.onChannel('c1', (e) => {
      seen.push(e.type);
      throw new Error('handler bug');
    });
    ws.send('{"type":"StasisStart","args":[],"channel":{"id":"c1"}}');
    ws.send('{"type":"StasisEnd","channel":{"id":"c1"}}');
    await flush(ws, client, events);
    expect(seen).toEqual(['StasisStart', 'StasisEnd']);
    expect(client.stats.handlerErrors).toBe(3);
    expect(events.map((e) => e.type).slice(0, 2)).toEqual(['StasisStart', 'StasisEnd']);
    expect(client.routedChannels()).toBe(0);
    expect(ws.readyState).toBe(ws.OPEN);
  });

  it('on ApplicationReplaced gives the app up and reconnects only when reclaimed', async () => {
    const { fake, client, events } = await setup();
    client.start();
    const ws = await fake.socket(0);
    await once(client, 'ready');
    const replaced = once(client, 'applicationReplaced');
    const serverSawClose = once(ws, 'close');
    ws.send(fixtureBytes('events/application-replaced.ndjson').toString('utf8').trim());
    const [event] = (await replaced) as [AriEvent];
    expect(event.type).toBe('ApplicationReplaced');
    expect(events.at(-1)?.type).toBe('ApplicationReplaced');
    expect(client.state).toBe('replaced');
    await serverSawClose;
    // Give a fighting client ample time (reconnect backoff is 20-50 ms) to come back: it must not.
    await new Promise((r) => setTimeout(r, 300));
    expect(fake.upgrades).toHaveLength(1);
    expect(client.state).toBe('replaced');

    const readyAgain = once(client, 'ready');
    client.reclaim();
    await readyAgain;
    expect(fake.upgrades).toHaveLength(2);
    expect(client.state).toBe('connected');
  });

  it('keeps the password out of every log line, even at debug level', async () => {
    const fake = await startFakeAri();
    cleanups.push(() => fake.close());
    const lines: string[] = [];
    const debugLog = createLogger('debug', { write: (line: string) => void lines.push(line) });
    const client = new AriClient({
      url: fake.url,
      user: ARI_USER,
      password: ARI_PASSWORD,
      app: 'cti-bridge',
      log: debugLog,
      reconnect: { minMs: 10, maxMs: 20 },
    });
    cleanups.push(() => client.stop());
    fake.refuseUpgrades(1, 'ws/handshake-401-bad-password.res.http');
    const ready = once(client, 'ready');
    client.start();
    await ready;
    const ws = await fake.socket(0);
    ws.send('garbage');
    await client.channels.list();
    await client.channels.get('no-such').catch(() => undefined);
    await waitFor(() => expect(client.stats.badFrames).toBe(1));
    const text = lines.join('');
    expect(text).toContain('check the ARI user and password');
    expect(text).toContain('ignoring a bad ARI frame');
    expect(text).toContain('ari request');
    expect(text).not.toContain(ARI_PASSWORD);
    expect(text).not.toContain(ARI_AUTHORIZATION.slice('Basic '.length));
  });

  it('stops for good: the socket closes and nothing reconnects', async () => {
    const { fake, client } = await setup();
    client.start();
    const ws = await fake.socket(0);
    await once(client, 'ready');
    const closed = once(ws, 'close');
    await client.stop();
    await closed;
    expect(client.state).toBe('stopped');
    await new Promise((r) => setTimeout(r, 200));
    expect(fake.upgrades).toHaveLength(1);
  });
});
