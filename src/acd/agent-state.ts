// The agent state machine. Every change is explicit: a command applied to the current
// state either yields the next state or is refused with the state the agent is in, so
// the API can answer 409 with it. A supervisor's forced ready or logout is always taken:
// the way out for an agent whose call the system lost track of (a store outage, a PBX gone).
import type { AgentState } from './model.js';

export type AgentCommand =
  | { type: 'login' }
  | { type: 'ready'; force?: boolean }
  | { type: 'not_ready'; reason: string }
  | { type: 'logout'; force?: boolean }
  | { type: 'reserve'; callId: string }
  | { type: 'answer' }
  | { type: 'no_answer' }
  /** The agent's phone cannot be reached (unplugged, not registered): no offer can ring it. */
  | { type: 'unreachable' }
  /** The PBX reports the agent's phone offline (EndpointStateChange): a ready agent cannot take calls. */
  | { type: 'phone_offline' }
  /** The phone is online again: an agent the system paused for it is ready again, nobody else changes. */
  | { type: 'phone_online' }
  | { type: 'release' }
  /** The conversation an agent's phone holds outside our app (`phone:<linkedid>`) became part of `callId` (a phone's attended transfer). */
  | { type: 'joined'; callId: string }
  | { type: 'hangup' }
  | { type: 'wrap_up_done' };

export interface AgentStatus {
  state: AgentState;
  reason: string | null;
  sinceMs: number;
  callId: string | null;
  /** Not-ready asked for while busy: taken instead of ready when wrap-up ends. */
  pendingNotReady: string | null;
}

export type Transition =
  | { ok: true; status: AgentStatus; changed: boolean }
  | { ok: false; state: AgentState; detail: string };

const BUSY: readonly AgentState[] = ['reserved', 'on_call', 'wrap_up'];
/** The not-ready reason the system gives an agent whose phone cannot be reached. */
export const UNREACHABLE = 'unreachable';

export function initialStatus(nowMs: number): AgentStatus {
  return { state: 'logged_out', reason: null, sinceMs: nowMs, callId: null, pendingNotReady: null };
}

function to(from: AgentStatus, state: AgentState, nowMs: number, extra: Partial<AgentStatus> = {}): Transition {
  return {
    ok: true,
    changed: true,
    status: { state, reason: null, sinceMs: nowMs, callId: null, pendingNotReady: null, ...extra },
  };
}

function refuse(s: AgentStatus, cmd: AgentCommand): Transition {
  return { ok: false, state: s.state, detail: `cannot ${cmd.type.replace('_', ' ')} while ${s.state.replace('_', ' ')}` };
}

export function applyCommand(s: AgentStatus, cmd: AgentCommand, nowMs: number): Transition {
  switch (cmd.type) {
    case 'login':
      // Logging in lands in not_ready: an agent is offered calls only once they say ready.
      if (s.state !== 'logged_out') return refuse(s, cmd);
      return to(s, 'not_ready', nowMs, { reason: 'login' });
    case 'ready':
      if (s.state === 'ready') return { ok: true, changed: false, status: s };
      if (s.state === 'not_ready') return to(s, 'ready', nowMs);
      if (s.state === 'wrap_up') return to(s, 'ready', nowMs);
      if (cmd.force && BUSY.includes(s.state)) return to(s, 'ready', nowMs, { reason: 'forced' });
      return refuse(s, cmd);
    case 'not_ready':
      if (s.state === 'not_ready' && s.reason === cmd.reason) return { ok: true, changed: false, status: s };
      if (s.state === 'ready' || s.state === 'not_ready') return to(s, 'not_ready', nowMs, { reason: cmd.reason });
      if (BUSY.includes(s.state)) {
        // Asked during a call: remembered, taken when the wrap-up ends.
        return { ok: true, changed: false, status: { ...s, pendingNotReady: cmd.reason } };
      }
      return refuse(s, cmd);
    case 'logout':
      if (s.state === 'logged_out') return { ok: true, changed: false, status: s };
      if (s.state === 'ready' || s.state === 'not_ready' || s.state === 'wrap_up') return to(s, 'logged_out', nowMs);
      if (cmd.force) return to(s, 'logged_out', nowMs, { reason: 'forced' });
      return refuse(s, cmd);
    case 'reserve':
      if (s.state !== 'ready') return refuse(s, cmd);
      return to(s, 'reserved', nowMs, { callId: cmd.callId });
    case 'answer':
      if (s.state !== 'reserved') return refuse(s, cmd);
      return to(s, 'on_call', nowMs, { callId: s.callId, pendingNotReady: s.pendingNotReady });
    case 'no_answer':
      if (s.state !== 'reserved') return refuse(s, cmd);
      return to(s, 'not_ready', nowMs, { reason: 'no answer' });
    case 'unreachable':
      if (s.state !== 'reserved') return refuse(s, cmd);
      return to(s, 'not_ready', nowMs, { reason: UNREACHABLE });
    case 'phone_offline':
      if (s.state !== 'ready') return { ok: true, changed: false, status: s };
      return to(s, 'not_ready', nowMs, { reason: UNREACHABLE });
    case 'phone_online':
      // Only the system's own pause: a not-ready a person chose since (another reason) stays.
      if (s.state !== 'not_ready' || s.reason !== UNREACHABLE) return { ok: true, changed: false, status: s };
      return to(s, 'ready', nowMs, { reason: 'phone online' });
    case 'joined':
      // Same talk, now on a call of ours: the agent's state and its time do not change.
      if (s.state !== 'on_call' || !s.callId?.startsWith('phone:')) return refuse(s, cmd);
      return { ok: true, changed: false, status: { ...s, callId: cmd.callId } };
    case 'release':
      // The offer ended without the agent (caller gone, offer failed): back where they were.
      if (s.state !== 'reserved') return refuse(s, cmd);
      return s.pendingNotReady !== null
        ? to(s, 'not_ready', nowMs, { reason: s.pendingNotReady })
        : to(s, 'ready', nowMs);
    case 'hangup':
      if (s.state !== 'on_call') return refuse(s, cmd);
      return to(s, 'wrap_up', nowMs, { callId: s.callId, pendingNotReady: s.pendingNotReady });
    case 'wrap_up_done':
      if (s.state !== 'wrap_up') return refuse(s, cmd);
      return s.pendingNotReady !== null
        ? to(s, 'not_ready', nowMs, { reason: s.pendingNotReady })
        : to(s, 'ready', nowMs);
  }
}
