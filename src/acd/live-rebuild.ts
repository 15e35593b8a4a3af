// Agents' live state rebuilt from Postgres when Redis lost it: each agent's last state
// as its events recorded it, corrected by what the agent legs say. An agent with an
// answered leg still open is on that call (never offered another); offers that were
// ringing are gone, so a reserved agent is ready again, and so is one the events left on
// a call whose leg has ended. Wrap-ups resume where they were (the owner's resync re-arms
// their timers).
import type { Db } from '../db/pool.js';
import type { AgentStatus } from './agent-state.js';
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

/** Writes every agent's rebuilt status; returns the agents written. */
export async function rebuildAgents(db: Db, live: Pick<AgentLiveStore, 'restore'>, overwrite: boolean, nowMs = Date.now()): Promise<string[]> {
  const [defs, lasts, open] = await Promise.all([listAgents(db), lastStates(db), agentsWithOpenLegs(db)]);
  const written: string[] = [];
  for (const def of defs) {
    if (await live.restore(def.id, rebuiltStatus(lasts.get(def.id), open.get(def.id), nowMs), overwrite)) written.push(def.id);
  }
  return written;
}
