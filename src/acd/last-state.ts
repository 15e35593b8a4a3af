// Each agent's last state in Postgres, kept from their agent.state_changed events in the
// transaction that moves the event into the outbox: what the ACD rebuilds an agent from
// when Redis comes back without its live state (see live-epoch.ts).
import type { Queryable } from '../db/pool.js';
import type { DomainEvent } from '../events/catalogue.js';
import type { AgentState } from './model.js';

export interface LastState {
  agentId: string;
  state: AgentState;
  reason: string | null;
  sinceMs: number;
  callId: string | null;
}

/** Keeps the event's state as the agent's last, unless a later one is already there. */
export async function recordLastState(tx: Queryable, event: DomainEvent): Promise<void> {
  const d = event.data as { agentId?: unknown; to?: unknown; reason?: unknown; callId?: unknown };
  if (typeof d.agentId !== 'string' || typeof d.to !== 'string') return;
  await tx.query(
    `INSERT INTO acd_agent_last_state (agent_id, state, reason, since, call_id, event_id) VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (agent_id) DO UPDATE SET state = EXCLUDED.state, reason = EXCLUDED.reason, since = EXCLUDED.since,
       call_id = EXCLUDED.call_id, event_id = EXCLUDED.event_id
     WHERE acd_agent_last_state.since <= EXCLUDED.since`,
    [d.agentId, d.to, typeof d.reason === 'string' ? d.reason : null, new Date(event.occurredAt), typeof d.callId === 'string' ? d.callId : null, event.id],
  );
}

/**
 * recordLastState for several events in one statement. Postgres cannot update one row
 * twice in a statement, so each agent's latest event (the later one of equal times, as
 * one by one) is the one written.
 */
export async function recordLastStates(tx: Queryable, events: readonly DomainEvent[]): Promise<void> {
  const latest = new Map<string, { d: { agentId: string; to: string; reason?: unknown; callId?: unknown }; event: DomainEvent; at: number }>();
  for (const event of events) {
    const d = event.data as { agentId?: unknown; to?: unknown; reason?: unknown; callId?: unknown };
    if (typeof d.agentId !== 'string' || typeof d.to !== 'string') continue;
    const at = Date.parse(event.occurredAt);
    const seen = latest.get(d.agentId);
    if (!seen || seen.at <= at) latest.set(d.agentId, { d: d as { agentId: string; to: string }, event, at });
  }
  if (!latest.size) return;
  // In agent order: two relays writing overlapping batches lock the rows in the same order.
  const rows = [...latest.values()].sort((a, b) => (a.d.agentId < b.d.agentId ? -1 : a.d.agentId > b.d.agentId ? 1 : 0));
  await tx.query({
    name: 'acd-last-states',
    text: `INSERT INTO acd_agent_last_state (agent_id, state, reason, since, call_id, event_id)
      SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[], $5::text[], $6::uuid[])
      ON CONFLICT (agent_id) DO UPDATE SET state = EXCLUDED.state, reason = EXCLUDED.reason, since = EXCLUDED.since,
        call_id = EXCLUDED.call_id, event_id = EXCLUDED.event_id
      WHERE acd_agent_last_state.since <= EXCLUDED.since`,
    values: [
      rows.map((r) => r.d.agentId),
      rows.map((r) => r.d.to),
      rows.map((r) => (typeof r.d.reason === 'string' ? r.d.reason : null)),
      rows.map((r) => r.event.occurredAt),
      rows.map((r) => (typeof r.d.callId === 'string' ? r.d.callId : null)),
      rows.map((r) => r.event.id),
    ],
  });
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
