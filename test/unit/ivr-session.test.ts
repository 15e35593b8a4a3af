// The IVR session's own duties, with the real interpreter and a port that records what
// it is asked: the safe exit when something fails, prompts that cannot be played, and
// nothing running or reaching the PBX after the caller has gone.
import { describe, expect, it } from 'vitest';
import type { Flow, Interpret, IvrEvent } from '../../src/ivr/contract.js';
import type { HttpCommand } from '../../src/ivr/http-lookup.js';
import { interpret } from '../../src/ivr/interpreter.js';
import { IvrSession, type IvrCallPort } from '../../src/ivr/runner.js';
import { createLogger } from '../../src/log.js';
import { waitUntil } from '../helpers/receiver.js';

const log = createLogger('silent');

function recorder(opts: { failPlay?: boolean; takeHandover?: boolean; lookup?: (cmd: HttpCommand, signal: AbortSignal) => Promise<IvrEvent> } = {}) {
  const calls: string[] = [];
  const plays: Array<{ playbackId: string; media: string[] }> = [];
  const port: IvrCallPort = {
    answer: async () => void calls.push('answer'),
    play: async (playbackId, media) => {
      calls.push(`play ${media.join(',')}`);
      plays.push({ playbackId, media });
      if (opts.failPlay) throw new Error('Channel not found');
    },
    stopPlayback: async (id) => void calls.push(`stop ${id}`),
    hangup: async () => void calls.push('hangup'),
    lookup: opts.lookup ?? (async (cmd) => ({ type: 'http_result', requestId: cmd.requestId, outcome: 'ok', status: 200, body: {} })),
    setData: async (v) => void calls.push(`set ${Object.keys(v).join(',')}`),
    step: async (s) => void calls.push(`step ${s.node} ${s.outcome}`),
    surveyResult: async (r) => void calls.push(`survey ${r}`),
    handover: async (cmd) => {
      calls.push(`handover ${cmd.to}`);
      return opts.takeHandover ?? false;
    },
  };
  return { port, calls, plays };
}

const menuFlow: Flow = {
  id: 'unit',
  version: 1,
  entry: 'menu',
  nodes: {
    menu: { type: 'menu', prompt: { media: ['sound:cti/menu'] }, options: { '1': 'bye' }, timeoutMs: 60_000 },
    bye: { type: 'hangup' },
  },
};

function session(port: IvrCallPort, flow: Flow = menuFlow, interp: Interpret = interpret) {
  return new IvrSession({ callId: '00000000-0000-4000-8000-000000000001', flow, interpret: interp, port, log, sorryMedia: ['sound:sorry'], sorryTimeoutMs: 30 });
}

describe('IvrSession', () => {
  it('hands the steps one event takes in a row to the port together, in order', async () => {
    const { port, calls } = recorder();
    port.steps = async (steps) => void calls.push(`steps ${steps.map((x) => `${x.node} ${x.outcome}`).join(' | ')}`);
    const s = session(port);
    await s.start({});
    await s.feed({ type: 'dtmf', digit: '1' });
    const written = calls.filter((c) => c.startsWith('step'));
    // The menu's choice and the hang-up node it leads to: one write, not one each.
    expect(written).toHaveLength(1);
    expect(written[0]).toMatch(/^steps menu \S+ \| bye \S+$/);
  });

  it('names playbacks after the call so their end maps back, and ignores other playbacks', async () => {
    const { port, plays } = recorder();
    const s = session(port);
    await s.start({});
    expect(plays[0]!.playbackId).toBe(`ivr-00000000-0000-4000-8000-000000000001-${s.snapshot!.pendingPrompt}`);
    expect(s.promptOf(plays[0]!.playbackId)).toBe(s.snapshot!.pendingPrompt);
    expect(s.promptOf('greeting-00000000-0000-4000-8000-000000000001')).toBeUndefined();
    expect(s.promptOf('ivr-00000000-0000-4000-8000-000000000002-p1')).toBeUndefined();
  });

  it('says sorry and hangs up when the interpreter throws', async () => {
    const { port, calls } = recorder();
    const broken: Interpret = (flow, state, event, now) => {
      if (event.type === 'dtmf') throw new Error('bug');
      return interpret(flow, state, event, now);
    };
    const s = session(port, menuFlow, broken);
    await s.start({});
    await s.feed({ type: 'dtmf', digit: '1' });
    expect(calls.slice(-2)).toEqual(['step menu error', 'play sound:sorry']);
    expect(s.currentPhase).toBe('closing');
    await s.feed({ type: 'prompt_finished', promptId: '~sorry' });
    expect(calls.at(-1)).toBe('hangup');
    expect(s.timers.size).toBe(0);
  });

  it('hangs up even when the sorry prompt never reports its end', async () => {
    const { port, calls } = recorder();
    const s = session(port, menuFlow, () => {
      throw new Error('bug');
    });
    await s.start({});
    await waitUntil(() => calls.includes('hangup'), 'the guard to hang up');
    expect(s.currentPhase).toBe('finished');
  });

  it('says sorry and hangs up when recording a step fails, even from a timer, without an unhandled rejection', async () => {
    const { port, calls } = recorder();
    port.step = async (step) => {
      calls.push(`step ${step.node} ${step.outcome}`);
      if (step.outcome === 'timeout, retries exhausted') throw new Error('connection terminated');
    };
    const flow: Flow = {
      ...menuFlow,
      nodes: { ...menuFlow.nodes, menu: { type: 'menu', prompt: { media: ['sound:cti/menu'] }, options: { '1': 'bye' }, timeoutMs: 5, retries: 0, fallback: 'bye' } },
    };
    const s = session(port, flow);
    await s.start({});
    await s.feed({ type: 'prompt_finished', promptId: s.snapshot!.pendingPrompt! });
    // The menu's timer fires on its own; its step fails; the caller hears the sorry prompt.
    await waitUntil(() => calls.includes('play sound:sorry'), 'the sorry prompt');
    expect(s.currentPhase).toBe('closing');
    await s.feed({ type: 'prompt_finished', promptId: '~sorry' });
    expect(calls.at(-1)).toBe('hangup');
  });

  it('goes on when a prompt cannot be played instead of waiting for its end forever', async () => {
    const { port, calls } = recorder({ failPlay: true });
    const flow: Flow = { id: 'p', version: 1, entry: 'hello', nodes: { hello: { type: 'play', prompt: { media: ['sound:x'] }, next: 'bye' }, bye: { type: 'hangup' } } };
    const s = session(port, flow);
    await s.start({});
    await waitUntil(() => calls.includes('hangup'), 'the flow to go on');
    expect(calls).toEqual(['answer', 'play sound:x', 'step hello prompt_failed: refused', 'step bye hangup', 'hangup']);
  });

  it('stops its timers and lookups when the caller hangs up, and touches the PBX no more', async () => {
    let aborted = false;
    let answer: ((e: IvrEvent) => void) | undefined;
    const { port, calls } = recorder({
      lookup: (cmd, signal) =>
        new Promise((resolve) => {
          signal.addEventListener('abort', () => (aborted = true));
          answer = resolve;
          void cmd;
        }),
    });
    const flow: Flow = {
      id: 'h',
      version: 1,
      entry: 'lookup',
      nodes: {
        lookup: { type: 'http', method: 'GET', url: 'http://crm/x', filler: { afterMs: 60_000, prompt: { media: ['sound:wait'] } }, next: 'bye', onError: 'bye' },
        bye: { type: 'hangup' },
      },
    };
    const s = session(port, flow);
    await s.start({});
    expect(s.timers.size).toBe(1); // the filler's
    await s.callerHungUp();
    expect(s.timers.size).toBe(0);
    expect(aborted).toBe(true);
    const before = calls.length;
    answer!({ type: 'http_result', requestId: 'r1', outcome: 'ok', status: 200, body: {} });
    await s.feed({ type: 'dtmf', digit: '1' });
    expect(calls.slice(before)).toEqual([]);
    expect(calls.at(-1)).toBe('step lookup caller hung up');
  });

  it('lets go of a call without touching it when this instance loses the PBX node', async () => {
    const { port, calls } = recorder();
    const s = session(port);
    await s.start({});
    await s.feed({ type: 'prompt_finished', promptId: s.snapshot!.pendingPrompt! });
    expect(s.timers.size).toBe(1); // the menu's wait; the prompt's watchdog stood down
    const before = calls.length;
    s.detach();
    expect(s.timers.size).toBe(0);
    await s.feed({ type: 'dtmf', digit: '1' });
    await s.callerHungUp();
    expect(calls.slice(before)).toEqual([]);
  });
});

describe('hand-over to a capability', () => {
  const queueFlow: Flow = {
    id: 'unit-queue',
    version: 1,
    entry: 'sales',
    nodes: {
      sales: { type: 'queue', queue: 'sales', survey: 'rate' },
      rate: { type: 'survey', scale: '1-5', prompt: { media: ['sound:cti/rate'] } },
    },
  };

  it('leaves the caller to the capability that takes it, and runs the survey after the agent leg', async () => {
    const { port, calls } = recorder({ takeHandover: true });
    const session = new IvrSession({ callId: '00000000-0000-4000-8000-000000000001', flow: queueFlow, interpret, port, log, sorryMedia: ['sound:sorry'] });
    await session.start({});
    expect(calls).toEqual(['answer', 'step sales handover', 'handover queue']);
    expect(session.currentPhase).toBe('handed_over');
    await session.feed({ type: 'survey', node: 'rate' });
    expect(calls.at(-1)).toBe('play sound:cti/rate');
  });

  it('never acts on a call it handed over: digits, timers and prompts there belong to the new owner', async () => {
    const { port, calls } = recorder({ takeHandover: true });
    const session = new IvrSession({ callId: '00000000-0000-4000-8000-000000000003', flow: queueFlow, interpret, port, log, sorryMedia: ['sound:sorry'] });
    await session.start({});
    const before = calls.length;
    await session.feed({ type: 'dtmf', digit: '0' });
    await session.feed({ type: 'dtmf', digit: '#' });
    await session.feed({ type: 'timer', timerId: 'menu-timeout' });
    await session.feed({ type: 'prompt_finished', promptId: 'welcome' });
    expect(calls.slice(before)).toEqual([]);
    expect(session.currentPhase).toBe('handed_over');
    await session.callerHungUp();
    expect(calls.slice(before)).toEqual([]);
    expect(session.currentPhase).toBe('finished');
  });

  it('says sorry and hangs up when no capability takes the hand-over', async () => {
    const { port, calls } = recorder({ takeHandover: false });
    const session = new IvrSession({ callId: '00000000-0000-4000-8000-000000000002', flow: queueFlow, interpret, port, log, sorryMedia: ['sound:sorry'] });
    await session.start({});
    expect(calls).toContain('handover queue');
    expect(calls).toContain('step sales capability_unavailable');
    expect(calls.at(-1)).toBe('play sound:sorry');
  });
});
