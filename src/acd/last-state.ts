// Each agent's last state in Postgres, kept from their agent.state_changed events by the
// statement that moves the events into the outbox (state-journal.ts): what the ACD rebuilds an agent from
// when Redis comes back without its live state (see live-epoch.ts).
import type { Queryable } from '../db/pool.js';
import type { AgentState } from './model.js';

export interface LastState {
  agentId: string;
  state: AgentState;
  reason: string | null;
  sinceMs: number;
  callId: string | null;
}

export async function lastStates(db: Queryable): Promise<Map<string, LastState>> {
  const { rows } = await db.query<{ agent_id: string; state: AgentState; reason: string | null; since: Date; call_id: string | null }>(
    'SELECT agent_id, state, reason, since, call_id FROM acd_agent_last_state',
  );
  return new Map(rows.map((r) => [r.agent_id, { agentId: r.agent_id, state: r.state, reason: r.reason, sinceMs: r.since.getTime(), callId: r.call_id }]));
}

/** Agents with an agent leg not yet ended, by agent: who is still on (or offered) a call. */
export async function agentsWithOpenLegs(db: Queryable): Promise<Map<string, { callId: string; answered: boolean }>> {
  const { rows } = await db.query<{ agent_id: string; call_id: string; answered: boolean }>(
    'SELECT DISTINCT ON (agent_id) agent_id, call_id::text, answered_at IS NOT NULL AS answered FROM acd_agent_legs WHERE ended_at IS NULL ORDER BY agent_id, answered_at DESC NULLS LAST',
  );
  return new Map(rows.map((r) => [r.agent_id, { callId: r.call_id, answered: r.answered }]));
}
