// The call state machine. A call is what the business sees: one conversation with a
// customer, whatever legs and bridges it passes through. Transitions are explicit;
// anything else is a bug in the caller (or a PBX event we did not expect) and is refused.
export const CALL_STATES = ['ringing', 'answered', 'ivr', 'queued', 'connected', 'held', 'ended'] as const;
export type CallState = (typeof CALL_STATES)[number];

const NEXT: Record<CallState, readonly CallState[]> = {
  ringing: ['answered', 'ended'],
  answered: ['ivr', 'queued', 'connected', 'ended'],
  ivr: ['answered', 'queued', 'connected', 'ended'],
  queued: ['ivr', 'connected', 'ended'],
  connected: ['held', 'queued', 'ivr', 'ended'],
  held: ['connected', 'ended'],
  ended: [],
};

export class IllegalTransitionError extends Error {
  override name = 'IllegalTransitionError';
  constructor(
    readonly from: CallState,
    readonly to: CallState,
  ) {
    super(`illegal call transition ${from} -> ${to}`);
  }
}

export function canTransition(from: CallState, to: CallState): boolean {
  return NEXT[from].includes(to);
}

/** Returns the new state or throws IllegalTransitionError. */
export function transition(from: CallState, to: CallState): CallState {
  if (!canTransition(from, to)) throw new IllegalTransitionError(from, to);
  return to;
}

export function isCallState(value: string): value is CallState {
  return (CALL_STATES as readonly string[]).includes(value);
}
