// What an IVR call writes to Postgres: its steps (timeline + `call.ivr_step`), the data it
// attaches to the call (the screen pop) and its survey answer. Each write is one
// transaction with its outbox event, like every other call change.
import { callSummary, getCall, lockCall, type Call } from '../calls/repository.js';
import { withTransaction, type Db, type DbClient } from '../db/pool.js';
import { appendOutbox } from '../events/outbox.js';
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

/** lockLive that also reads the call, in the same round trip: the call, or undefined when it is over. */
async function lockLiveCall(tx: DbClient, callId: string): Promise<Call | undefined> {
  const call = await lockCall(tx, callId);
  return call && call.state !== 'ended' ? call : undefined;
}

export async function recordIvrStep(
  db: Db,
  callId: string,
  flow: { id: string; version: number },
  step: IvrStep,
  at: Date = new Date(),
): Promise<void> {
  const data = { flowId: flow.id, flowVersion: flow.version, ...publicStep(step) };
  await withTransaction(db, async (tx) => {
    const call = await lockLiveCall(tx, callId);
    if (!call) return;
    await tx.query('INSERT INTO call_events (call_id, type, at, data) VALUES ($1, $2, $3, $4)', [callId, 'ivr.step', at, data]);
    await appendOutbox(tx, {
      type: 'call.ivr_step',
      callId,
      pbxNode: call.pbxNode,
      occurredAt: at,
      data: { ...callSummary(call), step: data },
    });
  });
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
