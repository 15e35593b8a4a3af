// What an IVR call writes to Postgres: its steps (timeline + `call.ivr_step`), the data it
// attaches to the call (the screen pop) and its survey answer. Each write is one
// transaction with its outbox event, like every other call change.
import { callSummary, getCall } from '../calls/repository.js';
import { withTransaction, type Db, type DbClient } from '../db/pool.js';
import { uuidv7 } from '../ids.js';
import type { DomainEvent } from '../events/catalogue.js';
import { appendOutbox } from '../events/outbox.js';
import { checkEventSchema } from '../events/schema-check.js';
import { currentTraceparent } from '../tracing/tracer.js';
import type { IvrCommand } from './contract.js';

export type IvrStep = Extract<IvrCommand, { type: 'step' }>;

/** Nodes whose step input is safe to show: a menu choice, a CRM status code, a rating. */
const SHOWN_INPUT: ReadonlySet<string> = new Set(['menu', 'http', 'survey']);

/**
 * What the outside world may learn of a step. Menu keys are choices and are shown; what a
 * caller keys anywhere else (a collect: card number, PIN, order number; type-ahead during
 * a prompt) is reported by its length only — the value, when the flow wants it kept, goes
 * to the call data through a `set` node, on purpose.
 */
export function publicStep(step: IvrStep): Record<string, unknown> {
  const out: Record<string, unknown> = { node: step.node, nodeType: step.nodeType, outcome: step.outcome };
  if (step.media) out.media = step.media;
  if (step.input === undefined) return out;
  if (SHOWN_INPUT.has(step.nodeType)) out.input = step.input;
  else out.inputLength = step.input.length;
  return out;
}

async function lockLive(tx: DbClient, callId: string) {
  const { rows } = await tx.query<{ state: string }>('SELECT state FROM calls WHERE id = $1 FOR UPDATE', [callId]);
  // An ended call is history: late IVR writes (a timer racing the hang-up) are dropped.
  return rows[0] !== undefined && rows[0].state !== 'ended';
}

/**
 * One step of a call's flow: its timeline entry and `call.ivr_step` (the call's summary
 * and the step), dropped when the call is over. See recordIvrSteps.
 */
export async function recordIvrStep(
  db: Db,
  callId: string,
  flow: { id: string; version: number },
  step: IvrStep,
  at: Date = new Date(),
): Promise<void> {
  await recordIvrSteps(db, callId, flow, [step], at);
}

// Locked by id alone, live or not: with the state in the lookup, a database whose
// statistics say nearly every call has ended serves it from the live-call index and
// reads every live call to find this one (decision 77). The steps go in the order given
// (timeline ids and outbox positions follow it).
const IVR_STEPS = `WITH locked AS (SELECT * FROM calls WHERE id = $1 FOR UPDATE),
  c AS (SELECT * FROM locked WHERE state <> 'ended'),
  s AS (SELECT * FROM unnest($3::jsonb[], $4::uuid[]) WITH ORDINALITY AS s(data, event_id, n)),
  step AS (INSERT INTO call_events (call_id, type, at, data) SELECT c.id, 'ivr.step', $2, s.data FROM c, s ORDER BY s.n)
  INSERT INTO outbox (event_id, type, payload, trace_parent)
  SELECT s.event_id, 'call.ivr_step', jsonb_build_object(
    'id', s.event_id, 'type', 'call.ivr_step', 'version', 1, 'occurredAt', $5::text, 'callId', c.id, 'pbxNode', c.pbx_node,
    'data', jsonb_build_object(
      'callId', c.id, 'pbxNode', c.pbx_node, 'channelId', c.channel_id, 'linkedid', c.linkedid, 'direction', c.direction,
      'state', c.state, 'caller', jsonb_build_object('number', c.caller_number, 'name', c.caller_name), 'dnis', c.dnis,
      'data', c.data, 'step', s.data)), $6
  FROM c, s ORDER BY s.n
  RETURNING CASE WHEN $7::boolean THEN payload END AS payload`;

/**
 * Steps of a call's flow taken on one event, each as recordIvrStep writes it, in one
 * statement: one round trip and an implicit transaction, instead of BEGIN, lock, two
 * inserts per step and COMMIT. Each event is built from the locked row inside Postgres,
 * in the shape callSummary gives every call.* payload (tested against the schema in the
 * test suite).
 */
export async function recordIvrSteps(
  db: Db,
  callId: string,
  flow: { id: string; version: number },
  steps: readonly IvrStep[],
  at: Date = new Date(),
): Promise<void> {
  if (!steps.length) return;
  const data = steps.map((step) => JSON.stringify({ flowId: flow.id, flowVersion: flow.version, ...publicStep(step) }));
  const checking = process.env.EVENT_SCHEMA_CHECK === '1';
  const { rows } = await db.query<{ payload: DomainEvent | null }>({
    name: 'ivr-steps',
    text: IVR_STEPS,
    values: [callId, at, data, steps.map(() => uuidv7()), at.toISOString(), currentTraceparent() ?? null, checking],
  });
  // After the commit: a drifting payload still fails the flow (and its test) loudly.
  for (const row of rows) if (row.payload) checkEventSchema(row.payload);
}

/** Merges values into the call-attached data (the CDR copies it when the call ends). */
export async function mergeCallData(db: Db, callId: string, values: Record<string, unknown>, at: Date = new Date()): Promise<void> {
  await withTransaction(db, async (tx) => {
    if (!(await lockLive(tx, callId))) return;
    await tx.query('UPDATE calls SET data = data || $2::jsonb, updated_at = $3 WHERE id = $1', [callId, JSON.stringify(values), at]);
    await tx.query('INSERT INTO call_events (call_id, type, at, data) VALUES ($1, $2, $3, $4)', [
      callId,
      'call.data_updated',
      at,
      { keys: Object.keys(values) },
    ]);
  });
}

/** The caller's rating, or null for "not rated": call data + `survey.completed`. */
export async function recordSurvey(db: Db, callId: string, rating: string | null, at: Date = new Date()): Promise<void> {
  await withTransaction(db, async (tx) => {
    if (!(await lockLive(tx, callId))) return;
    const survey = { rating, rated: rating !== null };
    await tx.query('UPDATE calls SET data = data || $2::jsonb, updated_at = $3 WHERE id = $1', [callId, JSON.stringify({ survey }), at]);
    const call = (await getCall(tx, callId))!;
    await tx.query('INSERT INTO call_events (call_id, type, at, data) VALUES ($1, $2, $3, $4)', [callId, 'survey.completed', at, survey]);
    await appendOutbox(tx, { type: 'survey.completed', callId, pbxNode: call.pbxNode, occurredAt: at, data: { ...callSummary(call), survey } });
  });
}
