// The caller of a failed transfer that nobody of it can take back (the transferring agent
// already handed over, the target never took them) and that no queue can take either
// (click-to-dial, an IVR transfer to an agent, a direct call): the transferring agent's
// phone rings again while the caller hears music, as Asterisk's recall after a failed
// attended transfer does. Pure: where to ring, and one transition per event.
//
//   ringing --agent answers-----------------------------> answered (the caller is theirs again)
//      |--no answer, busy, unreachable, ring time over--> unanswered (the fallback takes the caller)
//      \--caller hangs up-------------------------------> abandoned
import type { TransferFailure } from './state.js';

export type RecallState = 'ringing' | 'answered' | 'unanswered' | 'abandoned';

/** What became of the caller of a failed transfer, as the transfer records it (`outcome`). */
export type TransferOutcome = 'requeued' | 'recalling' | 'recalled' | 'recall_unanswered' | 'caller_hung_up' | 'no_recall';

export type RecallEvent = { type: 'answered' } | { type: 'failed'; reason: TransferFailure } | { type: 'timeout' } | { type: 'customer_hungup' };

export type RecallEffect =
  /** The caller leaves hold and talks with the recalled agent, whose leg is the call's agent leg now. */
  | { kind: 'connect' }
  | { kind: 'hangup_recall' }
  /** The agent's reservation for the recall ends without them taking the caller. */
  | { kind: 'release_agent'; reason: 'no_answer' | 'cancelled' | 'failed' }
  /** The configured fallback takes the caller (a mailbox, or a clean hang-up with the reason). */
  | { kind: 'fallback' };

export type RecallStep =
  | { ok: true; next: RecallState; outcome: TransferOutcome; reason: string; effects: RecallEffect[] }
  | { ok: false; reason: string };

/** How a failed transfer's caller is rung back: the agent (if the ACD knows them) and their phone. */
export type RecallPlan = { ring: true; agentId: string | null; endpoint: string | null } | { ring: false; reason: string };

/**
 * Whom to ring back. An ACD agent is rung through the ACD (it books them and knows their
 * phone); anyone else at the endpoint of the leg that handed the call over. Nobody when
 * recalls are off (`seconds` 0) or the phone is not known.
 */
export function recallPlan(o: { seconds: number; fromAgentId: string | null; fromEndpoint: string | null }): RecallPlan {
  if (o.seconds <= 0) return { ring: false, reason: 'recalls are off' };
  if (o.fromAgentId) return { ring: true, agentId: o.fromAgentId, endpoint: null };
  if (o.fromEndpoint && /^(PJSIP|SIP|IAX2)\/[A-Za-z0-9._+-]{1,80}$/.test(o.fromEndpoint)) return { ring: true, agentId: null, endpoint: o.fromEndpoint };
  return { ring: false, reason: 'the transferring phone is not known' };
}

const refuse = (state: RecallState, e: RecallEvent): RecallStep => ({ ok: false, reason: `the recall is ${state}; ${e.type} changes nothing` });

/** The next state of a recall after one event, with what to do about it. */
export function recallStep(state: RecallState, e: RecallEvent): RecallStep {
  if (state !== 'ringing') return refuse(state, e);
  switch (e.type) {
    case 'answered':
      return { ok: true, next: 'answered', outcome: 'recalled', reason: 'the transferring agent took the caller back', effects: [{ kind: 'connect' }] };
    case 'failed':
      return {
        ok: true,
        next: 'unanswered',
        outcome: 'recall_unanswered',
        reason: `the transferring agent's phone: ${e.reason.replace('_', ' ')}`,
        effects: [{ kind: 'hangup_recall' }, { kind: 'release_agent', reason: e.reason === 'no_answer' ? 'no_answer' : 'failed' }, { kind: 'fallback' }],
      };
    case 'timeout':
      return {
        ok: true,
        next: 'unanswered',
        outcome: 'recall_unanswered',
        reason: 'the transferring agent did not answer in time',
        effects: [{ kind: 'hangup_recall' }, { kind: 'release_agent', reason: 'no_answer' }, { kind: 'fallback' }],
      };
    case 'customer_hungup':
      return {
        ok: true,
        next: 'abandoned',
        outcome: 'caller_hung_up',
        reason: 'the caller hung up while the transferring agent was rung back',
        effects: [{ kind: 'hangup_recall' }, { kind: 'release_agent', reason: 'cancelled' }],
      };
  }
}
