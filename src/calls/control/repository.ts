// Durable side of call control: outbound calls, legs with their agent, and call events
// that carry call-control extras (who held, for how long). Each write is one transaction
// with its timeline entry and its outbox event.
import { uuidv7 } from '../../ids.js';
import { withTransaction, type Db, type DbClient, type Queryable } from '../../db/pool.js';
import type { EventType } from '../../events/catalogue.js';
import { appendOutbox } from '../../events/outbox.js';
import { callSummary, getCall, type Call } from '../repository.js';
import { transition, type CallState } from '../state.js';

export interface NewOutboundCall {
  id: string;
  pbxNode: string;
  /** The dialled party's channel: the call's own channel, as the caller's is for inbound calls. */
  customerChannelId: string;
  agentChannelId: string;
  agentId: string | null;
  linkedid: string;
  /** The agent's extension, who places the call. */
  from: string;
  to: string;
  data: Record<string, unknown>;
}

/** Inside the caller's transaction, so the request's idempotency row commits with the call. */
export async function insertOutboundCall(tx: DbClient, c: NewOutboundCall): Promise<void> {
  const at = new Date();
  await tx.query(
    `INSERT INTO calls (id, pbx_node, channel_id, linkedid, direction, caller_number, caller_name, dnis, state, data, created_at, updated_at)
     VALUES ($1, $2, $3, $4, 'outbound', $5, NULL, $6, 'ringing', $7, $8, $8)`,
    [c.id, c.pbxNode, c.customerChannelId, c.linkedid, c.from, c.to, c.data, at],
  );
  await tx.query('INSERT INTO call_legs (call_id, channel_id, role, agent_id, created_at) VALUES ($1, $2, $3, $4, $5)', [
    c.id,
    c.agentChannelId,
    'agent',
    c.agentId,
    at,
  ]);
  await tx.query('INSERT INTO call_events (call_id, type, at, data) VALUES ($1, $2, $3, $4)', [
    c.id,
    'call.created',
    at,
    { channelId: c.customerChannelId, agentChannelId: c.agentChannelId, clickToDial: true },
  ]);
  const call = (await getCall(tx, c.id)) as Call;
  await appendOutbox(tx, { type: 'call.created', callId: c.id, pbxNode: c.pbxNode, occurredAt: at, data: callSummary(call) });
}

export async function addLeg(db: Queryable, callId: string, channelId: string, role: string, agentId: string | null): Promise<void> {
  await db.query(
    `INSERT INTO call_legs (call_id, channel_id, role, agent_id) VALUES ($1, $2, $3, $4)
     ON CONFLICT (call_id, channel_id) DO NOTHING`,
    [callId, channelId, role, agentId],
  );
}

/** The leg left the call: the agent's handle time on it ends here. */
export async function endLeg(db: Queryable, callId: string, channelId: string, at = new Date()): Promise<void> {
  await db.query('UPDATE call_legs SET ended_at = $3 WHERE call_id = $1 AND channel_id = $2 AND ended_at IS NULL', [callId, channelId, at]);
}

export async function noteEvent(db: Queryable, callId: string, type: string, data: Record<string, unknown>): Promise<void> {
  await db.query('INSERT INTO call_events (call_id, type, data) VALUES ($1, $2, $3)', [callId, type, data]);
}

/** Announces a call event with extras, in the caller's transaction. */
export async function announceCall(tx: Queryable, call: Call, type: EventType, extra: Record<string, unknown>, at = new Date()): Promise<void> {
  await tx.query('INSERT INTO call_events (call_id, type, at, data) VALUES ($1, $2, $3, $4)', [call.id, type, at, extra]);
  await appendOutbox(tx, { type, callId: call.id, pbxNode: call.pbxNode, occurredAt: at, data: { ...callSummary(call), ...extra } });
}

/**
 * Moves the call to `to` and announces `type` with extras; undefined when the call is
 * already there or ended.
 */
export async function moveCall(
  db: Db,
  callId: string,
  to: Exclude<CallState, 'ended'>,
  announce?: { type: EventType; extra: Record<string, unknown> },
): Promise<Call | undefined> {
  return withTransaction(db, async (tx) => {
    const { rows } = await tx.query<{ state: CallState }>('SELECT state FROM calls WHERE id = $1 FOR UPDATE', [callId]);
    const from = rows[0]?.state;
    if (!from || from === to || from === 'ended') return undefined;
    transition(from, to);
    const at = new Date();
    await tx.query(
      `UPDATE calls SET state = $2, updated_at = $3,
         answered_at = CASE WHEN $2 IN ('answered', 'connected') AND answered_at IS NULL THEN $3 ELSE answered_at END
       WHERE id = $1`,
      [callId, to, at],
    );
    const call = (await getCall(tx, callId)) as Call;
    if (announce) await announceCall(tx, call, announce.type, { from, ...announce.extra }, at);
    else await tx.query('INSERT INTO call_events (call_id, type, at, data) VALUES ($1, $2, $3, $4)', [callId, `call.${to}`, at, { from }]);
    if (to === 'answered') await appendOutbox(tx, { type: 'call.answered', callId, pbxNode: call.pbxNode, occurredAt: at, data: callSummary(call) });
    return call;
  });
}

export const newId = (): string => uuidv7();
