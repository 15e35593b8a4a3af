// The inbound handler against a real Postgres: what it asks the PBX and how many
// statements a call's start and end cost. The PBX side is a recording port (the ARI
// adapter's interface), so every request the handler makes is seen.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InboundCalls, type CallChannelPort, type StasisChannel } from '../../src/calls/stasis.js';
import type { Db } from '../../src/db/pool.js';
import { createLogger } from '../../src/log.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';

describe('inbound calls over Stasis', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(async () => t.drop());

  function setup(pbxNode = 'pbx1') {
    const requests: string[] = [];
    const statements: string[] = [];
    const port: CallChannelPort = {
      answer: async (id) => void requests.push(`answer ${id}`),
      play: async (id) => void requests.push(`play ${id}`),
      stopPlayback: async (id) => void requests.push(`stop ${id}`),
      hangup: async (id) => void requests.push(`hangup ${id}`),
      getVariable: async (id, name) => {
        requests.push(`get ${id} ${name}`);
        return 'from-the-pbx.1';
      },
      playbackActive: async () => false,
    };
    const db = new Proxy(t.db, {
      get(target, prop, receiver) {
        if (prop !== 'query') return Reflect.get(target, prop, receiver);
        return (q: unknown, ...rest: unknown[]) => {
          statements.push(typeof q === 'string' ? q : String((q as { text: string }).text));
          return (target.query as (...a: unknown[]) => unknown).call(target, q, ...rest);
        };
      },
    }) as Db;
    const calls = new InboundCalls({ db, pbx: port, pbxNode, greetingMedia: 'sound:hello-world', log: createLogger('silent') });
    return { calls, requests, statements };
  }

  const channel = (id: string): StasisChannel => ({ id, name: `PJSIP/trunk-${id}`, state: 'Ring', caller: { number: '+15551230001', name: 'Alice' } });

  async function callOf(channelId: string) {
    const { rows } = await t.db.query('SELECT id, linkedid, state FROM calls WHERE channel_id = $1', [channelId]);
    return rows[0];
  }

  it('takes the linkedid the dialplan passed, and asks the PBX only when it passed none', async () => {
    const { calls, requests } = setup();
    await calls.handle({ type: 'StasisStart', args: ['inbound', '100', '1795384317.7'], channel: channel('1795384317.8') });
    expect((await callOf('1795384317.8')).linkedid).toBe('1795384317.7');
    expect(requests.filter((r) => r.startsWith('get '))).toEqual([]);

    await calls.handle({ type: 'StasisStart', args: ['inbound', '100'], channel: channel('1795384317.9') });
    expect((await callOf('1795384317.9')).linkedid).toBe('from-the-pbx.1');
    // Not a channel id: asked rather than trusted.
    await calls.handle({ type: 'StasisStart', args: ['inbound', '100', 'x y;z'], channel: channel('1795384317.10') });
    expect((await callOf('1795384317.10')).linkedid).toBe('from-the-pbx.1');
    expect(requests.filter((r) => r.startsWith('get '))).toEqual([
      'get 1795384317.9 CHANNEL(linkedid)',
      'get 1795384317.10 CHANNEL(linkedid)',
    ]);
  });

  it('ends a call it created without reading it back, once, and the second end event costs nothing', async () => {
    const { calls, statements } = setup();
    const ch = channel('1795384400.1');
    await calls.handle({ type: 'StasisStart', args: ['inbound', '100', ch.id], channel: ch });
    expect((await callOf(ch.id)).state).toBe('answered');

    statements.length = 0;
    await calls.handle({ type: 'ChannelHangupRequest', channel: ch, cause: 16 });
    await calls.handle({ type: 'StasisEnd', channel: ch });
    await calls.handle({ type: 'ChannelDestroyed', channel: ch, cause: 16, cause_txt: 'Normal Clearing' });
    expect(statements.filter((s) => s.includes('call_legs l'))).toEqual([]);
    const { rows } = await t.db.query('SELECT c.state, c.hangup_cause, count(d.id)::int AS cdrs FROM calls c LEFT JOIN cdrs d ON d.call_id = c.id WHERE c.channel_id = $1 GROUP BY c.id', [ch.id]);
    expect(rows).toEqual([{ state: 'ended', hangup_cause: 16, cdrs: 1 }]);

    // A channel that is no call's caller (an agent's leg) is looked up once, not twice.
    statements.length = 0;
    const agent = channel('1795384400.2');
    await calls.handle({ type: 'StasisEnd', channel: agent });
    await calls.handle({ type: 'ChannelDestroyed', channel: agent, cause: 16 });
    expect(statements.filter((s) => s.includes('call_legs l'))).toHaveLength(1);
  });

  it('still ends a call created by another instance, found by its channel', async () => {
    const first = setup();
    const ch = channel('1795384500.1');
    await first.calls.handle({ type: 'StasisStart', args: ['inbound', '100', ch.id], channel: ch });
    // This instance took the node over: it never saw the call start.
    const next = setup();
    await next.calls.handle({ type: 'StasisEnd', channel: ch });
    expect((await callOf(ch.id)).state).toBe('ended');
  });

  it('leaves to its own events a call whose channel came after the resync snapshot', async () => {
    // A fresh connection's first call: its StasisStart is handled while the resync of the
    // connect runs, and the snapshot (taken before) does not have its channel.
    const { calls, requests } = setup('pbx-resync');
    const before = channel('1795384600.1');
    await calls.handle({ type: 'StasisStart', args: ['inbound', '100', before.id], channel: before });
    const mark = calls.arrivalMark();
    const after = channel('1795384600.2');
    await calls.handle({ type: 'StasisStart', args: ['inbound', '100', after.id], channel: after });
    const answersBefore = requests.filter((r) => r.startsWith('answer ')).length;

    const result = await calls.resync({ channels: [], appChannelIds: [], arrivalMark: mark });
    // The older call's channel is gone from a snapshot taken after it: that one ends.
    expect((await callOf(before.id)).state).toBe('ended');
    expect((await callOf(after.id)).state).toBe('answered');
    expect(result).toEqual({ ended: 1, adopted: 0 });
    // Nor is it served a second time.
    expect(requests.filter((r) => r.startsWith('answer ')).length).toBe(answersBefore);

    // Its end still comes through its own events.
    await calls.handle({ type: 'StasisEnd', channel: after });
    expect((await callOf(after.id)).state).toBe('ended');
  });
});
