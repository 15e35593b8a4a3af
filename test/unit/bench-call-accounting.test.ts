// The per-call benchmark's own checks: a run that did less than it claims is refused, and
// the profile summary charges time where it was spent.
import { describe, expect, it } from 'vitest';
import { checkCallAccounting, type CallFacts } from '../../bench/call-accounting.js';
import { moduleOf, summariseProfile, type CpuProfile } from '../../bench/profile-summary.js';

const complete: CallFacts = { ended: true, cdrs: 1, connected: 1, webhooks: 1, connector: 1 };
const run = (n: number, over: (i: number) => Partial<CallFacts> = () => ({})) =>
  new Map(Array.from({ length: n }, (_, i) => [`call-${i}`, { ...complete, ...over(i) }]));
const totals = { placed: 3, webhookDelivered: 3, connectorDelivered: 3, badSignatures: 0, strays: 0 };

describe('call accounting', () => {
  it('accepts a run where every placed call did everything once', () => {
    expect(checkCallAccounting(run(3), totals)).toEqual([]);
  });

  it('refuses a run with fewer calls recorded than placed', () => {
    expect(checkCallAccounting(run(2), totals)).toContain('3 calls placed, 2 recorded');
  });

  it('names each kind of missing or repeated work', () => {
    const problems = checkCallAccounting(
      run(3, (i) => (i === 0 ? { ended: false, cdrs: 0 } : i === 1 ? { webhooks: 2, connected: 0 } : { connector: 0 })),
      { ...totals, webhookDelivered: 2, connectorDelivered: 4, badSignatures: 1, strays: 2 },
    );
    expect(problems).toEqual([
      '1 of 3 calls not ended',
      '1 of 3 calls without exactly one CDR',
      '1 of 3 calls not answered exactly once by an agent',
      '1 of 3 calls without exactly one signed cdr.created webhook',
      '1 of 3 calls without exactly one connector delivery',
      '2 webhook deliveries recorded for 3 calls',
      '4 connector deliveries recorded for 3 calls',
      '1 webhook POSTs failed verification',
      '2 POSTs about calls not placed in the run',
    ]);
  });
});

describe('profile summary', () => {
  const frame = (functionName: string, url = '', lineNumber = 0) => ({ functionName, url, lineNumber });
  // root → handler (ours) → pg query → writev (native); root → idle; root → GC; handler → inspector.
  const profile: CpuProfile = {
    nodes: [
      { id: 1, callFrame: frame('(root)'), children: [2, 5, 6] },
      { id: 2, callFrame: frame('handle', 'file:///repo/src/calls/stasis.ts', 41), children: [3, 7] },
      { id: 3, callFrame: frame('query', 'file:///repo/node_modules/pg/lib/client.js', 10), children: [4] },
      { id: 4, callFrame: frame('writev') },
      { id: 5, callFrame: frame('(idle)') },
      { id: 6, callFrame: frame('(garbage collector)') },
      { id: 7, callFrame: frame('post', 'node:inspector', 3) },
    ],
    samples: [4, 4, 3, 2, 5, 5, 6, 7],
    timeDeltas: [1000, 1000, 1000, 1000, 9000, 9000, 2000, 5000],
  };

  it('names modules: ours by path, packages by name, Node by area, V8 by its own names', () => {
    expect(moduleOf('file:///repo/src/acd/runtime.ts', 'f', '/repo/')).toBe('src/acd/runtime.ts');
    expect(moduleOf('file:///repo/node_modules/@fastify/swagger/index.js', 'f', '/repo/')).toBe('@fastify/swagger');
    expect(moduleOf('node:internal/streams/writable', 'f', '/repo/')).toBe('node:internal/streams');
    expect(moduleOf('', '(garbage collector)', '/repo/')).toBe('(garbage collector)');
    expect(moduleOf('', 'writev', '/repo/')).toBe('(native)');
  });

  it('charges self time per function and module, and everything below our code to it, without idle or the profiler', () => {
    const s = summariseProfile(profile, '/repo/');
    expect(s.busyMs).toBe(6);
    expect(s.functions.map((f) => [f.name, f.ms])).toEqual([
      ['writev (native)', 2],
      ['(garbage collector)', 2],
      ['query pg:11', 1],
      ['handle src/calls/stasis.ts:42', 1],
    ]);
    expect(s.modules.find((m) => m.name === '(native)')!.share).toBeCloseTo(2 / 6);
    expect(s.ours.map((f) => [f.name, f.ms])).toEqual([
      ['handle src/calls/stasis.ts:42', 4],
      ['(none of ours)', 2],
    ]);
  });
});
