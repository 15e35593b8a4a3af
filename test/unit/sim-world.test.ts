// The simulator's world model on its own: ids, names, subscriptions, hang-up sequences,
// bridges, recordings and CDRs, as the protocol views will see them.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ariEventBody, ariTimestamp } from '../../src/sim/ari-format.js';
import { parseCallerId, World, WorldError, type WorldEvent } from '../../src/sim/world.js';

const EPOCH_MS = 1_795_384_317_428;
const worlds: World[] = [];

function makeWorld(): { world: World; events: WorldEvent[] } {
  const world = new World({ now: () => EPOCH_MS, speed: 1000 });
  worlds.push(world);
  const events: WorldEvent[] = [];
  world.subscribe((e) => events.push(e));
  return { world, events };
}

afterEach(() => {
  for (const w of worlds.splice(0)) w.close();
});

describe('caller id parsing', () => {
  it('reads quoted, bare and number-only forms', () => {
    expect(parseCallerId('"Alice Caller" <+15551230001>')).toEqual({ name: 'Alice Caller', number: '+15551230001' });
    expect(parseCallerId('Queue <100>')).toEqual({ name: 'Queue', number: '100' });
    expect(parseCallerId('+15551230001')).toEqual({ name: '', number: '+15551230001' });
    expect(parseCallerId('Reception')).toEqual({ name: 'Reception', number: '' });
    expect(parseCallerId(undefined)).toEqual({ name: '', number: '' });
  });
});

describe('World', () => {
  it('names Local pairs with one global counter and gives uniqueids <epoch>.<seq>', () => {
    const { world } = makeWorld();
    world.registerApp('cti-bridge');
    const a = world.originate({ endpoint: 'Local/1001@agents', app: 'cti-bridge', appArgs: 'agent,1001' });
    const b = world.originate({ endpoint: 'Local/1002@agents', app: 'cti-bridge' });
    expect(a.id).toBe('1795384317.0');
    expect(a.name).toBe('Local/1001@agents-00000010;1');
    expect(b.name).toBe('Local/1002@agents-00000011;1');
    const two = world.channel(a.localPeerId!)!;
    expect(two.name).toBe('Local/1001@agents-00000010;2');
    expect(two.id).toBe('1795384317.1');
    expect(two.linkedid).toBe(a.id);
  });

  it('refuses a duplicate channel id with Asterisk text', () => {
    const { world } = makeWorld();
    world.registerApp('cti-bridge');
    world.originate({ endpoint: 'Local/1001@agents', app: 'cti-bridge', channelId: 'fixed-1' });
    expect(() => world.originate({ endpoint: 'Local/1001@agents', app: 'cti-bridge', channelId: 'fixed-1' })).toThrow(
      expect.objectContaining({ kind: 'conflict', message: 'Channel with given unique ID already exists' }),
    );
  });

  it('sends an inbound call to the fallback agent when the app is not registered', () => {
    const { world, events } = makeWorld();
    const caller = world.inboundCall({ from: '+15551230001', to: '100' });
    expect(caller.stasis).toBeUndefined();
    expect(world.getVar(caller.id, 'STASISSTATUS')).toBe('FAILED');
    const fallback = events.find((e) => e.type === 'InboundFallback');
    expect(fallback).toMatchObject({ target: 'PJSIP/1001', app: 'cti-bridge' });
    expect(events.some((e) => e.type === 'DialBegin' && e.caller?.id === caller.id && e.peer.name.startsWith('PJSIP/1001-'))).toBe(true);
  });

  it('stops telling the app about a dialplan Stasis channel after StasisEnd', () => {
    const { world, events } = makeWorld();
    world.registerApp('cti-bridge');
    const c = world.inboundCall({ from: '+15551230001', to: '100' });
    world.hangup(c.id, { reason: 'normal' });
    const mine = events.filter((e) => 'channel' in e && e.channel?.id === c.id);
    const seen = mine.filter((e) => e.apps.includes('cti-bridge')).map((e) => e.type);
    expect(seen).toEqual(['StasisStarted', 'HangupRequested', 'StasisEnded']);
    const hungUp = mine.find((e) => e.type === 'ChannelHungUp');
    expect(hungUp).toMatchObject({ cause: 16, causeTxt: 'Normal Clearing', apps: [] });
  });

  it('rejects an unknown hangup reason and actions on channels outside Stasis', () => {
    const { world } = makeWorld();
    const c = world.inboundCall({ from: '1', to: '100' });
    expect(() => world.hangup(c.id, { reason: 'sideways' })).toThrow(expect.objectContaining({ kind: 'bad-request' }));
    expect(() => world.answer(c.id)).toThrow(expect.objectContaining({ kind: 'conflict', message: 'Channel not in Stasis application' }));
    expect(() => world.answer('missing')).toThrow(WorldError);
  });

  it('sets BRIDGEPEER on both members of a mixing bridge and updates connected line', () => {
    const { world, events } = makeWorld();
    world.registerApp('cti-bridge');
    const caller = world.inboundCall({ from: '+15551230001', callerName: 'Alice', to: '100' });
    const agent = world.originate({ endpoint: 'Local/1001@agents', app: 'cti-bridge', callerId: 'Queue <100>' });
    const bridge = world.createBridge({ type: 'mixing', name: 'call' });
    world.addToBridge(bridge.id, [caller.id, agent.id]);
    expect(world.getVar(caller.id, 'BRIDGEPEER')).toBe(agent.name);
    expect(world.getVar(agent.id, 'BRIDGEPEER')).toBe(caller.name);
    expect(world.channel(agent.id)!.connected).toEqual({ name: 'Alice', number: '+15551230001' });
    expect(world.bridge(bridge.id)!.channelIds).toEqual([caller.id, agent.id]);
    const entered = events.filter((e) => e.type === 'BridgeEntered');
    expect(entered.map((e) => (e.type === 'BridgeEntered' ? e.bridge.channelIds.length : 0))).toEqual([1, 2]);
  });

  it('refuses an unknown bridge type the way Asterisk words it', () => {
    const { world } = makeWorld();
    expect(() => world.createBridge({ type: 'nonsense' })).toThrow(
      expect.objectContaining({ kind: 'internal-error', message: "Unable to create bridge. Possible duplicate bridge id '(null)'" }),
    );
    expect(world.createBridge({ type: 'holding', bridgeId: 'room-1' }).technology).toBe('holding_bridge');
    expect(() => world.destroyBridge('nope')).toThrow(expect.objectContaining({ kind: 'bridge-not-found' }));
  });

  it('refuses a second recording with the same name and stores a finished one', () => {
    const { world } = makeWorld();
    world.registerApp('cti-bridge');
    const c = world.inboundCall({ from: '1', to: '100' });
    world.answer(c.id);
    world.record({ kind: 'channel', id: c.id }, { name: 'r1', format: 'wav' });
    expect(() => world.record({ kind: 'channel', id: c.id }, { name: 'r1', format: 'wav' })).toThrow(
      expect.objectContaining({ kind: 'conflict', message: "Recording 'r1' already exists and can not be overwritten" }),
    );
    world.stopRecording('r1');
    expect(world.storedRecording('r1')).toMatchObject({ name: 'r1', format: 'wav' });
    expect(() => world.record({ kind: 'channel', id: c.id }, { name: 'r1', format: 'wav', ifExists: 'fail' })).toThrow(WorldError);
    expect(world.record({ kind: 'channel', id: c.id }, { name: 'r1', format: 'wav', ifExists: 'overwrite' }).state).toBe('queued');
    expect(() => world.record({ kind: 'channel', id: c.id }, { name: 'r2', format: 'mp9' })).toThrow(expect.objectContaining({ kind: 'unprocessable' }));
  });

  it('writes a CDR when the caller leg ends', () => {
    let now = EPOCH_MS;
    const world = new World({ now: () => now, speed: 1000 });
    worlds.push(world);
    const cdrs: WorldEvent[] = [];
    world.subscribe((e) => e.type === 'Cdr' && cdrs.push(e));
    world.registerApp('cti-bridge');
    const c = world.inboundCall({ from: '+15551230001', callerName: 'Alice', to: '100' });
    now += 2000;
    world.answer(c.id);
    now += 5000;
    world.hangup(c.id);
    expect(cdrs).toHaveLength(1);
    const cdr = cdrs[0]!.type === 'Cdr' ? cdrs[0]!.cdr : undefined;
    expect(cdr).toMatchObject({
      source: '+15551230001',
      destination: '100',
      callerId: '"Alice" <+15551230001>',
      channel: c.name,
      lastApplication: 'Stasis',
      duration: 7,
      billableSeconds: 5,
      disposition: 'ANSWERED',
      uniqueId: c.id,
      linkedId: c.id,
    });
    expect(world.processedCalls()).toBe(1);
  });
});

describe('playbacks', () => {
  it('plays a media list item by item: Started, Continuing, Started, Finished', () => {
    vi.useFakeTimers();
    try {
      const { world, events } = makeWorld();
      world.registerApp('cti-bridge');
      const c = world.inboundCall({ from: '1', to: '100' });
      world.answer(c.id);
      const pb = world.play({ kind: 'channel', id: c.id }, ['sound:beep', 'sound:hello-world'], { playbackId: 'pb-1' });
      expect(pb).toMatchObject({ state: 'queued', mediaUri: 'sound:beep', nextMediaUri: 'sound:hello-world' });
      vi.runAllTimers();
      const seen = events.flatMap((e) => (e.type.startsWith('Playback') && 'playback' in e ? [ariEventBody(e)!] : []));
      expect(seen.map((e) => [e['type'], (e['playback'] as Record<string, unknown>)['media_uri'], (e['playback'] as Record<string, unknown>)['state']])).toEqual([
        ['PlaybackStarted', 'sound:beep', 'playing'],
        ['PlaybackContinuing', 'sound:beep', 'continuing'],
        ['PlaybackStarted', 'sound:hello-world', 'playing'],
        ['PlaybackFinished', 'sound:hello-world', 'done'],
      ]);
      expect(Object.keys(seen[0]!['playback'] as object)).toEqual(['id', 'media_uri', 'next_media_uri', 'target_uri', 'language', 'state']);
      expect(Object.keys(seen[3]!['playback'] as object)).toEqual(['id', 'media_uri', 'target_uri', 'language', 'state']);
      expect(world.playback('pb-1')).toBeUndefined();
    } finally {
      vi.useRealTimers();
    }
  });

  it('ends a missing sound failed and skips an unknown scheme without a final event', () => {
    vi.useFakeTimers();
    try {
      const { world, events } = makeWorld();
      world.registerApp('cti-bridge');
      const c = world.inboundCall({ from: '1', to: '100' });
      world.play({ kind: 'channel', id: c.id }, ['sound:no-such-prompt'], { playbackId: 'missing' });
      world.play({ kind: 'channel', id: c.id }, ['nosuchscheme:foo'], { playbackId: 'odd' });
      vi.runAllTimers();
      const states = events.flatMap((e) => (e.type === 'PlaybackFinished' || e.type === 'PlaybackStarted' ? [`${e.type}:${e.playback.id}:${e.playback.state}`] : []));
      expect(states).toEqual(['PlaybackStarted:missing:playing', 'PlaybackStarted:odd:playing', 'PlaybackFinished:missing:failed']);
      expect(() => world.play({ kind: 'channel', id: c.id }, [])).toThrow(expect.objectContaining({ kind: 'internal', message: 'Failed to queue media for playback' }));
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('ARI rendering', () => {
  it('prints timestamps with milliseconds and +0000', () => {
    expect(ariTimestamp(new Date(Date.UTC(2026, 10, 22, 21, 51, 57, 430)))).toBe('2026-11-22T21:51:57.430+0000');
  });

  it('puts variable/value and cause/soft before type, and drops soft on hard requests', () => {
    const { world, events } = makeWorld();
    world.registerApp('cti-bridge');
    const c = world.inboundCall({ from: '1', to: '100' });
    world.setVar(c.id, 'CTI_TAG', 'vip');
    world.remoteHangup(c.id, 16);
    const varset = ariEventBody(events.find((e) => e.type === 'ChannelVarSet' && e.variable === 'CTI_TAG')!)!;
    expect(Object.keys(varset).slice(0, 4)).toEqual(['variable', 'value', 'type', 'timestamp']);
    const request = ariEventBody(events.find((e) => e.type === 'HangupRequested')!)!;
    expect(Object.keys(request).slice(0, 2)).toEqual(['cause', 'type']);
    // No app holds a channel as it is created: only an app subscribed to its endpoint hears ChannelCreated.
    expect(events.find((e) => e.type === 'ChannelCreated')!.apps).toEqual([]);
  });
});
