import { describe, expect, it } from 'vitest';
import { ChannelRouteConflict, ChannelRouter, channelIdsOf, endedChannelId } from '../../src/ari/routing.js';
import type { AriEvent } from '../../src/ari/types.js';
import { scenarioFrames } from '../integration/ari-fixtures.js';

const events = (): AriEvent[] => scenarioFrames().map((l) => JSON.parse(l) as AriEvent);
const noError = (err: unknown) => {
  throw err;
};

describe('channelIdsOf', () => {
  const all = events();

  it('finds the channel of channel events, both legs of Dial, and playback/recording targets', () => {
    const dial = all.find((e) => e.type === 'Dial') as AriEvent & { peer: { id: string } };
    expect(channelIdsOf(dial)).toContain(dial.peer.id);
    const playback = all.find((e) => e.type === 'PlaybackStarted')!;
    expect(channelIdsOf(playback)).toEqual(['1795384317.33']);
    const failed = all.find((e) => e.type === 'RecordingFailed')!;
    expect(channelIdsOf(failed)).toEqual(['1795384317.33']);
    const bridgeRecording = all.find((e) => e.type === 'RecordingStarted')!;
    expect(channelIdsOf(bridgeRecording)).toEqual([]);
    const destroyedBridge = all.find((e) => e.type === 'BridgeDestroyed')!;
    expect(channelIdsOf(destroyedBridge)).toEqual([]);
    expect(channelIdsOf({ type: 'ChannelVarset', variable: 'G', value: '1' } as AriEvent)).toEqual([]);
    expect(channelIdsOf({ type: 'Weird', channel: 'not an object' } as AriEvent)).toEqual([]);
    expect(
      channelIdsOf({ type: 'Dial', dialstatus: '', peer: { id: 'b' }, caller: { id: 'a' } } as unknown as AriEvent),
    ).toEqual(['b', 'a']);
  });

  it('knows which events end a channel', () => {
    const ended = all.filter((e) => endedChannelId(e) !== undefined).map((e) => e.type);
    expect(new Set(ended)).toEqual(new Set(['StasisEnd', 'ChannelDestroyed']));
    expect(endedChannelId({ type: 'StasisEnd' } as AriEvent)).toBeUndefined();
  });
});

describe('ChannelRouter', () => {
  it('routes a captured call to its owner and forgets the channel at StasisEnd', () => {
    const router = new ChannelRouter();
    const seen: string[] = [];
    router.on('1795384317.33', (e) => seen.push(e.type));
    for (const e of events()) router.dispatch(e, noError);
    expect(seen[0]).toBe('StasisStart');
    expect(seen).toContain('PlaybackFinished');
    expect(seen.filter((t) => t === 'ChannelDtmfReceived')).toHaveLength(4);
    expect(seen.at(-1)).toBe('StasisEnd');
    expect(router.size).toBe(0);
  });

  it('leaves the map empty after every channel of the scenario had its route', () => {
    const router = new ChannelRouter();
    let delivered = 0;
    for (const e of events()) {
      if (e.type === 'StasisStart') router.on((e as { channel: { id: string } }).channel.id, () => delivered++);
      router.dispatch(e, noError);
    }
    expect(delivered).toBeGreaterThan(20);
    expect(router.size).toBe(0);
  });

  it('drops a route on ChannelDestroyed too (channels that never entered Stasis)', () => {
    const router = new ChannelRouter();
    router.on('leg-2', () => undefined);
    router.dispatch({ type: 'ChannelStateChange', channel: { id: 'leg-2' } } as AriEvent, noError);
    expect(router.has('leg-2')).toBe(true);
    router.dispatch({ type: 'ChannelDestroyed', cause: 16, cause_txt: 'Normal Clearing', channel: { id: 'leg-2' } } as AriEvent, noError);
    expect(router.size).toBe(0);
  });

  it('has one owner per channel, and an unsubscribe removes only its own registration', () => {
    const router = new ChannelRouter();
    const off = router.on('c1', () => undefined);
    expect(() => router.on('c1', () => undefined)).toThrow(ChannelRouteConflict);
    off();
    const second: string[] = [];
    router.on('c1', (e) => second.push(e.type));
    off(); // stale unsubscribe of the first owner: no effect on the second
    router.dispatch({ type: 'ChannelStateChange', channel: { id: 'c1' } } as AriEvent, noError);
    expect(second).toEqual(['ChannelStateChange']);
    expect(router.off('c1')).toBe(true);
    expect(router.off('c1')).toBe(false);
    expect(() => router.on('', () => undefined)).toThrow(TypeError);
  });

  it('reports a throwing handler and still delivers to the others and ends the route', () => {
    const router = new ChannelRouter();
    const errors: string[] = [];
    const got: string[] = [];
    router.on('a', () => {
      throw new Error('boom');
    });
    router.on('b', (e) => got.push(e.type));
    const dial = { type: 'Dial', dialstatus: 'ANSWER', peer: { id: 'b' }, caller: { id: 'a' } } as unknown as AriEvent;
    expect(router.dispatch(dial, (err, id) => errors.push(`${id}:${(err as Error).message}`))).toBe(2);
    expect(errors).toEqual(['a:boom']);
    expect(got).toEqual(['Dial']);
    router.dispatch({ type: 'StasisEnd', channel: { id: 'a' } } as AriEvent, () => undefined);
    expect(router.ids()).toEqual(['b']);
  });

  it('prunes only routes made before the mark whose channel is gone', () => {
    const router = new ChannelRouter();
    router.on('alive', () => undefined);
    router.on('died-in-gap', () => undefined);
    const mark = router.mark();
    router.on('originating-now', () => undefined);
    expect(router.pruneAbsent(new Set(['alive']), mark)).toEqual(['died-in-gap']);
    expect(router.ids().sort()).toEqual(['alive', 'originating-now']);
  });

  it('stays flat over many calls', () => {
    const router = new ChannelRouter();
    for (let i = 0; i < 5_000; i++) {
      const id = `call-${i}`;
      router.on(id, () => undefined);
      router.dispatch({ type: 'StasisStart', args: [], channel: { id } } as unknown as AriEvent, noError);
      router.dispatch({ type: 'StasisEnd', channel: { id } } as AriEvent, noError);
    }
    expect(router.size).toBe(0);
  });
});
