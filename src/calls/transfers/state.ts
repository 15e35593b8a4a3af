// The transfer state machine: one transition per event, no I/O. The service feeds it PBX
// events (the target answered, a party hung up, the ring timer fired) and API commands
// (complete, cancel, conference) and carries out the effects it returns, in order.
//
//   ringback --target answers (attended)-------------> answered --complete--> completed
//      |  \--target answers (blind / initiator gone)-> completed     \--conference--> conference
//      |--no answer, cancel, target refuses----------> cancelled
//      |--customer hangs up---------------------------> abandoned
//      \--queued (blind, to a queue)------------------> completed
//
// A blind transfer keeps the initiator on the line until the target answers, so that a
// target that does not answer gives the customer back to the agent who had them; the
// initiator may leave earlier (complete while ringing, or hang up under the `blind`
// policy), and then nobody is left to take the customer back.

export type TransferMode = 'blind' | 'attended';
export type TransferState = 'ringback' | 'answered' | 'conference' | 'completed' | 'cancelled' | 'abandoned';
export const FINAL_STATES: readonly TransferState[] = ['completed', 'cancelled', 'abandoned'];

/** What happens when the initiator hangs up while the target still rings. */
export type InitiatorHangupPolicy = 'blind' | 'cancel';

export interface TransferView {
  mode: TransferMode;
  state: TransferState;
  /** False once the initiator has left the call (hung up or handed the call over). */
  initiatorPresent: boolean;
}

/** Why a rung party never answered. */
export type TransferFailure = 'no_answer' | 'busy' | 'unreachable' | 'rejected';

export type TransferEvent =
  | { type: 'target_answered' }
  | { type: 'target_failed'; reason: TransferFailure }
  | { type: 'timeout' }
  | { type: 'target_hungup' }
  | { type: 'initiator_hungup' }
  | { type: 'customer_hungup' }
  | { type: 'complete' }
  /** The initiator's desk phone handed the call over (REFER): the PBX put the target in its place. */
  | { type: 'referred' }
  | { type: 'cancel' }
  | { type: 'conference' }
  /** A blind transfer to a queue: nothing rings, the caller goes into the queue now. */
  | { type: 'queued' };

/**
 * What the service does for a step. Parties: the customer, the initiator (the agent who
 * started the transfer) and the target. "Main" is the call's mixing bridge.
 */
export type Effect =
  /** Target and initiator talk in the main bridge; the customer stays on hold. */
  | { kind: 'consult' }
  /** The customer leaves hold and joins the target in the main bridge. */
  | { kind: 'connect_customer_target' }
  /** The customer leaves hold and is back with the initiator. */
  | { kind: 'restore_customer' }
  /**
   * Nobody of the transfer is left to take the customer (the initiator handed over and
   * the target failed): the customer goes back where the call came from (its queue, at
   * the front), or to the initiator's phone; only when neither can take them does the call end.
   */
  | { kind: 'return_customer' }
  /** The customer leaves our bridges and enters the transfer's queue (the ACD has them from now on). */
  | { kind: 'requeue_customer' }
  /** The customer leaves hold; all three are in the main bridge. */
  | { kind: 'conference_all' }
  | { kind: 'hangup'; party: 'customer' | 'initiator' | 'target' }
  /** The initiator's leg leaves the call (hung up by us) and the agent goes to wrap-up. */
  | { kind: 'initiator_leaves' }
  /** The target's reservation ends without the target taking the call. */
  | { kind: 'release_target'; reason: ReleaseReason }
  | { kind: 'announce'; type: 'call.transfer_completed' | 'call.transfer_cancelled' | 'call.conference_started' };

export type Step =
  | { ok: true; next: TransferView; effects: Effect[]; reason: string }
  /** API commands that do not apply answer 409; stale PBX events are simply ignored. */
  | { ok: false; status: 409; reason: string };

export function isFinal(state: TransferState): boolean {
  return FINAL_STATES.includes(state);
}

const refuse = (reason: string): Step => ({ ok: false, status: 409, reason });

function to(t: TransferView, state: TransferState, reason: string, effects: Effect[], patch: Partial<TransferView> = {}): Step {
  return { ok: true, next: { ...t, ...patch, state }, effects, reason };
}

type ReleaseReason = 'no_answer' | 'cancelled' | 'failed';

const announce = (type: Extract<Effect, { kind: 'announce' }>['type']): Effect => ({ kind: 'announce', type });

/** The next state of a transfer after one event, with what to do about it. */
export function step(t: TransferView, event: TransferEvent, policy: InitiatorHangupPolicy = 'blind'): Step {
  if (isFinal(t.state)) return refuse(`the transfer is already ${t.state}`);
  switch (t.state) {
    case 'ringback':
      return fromRingback(t, event, policy);
    case 'answered':
      return fromAnswered(t, event);
    case 'conference':
      return fromConference(t, event);
  }
  return refuse(`unknown transfer state ${t.state as string}`);
}

function fromRingback(t: TransferView, e: TransferEvent, policy: InitiatorHangupPolicy): Step {
  // Whoever is left takes the customer back when the target does not.
  const giveBack: Effect = t.initiatorPresent ? { kind: 'restore_customer' } : { kind: 'return_customer' };
  /** The target will not take the call: its ringing ends, its agent is released, the customer given back. */
  const ringOff = (reason: string, release: ReleaseReason, hangUpTarget = true): Step =>
    to(t, 'cancelled', reason, [
      ...(hangUpTarget ? [{ kind: 'hangup', party: 'target' } as const] : []),
      { kind: 'release_target', reason: release },
      giveBack,
      announce('call.transfer_cancelled'),
    ]);
  switch (e.type) {
    case 'target_answered':
      if (t.mode === 'blind' || !t.initiatorPresent) {
        const effects: Effect[] = [{ kind: 'connect_customer_target' }];
        if (t.initiatorPresent) effects.push({ kind: 'initiator_leaves' });
        effects.push(announce('call.transfer_completed'));
        return to(t, 'completed', 'target answered', effects, { initiatorPresent: false });
      }
      return to(t, 'answered', 'target answered: consultation', [{ kind: 'consult' }]);
    case 'target_failed':
      return ringOff(`target ${e.reason.replace('_', ' ')}`, e.reason === 'no_answer' ? 'no_answer' : 'failed');
    case 'timeout':
      return ringOff('target did not answer in time', 'no_answer');
    case 'target_hungup':
      // Its channel is gone already: nothing to hang up.
      return ringOff('target refused the call', 'failed', false);
    case 'cancel':
      return ringOff('cancelled by the initiator', 'cancelled');
    case 'complete':
    case 'referred':
      // Handing over while the target rings: the transfer goes on as a blind one.
      if (!t.initiatorPresent) return refuse('the transfer is already handed over; it completes when the target answers');
      return to(t, 'ringback', e.type === 'referred' ? "handed over by the agent's phone" : 'handed over while the target rings', [{ kind: 'initiator_leaves' }], {
        mode: 'blind',
        initiatorPresent: false,
      });
    case 'conference':
      return refuse('the target has not answered yet');
    case 'queued':
      if (t.mode !== 'blind' || !t.initiatorPresent) return refuse('only a blind transfer started by an agent on the call goes into a queue');
      // The agent leaves first: once the ACD holds the caller, call control no longer follows the call.
      return to(t, 'completed', 'the caller is in the queue', [{ kind: 'initiator_leaves' }, { kind: 'requeue_customer' }, announce('call.transfer_completed')], {
        initiatorPresent: false,
      });
    case 'initiator_hungup':
      if (!t.initiatorPresent) return refuse('the initiator has already left');
      if (policy === 'blind') {
        return to(t, 'ringback', 'initiator hung up: the transfer goes on as a blind one', [], { mode: 'blind', initiatorPresent: false });
      }
      return to(t, 'cancelled', 'initiator hung up while the target rang', [
        { kind: 'hangup', party: 'target' },
        { kind: 'release_target', reason: 'cancelled' },
        { kind: 'hangup', party: 'customer' },
        announce('call.transfer_cancelled'),
      ], { initiatorPresent: false });
    case 'customer_hungup': {
      const effects: Effect[] = [{ kind: 'hangup', party: 'target' }, { kind: 'release_target', reason: 'cancelled' }];
      if (t.initiatorPresent) effects.push({ kind: 'hangup', party: 'initiator' });
      return to(t, 'abandoned', 'customer hung up while the target rang', effects);
    }
  }
}

function fromAnswered(t: TransferView, e: TransferEvent): Step {
  switch (e.type) {
    case 'complete':
    case 'initiator_hungup': {
      // An attended transfer completes when the initiator hangs up, as on a desk phone.
      const effects: Effect[] = [{ kind: 'connect_customer_target' }];
      if (e.type === 'complete') effects.push({ kind: 'initiator_leaves' });
      effects.push(announce('call.transfer_completed'));
      return to(t, 'completed', e.type === 'complete' ? 'completed by the initiator' : 'initiator hung up during the consultation', effects, {
        initiatorPresent: false,
      });
    }
    case 'cancel':
      return to(t, 'cancelled', 'the initiator ended the consultation', [
        { kind: 'hangup', party: 'target' },
        { kind: 'restore_customer' },
        announce('call.transfer_cancelled'),
      ]);
    case 'target_hungup':
      return to(t, 'cancelled', 'the target ended the consultation', [{ kind: 'restore_customer' }, announce('call.transfer_cancelled')]);
    case 'conference':
      return to(t, 'conference', 'three-way conference', [{ kind: 'conference_all' }, announce('call.conference_started')]);
    case 'customer_hungup':
      return to(t, 'abandoned', 'customer hung up during the consultation', [
        { kind: 'hangup', party: 'target' },
        { kind: 'hangup', party: 'initiator' },
      ]);
    case 'target_answered':
    case 'target_failed':
    case 'timeout':
    case 'referred':
    case 'queued':
      return refuse('the target has already answered');
  }
}

function fromConference(t: TransferView, e: TransferEvent): Step {
  switch (e.type) {
    case 'complete':
      return to(t, 'completed', 'the initiator left the conference', [{ kind: 'initiator_leaves' }, announce('call.transfer_completed')], {
        initiatorPresent: false,
      });
    case 'initiator_hungup':
      return to(t, 'completed', 'the initiator hung up in the conference', [announce('call.transfer_completed')], { initiatorPresent: false });
    case 'cancel':
      return to(t, 'cancelled', 'the initiator dropped the target from the conference', [
        { kind: 'hangup', party: 'target' },
        announce('call.transfer_cancelled'),
      ]);
    case 'target_hungup':
      return to(t, 'cancelled', 'the target left the conference', [announce('call.transfer_cancelled')]);
    case 'customer_hungup':
      // The conversation is over: nobody stays in the conference without the customer.
      return to(t, 'completed', 'customer hung up in the conference', [
        { kind: 'hangup', party: 'target' },
        { kind: 'hangup', party: 'initiator' },
      ]);
    case 'conference':
      return refuse('the conference is already running');
    case 'target_answered':
    case 'target_failed':
    case 'timeout':
    case 'referred':
    case 'queued':
      return refuse('the target has already answered');
  }
}

/** Whether a call may start a transfer now; the reason names what is wrong (409). */
export function canStartTransfer(callState: string, active: { id: string; state: TransferState } | undefined): { ok: true } | { ok: false; reason: string } {
  if (active && !isFinal(active.state)) return { ok: false, reason: `transfer ${active.id} is in progress (${active.state})` };
  if (callState !== 'connected') return { ok: false, reason: `the call is ${callState}, not connected` };
  return { ok: true };
}
