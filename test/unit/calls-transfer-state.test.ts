import { describe, expect, it } from 'vitest';
import {
  canStartTransfer,
  FINAL_STATES,
  isFinal,
  step,
  type Effect,
  type TransferEvent,
  type TransferState,
  type TransferView,
} from '../../src/calls/transfers/state.js';

const EVENTS: TransferEvent[] = [
  { type: 'target_answered' },
  { type: 'target_failed', reason: 'no_answer' },
  { type: 'target_failed', reason: 'busy' },
  { type: 'timeout' },
  { type: 'target_hungup' },
  { type: 'initiator_hungup' },
  { type: 'customer_hungup' },
  { type: 'complete' },
  { type: 'referred' },
  { type: 'cancel' },
  { type: 'conference' },
  { type: 'queued' },
];
const STATES: TransferState[] = ['ringback', 'answered', 'conference', 'completed', 'cancelled', 'abandoned'];
const kinds = (effects: Effect[]) => effects.map((e) => (e.kind === 'hangup' ? `hangup:${e.party}` : e.kind === 'announce' ? e.type : e.kind));
const view = (state: TransferState, mode: 'blind' | 'attended' = 'attended', initiatorPresent = true): TransferView => ({ mode, state, initiatorPresent });

describe('transfer state machine: every state x event', () => {
  for (const state of STATES) {
    for (const mode of ['blind', 'attended'] as const) {
      for (const initiatorPresent of [true, false]) {
        for (const policy of ['blind', 'cancel'] as const) {
          for (const event of EVENTS) {
            // A consultation and a conference exist only in attended mode with the initiator on the line.
            const reachable = state === 'ringback' || isFinal(state) || (mode === 'attended' && initiatorPresent);
            if (!reachable) continue;
            it(`${state}/${mode}/${initiatorPresent ? 'initiator' : 'no initiator'}/${policy} + ${event.type}`, () => {
              const s = step(view(state, mode, initiatorPresent), event, policy);
              if (isFinal(state)) {
                expect(s).toEqual({ ok: false, status: 409, reason: `the transfer is already ${state}` });
                return;
              }
              if (!s.ok) {
                expect(s.status).toBe(409);
                expect(s.reason).not.toBe('');
                return;
              }
              const k = kinds(s.effects);
              // Never two announcements, and an announced end is a final state.
              const announced = k.filter((x) => x.startsWith('call.'));
              expect(announced.length).toBeLessThanOrEqual(1);
              if (announced[0] === 'call.transfer_completed') expect(s.next.state).toBe('completed');
              if (announced[0] === 'call.transfer_cancelled') expect(s.next.state).toBe('cancelled');
              if (announced[0] === 'call.conference_started') expect(s.next.state).toBe('conference');
              // Nobody is hung up twice, and a party that is gone is never told to do anything.
              expect(new Set(k).size).toBe(k.length);
              if (!initiatorPresent) {
                expect(k).not.toContain('hangup:initiator');
                expect(k).not.toContain('initiator_leaves');
                expect(k).not.toContain('restore_customer');
              }
              if (event.type === 'customer_hungup') expect(k).not.toContain('restore_customer');
              if (event.type === 'target_hungup') expect(k).not.toContain('hangup:target');
              // Whenever the transfer ends in ringback, the target's reservation ends too.
              if (state === 'ringback' && FINAL_STATES.includes(s.next.state) && s.next.state !== 'completed') {
                expect(k).toContain('release_target');
              }
              // The customer is never left alone on hold once the transfer is over.
              if (isFinal(s.next.state) && event.type !== 'customer_hungup') {
                const customerPlaced = k.some((x) => ['connect_customer_target', 'restore_customer', 'return_customer', 'requeue_customer', 'hangup:customer'].includes(x));
                expect(customerPlaced || state === 'conference').toBe(true);
              }
            });
          }
        }
      }
    }
  }
});

describe('transfer state machine: the acceptance cases', () => {
  it('case 1: the target ends the consultation; the customer is back with the initiator', () => {
    const answered = step(view('ringback'), { type: 'target_answered' });
    expect(answered).toMatchObject({ ok: true, next: { state: 'answered' }, effects: [{ kind: 'consult' }] });
    const s = step(view('answered'), { type: 'target_hungup' });
    expect(s.ok && kinds(s.effects)).toEqual(['restore_customer', 'call.transfer_cancelled']);
  });

  it('case 2: the initiator ends the consultation', () => {
    const s = step(view('answered'), { type: 'cancel' });
    expect(s.ok && s.next.state).toBe('cancelled');
    expect(s.ok && kinds(s.effects)).toEqual(['hangup:target', 'restore_customer', 'call.transfer_cancelled']);
  });

  it('case 4: the initiator cancels while the target rings', () => {
    const s = step(view('ringback'), { type: 'cancel' });
    expect(s.ok && kinds(s.effects)).toEqual(['hangup:target', 'release_target', 'restore_customer', 'call.transfer_cancelled']);
    expect(s.ok && s.effects[1]).toEqual({ kind: 'release_target', reason: 'cancelled' });
  });

  it('case 5: no answer in time gives the customer back to the initiator', () => {
    const s = step(view('ringback'), { type: 'timeout' });
    expect(s.ok && s.next.state).toBe('cancelled');
    expect(s.ok && s.effects).toContainEqual({ kind: 'release_target', reason: 'no_answer' });
    expect(s.ok && kinds(s.effects)).toContain('restore_customer');
  });

  it('cases 6-8: completing hands the customer to the target and sends the initiator to wrap-up', () => {
    const s = step(view('answered'), { type: 'complete' });
    expect(s.ok && s.next).toEqual({ mode: 'attended', state: 'completed', initiatorPresent: false });
    expect(s.ok && kinds(s.effects)).toEqual(['connect_customer_target', 'initiator_leaves', 'call.transfer_completed']);
  });

  it('a blind transfer completes on answer; the initiator leaves then', () => {
    const s = step(view('ringback', 'blind'), { type: 'target_answered' });
    expect(s.ok && kinds(s.effects)).toEqual(['connect_customer_target', 'initiator_leaves', 'call.transfer_completed']);
  });

  it('case 10: conference, then the customer hangs up and everybody leaves', () => {
    const c = step(view('answered'), { type: 'conference' });
    expect(c.ok && kinds(c.effects)).toEqual(['conference_all', 'call.conference_started']);
    const s = step(view('conference'), { type: 'customer_hungup' });
    expect(s.ok && kinds(s.effects)).toEqual(['hangup:target', 'hangup:initiator']);
  });

  it('double complete is refused', () => {
    const first = step(view('answered'), { type: 'complete' });
    expect(first.ok).toBe(true);
    const second = step(first.ok ? first.next : view('completed'), { type: 'complete' });
    expect(second).toEqual({ ok: false, status: 409, reason: 'the transfer is already completed' });
  });

  it('initiator hang-up while ringing follows the policy', () => {
    const blind = step(view('ringback'), { type: 'initiator_hungup' }, 'blind');
    expect(blind).toMatchObject({ ok: true, next: { state: 'ringback', mode: 'blind', initiatorPresent: false }, effects: [] });
    const cancel = step(view('ringback'), { type: 'initiator_hungup' }, 'cancel');
    expect(cancel.ok && kinds(cancel.effects)).toEqual(['hangup:target', 'release_target', 'hangup:customer', 'call.transfer_cancelled']);
    // Handed over, then nobody answers: the customer goes back where the call came from, never simply hung up.
    const lost = step(blind.ok ? blind.next : view('ringback'), { type: 'timeout' });
    expect(lost.ok && kinds(lost.effects)).toContain('return_customer');
    expect(lost.ok && kinds(lost.effects)).not.toContain('hangup:customer');
  });

  it('complete while ringing turns the transfer blind; the initiator leaves at once', () => {
    const s = step(view('ringback'), { type: 'complete' });
    expect(s).toMatchObject({ ok: true, next: { state: 'ringback', mode: 'blind', initiatorPresent: false } });
    expect(s.ok && kinds(s.effects)).toEqual(['initiator_leaves']);
  });

  it('conference before the target answers is refused', () => {
    expect(step(view('ringback'), { type: 'conference' })).toEqual({ ok: false, status: 409, reason: 'the target has not answered yet' });
  });
});

describe('a blind transfer to a queue', () => {
  it('completes at once: the initiator leaves, then the caller goes into the queue', () => {
    const s = step(view('ringback', 'blind'), { type: 'queued' });
    expect(s.ok && s.next).toEqual({ mode: 'blind', state: 'completed', initiatorPresent: false });
    expect(s.ok && kinds(s.effects)).toEqual(['initiator_leaves', 'requeue_customer', 'call.transfer_completed']);
  });

  it('is refused for an attended transfer, an initiator gone, or a target that answered', () => {
    expect(step(view('ringback', 'attended'), { type: 'queued' }).ok).toBe(false);
    expect(step(view('ringback', 'blind', false), { type: 'queued' }).ok).toBe(false);
    expect(step(view('answered'), { type: 'queued' }).ok).toBe(false);
    expect(step(view('conference'), { type: 'queued' }).ok).toBe(false);
  });
});

describe('starting a transfer', () => {
  it('needs a connected call and no transfer in progress', () => {
    expect(canStartTransfer('connected', undefined)).toEqual({ ok: true });
    expect(canStartTransfer('connected', { id: 't1', state: 'completed' })).toEqual({ ok: true });
    expect(canStartTransfer('ringing', undefined)).toEqual({ ok: false, reason: 'the call is ringing, not connected' });
    expect(canStartTransfer('connected', { id: 't1', state: 'ringback' })).toEqual({ ok: false, reason: 'transfer t1 is in progress (ringback)' });
  });
});
