import { describe, expect, it } from 'vitest';
import type { Flow } from '../../src/ivr/contract.js';
import { SORRY_MEDIA } from '../../src/ivr/engine.js';
import { Call, of } from './ivr-driver.js';

const flow: Flow = {
  id: 'mc',
  version: 1,
  entry: 'hello',
  nodes: {
    hello: { type: 'play', prompt: { media: ['sound:hello-world'] }, next: 'menu' },
    menu: {
      type: 'menu',
      prompt: { media: ['sound:menu'] },
      options: { '1': 'card', '2': 'bye' },
      timeoutMs: 4000,
      retries: 1,
      invalidPrompt: { media: ['sound:option-is-invalid'] },
      timeoutPrompt: { media: ['sound:please-try-again'] },
      fallback: 'bye',
    },
    card: {
      type: 'collect',
      prompt: { media: ['sound:enter-card'] },
      variable: 'card',
      minDigits: 4,
      maxDigits: 6,
      pattern: '4[0-9]+',
      interDigitTimeoutMs: 2000,
      firstDigitTimeoutMs: 6000,
      retries: 1,
      invalidPrompt: { media: ['sound:please-try-again'] },
      next: 'bye',
    },
    bye: { type: 'hangup', prompt: { media: ['sound:goodbye'] } },
  },
};

function atMenu(): Call {
  const c = new Call(flow);
  c.start();
  c.finishPrompt();
  return c;
}

describe('play', () => {
  it('answers, plays, and moves on when the prompt ends', () => {
    const c = new Call(flow);
    const cmds = c.start();
    expect(cmds[0]).toEqual({ type: 'answer' });
    expect(of(cmds, 'play')[0]?.media).toEqual(['sound:hello-world']);
    const next = c.finishPrompt();
    expect(of(next, 'play')[0]?.media).toEqual(['sound:menu']);
    expect(c.steps()[0]).toEqual({ node: 'hello', outcome: 'played' });
  });

  it('barge-in stops the prompt and the key is the next menu choice (type-ahead)', () => {
    const c = new Call(flow);
    c.start();
    const promptId = c.state?.pendingPrompt;
    const cmds = c.press('1');
    expect(cmds).toContainEqual({ type: 'stop_prompt', promptId });
    expect(c.state?.node).toBe('card');
    expect(c.steps().map((s) => s.outcome)).toEqual(['barged_in', 'option']);
    // the stopped prompt's finish event arrives late and is ignored
    expect(c.send({ type: 'prompt_finished', promptId: promptId as string })).toEqual([]);
  });

  it('without barge-in, keys during the prompt are ignored', () => {
    const f: Flow = { ...flow, nodes: { ...flow.nodes, hello: { type: 'play', prompt: { media: ['sound:hello-world'], bargeIn: false }, next: 'menu' } } };
    const c = new Call(f);
    c.start();
    expect(c.press('1')).toEqual([]);
    expect(c.state?.node).toBe('hello');
  });
});

describe('menu', () => {
  it('starts its timer only after the prompt', () => {
    const c = new Call(flow);
    c.start();
    const cmds = c.finishPrompt();
    expect(of(cmds, 'start_timer')).toEqual([]);
    const after = c.finishPrompt();
    expect(of(after, 'start_timer')[0]?.ms).toBe(4000);
  });

  it('a valid option cancels the timer and goes to its node', () => {
    const c = atMenu();
    c.finishPrompt();
    const timerId = c.state?.pendingTimer;
    const cmds = c.press('1');
    expect(cmds).toContainEqual({ type: 'cancel_timer', timerId });
    expect(c.state?.node).toBe('card');
    expect(c.steps().at(-1)).toEqual({ node: 'menu', outcome: 'option', input: '1' });
  });

  it('an invalid key plays the invalid prompt then the menu again', () => {
    const c = atMenu();
    c.finishPrompt();
    const cmds = c.press('7');
    expect(of(cmds, 'play')[0]?.media).toEqual(['sound:option-is-invalid', 'sound:menu']);
    expect(c.state?.node).toBe('menu');
    expect(c.steps().at(-1)).toEqual({ node: 'menu', outcome: 'invalid', input: '7' });
  });

  it('a timeout plays the timeout prompt then the menu again', () => {
    const c = atMenu();
    c.finishPrompt();
    const cmds = c.fireTimer();
    expect(of(cmds, 'play')[0]?.media).toEqual(['sound:please-try-again', 'sound:menu']);
    expect(c.state?.tries).toBe(1);
  });

  it('when the retries run out it goes to the fallback', () => {
    const c = atMenu();
    c.finishPrompt();
    c.fireTimer();
    c.finishPrompt();
    c.press('8');
    expect(c.state?.node).toBe('bye');
    expect(c.steps().at(-2)).toEqual({ node: 'menu', outcome: 'invalid, retries exhausted', input: '8' });
  });

  it('without a fallback, exhausted retries end in the sorry prompt and a hang-up', () => {
    const { fallback: _f, ...noFallback } = flow.nodes.menu as Extract<Flow['nodes'][string], { type: 'menu' }>;
    const c = new Call({ ...flow, nodes: { ...flow.nodes, menu: { ...noFallback, retries: 0 } } });
    c.start();
    c.finishPrompt();
    c.finishPrompt();
    const cmds = c.fireTimer();
    expect(of(cmds, 'play')[0]?.media).toEqual(SORRY_MEDIA);
    expect(of(c.finishPrompt(), 'hangup')).toHaveLength(1);
    expect(c.state?.done).toBe(true);
  });

  it('a stale timer (from before a retry) is ignored', () => {
    const c = atMenu();
    c.finishPrompt();
    const old = c.state?.pendingTimer as string;
    c.press('7');
    expect(c.send({ type: 'timer', timerId: old })).toEqual([]);
    expect(c.state?.tries).toBe(1);
  });

  it('a caller hanging up mid-menu cancels the timer and ends the IVR', () => {
    const c = atMenu();
    c.finishPrompt();
    const timerId = c.state?.pendingTimer;
    const cmds = c.send({ type: 'hangup' });
    expect(cmds).toContainEqual({ type: 'cancel_timer', timerId });
    expect(c.state?.done).toBe(true);
    expect(c.state?.pendingTimer).toBeUndefined();
    expect(c.press('1')).toEqual([]);
  });

  it('ignores keys that are not DTMF digits', () => {
    const c = atMenu();
    expect(c.send({ type: 'dtmf', digit: 'x' })).toEqual([]);
  });
});

describe('collect', () => {
  function atCollect(): Call {
    const c = atMenu();
    c.press('1');
    return c;
  }

  it('stops at the terminator and stores the digits', () => {
    const c = atCollect();
    c.finishPrompt();
    c.press('4123#');
    expect(c.state?.vars.card).toBe('4123');
    expect(c.state?.node).toBe('bye');
    expect(c.steps().find((s) => s.node === 'card')).toEqual({ node: 'card', outcome: 'collected', input: '4123' });
  });

  it('stops at maxDigits without a terminator', () => {
    const c = atCollect();
    c.press('412345');
    expect(c.state?.vars.card).toBe('412345');
  });

  it('first-digit timer after the prompt, then inter-digit timers', () => {
    const c = atCollect();
    const cmds = c.finishPrompt();
    expect(of(cmds, 'start_timer')[0]?.ms).toBe(6000);
    const k = c.press('4');
    expect(of(k, 'start_timer')[0]?.ms).toBe(2000);
  });

  it('the inter-digit timeout ends the input', () => {
    const c = atCollect();
    c.press('41234');
    c.fireTimer();
    expect(c.state?.vars.card).toBe('41234');
  });

  it('too few digits is invalid and retried', () => {
    const c = atCollect();
    const cmds = c.press('41#');
    expect(c.state?.node).toBe('card');
    expect(of(cmds, 'play')[0]?.media).toEqual(['sound:please-try-again', 'sound:enter-card']);
    expect(c.state?.vars.card).toBeUndefined();
  });

  it('digits not matching the pattern are invalid', () => {
    const c = atCollect();
    c.press('5123#');
    expect(c.steps().at(-1)).toEqual({ node: 'card', outcome: 'invalid', input: '5123' });
  });

  it('no digits at all is a timeout; then the flow error handling', () => {
    const c = atCollect();
    c.finishPrompt();
    c.fireTimer();
    c.finishPrompt();
    const cmds = c.fireTimer();
    expect(of(cmds, 'play')[0]?.media).toEqual(SORRY_MEDIA);
  });

  it('ignores a stale prompt id', () => {
    const c = atCollect();
    expect(c.send({ type: 'prompt_finished', promptId: 'p999' })).toEqual([]);
    expect(c.state?.phase).toBe('prompting');
  });
});
