// A prompt that never reports its end must not hold a caller: the bound a prompt gets, what
// the interpreter does with a failed prompt, and how a session guards, skips and stops
// prompts (the real interpreter, a port that records what it is asked).
import { describe, expect, it } from 'vitest';
import type { Flow, IvrState } from '../../src/ivr/contract.js';
import { interpret } from '../../src/ivr/interpreter.js';
import { describeMedia, promptBoundMs, recordingNames, withoutMissing } from '../../src/ivr/prompt-watchdog.js';
import { RecordingPresence } from '../../src/ivr/recording-presence.js';
import { IvrSession, type IvrCallPort } from '../../src/ivr/runner.js';
import type { IvrStep } from '../../src/ivr/call-store.js';
import { createLogger } from '../../src/log.js';
import { waitUntil } from '../helpers/receiver.js';

const bounds = { maxMs: 60_000, minMarginMs: 3_000 };

describe('the bound of a prompt', () => {
  it('is the spoken length plus a margin when every part has a known length', () => {
    expect(promptBoundMs(['digits:1234'], bounds)).toBe(4 * 800 + 3_000);
    // A long known prompt keeps a quarter of its length as margin, beyond the configured maximum.
    expect(promptBoundMs(['recording:terms'], bounds, (m) => (m === 'recording:terms' ? 100_000 : undefined))).toBe(125_000);
  });

  it('is the configured maximum as soon as one part has no known length', () => {
    expect(promptBoundMs(['recording:welcome', 'digits:12'], bounds)).toBe(60_000);
    expect(promptBoundMs(['sound:hello-world'], { maxMs: 2_000, minMarginMs: 3_000 })).toBe(3_000);
  });

  it('names recordings once, masks spoken values, and splits off what the PBX lacks', () => {
    expect(recordingNames(['recording:a/b', 'sound:x', 'recording:a/b', 'recording:c'])).toEqual(['a/b', 'c']);
    expect(describeMedia(['recording:a', 'digits:4111111111111111', 'number:42', 'sound:x'])).toEqual(['recording:a', 'digits:…', 'number:…', 'sound:x']);
    expect(withoutMissing(['recording:a', 'digits:1', 'recording:b', 'sound:a'], new Set(['a']))).toEqual({
      play: ['digits:1', 'recording:b', 'sound:a'],
      missing: ['recording:a'],
    });
  });
});

const flow: Flow = {
  id: 'w',
  version: 1,
  entry: 'welcome',
  nodes: {
    welcome: { type: 'play', prompt: { media: ['recording:welcome'] }, next: 'menu' },
    menu: { type: 'menu', prompt: { media: ['recording:menu'] }, options: { '1': 'bye' }, timeoutMs: 60_000 },
    bye: { type: 'hangup' },
  },
};
const now = new Date('2026-12-07T10:00:00Z');

describe('the interpreter on a failed prompt', () => {
  const started = () => interpret(flow, undefined, { type: 'start', vars: {} }, now).state;

  it('goes on from a play node to its next node, and its step names the failure and the media', () => {
    const s = started();
    const r = interpret(flow, s, { type: 'prompt_failed', promptId: s.pendingPrompt!, reason: 'timeout', media: ['recording:welcome'] }, now);
    expect(r.commands[0]).toEqual({ type: 'step', node: 'welcome', nodeType: 'play', outcome: 'prompt_failed: timeout', media: ['recording:welcome'] });
    expect(r.commands.some((c) => c.type === 'step' && c.outcome === 'played')).toBe(false);
    expect(r.state.node).toBe('menu');
    expect(r.commands.at(-1)).toMatchObject({ type: 'play', media: ['recording:menu'] });
  });

  it('lets a menu wait for keys after its prompt failed, as after its end', () => {
    let s: IvrState = started();
    s = interpret(flow, s, { type: 'prompt_finished', promptId: s.pendingPrompt! }, now).state;
    const r = interpret(flow, s, { type: 'prompt_failed', promptId: s.pendingPrompt!, reason: 'missing', media: ['recording:menu'] }, now);
    expect(r.commands).toEqual([
      { type: 'step', node: 'menu', nodeType: 'menu', outcome: 'prompt_failed: missing', media: ['recording:menu'] },
      expect.objectContaining({ type: 'start_timer', ms: 60_000 }),
    ]);
    expect(r.state.phase).toBe('waiting');
  });

  it('ignores the failure of a prompt that is no longer pending', () => {
    const s = started();
    const r = interpret(flow, s, { type: 'prompt_failed', promptId: 'p999', reason: 'timeout', media: [] }, now);
    expect(r.commands).toEqual([]);
    expect(r.state).toEqual(s);
  });
});

function recorder(playbackState: { refuse?: boolean } = {}, missing: string[] = []) {
  const calls: string[] = [];
  const steps: IvrStep[] = [];
  const port: IvrCallPort = {
    answer: async () => void calls.push('answer'),
    play: async (id, media) => {
      calls.push(`play ${media.join(',')}`);
      if (playbackState.refuse) throw new Error('refused');
    },
    stopPlayback: async (id) => void calls.push(`stop ${id}`),
    hangup: async () => void calls.push('hangup'),
    lookup: async (cmd) => ({ type: 'http_result', requestId: cmd.requestId, outcome: 'ok', status: 200, body: {} }),
    setData: async () => undefined,
    step: async (s) => {
      steps.push(s);
      calls.push(`step ${s.node} ${s.outcome}`);
    },
    surveyResult: async () => undefined,
    handover: async () => false,
    missingRecordings: async (names) => names.filter((n) => missing.includes(n)),
  };
  return { port, calls, steps };
}

const callId = '00000000-0000-4000-8000-00000000000a';
const session = (port: IvrCallPort, maxMs = 60_000) =>
  new IvrSession({ callId, flow, interpret, port, log: createLogger('silent'), sorryMedia: ['sound:sorry'], promptBounds: { maxMs, minMarginMs: 0 } });

describe('a session guarding its prompts', () => {
  it('stops a prompt that does not end within its bound and goes on to the next node', async () => {
    const { port, calls, steps } = recorder();
    const s = session(port, 30);
    await s.start({});
    await waitUntil(() => calls.includes('play recording:menu'), 'the menu after the welcome gave up');
    expect(calls.slice(0, 4)).toEqual(['answer', 'play recording:welcome', `stop ivr-${callId}-p1`, 'step welcome prompt_failed: timeout']);
    expect(steps[0]!.media).toEqual(['recording:welcome']);
  });

  it('does not play a recording the PBX does not have: the flow goes on at once', async () => {
    const { port, calls } = recorder({}, ['welcome']);
    const s = session(port);
    await s.start({});
    await waitUntil(() => calls.includes('play recording:menu'), 'the menu');
    expect(calls.slice(0, 3)).toEqual(['answer', 'step welcome prompt_failed: missing', 'play recording:menu']);
    expect(s.timers.size).toBe(1); // the menu prompt's watchdog only
  });

  it('plays what exists of a prompt and notes what is missing', async () => {
    const { port, calls, steps } = recorder({}, ['welcome']);
    const partial: Flow = { ...flow, nodes: { ...flow.nodes, welcome: { type: 'play', prompt: { media: ['recording:welcome', 'sound:hello-world'] }, next: 'menu' } } };
    const s = new IvrSession({ callId, flow: partial, interpret, port, log: createLogger('silent'), sorryMedia: ['sound:sorry'] });
    await s.start({});
    expect(calls).toEqual(['answer', 'step welcome prompt_incomplete: missing', 'play sound:hello-world']);
    expect(steps[0]!.media).toEqual(['recording:welcome']);
  });

  it('stands the watchdog down when the prompt ends, and names a prompt the PBX reports failed', async () => {
    const { port, calls } = recorder();
    const s = session(port);
    await s.start({});
    expect(s.timers.size).toBe(1);
    await s.playbackEnded(s.snapshot!.pendingPrompt!, false);
    expect(calls.at(-1)).toBe('play recording:menu');
    await s.playbackEnded(s.snapshot!.pendingPrompt!, true);
    expect(calls.at(-1)).toBe('step menu prompt_failed: failed');
    expect(s.timers.size).toBe(1); // the menu's wait for a key, no watchdog
    expect(calls.filter((c) => c.startsWith('stop'))).toEqual([]);
  });
});

describe('which recordings the PBX has', () => {
  it('asks once per name within the TTL and counts a PBX that cannot be asked as having it', async () => {
    let t = 0;
    const asked: string[] = [];
    const presence = new RecordingPresence({
      exists: async (name) => {
        asked.push(name);
        if (name === 'down') throw new Error('ECONNREFUSED');
        return name !== 'gone';
      },
      now: () => t,
      presentTtlMs: 1_000,
      absentTtlMs: 100,
    });
    expect(await presence.missing(['here', 'gone', 'down'])).toEqual(['gone']);
    expect(await presence.missing(['here', 'gone'])).toEqual(['gone']);
    expect(asked).toEqual(['here', 'gone', 'down']);
    t = 500; // the absent answer is old, the present one is not
    expect(await presence.missing(['here', 'gone', 'down'])).toEqual(['gone']);
    expect(asked).toEqual(['here', 'gone', 'down', 'gone', 'down']);
  });
});
