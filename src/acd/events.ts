// The ACD's outbox events (payloads agreed in docs/events.md): agent state changes and
// the call.* events of a call's stay in a queue. Each is written in the transaction that
// records what it announces.
import type { Queryable } from '../db/pool.js';
import { appendOutbox } from '../events/outbox.js';
import { callSummary, type Call } from '../calls/repository.js';
import { refreshCdrDetail } from '../cdrs/refresh.js';
import type { StateChange } from './live-store.js';

export async function announceStateChange(
  tx: Queryable,
  change: StateChange,
  at: Date,
  context: { callId?: string | null; queueId?: string | null } = {},
): Promise<void> {
  if (!change.changed) return;
  const data = {
    agentId: change.agentId,
    from: change.from.state,
    to: change.to.state,
    reason: change.to.reason,
    durationMs: Math.max(0, at.getTime() - change.from.sinceMs),
    callId: context.callId ?? change.to.callId ?? change.from.callId ?? null,
    queueId: context.queueId ?? null,
  };
  // A change that names a call is part of that call's timeline: its CDR reads the agent's
  // talk and wrap-up from there.
  if (data.callId) await addToTimeline(tx, data.callId, 'agent.state_changed', at, data);
  // A wrap-up ending after the call did completes the call's stored CDR (lists, CSV).
  if (data.callId && data.from === 'wrap_up') await completeCdr(tx, data.callId);
  await appendOutbox(tx, { type: 'agent.state_changed', occurredAt: at, data });
}

async function completeCdr(tx: Queryable, callId: string): Promise<void> {
  const { rows } = await tx.query<{ id: string }>("SELECT id FROM cdrs WHERE call_id = $1 AND (detail->>'complete')::boolean IS FALSE", [callId]);
  if (rows[0]) await refreshCdrDetail(tx, rows[0].id);
}

async function addToTimeline(tx: Queryable, callId: string, type: string, at: Date, data: Record<string, unknown>): Promise<void> {
  await tx.query('INSERT INTO call_events (call_id, type, at, data) SELECT id, $2, $3, $4 FROM calls WHERE id = $1', [callId, type, at, data]);
}

export async function announceCall(
  tx: Queryable,
  type: 'call.queued' | 'call.offered' | 'call.connected' | 'call.abandoned' | 'call.overflowed',
  call: Call,
  extra: Record<string, unknown>,
  at = new Date(),
): Promise<void> {
  await addToTimeline(tx, call.id, type, at, extra);
  await appendOutbox(tx, { type, callId: call.id, pbxNode: call.pbxNode, occurredAt: at, data: { ...callSummary(call), ...extra } });
}
