// World-level details behind three AMI captures: the originate that succeeds through the
// inbound fallback (ami/04), the cause a hang-up request shows (ami/08 vs ARI), and the
// Newexten Asterisk never sends for a channel that is already gone (ami/06, ami/12).
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { renderWorldEvent } from '../../src/sim/ami-render.js';
import { World, type WorldEvent } from '../../src/sim/world.js';

let world: World;
let events: WorldEvent[];

beforeEach(() => {
  vi.useFakeTimers();
  world = new World({ now: () => 1_795_384_317_428, speed: 1000 });
  events = [];
  world.subscribe((e) => events.push(e));
});

afterEach(() => {
  world.close();
  vi.useRealTimers();
});

/** A caller script on ;1 talking to an agent that answers at once on ;2. */
function answeredPair(): { one: string; two: string } {
  const one = world.originate({ endpoint: 'Local/1001@agents', context: 'caller-script', extension: 'wait', variables: { HOLDTIME: '30' } });
  vi.advanceTimersByTime(1);
  expect(world.channel(one.id)?.state).toBe('Up');
  return { one: one.id, two: one.localPeerId ?? '' };
}

describe('World fidelity', () => {
  it('answers an originate into from-pstn once the fallback Dial() is answered, and ends the agent leg with the script', () => {
    world.setEndpointBehaviour('PJSIP/1001', { behaviour: 'answer', answerAfterMs: 500 });
    const one = world.originate({ endpoint: 'Local/100@from-pstn', context: 'caller-script', extension: 's', requestId: 'r1', variables: { DTMFDELAY: '1', HOLDTIME: '5' } });
    vi.advanceTimersByTime(1); // 500 simulated ms: the agent answers
    const results = events.filter((e) => e.type === 'OriginateResult');
    expect(results).toHaveLength(1);
    expect(results[0]).toMatchObject({ response: 'Success', reason: 4, requestId: 'r1', channel: { id: one.id } });
    expect(world.channel(one.id)?.state).toBe('Up');
    expect(world.channel(one.localPeerId ?? '')?.state).toBe('Up');
    const agent = world.channels().find((c) => c.name.startsWith('PJSIP/1001-'));
    expect(agent?.state).toBe('Up');
    // The script runs 1 + 5 simulated seconds and hangs up; the agent's leg goes with it.
    vi.advanceTimersByTime(10);
    expect(world.channels()).toEqual([]);
    expect(events.filter((e) => e.type === 'OriginateResult')).toHaveLength(1);
  });

  it('shows an explicit hang-up cause in the request and keeps the soft-hangup flag for ARI reasons', () => {
    const a = answeredPair();
    world.hangup(a.one, { cause: 16 });
    const request = events.find((e) => e.type === 'HangupRequested' && e.channel.id === a.one);
    expect(request).toMatchObject({ cause: 16, soft: true });
    expect(events.find((e) => e.type === 'ChannelHungUp' && e.channel.id === a.one)).toMatchObject({ cause: 16 });

    events.length = 0;
    const b = answeredPair();
    world.hangup(b.one, { reason: 'busy' });
    expect(events.find((e) => e.type === 'HangupRequested' && e.channel.id === b.one)).toMatchObject({ cause: 32, soft: true });
    expect(events.find((e) => e.type === 'ChannelHungUp' && e.channel.id === b.one)).toMatchObject({ cause: 17 });
  });

  it('refuses a hang-up cause outside Q.850', () => {
    const a = answeredPair();
    for (const cause of [-1, 128, 1.5]) {
      expect(() => world.hangup(a.one, { cause })).toThrow(expect.objectContaining({ kind: 'bad-request' }));
    }
    expect(world.channel(a.one)).toBeDefined();
  });

  it('marks the dialplan step a dead ;1 publishes, which AMI does not render', () => {
    const a = answeredPair();
    world.redirect(a.one, 'no-such-context', 's', 1);
    vi.advanceTimersByTime(1);
    const gone = events.findIndex((e) => e.type === 'ChannelHungUp' && e.channel.id === a.one);
    expect(gone).toBeGreaterThanOrEqual(0);
    const late = events.slice(gone).filter((e) => e.type === 'ChannelDialplan');
    expect(late).toHaveLength(1);
    expect(late[0]).toMatchObject({ dead: true, app: 'AppDial2' });
    expect(renderWorldEvent(late[0] as WorldEvent)).toEqual([]);
    const live = events.find((e) => e.type === 'ChannelDialplan' && !e.dead);
    expect(renderWorldEvent(live as WorldEvent)).toHaveLength(1);
  });
});
