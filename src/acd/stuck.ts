// Agents the ACD believes busy with a call that is over: on a call or reserved for a call
// that ended a while ago, with no open agent leg. A fault between the call's end and the
// agent's state change leaves them so (Redis away, the owner gone); /readyz names them
// and a supervisor clears them with a forced ready or logout.
import type { Queryable } from '../db/pool.js';
import type { AgentLiveStore } from './live-store.js';
import { listAgents } from './repository.js';

/** The normal path moves the agent on within moments of the call's end. */
const GRACE_MS = 60_000;

export async function stuckAgents(db: Queryable, live: Pick<AgentLiveStore, 'getMany'>, graceMs = GRACE_MS): Promise<string[]> {
  const ids = (await listAgents(db)).map((a) => a.id);
  const states = await live.getMany(ids);
  const busy = [...states].filter(([, s]) => (s.state === 'on_call' || s.state === 'reserved') && s.callId);
  if (busy.length === 0) return [];
  const { rows } = await db.query<{ agent_id: string }>(
    `SELECT b.agent_id FROM unnest($1::text[], $2::text[]) AS b (agent_id, call_id)
     JOIN calls c ON c.id::text = b.call_id
     WHERE c.state = 'ended' AND c.ended_at < now() - $3::int * interval '1 millisecond'
       AND NOT EXISTS (SELECT 1 FROM acd_agent_legs l WHERE l.agent_id = b.agent_id AND l.call_id = c.id AND l.ended_at IS NULL)`,
    [busy.map(([id]) => id), busy.map(([, s]) => s.callId!), graceMs],
  );
  return rows.map((r) => r.agent_id).sort();
}
