import { describe, expect, it } from 'vitest';
import type { Flow, FlowNode } from '../../src/ivr/contract.js';
import { SORRY_MEDIA } from '../../src/ivr/engine.js';
import { interpret, initialState, startSurvey } from '../../src/ivr/interpreter.js';
import { linkFlows } from '../../src/ivr/link.js';
import { Call, of } from './ivr-driver.js';

const bye: FlowNode = { type: 'hangup', prompt: { media: ['sound:goodbye'] } };

function httpFlow(extra: Partial<Extract<FlowNode, { type: 'http' }>> = {}): Flow {
  return {
    id: 'h',
    version: 1,
    entry: 'lookup',
    nodes: {
      lookup: {
        type: 'http',
        method: 'GET',
        url: 'https://crm.test/customers?phone={{caller}}&x=1',
        secretHeaders: { Authorization: 'crm-token' },
        map: { name: '/customer/name', vip: '/customer/vip', tier: '/tier' },
        timeoutMs: 2500,
        next: 'ok',
        onError: 'err',
        ...extra,
      },
      ok: { type: 'hangup' },
      err: { type: 'hangup' },
      slow: { type: 'hangup' },
    },
  };
}

describe('http', () => {
  it('fills the URL with URL-encoded variables and passes secret names, not secrets', () => {
    const c = new Call(httpFlow());
    const cmds = c.start({ caller: '+86 10&a=b' });
    expect(of(cmds, 'http')[0]).toEqual({
      type: 'http',
      requestId: c.state?.pendingRequest,
      method: 'GET',
      url: 'https://crm.test/customers?phone=%2B86%2010%26a%3Db&x=1',
      secretHeaders: { Authorization: 'crm-token' },
      timeoutMs: 2500,
    });
  });

  it('a variable of . or .. cannot climb the URL path: it fills in as empty', () => {
    for (const caller of ['..', '.']) {
      const c = new Call(httpFlow({ url: 'https://crm.test/customers/{{caller}}/orders?x={{caller}}' }));
      const url = of(c.start({ caller }), 'http')[0]?.url as string;
      expect(url).toBe('https://crm.test/customers//orders?x=');
      expect(new URL(url).pathname).toBe('/customers//orders');
    }
    const c = new Call(httpFlow({ url: 'https://crm.test/customers/{{caller}}' }));
    expect(of(c.start({ caller: '...' }), 'http')[0]?.url).toBe('https://crm.test/customers/...');
  });

  it('POST sends the body variables', () => {
    const c = new Call(httpFlow({ method: 'POST', bodyVars: ['caller', 'none'] }));
    const cmds = c.start({ caller: '100' });
    expect(of(cmds, 'http')[0]?.body).toEqual({ caller: '100', none: '' });
  });

  it('ok: maps JSON pointers into variables and goes next', () => {
    const c = new Call(httpFlow());
    c.start({ caller: '1' });
    c.send({ type: 'http_result', requestId: c.state?.pendingRequest as string, outcome: 'ok', status: 200, body: { customer: { name: 'Wang', vip: true } } });
    expect(c.state?.vars).toMatchObject({ name: 'Wang', vip: 'true' });
    expect(c.state?.vars.tier).toBeUndefined();
    expect(c.steps()[0]).toEqual({ node: 'lookup', outcome: 'ok', input: '200' });
    expect(c.steps()[1]?.node).toBe('ok');
  });

  it.each([
    ['a body that is not JSON', { outcome: 'ok', status: 200, body: '<html>' }, 'err'],
    ['a 500', { outcome: 'ok', status: 500, body: { error: 'x' } }, 'err'],
    ['a network error', { outcome: 'error', detail: 'ECONNREFUSED' }, 'err'],
    ['a timeout without onTimeout', { outcome: 'timeout', detail: 'after 2500 ms' }, 'err'],
  ] as const)('%s goes to the error branch', (_name, result, target) => {
    const c = new Call(httpFlow());
    c.start({ caller: '1' });
    c.send({ type: 'http_result', requestId: c.state?.pendingRequest as string, ...result } as never);
    expect(c.steps().at(-1)?.node).toBe(target);
  });

  it('a timeout goes to onTimeout when there is one', () => {
    const c = new Call(httpFlow({ onTimeout: 'slow' }));
    c.start({ caller: '1' });
    c.send({ type: 'http_result', requestId: c.state?.pendingRequest as string, outcome: 'timeout', detail: 'x' });
    expect(c.steps().at(-1)?.node).toBe('slow');
  });

  it('plays the filler when slow, repeats it, and stops it when the answer arrives', () => {
    const c = new Call(httpFlow({ filler: { afterMs: 1000, prompt: { media: ['sound:one-moment-please'] } } }));
    const first = c.start({ caller: '1' });
    expect(of(first, 'start_timer')[0]?.ms).toBe(1000);
    const filler = c.fireTimer();
    expect(of(filler, 'play')[0]?.media).toEqual(['sound:one-moment-please']);
    expect(of(c.finishPrompt(), 'play')).toHaveLength(1); // repeated while waiting
    const promptId = c.state?.pendingPrompt;
    const done = c.send({ type: 'http_result', requestId: c.state?.pendingRequest as string, outcome: 'ok', status: 200, body: {} });
    expect(done).toContainEqual({ type: 'stop_prompt', promptId });
  });

  it('a fast answer cancels the filler timer', () => {
    const c = new Call(httpFlow({ filler: { afterMs: 1000, prompt: { media: ['sound:one-moment-please'] } } }));
    c.start({ caller: '1' });
    const timerId = c.state?.pendingTimer;
    const done = c.send({ type: 'http_result', requestId: c.state?.pendingRequest as string, outcome: 'ok', status: 200, body: {} });
    expect(done).toContainEqual({ type: 'cancel_timer', timerId });
    expect(of(done, 'play')).toEqual([]);
  });

  it('a result for another request is ignored', () => {
    const c = new Call(httpFlow());
    c.start({ caller: '1' });
    expect(c.send({ type: 'http_result', requestId: 'r999', outcome: 'ok', status: 200, body: {} })).toEqual([]);
  });
});

describe('branch and set', () => {
  const flow: Flow = {
    id: 'b',
    version: 1,
    entry: 'tag',
    nodes: {
      tag: { type: 'set', values: { greeting: 'hi {{name}}', segment: 'gold' }, next: 'route' },
      route: {
        type: 'branch',
        cases: [
          { when: [{ var: 'amount', op: 'gte', value: 1000 }, { var: 'segment', op: 'in', values: ['gold'] }], next: 'big' },
          { when: [{ var: 'code', op: 'matches', regex: '^9' }], next: 'nine' },
          { when: [{ var: 'name', op: 'missing' }], next: 'anon' },
        ],
        otherwise: 'other',
      },
      big: bye,
      nine: bye,
      anon: bye,
      other: bye,
    },
  };
  const route = (vars: Record<string, string>) => {
    const c = new Call(flow);
    c.start(vars);
    return c.steps().find((s) => s.node === 'route')?.outcome;
  };

  it('set fills templates, emits set_data and updates the variables', () => {
    const c = new Call(flow);
    const cmds = c.start({ name: 'Li' });
    expect(of(cmds, 'set_data')[0]?.values).toEqual({ greeting: 'hi Li', segment: 'gold' });
    expect(c.state?.vars.greeting).toBe('hi Li');
  });

  it('takes the first case whose conditions all hold', () => {
    expect(route({ name: 'a', amount: '1000' })).toBe('case 0');
    expect(route({ name: 'a', amount: '999', code: '91' })).toBe('case 1');
    expect(route({ amount: 'abc' })).toBe('case 2');
    expect(route({ name: 'a' })).toBe('otherwise');
  });
});

describe('hand-overs', () => {
  const flow: Flow = {
    id: 'q',
    version: 1,
    entry: 'q',
    nodes: {
      q: { type: 'queue', queue: 'sales', priority: 5, survey: 'rate' },
      rate: { type: 'survey', prompt: { media: ['sound:rate'] }, scale: '1-5', timeoutMs: 7000, thanksPrompt: { media: ['sound:auth-thankyou'] } },
    },
  };

  it('queue hands over and the IVR is done', () => {
    const c = new Call(flow);
    const cmds = c.start();
    expect(of(cmds, 'handover')).toEqual([{ type: 'handover', to: 'queue', node: 'q', params: { queue: 'sales', priority: 5, survey: 'rate' } }]);
    expect(c.state?.done).toBe(true);
    expect(c.press('1')).toEqual([]);
  });

  it.each([
    ['voicemail', { type: 'voicemail', mailbox: 'orders' }, { mailbox: 'orders' }],
    ['transfer', { type: 'transfer', to: 'operator' }, { to: 'operator' }],
  ] as const)('%s hands over', (to, node, params) => {
    const c = new Call({ id: 'x', version: 1, entry: 'n', nodes: { n: node as FlowNode } });
    expect(of(c.start(), 'handover')).toEqual([{ type: 'handover', to, node: 'n', params }]);
    expect(c.state?.done).toBe(true);
  });

  it('fax requests the document for the caller and carries on once it is accepted', () => {
    const c = new Call({ id: 'x', version: 1, entry: 'n', nodes: { n: { type: 'fax', documentVar: 'doc', next: 'bye' }, bye } });
    const cmds = c.start({ doc: '123', caller: '+8610' });
    expect(of(cmds, 'handover')[0]).toEqual({ type: 'handover', to: 'fax', node: 'n', params: { document: '123', destination: '+8610' } });
    expect(c.state?.node).toBe('n');
    // A result for another node is stale.
    c.send({ type: 'handover_result', node: 'other', ok: true });
    expect(c.state?.node).toBe('n');
    c.send({ type: 'handover_result', node: 'n', ok: true });
    expect(c.state?.node).toBe('bye');
    expect(of(c.log, 'step').find((s) => s.node === 'n')).toMatchObject({ outcome: 'requested', input: '123' });
  });

  it('fax refused: the invalid prompt, then onInvalid', () => {
    const again: FlowNode = { type: 'play', prompt: { media: ['sound:again'] }, next: 'bye' };
    const c = new Call({
      id: 'x',
      version: 1,
      entry: 'n',
      nodes: { n: { type: 'fax', documentVar: 'doc', destinationVar: 'to', next: 'bye', invalidPrompt: { media: ['sound:unknown-document'] }, onInvalid: 'again' }, again, bye },
    });
    c.start({ doc: '999', to: '0301234567' });
    const cmds = c.send({ type: 'handover_result', node: 'n', ok: false, detail: 'no fax document 999' });
    expect(of(cmds, 'play')[0]).toMatchObject({ media: ['sound:unknown-document'] });
    expect(of(cmds, 'step')[0]).toMatchObject({ node: 'n', outcome: 'refused: no fax document 999' });
    c.finishPrompt();
    expect(c.state?.node).toBe('again');
  });

  describe('survey', () => {
    function surveyed(): Call {
      const c = new Call(flow);
      c.start();
      const r = startSurvey(flow, c.state as never, 'rate', c.now);
      c.state = r.state;
      c.log.push(...r.commands);
      return c;
    }

    it('answered: records the rating, thanks, hangs up', () => {
      const c = surveyed();
      expect(of(c.log, 'play').at(-1)?.media).toEqual(['sound:rate']);
      c.finishPrompt();
      const cmds = c.press('4');
      expect(of(cmds, 'survey_result')).toEqual([{ type: 'survey_result', rating: '4' }]);
      expect(of(c.finishPrompt(), 'hangup')).toHaveLength(1);
    });

    it('not answered: rating null ("not rated")', () => {
      const c = surveyed();
      const started = c.finishPrompt();
      expect(of(started, 'start_timer')[0]?.ms).toBe(7000);
      expect(of(c.fireTimer(), 'survey_result')).toEqual([{ type: 'survey_result', rating: null }]);
    });

    it('an invalid digit asks again, a second one records not rated', () => {
      const c = surveyed();
      c.finishPrompt();
      const again = c.press('9');
      expect(of(again, 'play')[0]?.media).toEqual(['sound:rate']);
      expect(of(again, 'survey_result')).toEqual([]);
      expect(of(c.press('0'), 'survey_result')).toEqual([{ type: 'survey_result', rating: null }]);
    });

    it('a survey event is ignored unless the call was handed over (and the caller is still there)', () => {
      const f: Flow = { ...flow, entry: 'm', nodes: { ...flow.nodes, m: { type: 'menu', prompt: { media: ['sound:m'] }, options: { '1': 'q' } } } };
      const c = new Call(f);
      c.start();
      expect(c.send({ type: 'survey', node: 'rate' })).toEqual([]);
      c.press('1');
      c.send({ type: 'hangup' }); // the caller left together with the agent
      expect(c.send({ type: 'survey', node: 'rate' })).toEqual([]);
    });

    it('the three-point scale maps 1/2/3', () => {
      const f: Flow = { ...flow, nodes: { ...flow.nodes, rate: { type: 'survey', prompt: { media: ['sound:rate'] }, scale: 'satisfied-neutral-dissatisfied' } } };
      const c = new Call(f);
      c.start();
      c.send({ type: 'survey', node: 'rate' });
      c.press('3');
      expect(of(c.log, 'survey_result')).toEqual([{ type: 'survey_result', rating: 'dissatisfied' }]);
      expect(of(c.log, 'hangup')).toHaveLength(1); // no thanks prompt: hang up at once
    });
  });
});

describe('goto, sub-flows, errors', () => {
  it('goto jumps to a node', () => {
    const c = new Call({ id: 'g', version: 1, entry: 'g', nodes: { g: { type: 'goto', node: 'bye' }, bye } });
    c.start();
    expect(c.state?.node).toBe('bye');
  });

  it('linkFlows inlines a sub-flow with namespaced ids and calendars', async () => {
    const main: Flow = { id: 'main', version: 1, entry: 'g', nodes: { g: { type: 'goto', flow: 'sub' } } };
    const sub: Flow = {
      id: 'sub',
      version: 3,
      entry: 'hours',
      calendars: { always: { timeZone: 'UTC', weekly: { '0': ['00:00-24:00'], '1': ['00:00-24:00'], '2': ['00:00-24:00'], '3': ['00:00-24:00'], '4': ['00:00-24:00'], '5': ['00:00-24:00'], '6': ['00:00-24:00'] } } },
      nodes: {
        hours: { type: 'branch', cases: [{ when: [{ op: 'open', calendar: 'always' }], next: 'back' }], otherwise: 'bye' },
        back: { type: 'goto', flow: 'main' },
        bye,
      },
    };
    const linked = await linkFlows(main, (id) => (id === 'sub' ? sub : undefined));
    expect(linked.nodes.g).toEqual({ type: 'goto', node: 'sub/hours' });
    expect(linked.nodes['sub/back']).toEqual({ type: 'goto', node: 'g' });
    expect(linked.calendars?.['sub/always']).toBeDefined();
    expect(main.nodes.g).toEqual({ type: 'goto', flow: 'sub' }); // the input is untouched
    const c = new Call({ ...linked, maxSteps: 10 });
    c.start();
    expect(c.steps().slice(0, 3).map((s) => s.node)).toEqual(['g', 'sub/hours', 'sub/back']);
  });

  it('an unlinked sub-flow is a runtime error, not silence', () => {
    const c = new Call({ id: 'g', version: 1, entry: 'g', nodes: { g: { type: 'goto', flow: 'nowhere' } } });
    expect(of(c.start(), 'play')[0]?.media).toEqual(SORRY_MEDIA);
  });

  it('the loop guard sends a runaway flow to the error node once', () => {
    const flow: Flow = {
      id: 'loop',
      version: 1,
      entry: 'a',
      maxSteps: 20,
      errorNode: 'oops',
      nodes: { a: { type: 'set', values: { x: '1' }, next: 'b' }, b: { type: 'goto', node: 'a' }, oops: { type: 'hangup', prompt: { media: ['sound:sorry'] } } },
    };
    const c = new Call(flow);
    c.start();
    expect(c.state?.node).toBe('oops');
    expect(c.steps().some((s) => s.outcome.startsWith('error: step limit 20'))).toBe(true);
    expect(of(c.finishPrompt(), 'hangup')).toHaveLength(1);
  });

  it('an error node that fails itself ends in the sorry prompt', () => {
    const flow: Flow = { id: 'e', version: 1, entry: 'g', errorNode: 'bad', nodes: { g: { type: 'goto', node: 'missing' }, bad: { type: 'goto', node: 'missing2' } } };
    const c = new Call(flow);
    const cmds = c.start();
    expect(c.state?.failing).toBe(true);
    expect(of(cmds, 'play')[0]?.media).toEqual(SORRY_MEDIA);
    expect(of(c.finishPrompt(), 'hangup')).toHaveLength(1);
  });

  it('an exception inside a node (bad regex in an unvalidated flow) is caught', () => {
    const flow: Flow = { id: 'r', version: 1, entry: 'b', nodes: { b: { type: 'branch', cases: [{ when: [{ var: 'x', op: 'matches', regex: '(' }], next: 'bye' }], otherwise: 'bye' }, bye } };
    const c = new Call(flow);
    expect(of(c.start({ x: '1' }), 'play')[0]?.media).toEqual(SORRY_MEDIA);
  });

  it('a garbage state or a missing state never throws and ends safely', () => {
    const flow: Flow = { id: 'x', version: 1, entry: 'bye', nodes: { bye } };
    const now = new Date(0);
    const bad = interpret(flow, { nope: 1 } as never, { type: 'dtmf', digit: '1' }, now);
    expect(of(bad.commands, 'play')[0]?.media).toEqual(SORRY_MEDIA);
    const none = interpret(flow, undefined, { type: 'timer', timerId: 't1' }, now);
    expect(none.commands[0]).toEqual({ type: 'answer' });
    expect(of(none.commands, 'play')[0]?.media).toEqual(SORRY_MEDIA);
    const unknown = interpret(flow, { ...initialState(flow), node: 'gone' }, { type: 'dtmf', digit: '1' }, now);
    expect(of(unknown.commands, 'play')[0]?.media).toEqual(SORRY_MEDIA);
  });

  it('is pure: the input state is not modified and the same input gives the same output', () => {
    const flow: Flow = { id: 'x', version: 1, entry: 'm', nodes: { m: { type: 'menu', prompt: { media: ['sound:m'] }, options: { '1': 'bye' } }, bye } };
    const now = new Date(0);
    const s0 = interpret(flow, undefined, { type: 'start', vars: { a: '1' } }, now).state;
    const frozen = structuredClone(s0);
    const a = interpret(flow, s0, { type: 'dtmf', digit: '1' }, now);
    const b = interpret(flow, s0, { type: 'dtmf', digit: '1' }, now);
    expect(s0).toEqual(frozen);
    expect(a).toEqual(b);
  });

  it('hangup node without prompt hangs up at once', () => {
    const c = new Call({ id: 'x', version: 1, entry: 'h', nodes: { h: { type: 'hangup' } } });
    expect(of(c.start(), 'hangup')).toHaveLength(1);
    expect(c.state?.done).toBe(true);
  });
});
