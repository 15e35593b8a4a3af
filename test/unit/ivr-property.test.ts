// Random event sequences on the demo flow: the interpreter never throws, and after every
// event the caller is handed over, hung up, or something is pending (a prompt playing, a
// timer running, a request out) — never silence with nothing to wake the call up.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { IvrEvent, IvrState } from '../../src/ivr/contract.js';
import { DEMO_FLOW } from '../../src/ivr/demo-flow.js';
import { interpret } from '../../src/ivr/interpreter.js';

type Move =
  | { kind: 'prompt' | 'timer' | 'http_ok' | 'http_bad' | 'http_error' | 'http_timeout' | 'hangup' | 'survey' | 'stale' }
  | { kind: 'dtmf'; digit: string };

const move: fc.Arbitrary<Move> = fc.oneof(
  { arbitrary: fc.constantFrom('0', '1', '2', '3', '4', '5', '9', '*', '#').map((digit) => ({ kind: 'dtmf' as const, digit })), weight: 6 },
  { arbitrary: fc.constantFrom('prompt', 'timer', 'http_ok', 'http_bad', 'http_error', 'http_timeout', 'stale').map((kind) => ({ kind }) as Move), weight: 5 },
  { arbitrary: fc.constantFrom('hangup', 'survey').map((kind) => ({ kind }) as Move), weight: 1 },
);

function toEvent(m: Move, s: IvrState, bodyVip: boolean): IvrEvent {
  switch (m.kind) {
    case 'dtmf':
      return { type: 'dtmf', digit: m.digit };
    case 'prompt':
      return { type: 'prompt_finished', promptId: s.pendingPrompt ?? 'p0' };
    case 'timer':
      return { type: 'timer', timerId: s.pendingTimer ?? 't0' };
    case 'http_ok':
      return { type: 'http_result', requestId: s.pendingRequest ?? 'r0', outcome: 'ok', status: 200, body: { vip: bodyVip, name: 'Zhang', status: 'shipped', etaDays: 2 } };
    case 'http_bad':
      return { type: 'http_result', requestId: s.pendingRequest ?? 'r0', outcome: 'ok', status: 200, body: 'not json' };
    case 'http_error':
      return { type: 'http_result', requestId: s.pendingRequest ?? 'r0', outcome: 'error', detail: 'HTTP 500' };
    case 'http_timeout':
      return { type: 'http_result', requestId: s.pendingRequest ?? 'r0', outcome: 'timeout', detail: 'timeout' };
    case 'hangup':
      return { type: 'hangup' };
    case 'survey':
      return { type: 'survey', node: 'rate-service' };
    case 'stale':
      return { type: 'timer', timerId: `t${s.seq + 7}` };
  }
}

describe('demo flow under random events', () => {
  it('never throws and never leaves the caller silent', () => {
    fc.assert(
      fc.property(fc.array(move, { maxLength: 60 }), fc.boolean(), fc.integer({ min: 0, max: 14 * 24 * 60 }), (moves, vip, minutes) => {
        const now = new Date(Date.UTC(2026, 10, 16) + minutes * 60_000);
        let r = interpret(DEMO_FLOW, undefined, { type: 'start', vars: { caller: '13800000000' } }, now);
        const check = () => {
          const s = r.state;
          const waiting = s.pendingPrompt !== undefined || s.pendingTimer !== undefined || s.pendingRequest !== undefined;
          expect(s.done || waiting, `silent at ${s.node}/${s.phase}`).toBe(true);
          if (s.done) expect(s.pendingTimer, 'a timer left running after the end').toBeUndefined();
          expect(s.steps).toBeLessThanOrEqual(300);
        };
        check();
        for (const m of moves) {
          r = interpret(DEMO_FLOW, r.state, toEvent(m, r.state, vip), now);
          check();
        }
      }),
      { numRuns: 400 },
    );
  });
});
