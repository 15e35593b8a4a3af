// Durable call state. Every change is one transaction that also writes the call's
// timeline and the outbox, so what integrators hear always matches what was stored.
// Every write is idempotent: a PBX event seen twice (reconnect, resync, a second
// instance) changes nothing the second time.
import { randomUUID } from 'node:crypto';
import { withTransaction, type Db, type DbClient, type Queryable } from '../db/pool.js';
import type { EventType } from '../events/catalogue.js';
import { appendOutbox } from '../events/outbox.js';
import { buildCdr, cdrPayload, type Cdr } from './cdr.js';
import { isCallState, transition, type CallState } from './state.js';

export type Direction = 'inbound' | 'outbound' | 'internal';

export interface Call {
  id: string;
  pbxNode: string;
  channelId: string;
  linkedid: string | null;
  direction: Direction;
  callerNumber: string | null;
  callerName: string | null;
  dnis: string | null;
  state: CallState;
  data: Record<string, unknown>;
  createdAt: Date;
  answeredAt: Date | null;
  endedAt: Date | null;
  hangupCause: number | null;
}

interface CallRow {
  id: string;
  pbx_node: string;
  channel_id: string;
  linkedid: string | null;
  direction: Direction;
  caller_number: string | null;
  caller_name: string | null;
  dnis: string | null;
  state: string;
  data: Record<string, unknown>;
  created_at: Date;
  answered_at: Date | null;
  ended_at: Date | null;
  hangup_cause: number | null;
}

function toCall(r: CallRow): Call {
  if (!isCallState(r.state)) throw new Error(`call ${r.id} has unknown state ${r.state}`);
  return {
    id: r.id,
    pbxNode: r.pbx_node,
    channelId: r.channel_id,
    linkedid: r.linkedid,
    direction: r.direction,
    callerNumber: r.caller_number,
    callerName: r.caller_name,
    dnis: r.dnis,
    state: r.state,
    data: r.data,
    createdAt: r.created_at,
    answeredAt: r.answered_at,
    endedAt: r.ended_at,
    hangupCause: r.hangup_cause,
  };
}

/** The common part of every call.* payload. */
export function callSummary(call: Call): Record<string, unknown> {
  return {
    callId: call.id,
    pbxNode: call.pbxNode,
    channelId: call.channelId,
    linkedid: call.linkedid,
    direction: call.direction,
    state: call.state,
    caller: { number: call.callerNumber, name: call.callerName },
    dnis: call.dnis,
    data: call.data,
  };
}

export interface NewCall {
  pbxNode: string;
  channelId: string;
  linkedid: string | null;
  direction: Direction;
  callerNumber: string | null;
  callerName: string | null;
  dnis: string | null;
  data?: Record<string, unknown>;
  at?: Date;
}

async function addTimeline(tx: Queryable, callId: string, type: string, data: Record<string, unknown>, at: Date) {
  await tx.query('INSERT INTO call_events (call_id, type, at, data) VALUES ($1, $2, $3, $4)', [callId, type, at, data]);
}

async function announce(tx: Queryable, type: EventType, call: Call, at: Date, extra: Record<string, unknown> = {}) {
  await appendOutbox(tx, { type, callId: call.id, pbxNode: call.pbxNode, occurredAt: at, data: { ...callSummary(call), ...extra } });
}

/** Creates the call for a channel, or returns the existing one (`created: false`). */
export async function createCall(db: Db, input: NewCall): Promise<{ call: Call; created: boolean }> {
  const at = input.at ?? new Date();
  return withTransaction(db, async (tx) => {
    const inserted = await tx.query<CallRow>(
      `INSERT INTO calls (id, pbx_node, channel_id, linkedid, direction, caller_number, caller_name, dnis, state, data, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'ringing', $9, $10, $10)
       ON CONFLICT (pbx_node, channel_id) DO NOTHING
       RETURNING *`,
      [randomUUID(), input.pbxNode, input.channelId, input.linkedid, input.direction, input.callerNumber, input.callerName, input.dnis, input.data ?? {}, at],
    );
    const row = inserted.rows[0];
    if (!row) {
      const existing = await tx.query<CallRow>('SELECT * FROM calls WHERE pbx_node = $1 AND channel_id = $2', [input.pbxNode, input.channelId]);
      return { call: toCall(existing.rows[0] as CallRow), created: false };
    }
    const call = toCall(row);
    await tx.query('INSERT INTO call_legs (call_id, channel_id, role, created_at) VALUES ($1, $2, $3, $4)', [call.id, call.channelId, 'caller', at]);
    await addTimeline(tx, call.id, 'call.created', { channelId: call.channelId }, at);
    await announce(tx, 'call.created', call, at);
    return { call, created: true };
  });
}

async function lockCall(tx: DbClient, callId: string): Promise<Call | undefined> {
  const { rows } = await tx.query<CallRow>('SELECT * FROM calls WHERE id = $1 FOR UPDATE', [callId]);
  return rows[0] ? toCall(rows[0]) : undefined;
}

export async function findCallByChannel(db: Queryable, pbxNode: string, channelId: string): Promise<Call | undefined> {
  const { rows } = await db.query<CallRow>(
    `SELECT c.* FROM calls c JOIN call_legs l ON l.call_id = c.id
     WHERE c.pbx_node = $1 AND l.channel_id = $2 ORDER BY c.created_at DESC LIMIT 1`,
    [pbxNode, channelId],
  );
  return rows[0] ? toCall(rows[0]) : undefined;
}

export async function getCall(db: Queryable, callId: string): Promise<Call | undefined> {
  const { rows } = await db.query<CallRow>('SELECT * FROM calls WHERE id = $1', [callId]);
  return rows[0] ? toCall(rows[0]) : undefined;
}

/** Calls this node still believes are alive: the starting point of a resync. */
export async function liveCalls(db: Queryable, pbxNode: string): Promise<Call[]> {
  const { rows } = await db.query<CallRow>("SELECT * FROM calls WHERE pbx_node = $1 AND state <> 'ended'", [pbxNode]);
  return rows.map(toCall);
}

const ANNOUNCED: Partial<Record<CallState, EventType>> = {
  answered: 'call.answered',
  held: 'call.held',
};

/**
 * Moves the call to `to`. Returns undefined when the call is already there or ended
 * (a repeated event), throws IllegalTransitionError for a transition the model forbids.
 */
export async function transitionCall(
  db: Db,
  callId: string,
  to: Exclude<CallState, 'ended'>,
  data: Record<string, unknown> = {},
  at: Date = new Date(),
): Promise<Call | undefined> {
  return withTransaction(db, async (tx) => {
    const current = await lockCall(tx, callId);
    if (!current || current.state === to || current.state === 'ended') return undefined;
    const state = transition(current.state, to);
    const { rows } = await tx.query<CallRow>(
      `UPDATE calls SET state = $2, updated_at = $3,
         answered_at = CASE WHEN $2 = 'answered' AND answered_at IS NULL THEN $3 ELSE answered_at END
       WHERE id = $1 RETURNING *`,
      [callId, state, at],
    );
    const call = toCall(rows[0] as CallRow);
    await addTimeline(tx, callId, `call.${state}`, { from: current.state, ...data }, at);
    const type = ANNOUNCED[state];
    if (type) await announce(tx, type, call, at);
    return call;
  });
}

/** Adds an entry to the call's timeline without changing its state (e.g. a prompt played). */
export async function noteCallEvent(db: Queryable, callId: string, type: string, data: Record<string, unknown> = {}, at = new Date()) {
  await addTimeline(db, callId, type, data, at);
}

/**
 * Ends the call, writes its CDR and announces both. Idempotent: a call already ended
 * returns undefined and nothing is written twice.
 */
export async function endCall(
  db: Db,
  callId: string,
  end: { cause: number | null; reason: string; at?: Date },
): Promise<{ call: Call; cdr: Cdr } | undefined> {
  const at = end.at ?? new Date();
  return withTransaction(db, async (tx) => {
    const current = await lockCall(tx, callId);
    if (!current || current.state === 'ended') return undefined;
    transition(current.state, 'ended');
    const { rows } = await tx.query<CallRow>(
      `UPDATE calls SET state = 'ended', ended_at = $2, hangup_cause = $3, updated_at = $2 WHERE id = $1 RETURNING *`,
      [callId, at, end.cause],
    );
    const call = toCall(rows[0] as CallRow);
    await tx.query('UPDATE call_legs SET ended_at = $2 WHERE call_id = $1 AND ended_at IS NULL', [callId, at]);
    await addTimeline(tx, callId, 'call.ended', { from: current.state, cause: end.cause, reason: end.reason }, at);
    const timeline = await tx.query<{ type: string; at: Date; data: Record<string, unknown> }>(
      'SELECT type, at, data FROM call_events WHERE call_id = $1 ORDER BY id',
      [callId],
    );
    const cdr = buildCdr({ ...call, endedAt: at, endReason: end.reason }, undefined, timeline.rows);
    await tx.query(
      `INSERT INTO cdrs (id, call_id, pbx_node, linkedid, direction, caller_number, caller_name, dnis, started_at,
         answered_at, ended_at, duration_ms, talk_ms, disposition, hangup_cause, data, detail)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17) ON CONFLICT (call_id) DO NOTHING`,
      [cdr.id, cdr.callId, cdr.pbxNode, cdr.linkedid, cdr.direction, cdr.callerNumber, cdr.callerName, cdr.dnis,
        cdr.startedAt, cdr.answeredAt, cdr.endedAt, cdr.durationMs, cdr.talkMs, cdr.disposition, cdr.hangupCause, cdr.data, cdr.detail],
    );
    await announce(tx, 'call.ended', call, at, { cause: end.cause, reason: end.reason });
    await appendOutbox(tx, { type: 'cdr.created', callId, pbxNode: call.pbxNode, occurredAt: at, data: cdrPayload(cdr) });
    return { call, cdr };
  });
}
