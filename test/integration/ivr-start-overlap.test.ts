// An IVR call's start (answered, ivr) is stored while the flow's first prompt plays; what
// writes to the call, hangs it up or ends it waits for that statement. The statement is
// held here until the test lets it through, against a real Postgres.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InboundCalls, type CallChannelPort, type StasisChannel } from '../../src/calls/stasis.js';
import type { Db } from '../../src/db/pool.js';
import type { Flow } from '../../src/ivr/contract.js';
import { interpret } from '../../src/ivr/interpreter.js';
import { IvrCalls } from '../../src/ivr/ivr-calls.js';
import { createLogger } from '../../src/log.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { waitUntil } from '../helpers/receiver.js';

const flow: Flow = {
  id: 'hello',
  version: 1,
  entry: 'hello',
  nodes: { hello: { type: 'play', prompt: { media: ['sound:hello'] }, next: 'bye' }, bye: { type: 'hangup' } },
} as Flow;

describe('an IVR call whose start is still being stored', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(async () => t.drop());

  function setup() {
    const requests: string[] = [];
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let moves = 0;
    const db = new Proxy(t.db, {
      get(target, prop, receiver) {
        if (prop !== 'query') return Reflect.get(target, prop, receiver);
        return async (q: unknown, ...rest: unknown[]) => {
          if ((q as { name?: string }).name === 'call-move') {
            moves++;
            await held;
          }
          return (target.query as (...a: unknown[]) => unknown).call(target, q, ...rest);
        };
      },
    }) as Db;
    const pbx: CallChannelPort = {
      answer: async (id) => void requests.push(`answer ${id}`),
      play: async (_id, _media, playbackId) => void requests.push(`play ${playbackId}`),
      stopPlayback: async (id) => void requests.push(`stop ${id}`),
      hangup: async (id) => void requests.push(`hangup ${id}`),
      getVariable: async () => undefined,
      playbackActive: async () => false,
    };
    const log = createLogger('silent');
    const calls = new InboundCalls({ db, pbx, pbxNode: 'pbx-start', greetingMedia: 'sound:hello-world', log });
    const ivr = new IvrCalls({
      db, pbx, log, interpret,
      flowForNumber: async () => flow,
      lookup: async () => ({ type: 'http_result', requestId: 'x', outcome: 'error', detail: 'none' }),
      sorryMedia: ['sound:sorry'],
      hangup: (channelId) => calls.hangupOwn(channelId),
    });
    calls.attachIvr(ivr);
    return { calls, requests, release, moves: () => moves };
  }

  const channel = (id: string): StasisChannel => ({ id, name: `PJSIP/trunk-${id}`, state: 'Ring', caller: { number: '+15551230001' } });
  const row = async (channelId: string) =>
    (await t.db.query('SELECT id, state, answered_at FROM calls WHERE channel_id = $1', [channelId])).rows[0] as { id: string; state: string; answered_at: Date | null };
  const timeline = async (callId: string) =>
    (await t.db.query('SELECT type FROM call_events WHERE call_id = $1 ORDER BY id', [callId])).rows.map((r) => r.type as string);

  it('plays the first prompt meanwhile, and writes its step and hangs up only after it', async () => {
    const { calls, requests, release, moves } = setup();
    const ch = channel('1795385000.1');
    await calls.handle({ type: 'StasisStart', args: ['inbound', '900', ch.id], channel: ch });
    const call = await row(ch.id);
    expect(moves()).toBe(1);
    expect(call.state).toBe('ringing');
    expect(requests[0]).toBe(`answer ${ch.id}`);
    expect(requests[1]).toMatch(new RegExp(`^play ivr-${call.id}-`));
    const playbackId = requests.find((r) => r.startsWith('play '))!.slice('play '.length);

    const finished = calls.handle({ type: 'PlaybackFinished', playback: { id: playbackId, state: 'done' } });
    await new Promise((r) => setImmediate(r));
    expect(requests.some((r) => r.startsWith('hangup '))).toBe(false);
    expect(await timeline(call.id)).toEqual(['call.created']);

    release();
    await finished;
    await waitUntil(() => requests.some((r) => r.startsWith('hangup ')), 'the hang-up');
    expect(await timeline(call.id)).toEqual(['call.created', 'call.answered', 'call.ivr', 'ivr.step', 'ivr.step']);
  });

  it('ends a caller who hangs up meanwhile only after the answer is stored', async () => {
    const { calls, release } = setup();
    const ch = channel('1795385000.2');
    await calls.handle({ type: 'StasisStart', args: ['inbound', '900', ch.id], channel: ch });
    const call = await row(ch.id);

    let ended = false;
    const gone = calls.handle({ type: 'StasisEnd', channel: ch }).then(() => (ended = true));
    await new Promise((r) => setImmediate(r));
    expect(ended).toBe(false);
    expect((await row(ch.id)).state).toBe('ringing');

    release();
    await gone;
    const after = await row(ch.id);
    expect(after.state).toBe('ended');
    expect(after.answered_at).not.toBeNull();
    const types = await timeline(call.id);
    // The answer and the flow's start first, the end last (the flow notes the hang-up between).
    expect(types.slice(0, 3)).toEqual(['call.created', 'call.answered', 'call.ivr']);
    expect(types.at(-1)).toBe('call.ended');
  });
});
