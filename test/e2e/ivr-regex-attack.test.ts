// A caller chooses the text a flow's patterns run on. With ^(1+)+$ a backtracking engine
// needs ~2^31 steps for the caller id below and holds the event loop for seconds: the
// service stops answering, its PBX lease lapses. While such a call and such keyed digits
// are checked, /healthz keeps answering within a second (a correctness bound, not a speed target).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitUntil } from '../helpers/receiver.js';
import { placeCall, press, publishFlow, sessionOf, sound, startIvrWorld, stepsOf, waitAt, waitEnded, type IvrWorld } from './ivr-fixture.js';

const ATTACK = '1111111111111111111111111111111x';

describe('a caller cannot stall the service through a flow pattern', () => {
  let w: IvrWorld;

  beforeAll(async () => {
    w = await startIvrWorld('ivr-redos');
    await publishFlow(
      w,
      {
        id: 'redos-branch',
        entry: 'check',
        nodes: {
          check: { type: 'branch', cases: [{ when: [{ var: 'caller', op: 'matches', regex: '^(1+)+$' }], next: 'vip' }], otherwise: 'bye' },
          vip: { type: 'hangup', prompt: sound('welcome') },
          bye: { type: 'hangup', prompt: sound('goodbye') },
        },
      },
      '320',
    );
    await publishFlow(
      w,
      {
        id: 'redos-collect',
        entry: 'ask',
        nodes: {
          ask: { type: 'collect', prompt: sound('enter-order'), variable: 'order', maxDigits: 40, terminator: '#', pattern: '(1+)+', next: 'bye', fallback: 'bye', retries: 0 },
          bye: { type: 'hangup', prompt: sound('goodbye') },
        },
      },
      '321',
    );
  });

  afterAll(async () => {
    await w?.close();
  });

  /**
   * A second, or three times what /healthz takes at rest when this machine is busier than
   * that: a shared machine can be slow to schedule the process at all, which is no stall of
   * ours. The stall this test catches lasts seconds to minutes.
   */
  async function bound(): Promise<number> {
    let atRest = 0;
    for (let i = 0; i < 20; i++) {
      const started = performance.now();
      await (await fetch(`${w.service.url}/healthz`)).arrayBuffer();
      atRest = Math.max(atRest, performance.now() - started);
    }
    return Math.max(1_000, 3 * atRest);
  }

  /** Asks /healthz over and over until `done`; returns the slowest answer in ms. */
  async function slowestHealthzUntil(done: () => Promise<boolean>): Promise<number> {
    let slowest = 0;
    let finished = false;
    const watch = (async () => {
      while (!finished) {
        const started = performance.now();
        const res = await fetch(`${w.service.url}/healthz`);
        await res.arrayBuffer();
        expect(res.status).toBe(200);
        slowest = Math.max(slowest, performance.now() - started);
      }
    })();
    await waitUntil(done, 'the attack to be checked');
    finished = true;
    await watch;
    return slowest;
  }

  it('branch matches ^(1+)+$ against the caller id 1111111111111111111111111111111x', async () => {
    const limit = await bound();
    const { callId } = await placeCall(w, '320', ATTACK);
    const slowest = await slowestHealthzUntil(async () => (await stepsOf(w, callId)).some((s) => s.node === 'check'));
    expect(slowest).toBeLessThan(limit);
    await waitEnded(w, callId);
    expect((await stepsOf(w, callId)).map((s) => s.node)).toEqual(['check', 'bye']);
  });

  it('collect checks keyed digits 111…1* against (1+)+', async () => {
    const { channelId, callId } = await placeCall(w, '321', '+15550000031');
    await waitAt(w, channelId, 'ask', 'collecting');
    // The pattern runs when the terminator comes: the caller keys the rest first.
    await press(w, channelId, `${'1'.repeat(31)}*`);
    await waitUntil(() => sessionOf(w, channelId)?.snapshot?.digits.length === 32, 'the digits to be keyed');
    const limit = await bound();
    const keyed = press(w, channelId, '#');
    const slowest = await slowestHealthzUntil(async () => (await stepsOf(w, callId)).some((s) => s.node === 'ask'));
    await keyed;
    expect(slowest).toBeLessThan(limit);
    await waitEnded(w, callId);
    expect((await stepsOf(w, callId)).map((s) => [s.node, s.outcome.split(':')[0]])).toEqual([
      ['ask', 'invalid, retries exhausted'],
      ['bye', 'hangup'],
    ]);
  });
});
