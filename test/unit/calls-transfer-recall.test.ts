// The recall of a failed transfer's initiator: whom to ring, and one step per event.
import { describe, expect, it } from 'vitest';
import { recallPlan, recallStep, type RecallState } from '../../src/calls/transfers/recall.js';

describe('recallPlan', () => {
  it('rings an ACD agent through the ACD', () => {
    expect(recallPlan({ seconds: 20, fromAgentId: 'anna', fromEndpoint: 'PJSIP/1011' })).toEqual({ ring: true, agentId: 'anna', endpoint: null });
  });

  it('rings anyone else at the phone that handed the call over', () => {
    expect(recallPlan({ seconds: 20, fromAgentId: null, fromEndpoint: 'PJSIP/1001' })).toEqual({ ring: true, agentId: null, endpoint: 'PJSIP/1001' });
  });

  it('rings nobody when recalls are off, the phone is unknown or not a phone', () => {
    expect(recallPlan({ seconds: 0, fromAgentId: 'anna', fromEndpoint: 'PJSIP/1011' })).toMatchObject({ ring: false, reason: 'recalls are off' });
    expect(recallPlan({ seconds: 20, fromAgentId: null, fromEndpoint: null })).toMatchObject({ ring: false });
    expect(recallPlan({ seconds: 20, fromAgentId: null, fromEndpoint: 'Local/1001@cti-phones' })).toMatchObject({ ring: false });
  });
});

describe('recallStep', () => {
  it('answered: the caller is connected with the recalled agent', () => {
    expect(recallStep('ringing', { type: 'answered' })).toEqual({
      ok: true,
      next: 'answered',
      outcome: 'recalled',
      reason: 'the transferring agent took the caller back',
      effects: [{ kind: 'connect' }],
    });
  });

  it('failed: the leg is hung up, the agent released by why, and the fallback takes the caller', () => {
    const busy = recallStep('ringing', { type: 'failed', reason: 'busy' });
    expect(busy).toMatchObject({ ok: true, next: 'unanswered', outcome: 'recall_unanswered', reason: "the transferring agent's phone: busy" });
    expect(busy.ok && busy.effects).toEqual([{ kind: 'hangup_recall' }, { kind: 'release_agent', reason: 'failed' }, { kind: 'fallback' }]);
    const noAnswer = recallStep('ringing', { type: 'failed', reason: 'no_answer' });
    expect(noAnswer.ok && noAnswer.effects).toContainEqual({ kind: 'release_agent', reason: 'no_answer' });
  });

  it('timeout: as an unanswered ring', () => {
    const s = recallStep('ringing', { type: 'timeout' });
    expect(s).toMatchObject({ ok: true, next: 'unanswered', outcome: 'recall_unanswered', reason: 'the transferring agent did not answer in time' });
    expect(s.ok && s.effects).toEqual([{ kind: 'hangup_recall' }, { kind: 'release_agent', reason: 'no_answer' }, { kind: 'fallback' }]);
  });

  it('customer_hungup: the ringing stops, no fallback for nobody', () => {
    const s = recallStep('ringing', { type: 'customer_hungup' });
    expect(s).toMatchObject({ ok: true, next: 'abandoned', outcome: 'caller_hung_up' });
    expect(s.ok && s.effects).toEqual([{ kind: 'hangup_recall' }, { kind: 'release_agent', reason: 'cancelled' }]);
  });

  it('changes nothing once the recall is over', () => {
    for (const state of ['answered', 'unanswered', 'abandoned'] as RecallState[]) {
      for (const type of ['answered', 'timeout', 'customer_hungup'] as const) expect(recallStep(state, { type }).ok, `${state} ${type}`).toBe(false);
      expect(recallStep(state, { type: 'failed', reason: 'busy' }).ok).toBe(false);
    }
  });
});
