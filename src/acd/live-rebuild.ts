// Agents' live state rebuilt from Postgres when Redis lost it: each agent's last state
// as its events recorded it, corrected by what the agent legs say. An agent with an
// answered leg still open is on that call (never offered another); offers that were
// ringing are gone, so a reserved agent is ready again, and so is one the events left on
// a call whose leg has ended. Wrap-ups resume where they were (the owner's resync re-arms
// their timers). An agent the rebuild moves is journaled like any other change.
import type { Db } from '../db/pool.js';
import type { DomainEvent } from '../events/catalogue.js';
import type { AgentStatus } from './agent-state.js';
import { stateChangedEvent } from './events.js';
import { agentsWithOpenLegs, lastStates, type LastState } from './last-state.js';
import type { AgentLiveStore } from './live-store.js';
import { listAgents } from './repository.js';

export function rebuiltStatus(last: LastState | undefined, openLeg: { callId: string; answered: boolean } | undefined, nowMs: number): AgentStatus {
  const base = { reason: null, pendingNotReady: null, callId: null };
  if (openLeg?.answered) return { ...base, state: 'on_call', sinceMs: last?.state === 'on_call' ? last.sinceMs : nowMs, callId: openLeg.callId };
  if (!last) return { ...base, state: 'logged_out', sinceMs: nowMs };
  switch (last.state) {
    case 'reserved':
    case 'on_call':
      return { ...base, state: 'ready', sinceMs: nowMs };
    case 'wrap_up':
      return { ...base, state: 'wrap_up', sinceMs: last.sinceMs, callId: last.callId };
    default:
      return { ...base, state: last.state, reason: last.reason, sinceMs: last.sinceMs };
  }
}

/** The `reason` of an agent.state_changed event the rebuild wrote (docs/events.md). */
export const REBUILT_REASON = 'rebuilt';

/**
 * The event journaling a rebuilt status, or null when the journal already has the agent
 * there. It runs from the agent's last journaled state, what every consumer last heard,
 * not from whatever an old Redis snapshot held.
 */
export function rebuildEvent(agentId: string, last: LastState | undefined, rebuilt: AgentStatus, nowMs: number): DomainEvent | null {
  const from = last ?? { state: 'logged_out' as const, sinceMs: nowMs, callId: null };
  // Another call's talk is a change; a not-ready's call (the offer it missed) is not.
  if (from.state === rebuilt.state && (rebuilt.state !== 'on_call' || from.callId === rebuilt.callId)) return null;
  return stateChangedEvent(agentId, from, { state: rebuilt.state, reason: REBUILT_REASON, callId: rebuilt.callId }, nowMs);
}

/** Writes every agent's rebuilt status, journaling the ones it changed; returns the agents written. */
export async function rebuildAgents(db: Db, live: Pick<AgentLiveStore, 'restore'>, overwrite: boolean, nowMs = Date.now()): Promise<string[]> {
  const [defs, lasts, open] = await Promise.all([listAgents(db), lastStates(db), agentsWithOpenLegs(db)]);
  const written: string[] = [];
  for (const def of defs) {
    const last = lasts.get(def.id);
    const status = rebuiltStatus(last, open.get(def.id), nowMs);
    if (await live.restore(def.id, status, overwrite, rebuildEvent(def.id, last, status, nowMs))) written.push(def.id);
  }
  return written;
}
