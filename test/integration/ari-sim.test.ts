// The ARI client against the PBX simulator (a real HTTP + WebSocket peer that speaks
// Asterisk 22's ARI): originate with our ids, media, idempotent hangup, many calls
// through the routing map, and a dropped socket in the middle of a call.
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { AriClient, type ResyncSnapshot } from '../../src/ari/client.js';
import { isAriEvent, type AriEvent } from '../../src/ari/types.js';
import { createLogger } from '../../src/log.js';
import { startSimulator, type Simulator } from '../../src/sim/index.js';

const log = createLogger('silent');
const waitFor = <T>(check: () => T, timeout = 15_000) => vi.waitFor(check, { timeout, interval: 5 });

let sim: Simulator;
let client: AriClient;

function newClient(app = 'cti-bridge'): AriClient {
  return new AriClient({
    url: sim.ari.url,
    user: 'cti',
    password: 'cti-secret',
    app,
    log,
    requestTimeoutMs: 5_000,
    reconnect: { minMs: 20, maxMs: 100 },
    ping: { intervalMs: 1_000, timeoutMs: 5_000 },
  });
}

beforeAll(async () => {
  sim = await startSimulator({ speed: 100, withoutAmi: true, defaultAnswerAfterMs: 500 });
  client = newClient();
  const ready = once(client, 'ready');
  client.start();
  await ready;
});

afterAll(async () => {
  await client?.stop();
  await sim?.close();
});

/** Collects the events routed to one channel. */
function route(channelId: string): AriEvent[] {
  const seen: AriEvent[] = [];
  client.onChannel(channelId, (e) => seen.push(e));
  return seen;
}
const types = (events: AriEvent[]) => events.map((e) => e.type);

describe('AriClient against the PBX simulator', () => {
  it('originates with pre-assigned ids into the app and routes StasisStart for that id', async () => {
    const seen = route('agent-call-1');
    const other = route('agent-call-1-b');
    const channel = await client.channels.originate({
      channelId: 'agent-call-1',
      otherChannelId: 'agent-call-1-b',
      endpoint: 'Local/1001@agents',
      app: 'cti-bridge',
      appArgs: ['agent', '1001'],
      callerId: 'Queue <100>',
      variables: { TALKTIME: '60' },
    });
    expect(channel.id).toBe('agent-call-1');
    await waitFor(() => expect(types(seen)).toContain('StasisStart'));
    const start = seen.find((e) => isAriEvent(e, 'StasisStart'));
    expect(start && isAriEvent(start, 'StasisStart') && start.args).toEqual(['agent', '1001']);
    // The dialplan half of the Local pair is reported to the app too, under our other id.
    await waitFor(() => expect(other.length).toBeGreaterThan(0));

    expect(await client.channels.hangup('agent-call-1')).toBe(true);
    await waitFor(() => expect(client.routedChannels()).toBe(0));
  });

  it('plays a sound with our playback id and gets PlaybackFinished; hangs up twice', async () => {
    const seen = route('caller-1');
    sim.world.inboundCall({ from: '+15551230001', to: '100', channelId: 'caller-1' });
    await waitFor(() => expect(types(seen)).toContain('StasisStart'));
    await client.channels.answer('caller-1');
    const playback = await client.channels.play('caller-1', { media: 'sound:hello-world', playbackId: 'greeting-1', lang: 'en' });
    expect(playback.id).toBe('greeting-1');
    await waitFor(() => expect(types(seen)).toContain('PlaybackFinished'));
    const finished = seen.find((e) => isAriEvent(e, 'PlaybackFinished'));
    expect(finished && isAriEvent(finished, 'PlaybackFinished') && finished.playback.id).toBe('greeting-1');
    expect(types(seen).indexOf('PlaybackStarted')).toBeLessThan(types(seen).indexOf('PlaybackFinished'));

    expect(await client.channels.getVariable('caller-1', 'NO_SUCH_VARIABLE_HERE')).toBeUndefined();
    expect(await client.channels.hangup('caller-1', { reason: 'normal' })).toBe(true);
    expect(await client.channels.hangup('caller-1')).toBe(false);
    await waitFor(() => expect(types(seen)).toContain('StasisEnd'));
    expect(client.routedChannels()).toBe(0);
  });

  it('routes 1,000 short calls and leaves the routing map empty', async () => {
    const listeners = client.listenerCount('event');
    const ended = new Set<string>();
    const total = 1_000;
    const batch = 50;
    for (let start = 0; start < total; start += batch) {
      const ids = Array.from({ length: batch }, (_, i) => `short-${start + i}`);
      for (const id of ids) {
        client.onChannel(id, (e) => {
          if (e.type === 'StasisStart') void client.channels.hangup(id);
          if (e.type === 'StasisEnd') ended.add(id);
        });
        sim.world.inboundCall({ from: '+15550000000', to: '100', channelId: id });
      }
      await waitFor(() => expect(ids.every((id) => ended.has(id))).toBe(true));
    }
    expect(ended.size).toBe(total);
    expect(client.routedChannels()).toBe(0);
    expect(client.listenerCount('event')).toBe(listeners);
    expect(client.stats.badFrames).toBe(0);
  });

  it('reconnects after the simulator drops the socket mid-call and resyncs with the live channel', async () => {
    const seen = route('live-1');
    sim.world.inboundCall({ from: '+15551230002', to: '100', channelId: 'live-1' });
    await waitFor(() => expect(types(seen)).toContain('StasisStart'));
    await client.channels.answer('live-1');

    const reconnects = client.stats.reconnects;
    const disconnected = once(client, 'disconnected');
    const readyAgain = once(client, 'ready') as Promise<[ResyncSnapshot]>;
    const fault = await fetch(`${sim.control.url}/faults/ari-drop`, { method: 'POST' });
    expect(fault.status).toBe(204);
    await disconnected;
    const [snapshot] = await readyAgain;

    expect(client.stats.reconnects).toBeGreaterThan(reconnects);
    expect(client.state).toBe('connected');
    expect(snapshot.channels.map((c) => c.id)).toContain('live-1');
    expect(snapshot.channels.find((c) => c.id === 'live-1')?.state).toBe('Up');
    expect(snapshot.application.name).toBe('cti-bridge');
    // The call lived through the gap, so its route did too; events flow to it again.
    expect(client.routedChannels()).toBe(1);
    expect(await client.channels.hangup('live-1')).toBe(true);
    await waitFor(() => expect(types(seen)).toContain('StasisEnd'));
    expect(client.routedChannels()).toBe(0);
  });

  it('gives the app up to a second connection and takes it back only on reclaim()', async () => {
    const intruder = newClient();
    const replaced = once(client, 'applicationReplaced');
    const intruderReady = once(intruder, 'ready');
    intruder.start();
    try {
      await intruderReady;
      await replaced;
      expect(client.state).toBe('replaced');
      const connects = client.stats.connects;
      // A client that fought back would reconnect within its 20-100 ms backoff.
      await new Promise((r) => setTimeout(r, 400));
      expect(client.stats.connects).toBe(connects);
      expect(intruder.state).toBe('connected');

      // Calls now reach the intruder, not us.
      const intruderSaw: string[] = [];
      intruder.onChannel('while-replaced', (e) => intruderSaw.push(e.type));
      sim.world.inboundCall({ from: '+15551230003', to: '100', channelId: 'while-replaced' });
      await waitFor(() => expect(intruderSaw).toContain('StasisStart'));
      await intruder.channels.hangup('while-replaced');
      await waitFor(() => expect(intruder.routedChannels()).toBe(0));
    } finally {
      await intruder.stop();
    }
    const ready = once(client, 'ready');
    client.reclaim();
    await ready;
    expect(client.state).toBe('connected');
    const seen = route('after-reclaim');
    sim.world.inboundCall({ from: '+15551230004', to: '100', channelId: 'after-reclaim' });
    await waitFor(() => expect(types(seen)).toContain('StasisStart'));
    await client.channels.hangup('after-reclaim');
    await waitFor(() => expect(client.routedChannels()).toBe(0));
  });
});
