import { describe, expect, it } from 'vitest';
import { buildCdr, dispositionOf } from '../../src/calls/cdr.js';
import { CallStateSchema } from '../../src/calls/schemas.js';
import { CALL_STATES, IllegalTransitionError, canTransition, transition } from '../../src/calls/state.js';

describe('call state machine', () => {
  it('allows the path of a greeted inbound call', () => {
    expect(transition(transition('ringing', 'answered'), 'ended')).toBe('ended');
  });

  it('refuses what the model forbids, naming both states', () => {
    expect(() => transition('ringing', 'connected')).toThrow(IllegalTransitionError);
    expect(() => transition('ended', 'answered')).toThrow(/ended -> answered/);
  });

  it('ends from every live state and leaves nothing after ended', () => {
    for (const s of CALL_STATES) {
      if (s === 'ended') continue;
      expect(canTransition(s, 'ended')).toBe(true);
    }
    for (const s of CALL_STATES) expect(canTransition('ended', s)).toBe(false);
  });
});

describe('CDR', () => {
  const base = {
    id: 'c1', pbxNode: 'pbx1', linkedid: '1.0', direction: 'inbound', callerNumber: '+1555', callerName: 'A',
    dnis: '100', data: { vip: true }, hangupCause: 16,
    createdAt: new Date('2026-11-22T10:00:00Z'),
  };

  it('measures duration from creation and talk time from answer', () => {
    const cdr = buildCdr({ ...base, answeredAt: new Date('2026-11-22T10:00:02Z'), endedAt: new Date('2026-11-22T10:00:12.5Z') });
    expect(cdr.durationMs).toBe(12_500);
    expect(cdr.talkMs).toBe(10_500);
    expect(cdr.disposition).toBe('answered');
    expect(cdr.data).toEqual({ vip: true });
  });

  it('classifies unanswered calls by hangup cause', () => {
    const cdr = buildCdr({ ...base, answeredAt: null, endedAt: new Date('2026-11-22T10:00:05Z'), hangupCause: 17 });
    expect(cdr.talkMs).toBe(0);
    expect(cdr.disposition).toBe('busy');
    expect(dispositionOf(false, 19)).toBe('no_answer');
    expect(dispositionOf(false, 34)).toBe('failed');
    expect(dispositionOf(false, null)).toBe('no_answer');
  });
});

describe('the API’s call state', () => {
  it('is the state machine’s set of states, so clients can switch over it', () => {
    expect(CallStateSchema.anyOf.map((s) => s.const)).toEqual([...CALL_STATES]);
  });
});
