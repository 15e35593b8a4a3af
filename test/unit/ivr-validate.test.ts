import { fillMedia } from '../../src/ivr/template.js';
import { describe, expect, it } from 'vitest';
import type { Flow } from '../../src/ivr/contract.js';
import { DEMO_FLOW } from '../../src/ivr/demo-flow.js';
import { validateFlow } from '../../src/ivr/validate.js';

const ALL = ['queue', 'voicemail', 'fax', 'transfer'] as Array<'queue' | 'voicemail' | 'fax' | 'transfer'>;
const bye = { type: 'hangup' } as const;

function flow(nodes: Record<string, unknown>, extra: Record<string, unknown> = {}): unknown {
  return { id: 'f', version: 1, entry: 'a', nodes, ...extra };
}
const pointers = (doc: unknown, opts = {}) => validateFlow(doc, opts).map((p) => p.pointer);

describe('validateFlow', () => {
  it('accepts the demo flow when every capability is available', () => {
    expect(validateFlow(DEMO_FLOW, { availableCapabilities: ALL, knownSecrets: ['crm-token'] })).toEqual([]);
  });

  it('without capabilities lists exactly the hand-over nodes of the demo flow', () => {
    const problems = validateFlow(DEMO_FLOW);
    const expected = Object.entries(DEMO_FLOW.nodes)
      .filter(([, n]) => ['queue', 'voicemail', 'fax', 'transfer'].includes(n.type))
      .map(([id, n]) => ({ pointer: `/nodes/${id}`, message: `capability ${n.type} is not available yet` }));
    expect(expected.length).toBeGreaterThanOrEqual(4);
    expect(problems).toEqual(expected);
  });

  it('reports schema errors with pointers, all of them', () => {
    const p = validateFlow({ id: 'Bad Id', version: 1, entry: 'a', nodes: { a: { type: 'play', prompt: { media: ['ftp:x'] }, nxt: 'b' }, b: { type: 'zap' } }, extra: 1 });
    expect(p.map((x) => x.pointer).sort()).toEqual(['/extra', '/id', '/nodes/a/next', '/nodes/a/nxt', '/nodes/a/prompt/media/0', '/nodes/b/type'].sort());
  });

  it('a non-object is one clear problem', () => {
    expect(validateFlow('nope').length).toBeGreaterThan(0);
    expect(validateFlow(null).length).toBeGreaterThan(0);
    expect(validateFlow({ id: 'f', version: 1, entry: 'a', nodes: [] }).map((p) => p.pointer)).toContain('/nodes');
  });

  it('unknown node ids at every kind of reference', () => {
    const doc = flow(
      {
        a: { type: 'menu', prompt: { media: ['sound:m'] }, options: { '1': 'x1' }, fallback: 'x2' },
        c: { type: 'collect', prompt: { media: ['sound:c'] }, variable: 'v', maxDigits: 3, next: 'x3', fallback: 'x4' },
        h: { type: 'http', method: 'GET', url: 'https://crm/x', next: 'x5', onError: 'x6', onTimeout: 'x7' },
        b: { type: 'branch', cases: [{ when: [], next: 'x8' }], otherwise: 'x9' },
        q: { type: 'queue', queue: 's', survey: 'x10' },
        g: { type: 'goto', node: 'x11' },
      },
      { entry: 'x12', errorNode: 'x13' },
    );
    const p = validateFlow(doc, { availableCapabilities: ALL }).filter((x) => x.message.startsWith('unknown node'));
    expect(p.map((x) => x.pointer)).toEqual([
      '/nodes/a/options/1',
      '/nodes/a/fallback',
      '/nodes/c/next',
      '/nodes/c/fallback',
      '/nodes/h/next',
      '/nodes/h/onError',
      '/nodes/h/onTimeout',
      '/nodes/b/cases/0/next',
      '/nodes/b/otherwise',
      '/nodes/q/survey',
      '/nodes/g/node',
      '/entry',
      '/errorNode',
    ]);
  });

  it('unreachable nodes', () => {
    const p = validateFlow(flow({ a: bye, lost: bye }));
    expect(p).toEqual([{ pointer: '/nodes/lost', message: 'node "lost" is unreachable from the entry' }]);
  });

  it('menus without options (also a dead end without a fallback)', () => {
    const p = pointers(flow({ a: { type: 'play', prompt: { media: ['sound:x'] }, next: 'm' }, m: { type: 'menu', prompt: { media: ['sound:m'] }, options: {} } }));
    expect(p).toContain('/nodes/m/options');
  });

  it('dead ends: a goto without a target', () => {
    const p = validateFlow(flow({ a: { type: 'play', prompt: { media: ['sound:x'] }, next: 'g' }, g: { type: 'goto' } }));
    expect(p.map((x) => x.pointer)).toEqual(['/nodes/g', '/nodes/a', '/nodes/g']);
    expect(p.filter((x) => x.message.startsWith('dead end')).map((x) => x.pointer)).toEqual(['/nodes/a', '/nodes/g']);
  });

  it('loops that wait for no input, but not loops through a menu', () => {
    const bad = validateFlow(
      flow({
        a: { type: 'play', prompt: { media: ['sound:x'] }, next: 'b' },
        b: { type: 'set', values: { x: '1' }, next: 'c' },
        c: { type: 'branch', cases: [{ when: [{ var: 'x', op: 'exists' }], next: 'a' }], otherwise: 'end' },
        end: bye,
      }),
    );
    expect(bad).toEqual([{ pointer: '/nodes/a', message: 'loop that waits for no input: a → b → c → a' }]);
    const self = validateFlow(flow({ a: { type: 'goto', node: 'a' } }));
    expect(self.map((x) => x.message)).toContain('loop that waits for no input: a → a');
    const ok = validateFlow(
      flow({
        a: { type: 'play', prompt: { media: ['sound:x'] }, next: 'm' },
        m: { type: 'menu', prompt: { media: ['sound:m'] }, options: { '1': 'a', '2': 'end' } },
        end: bye,
      }),
    );
    expect(ok).toEqual([]);
  });

  it('regexes that do not compile', () => {
    const p = validateFlow(
      flow({
        a: { type: 'collect', prompt: { media: ['sound:c'] }, variable: 'v', maxDigits: 3, pattern: '([0-9]', next: 'b' },
        b: { type: 'branch', cases: [{ when: [{ var: 'v', op: 'matches', regex: '*' }], next: 'end' }], otherwise: 'end' },
        end: bye,
      }),
    );
    expect(p.map((x) => x.pointer)).toEqual(['/nodes/a/pattern', '/nodes/b/cases/0/when/0/regex']);
  });

  it('media are prompt and recording names, digits or numbers: no URLs, absolute paths or ..', () => {
    const p = validateFlow(
      flow({
        a: { type: 'play', prompt: { media: ['sound:http://attacker.example/x', 'sound:cti/welcome', 'sound:/var/spool/asterisk/voicemail/x'] }, next: 'b' },
        b: { type: 'play', prompt: { media: ['recording:../../etc/passwd', 'recording:greetings/abc', 'digits:{{order}}', 'sound:cti/status-{{s}}'] }, next: 'c' },
        c: { type: 'collect', prompt: { media: ['sound:c'] }, invalidPrompt: { media: ['number:1x'] }, variable: 'v', maxDigits: 3, next: 'end' },
        end: bye,
      }),
    );
    expect(p.map((x) => x.pointer)).toEqual(['/nodes/a/prompt/media/0', '/nodes/a/prompt/media/2', '/nodes/b/prompt/media/0', '/nodes/c/invalidPrompt/media/0']);
    expect(p[0]!.message).toMatch(/not a URL, an absolute path or \.\./);
  });

  it('a variable cannot turn a prompt into a URL or a path when it is filled in', () => {
    expect(fillMedia(['sound:cti/status-{{s}}', 'digits:{{n}}'], { s: 'shipped', n: '42' })).toEqual(['sound:cti/status-shipped', 'digits:42']);
    expect(fillMedia(['sound:cti/status-{{s}}', 'digits:{{n}}'], { s: '../../../tmp/x', n: '4;2' })).toEqual([]);
    expect(fillMedia(['sound:{{s}}'], { s: 'http://attacker.example/x' })).toEqual([]);
  });

  it('calendars: undefined, bad time zone, bad interval, bad holiday', () => {
    const p = validateFlow(
      flow(
        { a: { type: 'branch', cases: [{ when: [{ op: 'open', calendar: 'nope' }], next: 'end' }, { when: [{ op: 'closed', calendar: 'c' }], next: 'end' }], otherwise: 'end' }, end: bye },
        { calendars: { c: { timeZone: 'Mars/Olympus', weekly: { '1': ['08:00-20:00', '20:00-08:00'] }, holidays: ['2026-02-30'] } } },
      ),
    );
    expect(p.map((x) => x.pointer)).toEqual(['/calendars/c/timeZone', '/calendars/c/weekly/1/1', '/calendars/c/holidays/0', '/nodes/a/cases/0/when/0/calendar']);
  });

  it('secrets not configured', () => {
    const doc = flow({ a: { type: 'http', method: 'GET', url: 'https://x/', secretHeaders: { Authorization: 'crm-token', 'X-Key': 'other' }, next: 'end', onError: 'end' }, end: bye });
    expect(validateFlow(doc, { knownSecrets: ['crm-token'] })).toEqual([{ pointer: '/nodes/a/secretHeaders/X-Key', message: 'secret "other" is not configured' }]);
    expect(validateFlow(doc)).toEqual([]); // unchecked without a list
  });

  it('capabilities that are partly available; unknown sub-flows', () => {
    const doc = flow({ a: { type: 'menu', prompt: { media: ['sound:m'] }, options: { '1': 'q', '2': 'v', '3': 'g' } }, q: { type: 'queue', queue: 's' }, v: { type: 'voicemail', mailbox: 'm' }, g: { type: 'goto', flow: 'other' } });
    expect(validateFlow(doc, { availableCapabilities: ['queue'], knownFlows: ['x'] })).toEqual([
      { pointer: '/nodes/v', message: 'capability voicemail is not available yet' },
      { pointer: '/nodes/g/flow', message: 'flow "other" does not exist' },
    ]);
  });

  it('escapes node ids in pointers (RFC 6901)', () => {
    const doc: Flow = { id: 'f', version: 1, entry: 'a', nodes: { a: bye, 'x/y~z': bye } };
    expect(pointers(doc)).toEqual(['/nodes/x~1y~0z']);
  });
});

describe('validateFlow with a malformed node', () => {
  it('still reports reference and node problems of the other nodes', () => {
    const p = validateFlow({
      id: 'f',
      version: 1,
      entry: 'a',
      nodes: {
        a: { type: 'menu', prompt: { media: ['sound:m'] }, options: { '1': 'b', '2': 'ghost' } },
        b: { type: 'play', prompt: { media: ['sound:x'] } },
        c: { type: 'collect', prompt: { media: ['sound:c'] }, variable: 'v', maxDigits: 3, pattern: '(', next: 'a' },
      },
    });
    expect(p.map((x) => x.pointer)).toEqual(['/nodes/b/next', '/nodes/c/pattern', '/nodes/a/options/2']);
  });
});
