// An event's step writes and prompt stops go out beside the commands after them, and
// whatever depends on them (a hang-up, a hand-over, the next event) waits until they
// are done: fewer turns per call, the same order in the timeline and at the PBX.
import { describe, expect, it } from 'vitest';
import type { Flow } from '../../src/ivr/contract.js';
import { interpret } from '../../src/ivr/interpreter.js';
import { IvrSession, type IvrCallPort } from '../../src/ivr/runner.js';
import { createLogger } from '../../src/log.js';
import { waitUntil } from '../helpers/receiver.js';

/** A port whose step writes and prompt stops answer only when the test lets them. */
function heldPort() {
  const calls: string[] = [];
  const held: Array<{ what: string; release(): void; fail(err: Error): void }> = [];
  const hold = (what: string) =>
    new Promise<void>((release, fail) => {
      calls.push(what);
      held.push({ what, release: () => release(), fail });
    });
  const port: IvrCallPort = {
    answer: async () => void calls.push('answer'),
    play: async (_id, media) => void calls.push(`play ${media.join(',')}`),
    stopPlayback: () => hold('stop'),
    hangup: async () => void calls.push('hangup'),
    lookup: async (cmd) => ({ type: 'http_result', requestId: cmd.requestId, outcome: 'ok', status: 200, body: {} }),
    setData: async () => void calls.push('set'),
    step: (s) => hold(`step ${s.node}`),
    steps: (s) => hold(`steps ${s.map((x) => x.node).join(',')}`),
    surveyResult: async () => undefined,
    handover: async (cmd) => {
      calls.push(`handover ${cmd.to}`);
      return true;
    },
  };
  const releaseAll = () => {
    for (const h of held.splice(0)) h.release();
  };
  return { port, calls, held, releaseAll };
}

const flow: Flow = {
  id: 'order',
  version: 1,
  entry: 'welcome',
  nodes: {
    welcome: { type: 'play', prompt: { media: ['sound:welcome'] }, next: 'menu' },
    menu: { type: 'menu', prompt: { media: ['sound:menu'] }, options: { '1': 'q', '2': 'bye' }, timeoutMs: 60_000 },
    q: { type: 'queue', queue: 'sales' },
    bye: { type: 'hangup' },
  },
} as Flow;

function session(port: IvrCallPort) {
  return new IvrSession({ callId: '00000000-0000-4000-8000-000000000009', flow, interpret, port, log: createLogger('silent'), sorryMedia: ['sound:sorry'] });
}

/** A session past its welcome (the welcome's step let through), waiting in the menu. */
async function atTheMenu() {
  const held = heldPort();
  const s = session(held.port);
  await s.start({});
  const welcome = s.feed({ type: 'prompt_finished', promptId: s.snapshot!.pendingPrompt! });
  await waitUntil(() => held.held.length === 1, 'the welcome step');
  held.releaseAll();
  await welcome;
  return { s, ...held };
}

describe('the commands of one IVR event', () => {
  it('plays the next prompt while the step before it is written, and handles the next event after both', async () => {
    const { port, calls, releaseAll } = heldPort();
    const s = session(port);
    await s.start({});
    let done = false;
    const finished = s.feed({ type: 'prompt_finished', promptId: s.snapshot!.pendingPrompt! }).then(() => (done = true));
    await waitUntil(() => calls.includes('play sound:menu'), 'the menu prompt');
    expect(calls.slice(-2)).toEqual(['step welcome', 'play sound:menu']);
    expect(done).toBe(false);
    releaseAll();
    await finished;
  });

  it('writes the steps while the prompt is stopped, and hands over only once both are done', async () => {
    const { s, calls, held, releaseAll } = await atTheMenu();
    const pressed = s.feed({ type: 'dtmf', digit: '1' });
    await waitUntil(() => held.length === 2, 'the stop and the steps both on their way');
    expect(held.map((h) => h.what).sort()).toEqual(['steps menu,q', 'stop']);
    expect(calls).not.toContain('handover queue');
    held.find((h) => h.what === 'stop')!.release();
    await new Promise((r) => setImmediate(r));
    expect(calls).not.toContain('handover queue');
    releaseAll();
    await pressed;
    expect(calls.at(-1)).toBe('handover queue');
  });

  it('hangs up only after its steps are stored, and says sorry when they cannot be', async () => {
    const { s, calls, held, releaseAll } = await atTheMenu();
    const pressed = s.feed({ type: 'dtmf', digit: '2' });
    await waitUntil(() => held.length === 2, 'the stop and the steps');
    expect(held.map((h) => h.what).sort()).toEqual(['steps menu,bye', 'stop']);
    held.find((h) => h.what === 'stop')!.release();
    await new Promise((r) => setImmediate(r));
    expect(calls).not.toContain('hangup');
    held.find((h) => h.what.startsWith('steps'))!.fail(new Error('connection terminated'));
    held.splice(0);
    // The sorry path records its own step (held too): let it through.
    await waitUntil(() => held.length === 1, 'the sorry step');
    releaseAll();
    await pressed;
    expect(calls).not.toContain('hangup');
    expect(calls.at(-1)).toBe('play sound:sorry');
    expect(s.currentPhase).toBe('closing');
  });
});
