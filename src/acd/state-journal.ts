// What the state relay writes for a batch of agent.state_changed events, in one
// statement: the events into the outbox (an event already there is skipped), and for
// those inserted now, the call timeline rows and each agent's last state. One statement
// is one round trip and its own transaction, where three statements took five.
import type { Queryable } from '../db/pool.js';
import type { DomainEvent } from '../events/catalogue.js';
import { checkEventSchema } from '../events/schema-check.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

interface StateData {
  agentId?: unknown;
  to?: unknown;
  from?: unknown;
  reason?: unknown;
  callId?: unknown;
}

// `first`: the events this statement inserted, in the batch's order. Timeline rows go in
// that order (their ids follow it); last states take each agent's latest (the later of
// equal times), in agent order so two relays lock the rows alike; Postgres cannot update
// one row twice in a statement.
const JOURNAL = `WITH e AS (
    SELECT * FROM unnest($1::uuid[], $2::jsonb[], $3::timestamptz[], $4::uuid[], $5::jsonb[], $6::text[], $7::text[], $8::text[], $9::text[])
      WITH ORDINALITY AS e(event_id, payload, at, call_id, data, agent_id, to_state, reason, from_state, n)),
  ins AS (
    INSERT INTO outbox (event_id, type, payload, created_at)
    SELECT event_id, 'agent.state_changed', payload, at FROM e ORDER BY n
    ON CONFLICT DO NOTHING RETURNING event_id),
  first AS (SELECT e.* FROM e JOIN ins USING (event_id)),
  timeline AS (
    INSERT INTO call_events (call_id, type, at, data)
    SELECT c.id, 'agent.state_changed', f.at, f.data FROM first f JOIN calls c ON c.id = f.call_id ORDER BY f.n
    RETURNING 1),
  last AS (
    INSERT INTO acd_agent_last_state (agent_id, state, reason, since, call_id, event_id)
    SELECT agent_id, state, reason, since, call_id, event_id FROM (
      SELECT DISTINCT ON (f.agent_id) f.agent_id, f.to_state AS state, f.reason, f.at AS since, f.data->>'callId' AS call_id, f.event_id
        FROM first f WHERE f.agent_id IS NOT NULL AND f.to_state IS NOT NULL
       ORDER BY f.agent_id, f.at DESC, f.n DESC) l
     ORDER BY agent_id
    ON CONFLICT (agent_id) DO UPDATE SET state = EXCLUDED.state, reason = EXCLUDED.reason, since = EXCLUDED.since,
      call_id = EXCLUDED.call_id, event_id = EXCLUDED.event_id
    WHERE acd_agent_last_state.since <= EXCLUDED.since
    RETURNING 1)
SELECT DISTINCT d.id::text AS cdr_id FROM first f JOIN cdrs d ON d.call_id = f.call_id
 WHERE f.from_state = 'wrap_up' AND (d.detail->>'complete')::boolean IS FALSE`;

/** The call a state change names, when it is one (campaign tasks hold agents under `task:<id>`). */
export function callOfChange(event: DomainEvent): string | null {
  const callId = (event.data as StateData).callId;
  return typeof callId === 'string' && UUID.test(callId) ? callId : null;
}

/** Whether the change ends a wrap-up on a call: its CDR is then completed (refreshCdrDetail). */
export function endsWrapUpOnCall(event: DomainEvent): boolean {
  return (event.data as StateData).from === 'wrap_up' && callOfChange(event) !== null;
}

/**
 * Journals the events; returns the stored CDRs not yet complete of the calls whose wrap-up
 * one of the newly inserted events ended (to be completed in the same transaction).
 */
export async function journalStateChanges(q: Queryable, events: readonly DomainEvent[]): Promise<string[]> {
  if (!events.length) return [];
  events.forEach(checkEventSchema);
  const text = (v: unknown) => (typeof v === 'string' ? v : null);
  const { rows } = await q.query<{ cdr_id: string }>({
    name: 'acd-journal-state-changes',
    text: JOURNAL,
    values: [
      events.map((e) => e.id),
      events.map((e) => JSON.stringify(e)),
      events.map((e) => e.occurredAt),
      events.map(callOfChange),
      events.map((e) => JSON.stringify(e.data)),
      events.map((e) => text((e.data as StateData).agentId)),
      events.map((e) => text((e.data as StateData).to)),
      events.map((e) => text((e.data as StateData).reason)),
      events.map((e) => text((e.data as StateData).from)),
    ],
  });
  return rows.map((r) => r.cdr_id);
}
