// Moving a call through its states. A step of a call (answered, then ivr; queued;
// connected) changes its row, adds one timeline entry per state passed and announces the
// states integrators hear about: all of it is decided here, from the call as it stands,
// and written by one statement, so a step costs one round trip instead of one per row.
import { withTransaction, type Db, type DbClient, type Queryable } from '../db/pool.js';
import type { DomainEvent, EventType } from '../events/catalogue.js';
import { domainEvent } from '../events/outbox.js';
import { checkEventSchema } from '../events/schema-check.js';
import { currentTraceparent } from '../tracing/tracer.js';
import { callSummary, toCall, type Call, type CallRow } from './call-row.js';
import { CALL_STATES, canTransition, transition, type CallState } from './state.js';

export type CallStep = { to: Exclude<CallState, 'ended'>; data?: Record<string, unknown> };

const ANNOUNCED: Partial<Record<CallState, EventType>> = {
  answered: 'call.answered',
  held: 'call.held',
};

/** What steps taken from the call's present state write; undefined when none changes it. */
interface Move {
  from: CallState;
  to: CallState;
  answered: boolean;
  timeline: Array<{ type: string; data: Record<string, unknown> }>;
  events: DomainEvent[];
}

/**
 * The steps from `call.state`, as the model allows them: a step the call is already in
 * (or any step of an ended call) is skipped; a forbidden one throws IllegalTransitionError,
 * or is skipped with `skipIllegal`.
 */
function planMove(call: Call, steps: readonly CallStep[], at: Date, skipIllegal: boolean): Move | undefined {
  let state = call.state;
  const move: Move = { from: call.state, to: call.state, answered: false, timeline: [], events: [] };
  for (const { to, data = {} } of steps) {
    if (state === to || state === 'ended') continue;
    let next: CallState;
    try {
      next = transition(state, to);
    } catch (err) {
      if (skipIllegal) continue;
      throw err;
    }
    move.timeline.push({ type: `call.${next}`, data: { from: state, ...data } });
    const type = ANNOUNCED[next];
    // What the caller said about the change (who put the call on hold) goes out with it.
    if (type) {
      const event = domainEvent({ type, callId: call.id, pbxNode: call.pbxNode, occurredAt: at, data: { ...callSummary({ ...call, state: next }), ...data } });
      checkEventSchema(event);
      move.events.push(event);
    }
    if (next === 'answered') move.answered = true;
    state = next;
  }
  move.to = state;
  return move.timeline.length ? move : undefined;
}

// Applies only while the call is still in the state the move was planned from: a call
// that moved on meanwhile is left alone (no row comes back) and the caller decides again.
const MOVE_CALL = `
  WITH moved AS (
    UPDATE calls SET state = $3, updated_at = $4,
      answered_at = CASE WHEN $5::boolean AND answered_at IS NULL THEN $4 ELSE answered_at END
    WHERE id = $1 AND state = $2
    RETURNING *
  ), timeline AS (
    INSERT INTO call_events (call_id, type, at, data)
    SELECT m.id, t.type, $4, t.data
    FROM moved m, unnest($6::text[], $7::jsonb[]) WITH ORDINALITY AS t(type, data, n) ORDER BY t.n
  ), announced AS (
    INSERT INTO outbox (event_id, type, payload, trace_parent)
    SELECT e.event_id, e.type, e.payload, $11
    FROM moved, unnest($8::uuid[], $9::text[], $10::jsonb[]) WITH ORDINALITY AS e(event_id, type, payload, n) ORDER BY e.n
  )
  SELECT * FROM moved`;

async function writeMove(db: Queryable, callId: string, move: Move, at: Date): Promise<Call | undefined> {
  const { rows } = await db.query<CallRow>({
    name: 'call-move',
    text: MOVE_CALL,
    values: [
      callId, move.from, move.to, at, move.answered,
      move.timeline.map((t) => t.type), move.timeline.map((t) => JSON.stringify(t.data)),
      move.events.map((e) => e.id), move.events.map((e) => e.type), move.events.map((e) => JSON.stringify(e)),
      currentTraceparent() ?? null,
    ],
  });
  return rows[0] ? toCall(rows[0]) : undefined;
}

/** Locks the call's row for the transaction and reads it. */
export async function lockCall(tx: DbClient, callId: string): Promise<Call | undefined> {
  const { rows } = await tx.query<CallRow>('SELECT * FROM calls WHERE id = $1 FOR UPDATE', [callId]);
  return rows[0] ? toCall(rows[0]) : undefined;
}

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
  return transitionCallThrough(db, callId, [{ to, data }], at);
}

/**
 * Moves the call through several states in one transaction (answered, then ivr), each
 * step as transitionCall would: a step the call is already in is skipped. Returns the
 * call after the last step that changed it, undefined when none did.
 */
export async function transitionCallThrough(db: Db, callId: string, steps: readonly CallStep[], at: Date = new Date()): Promise<Call | undefined> {
  return withTransaction(db, async (tx) => (await transitionCallIn(tx, callId, steps, at)).changed);
}

/**
 * transitionCallThrough for a call the caller has just read or created (a new inbound
 * call being answered): one statement, its own transaction, when the call is still in the
 * state the caller knows; otherwise the locked read decides, as transitionCallThrough.
 */
export async function advanceCall(db: Db, call: Call, steps: readonly CallStep[], at: Date = new Date()): Promise<Call | undefined> {
  let move: Move | undefined;
  try {
    move = planMove(call, steps, at, false);
  } catch {
    // Forbidden from the state we knew; the present state may allow it, or the locked path throws.
  }
  if (move) {
    const moved = await writeMove(db, call.id, move, at);
    if (moved) return moved;
  }
  return transitionCallThrough(db, call.id, steps, at);
}

/**
 * transitionCallThrough inside the caller's transaction, so a step of a call (an answer
 * with its queue outcome, a queue entry) is one commit. Returns the call as it stands
 * after the steps (locked for the rest of the transaction) and the call after the last
 * step that changed it. With `skipIllegal`, a transition the model forbids changes
 * nothing instead of throwing (nothing was written for it: the check comes first).
 */
export async function transitionCallIn(
  tx: DbClient,
  callId: string,
  steps: readonly CallStep[],
  at: Date = new Date(),
  options: { skipIllegal?: boolean } = {},
): Promise<{ current: Call | undefined; changed: Call | undefined }> {
  const only = steps.length === 1 ? steps[0]! : undefined;
  if (only && !ANNOUNCED[only.to]) return stepInOne(tx, callId, only, at, options.skipIllegal ?? false);
  const current = await lockCall(tx, callId);
  if (!current) return { current, changed: undefined };
  const move = planMove(current, steps, at, options.skipIllegal ?? false);
  if (!move) return { current, changed: undefined };
  // The row is locked: it is still in the state just read, so the move always applies.
  const moved = await writeMove(tx, callId, move, at);
  if (!moved) throw new Error(`call ${callId} changed under its lock`);
  return { current: moved, changed: moved };
}

/** The states a call may reach `to` from. */
const REACHING = new Map<CallState, CallState[]>(CALL_STATES.map((to) => [to, CALL_STATES.filter((from) => canTransition(from, to))]));

// One step that announces nothing (queued, connected): the lock, the check and the writes
// in one statement. The locked row comes back as it was read (`before`), and as it was
// moved when the model allowed the step.
const STEP_CALL = `
  WITH cur AS (
    SELECT * FROM calls WHERE id = $1 FOR UPDATE
  ), moved AS (
    UPDATE calls c SET state = $2, updated_at = $3,
      answered_at = CASE WHEN $2 = 'answered' AND c.answered_at IS NULL THEN $3 ELSE c.answered_at END
    FROM cur WHERE c.id = cur.id AND cur.state = ANY($4::text[])
    RETURNING c.*
  ), timeline AS (
    INSERT INTO call_events (call_id, type, at, data)
    SELECT cur.id, $5, $3, jsonb_build_object('from', cur.state) || $6::jsonb FROM cur JOIN moved m ON m.id = cur.id
  )
  SELECT false AS before, m.* FROM moved m
  UNION ALL SELECT true AS before, cur.* FROM cur`;

async function stepInOne(
  tx: DbClient,
  callId: string,
  { to, data = {} }: CallStep,
  at: Date,
  skipIllegal: boolean,
): Promise<{ current: Call | undefined; changed: Call | undefined }> {
  const { rows } = await tx.query<CallRow & { before: boolean }>({
    name: 'call-step',
    text: STEP_CALL,
    values: [callId, to, at, REACHING.get(to), `call.${to}`, JSON.stringify(data)],
  });
  const moved = rows.find((r) => !r.before);
  if (moved) {
    const call = toCall(moved);
    return { current: call, changed: call };
  }
  const before = rows.find((r) => r.before);
  if (!before) return { current: undefined, changed: undefined };
  const current = toCall(before);
  // Already there, or over: a repeated event. Anything else the model forbids.
  if (current.state !== to && current.state !== 'ended' && !skipIllegal) transition(current.state, to);
  return { current, changed: undefined };
}
