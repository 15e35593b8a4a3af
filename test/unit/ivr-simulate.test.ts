// The simulator on the real interpreter: a scripted caller on a virtual clock.
import { describe, expect, it } from 'vitest';
import type { Flow, IvrCommand, Interpret } from '../../src/ivr/contract.js';
import { interpret } from '../../src/ivr/interpreter.js';
import { MAX_SIMULATED_EVENTS, SimulationError, simulate } from '../../src/ivr/simulate.js';

const NOW = new Date('2026-11-23T10:00:00Z');

const hotline: Flow = {
  id: 'hotline',
  version: 1,
  entry: 'welcome',
  nodes: {
    welcome: { type: 'play', prompt: { media: ['sound:welcome'] }, next: 'main' },
    main: {
      type: 'menu',
      prompt: { media: ['sound:main-menu'] },
      options: { '1': 'sales', '2': 'order' },
      timeoutMs: 4000,
      retries: 1,
      invalidPrompt: { media: ['sound:invalid'] },
      timeoutPrompt: { media: ['sound:no-input'] },
      fallback: 'bye',
    },
    sales: { type: 'set', values: { choice: 'sales', caller: '{{callerNumber}}' }, next: 'bye' },
    order: { type: 'collect', prompt: { media: ['sound:enter-order'] }, variable: 'order', maxDigits: 6, minDigits: 4, next: 'lookup' },
    lookup: {
      type: 'http',
      method: 'GET',
      url: 'https://crm.example/orders/{{order}}',
      secretHeaders: { authorization: 'crm-token' },
      timeoutMs: 2000,
      map: { status: '/status' },
      filler: { afterMs: 500, prompt: { media: ['sound:please-wait'] } },
      next: 'say',
      onError: 'sorry',
      onTimeout: 'slow',
    },
    say: { type: 'play', prompt: { media: ['sound:status-is'] }, next: 'bye' },
    sorry: { type: 'play', prompt: { media: ['sound:crm-down'] }, next: 'bye' },
    slow: { type: 'play', prompt: { media: ['sound:crm-slow'] }, next: 'bye' },
    bye: { type: 'hangup', prompt: { media: ['sound:goodbye'] } },
  },
};

const nodes = (r: { path: { node: string }[] }) => r.path.map((s) => s.node);
const media = (r: { prompts: { media: string[] }[] }) => r.prompts.flatMap((p) => p.media);

describe('simulate', () => {
  it('follows the right digit to the chosen branch and reports data and variables', () => {
    const r = simulate(hotline, interpret, { vars: { callerNumber: '+4930123' }, now: NOW, script: [{ dtmf: '1' }] });
    expect(nodes(r)).toEqual(['welcome', 'main', 'sales', 'bye']);
    expect(r.path[1]).toMatchObject({ nodeType: 'menu', input: '1', outcome: 'option' });
    expect(r.data).toEqual({ choice: 'sales', caller: '+4930123' });
    expect(r.variables).toMatchObject({ callerNumber: '+4930123', choice: 'sales' });
    expect(media(r)).toEqual(['sound:welcome', 'sound:main-menu', 'sound:goodbye']);
    expect(r.ended).toBe('hangup');
    expect(r.scriptUsed).toBe(1);
  });

  it('plays the invalid prompt and retries on a wrong digit, then accepts a right one', () => {
    const r = simulate(hotline, interpret, { now: NOW, script: [{ dtmf: '7' }, { dtmf: '1' }] });
    expect(r.path.filter((s) => s.node === 'main').map((s) => [s.outcome, s.input])).toEqual([
      ['invalid', '7'],
      ['option', '1'],
    ]);
    expect(media(r)).toEqual(['sound:welcome', 'sound:main-menu', 'sound:invalid', 'sound:main-menu', 'sound:goodbye']);
    expect(r.ended).toBe('hangup');
  });

  it('fires menu timeouts only when virtual time passes them, then falls back', () => {
    const early = simulate(hotline, interpret, { now: NOW, script: [{ wait: 3999 }] });
    expect(early.ended).toBe('waiting');
    expect(nodes(early)).toEqual(['welcome']);

    const r = simulate(hotline, interpret, { now: NOW, script: [{ wait: 4000 }, { wait: 4000 }] });
    expect(r.path.filter((s) => s.node === 'main').map((s) => s.outcome)).toEqual(['timeout', 'timeout, retries exhausted']);
    expect(r.path.filter((s) => s.node === 'main').map((s) => s.atMs)).toEqual([4000, 8000]);
    expect(media(r)).toContain('sound:no-input');
    expect(nodes(r).at(-1)).toBe('bye');
    expect(r.ended).toBe('hangup');
    expect(r.elapsedMs).toBe(8000);
  });

  it('one long wait fires every timer that falls due within it, in order', () => {
    const r = simulate(hotline, interpret, { now: NOW, script: [{ wait: 60_000 }] });
    expect(r.path.filter((s) => s.node === 'main').map((s) => s.atMs)).toEqual([4000, 8000]);
    expect(r.ended).toBe('hangup');
  });

  it('reports a caller who hangs up mid-menu', () => {
    const r = simulate(hotline, interpret, { now: NOW, script: [{ wait: 1000 }, { hangup: true }, { dtmf: '1' }] });
    expect(r.ended).toBe('caller_hangup');
    expect(r.scriptUsed).toBe(2);
    expect(r.path.at(-1)).toMatchObject({ node: 'main', outcome: 'caller hung up' });
    expect(r.data).toEqual({});
  });

  it('answers a CRM lookup ok and maps its fields, after a filler for a slow answer', () => {
    const r = simulate(hotline, interpret, {
      now: NOW,
      script: [{ dtmf: '2' }, { dtmf: '1234#' }, { wait: 600 }, { http: { status: 200, body: { status: 'shipped' } } }],
    });
    expect(r.requests).toEqual([
      { method: 'GET', url: 'https://crm.example/orders/1234', secretHeaders: { authorization: 'crm-token' }, atMs: 0 },
    ]);
    expect(r.variables.status).toBe('shipped');
    expect(media(r)).toContain('sound:please-wait');
    expect(nodes(r).slice(-3)).toEqual(['lookup', 'say', 'bye']);
    expect(r.ended).toBe('hangup');
  });

  it('takes the error branch on an error and on a 500, and the timeout branch on a timeout', () => {
    const base = [{ dtmf: '2' }, { dtmf: '1234#' }] as const;
    const err = simulate(hotline, interpret, { now: NOW, script: [...base, { http: { error: 'connection refused' } }] });
    expect(nodes(err)).toContain('sorry');
    const five = simulate(hotline, interpret, { now: NOW, script: [...base, { http: { status: 500, body: {} } }] });
    expect(nodes(five)).toContain('sorry');
    expect(five.variables.status).toBeUndefined();
    const slow = simulate(hotline, interpret, { now: NOW, script: [...base, { http: { timeout: true } }] });
    expect(nodes(slow)).toContain('slow');
    expect(slow.elapsedMs).toBe(2000);
  });

  it('times a lookup out when a wait passes its timeoutMs', () => {
    const r = simulate(hotline, interpret, { now: NOW, script: [{ dtmf: '2' }, { dtmf: '1234#' }, { wait: 5000 }] });
    expect(r.path.find((s) => s.node === 'lookup')).toMatchObject({ outcome: 'timeout', atMs: 2000 });
    expect(nodes(r)).toContain('slow');
    expect(r.ended).toBe('hangup');
  });

  it('refuses to answer a lookup nobody made, naming the script step', () => {
    expect(() => simulate(hotline, interpret, { now: NOW, script: [{ dtmf: '1' }, { http: { status: 200 } }] })).not.toThrow();
    try {
      simulate(hotline, interpret, { now: NOW, script: [{ wait: 10 }, { http: { status: 200 } }] });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(SimulationError);
      expect((err as SimulationError).pointer).toBe('/script/1');
    }
  });

  it('with bargeIn presses keys while the prompt plays, stopping it', () => {
    const r = simulate(hotline, interpret, { now: NOW, script: [{ dtmf: '1', bargeIn: true }] });
    expect(r.prompts[0]).toMatchObject({ media: ['sound:welcome'], stopped: true });
    expect(nodes(r)).toContain('sales');
  });

  it('judges business hours against the virtual clock', () => {
    const flow: Flow = {
      id: 'hours',
      version: 1,
      entry: 'open',
      calendars: { office: { timeZone: 'Europe/Berlin', weekly: { '1': ['09:00-17:00'] } } },
      nodes: {
        open: { type: 'branch', cases: [{ when: [{ op: 'open', calendar: 'office' }], next: 'in' }], otherwise: 'out' },
        in: { type: 'hangup', prompt: { media: ['sound:open'] } },
        out: { type: 'hangup', prompt: { media: ['sound:closed'] } },
      },
    };
    // Monday 23 Nov 2026: 08:59 and 09:00 in Berlin (UTC+1).
    expect(media(simulate(flow, interpret, { now: new Date('2026-11-23T07:59:00Z') }))).toEqual(['sound:closed']);
    expect(media(simulate(flow, interpret, { now: new Date('2026-11-23T08:00:00Z') }))).toEqual(['sound:open']);
  });

  describe('survey after the agent leg', () => {
    const surveyed: Flow = {
      id: 'surveyed',
      version: 1,
      entry: 'agents',
      nodes: {
        agents: { type: 'queue', queue: 'sales', survey: 'rate' },
        rate: {
          type: 'survey',
          prompt: { media: ['sound:rate-us'] },
          scale: 'satisfied-neutral-dissatisfied',
          timeoutMs: 8000,
          thanksPrompt: { media: ['sound:thanks'] },
        },
      },
    };

    it('hands over, then records the rating once the agent leg ends', () => {
      const r = simulate(surveyed, interpret, { now: NOW, script: [{ agentHangup: true }, { dtmf: '3' }] });
      expect(r.handover).toEqual({ to: 'queue', node: 'agents', params: { queue: 'sales', survey: 'rate' } });
      expect(r.surveyResult).toBe('dissatisfied');
      expect(media(r)).toEqual(['sound:rate-us', 'sound:thanks']);
      expect(r.ended).toBe('hangup');
    });

    it('records "not rated" when the caller keys nothing', () => {
      const r = simulate(surveyed, interpret, { now: NOW, script: [{ agentHangup: true }, { wait: 8000 }] });
      expect(r.surveyResult).toBeNull();
      expect(r.path.at(-1)).toMatchObject({ node: 'rate', outcome: 'not rated', atMs: 8000 });
    });

    it('stops at the hand-over when the script does not end the agent leg', () => {
      const r = simulate(surveyed, interpret, { now: NOW, script: [{ dtmf: '1' }] });
      expect(r.ended).toBe('handover');
      expect(r.surveyResult).toBeUndefined();
      expect(r.scriptUsed).toBe(0);
    });

    it('refuses to end an agent leg that does not exist', () => {
      expect(() => simulate(hotline, interpret, { now: NOW, script: [{ agentHangup: true }] })).toThrow(SimulationError);
    });
  });

  it('ends as waiting when the script runs out with the caller still in the flow', () => {
    const r = simulate(hotline, interpret, { now: NOW, script: [] });
    expect(r.ended).toBe('waiting');
    expect(nodes(r)).toEqual(['welcome']);
  });

  it('forgets a lookup the flow stopped waiting for, so later prompts finish again', () => {
    // A hand-written interpreter: a lookup, abandoned on a key press for a goodbye prompt.
    const abandoning: Interpret = (_flow, state, event) => {
      const s = state ?? { node: 'crm', phase: 'new', vars: {}, digits: '', tries: 0, steps: 0, seq: 0, done: false };
      if (event.type === 'start') {
        return { state: { ...s, pendingRequest: 'r1' }, commands: [{ type: 'http', requestId: 'r1', method: 'GET', url: 'https://crm.example/', secretHeaders: {}, timeoutMs: 1000 }] };
      }
      if (event.type === 'dtmf') {
        return { state: { ...s, pendingRequest: undefined, pendingPrompt: 'p1', node: 'bye' }, commands: [{ type: 'play', promptId: 'p1', media: ['sound:bye'] }] };
      }
      if (event.type === 'prompt_finished') return { state: { ...s, done: true }, commands: [{ type: 'hangup' }] };
      return { state: s, commands: [] };
    };
    const r = simulate(hotline, abandoning, { now: NOW, script: [{ dtmf: '1' }, { wait: 5000 }] });
    expect(r.ended).toBe('hangup');
    expect(r.elapsedMs).toBe(0);
  });

  it('stops an interpreter that never settles', () => {
    let n = 0;
    const chatty: Interpret = (_flow, state, _event) => {
      const id = `p${n++}`;
      const commands: IvrCommand[] = [{ type: 'play', promptId: id, media: ['sound:again'] }];
      return { state: { node: 'x', phase: 'p', vars: {}, digits: '', tries: 0, steps: 0, seq: 0, done: false, ...state, pendingPrompt: id }, commands };
    };
    expect(() => simulate(hotline, chatty, { now: NOW })).toThrow(new RegExp(String(MAX_SIMULATED_EVENTS)));
  });
});
