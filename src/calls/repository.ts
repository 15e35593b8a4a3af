// Durable call state. Every change is one transaction that also writes the call's
// timeline and the outbox, so what integrators hear always matches what was stored.
// Every write is idempotent: a PBX event seen twice (reconnect, resync, a second
// instance) changes nothing the second time.
import { uuidv7 } from '../ids.js';
import { withTransaction, type Db, type DbClient, type Queryable } from '../db/pool.js';
import type { DomainEvent } from '../events/catalogue.js';
import { domainEvent } from '../events/outbox.js';
import { checkEventSchema } from '../events/schema-check.js';
import { currentTraceparent } from '../tracing/tracer.js';
import { GroupCommit } from '../db/group-commit.js';
import { buildCdr, cdrPayload, type Cdr } from './cdr.js';
import { isCallState, transition } from './state.js';
import { callSummary, toCall, type Call, type CallRow } from './call-row.js';

export { callSummary, type Call, type Direction } from './call-row.js';
export { advanceCall, lockCall, transitionCall, transitionCallIn, transitionCallThrough } from './transitions.js';

export type NewCall = Pick<Call, 'pbxNode' | 'channelId' | 'linkedid' | 'direction' | 'callerNumber' | 'callerName' | 'dnis'> & {
  data?: Record<string, unknown>;
  at?: Date;
};

async function addTimeline(tx: Queryable, callId: string, type: string, data: Record<string, unknown>, at: Date) {
  await tx.query('INSERT INTO call_events (call_id, type, at, data) VALUES ($1, $2, $3, $4)', [callId, type, at, data]);
}

/**
 * Creates the call for a channel, or returns the existing one (`created: false`). The
 * call, its caller leg, its timeline entry and `call.created` are one statement (its own
 * transaction): everything the event says is known before the insert, and the leg,
 * entry and event are written only with a call that was inserted now.
 */
export async function createCall(db: Db, input: NewCall): Promise<{ call: Call; created: boolean }> {
  const at = input.at ?? new Date();
  const call: Call = {
    id: uuidv7(),
    pbxNode: input.pbxNode,
    channelId: input.channelId,
    linkedid: input.linkedid,
    direction: input.direction,
    callerNumber: input.callerNumber,
    callerName: input.callerName,
    dnis: input.dnis,
    state: 'ringing',
    data: input.data ?? {},
    createdAt: at,
    answeredAt: null,
    endedAt: null,
    hangupCause: null,
  };
  const event = domainEvent({ type: 'call.created', callId: call.id, pbxNode: call.pbxNode, occurredAt: at, data: callSummary(call) });
  checkEventSchema(event);
  const inserted = await db.query<CallRow>({
    name: 'call-create',
    text: `WITH c AS (
        INSERT INTO calls (id, pbx_node, channel_id, linkedid, direction, caller_number, caller_name, dnis, state, data, created_at, updated_at)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'ringing', $9, $10, $10)
        ON CONFLICT (pbx_node, channel_id) DO NOTHING
        RETURNING *),
      leg AS (INSERT INTO call_legs (call_id, channel_id, role, created_at) SELECT id, channel_id, 'caller', $10 FROM c),
      timeline AS (INSERT INTO call_events (call_id, type, at, data) SELECT id, 'call.created', $10, $11 FROM c),
      announced AS (INSERT INTO outbox (event_id, type, payload, trace_parent) SELECT $12, 'call.created', $13, $14 FROM c)
      SELECT * FROM c`,
    values: [
      call.id, call.pbxNode, call.channelId, call.linkedid, call.direction, call.callerNumber, call.callerName, call.dnis, JSON.stringify(call.data), at,
      JSON.stringify({ channelId: call.channelId }), event.id, JSON.stringify(event), currentTraceparent() ?? null,
    ],
  });
  const row = inserted.rows[0];
  if (row) return { call: toCall(row), created: true };
  const existing = await db.query<CallRow>('SELECT * FROM calls WHERE pbx_node = $1 AND channel_id = $2', [input.pbxNode, input.channelId]);
  return { call: toCall(existing.rows[0] as CallRow), created: false };
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

/** Adds an entry to the call's timeline without changing its state (e.g. a prompt played). */
export async function noteCallEvent(db: Queryable, callId: string, type: string, data: Record<string, unknown> = {}, at = new Date()) {
  await addTimeline(db, callId, type, data, at);
}

export interface EndOfCall {
  cause: number | null;
  reason: string;
  at?: Date;
}

export type EndedCall = { call: Call; cdr: Cdr } | undefined;

interface EndRequest {
  callId: string;
  cause: number | null;
  reason: string;
  at: Date;
}

// Ending a call is the hot write of the CDR pipeline: one statement locks and ends the
// calls, closes their legs and notes `call.ended` on their timelines; one reads the
// timelines (the CDR's transfer-aware detail); one writes the CDRs and the events.
// The same statements end one call or a group of them.
//
// The calls are found by id alone and only the locked rows are asked whether they are
// still live. With `state <> 'ended'` in the lookup, the planner may serve it from the
// partial index of live calls (calls_state_idx): on a database whose statistics say
// nearly every call has ended, it reads every live call and compares each with every id
// of the group, a cost that grows with the calls in progress (2,000 live calls: 126,000
// comparisons for a group of 64). Without it, only the primary key can serve the lookup.
// A row locked after a concurrent hang-up comes back with its new state and drops out.
//
// Both lookups name the ids as the array parameter itself (`= ANY ($1)`), not as a join
// with the unnested input: a join's plan follows the statistics, and on tables that have
// none yet (a new database before its first ANALYZE, a server without autovacuum) the
// planner hashed the group against a sequential scan of every leg, a cost that grew with
// the table, once per group. An array compared with the key's leading column is an index
// probe per id whatever the statistics say (test/integration/calls-end-plan.test.ts).
export const END_CALLS = `
  WITH input AS (
    SELECT * FROM unnest($1::uuid[], $2::timestamptz[], $3::int[], $4::text[]) AS i(id, at, cause, reason)
  ), locked AS (
    SELECT c.id, c.state FROM calls c WHERE c.id = ANY ($1::uuid[])
    ORDER BY c.id FOR UPDATE
  ), ended AS (
    UPDATE calls c SET state = 'ended', ended_at = i.at, hangup_cause = i.cause, updated_at = i.at
    FROM locked l JOIN input i ON i.id = l.id WHERE c.id = l.id AND l.state <> 'ended'
    RETURNING c.*, l.state AS from_state
  ), legs AS (
    UPDATE call_legs g SET ended_at = e.ended_at FROM ended e
    WHERE g.call_id = ANY ($1::uuid[]) AND g.call_id = e.id AND g.ended_at IS NULL
  ), noted AS (
    INSERT INTO call_events (call_id, type, at, data)
    SELECT e.id, 'call.ended', i.at, jsonb_build_object('from', e.from_state, 'cause', i.cause, 'reason', i.reason)
    FROM ended e JOIN input i ON i.id = e.id
  )
  SELECT * FROM ended`;

// The CDRs and their events (call.ended, cdr.created, in the order given) in one
// statement: one round trip less per ending, inside the same transaction as before. The
// events come as one JSON array, not an array of JSON texts: each text in a text array is
// escaped quote by quote on the way out and parsed twice on the way in (the array, then
// each element); a JSON array is parsed once, its elements kept as they are.
const CDR_INSERT = `
  WITH cdr AS (
    INSERT INTO cdrs (id, call_id, pbx_node, linkedid, direction, caller_number, caller_name, dnis, started_at,
      answered_at, ended_at, duration_ms, talk_ms, disposition, hangup_cause, data, detail)
    SELECT * FROM jsonb_to_recordset($1::jsonb) AS r(id uuid, call_id uuid, pbx_node text, linkedid text, direction text,
      caller_number text, caller_name text, dnis text, started_at timestamptz, answered_at timestamptz,
      ended_at timestamptz, duration_ms integer, talk_ms integer, disposition text, hangup_cause integer,
      data jsonb, detail jsonb)
    ON CONFLICT (call_id) DO NOTHING
  )
  INSERT INTO outbox (event_id, type, payload, trace_parent)
  SELECT (e.payload->>'id')::uuid, e.payload->>'type', e.payload, $3
  FROM jsonb_array_elements($2::jsonb) WITH ORDINALITY AS e(payload, n)
  ORDER BY e.n`;

function cdrRow(cdr: Cdr): Record<string, unknown> {
  return {
    id: cdr.id, call_id: cdr.callId, pbx_node: cdr.pbxNode, linkedid: cdr.linkedid, direction: cdr.direction,
    caller_number: cdr.callerNumber, caller_name: cdr.callerName, dnis: cdr.dnis, started_at: cdr.startedAt,
    answered_at: cdr.answeredAt, ended_at: cdr.endedAt, duration_ms: cdr.durationMs, talk_ms: cdr.talkMs,
    disposition: cdr.disposition, hangup_cause: cdr.hangupCause, data: cdr.data, detail: cdr.detail,
  };
}

/**
 * Ends the given calls in the caller's transaction. A call already ended, unknown, or
 * named again later in the same list gets undefined and is written once.
 */
async function endCallsIn(tx: DbClient, requests: readonly EndRequest[]): Promise<EndedCall[]> {
  // Keyed as Postgres prints a uuid, so a call id written in capitals still meets its row.
  const key = (r: EndRequest) => r.callId.toLowerCase();
  const first = new Map<string, EndRequest>();
  for (const r of requests) if (!first.has(key(r))) first.set(key(r), r);
  const unique = [...first.values()];
  const { rows } = await tx.query<CallRow & { from_state: string }>({
    name: 'calls-end',
    text: END_CALLS,
    values: [unique.map((r) => r.callId), unique.map((r) => r.at), unique.map((r) => r.cause), unique.map((r) => r.reason)],
  });
  if (!rows.length) return requests.map(() => undefined);
  for (const r of rows) {
    // Every live state may end; an unknown one is a bug and fails the transaction.
    if (!isCallState(r.from_state)) throw new Error(`call ${r.id} has unknown state ${r.from_state}`);
    transition(r.from_state, 'ended');
  }
  const timelines = new Map<string, TimelineRow[]>();
  const { rows: events } = await tx.query<TimelineRow & { call_id: string }>({
    name: 'calls-end-timelines',
    text: 'SELECT call_id, type, at, data FROM call_events WHERE call_id = ANY($1::uuid[]) ORDER BY id',
    values: [rows.map((r) => r.id)],
  });
  for (const { call_id, ...item } of events) {
    const list = timelines.get(call_id);
    if (list) list.push(item);
    else timelines.set(call_id, [item]);
  }
  const done = new Map<string, { call: Call; cdr: Cdr }>();
  const outbox: DomainEvent[] = [];
  const byId = new Map(rows.map((r) => [r.id, r]));
  // Events in the order the hang-ups arrived, as one transaction per call would have numbered them.
  for (const end of unique) {
    const row = byId.get(key(end));
    if (!row) continue;
    const { from_state: _from, ...callRow } = row;
    const call = toCall(callRow);
    const cdr = buildCdr({ ...call, endedAt: end.at, endReason: end.reason }, undefined, timelines.get(call.id) ?? []);
    done.set(call.id, { call, cdr });
    outbox.push(
      domainEvent({ type: 'call.ended', callId: call.id, pbxNode: call.pbxNode, occurredAt: end.at, data: { ...callSummary(call), cause: end.cause, reason: end.reason } }),
      domainEvent({ type: 'cdr.created', callId: call.id, pbxNode: call.pbxNode, occurredAt: end.at, data: cdrPayload(cdr) }),
    );
  }
  if (done.size !== rows.length) throw new Error('a call was ended that no request names');
  outbox.forEach(checkEventSchema);
  await tx.query({
    name: 'cdrs-and-events-insert-json',
    text: CDR_INSERT,
    values: [
      JSON.stringify([...done.values()].map((d) => cdrRow(d.cdr))),
      JSON.stringify(outbox),
      currentTraceparent() ?? null,
    ],
  });
  return requests.map((r) => (first.get(key(r)) === r ? done.get(key(r)) : undefined));
}

interface TimelineRow {
  type: string;
  at: Date;
  data: Record<string, unknown>;
}

const endings = new WeakMap<Db, GroupCommit<EndRequest, EndedCall>>();

function endingsOf(db: Db): GroupCommit<EndRequest, EndedCall> {
  let group = endings.get(db);
  if (!group) {
    group = new GroupCommit<EndRequest, EndedCall>({
      many: (requests) => withTransaction(db, (tx) => endCallsIn(tx, requests)),
      one: async (request) => (await withTransaction(db, (tx) => endCallsIn(tx, [request])))[0],
    });
    endings.set(db, group);
  }
  return group;
}

/**
 * Ends the call, writes its CDR and announces both. Idempotent: a call already ended
 * returns undefined and nothing is written twice. Hang-ups arriving together (each on
 * its own channel's chain) are committed together; see db/group-commit.ts.
 */
export async function endCall(db: Db, callId: string, end: EndOfCall): Promise<EndedCall> {
  return endingsOf(db).submit({ callId, cause: end.cause, reason: end.reason, at: end.at ?? new Date() });
}
