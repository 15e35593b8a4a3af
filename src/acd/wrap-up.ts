// What an agent records about a call at wrap-up: a configured disposition code and a
// note. It goes on the call's timeline with its event, and onto the CDR's entry for the
// agent, in one transaction that holds the call's row, so a call ending at the same
// moment either builds its CDR with it or is already there to be refreshed.
import { withTransaction, type Db, type Queryable } from '../db/pool.js';
import { announceCall } from '../calls/control/repository.js';
import { getCall } from '../calls/repository.js';
import { refreshCdrDetail } from '../cdrs/refresh.js';

export interface WrapUp {
  agentId: string;
  callId: string;
  code: string;
  label: string;
  note: string | null;
  recordedAt: string;
}

/** Whether the agent had a leg in the call: offered by the ACD (queue, transfer, consult) or their click-to-dial. */
export async function agentTookPart(db: Queryable, callId: string, agentId: string): Promise<boolean> {
  const { rows } = await db.query<{ yes: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM acd_agent_legs WHERE call_id = $1 AND agent_id = $2)
         OR EXISTS (SELECT 1 FROM call_legs WHERE call_id = $1 AND agent_id = $2) AS yes`,
    [callId, agentId],
  );
  return rows[0]?.yes === true;
}

export async function recordWrapUp(
  db: Db,
  input: { agentId: string; callId: string; code: string; label: string; note: string | null },
): Promise<WrapUp | 'no_call' | 'not_on_call'> {
  return withTransaction(db, async (tx) => {
    const locked = await tx.query('SELECT 1 FROM calls WHERE id = $1 FOR UPDATE', [input.callId]);
    if (!locked.rowCount) return 'no_call';
    if (!(await agentTookPart(tx, input.callId, input.agentId))) return 'not_on_call';
    const call = (await getCall(tx, input.callId))!;
    const at = new Date();
    const { agentId, code, label, note } = input;
    await announceCall(tx, call, 'call.wrap_up_recorded', { wrapUp: { agentId, code, label, note } }, at);
    const cdr = await tx.query<{ id: string }>('SELECT id FROM cdrs WHERE call_id = $1', [input.callId]);
    if (cdr.rows[0]) await refreshCdrDetail(tx, cdr.rows[0].id);
    return { ...input, recordedAt: at.toISOString() };
  });
}
