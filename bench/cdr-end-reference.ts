// The baseline of `cdr-hangup`: ending a call the way it was done before group commit,
// one transaction per call with one statement per step (lock, update, legs, timeline
// insert and read, CDR, two outbox events). Kept here only to measure against.
import { buildCdr, cdrPayload } from '../src/calls/cdr.js';
import { callSummary, type Call } from '../src/calls/repository.js';
import { withTransaction, type Db } from '../src/db/pool.js';
import { appendOutbox } from '../src/events/outbox.js';

const asCall = (r: Record<string, any>): Call => ({
  id: r.id, pbxNode: r.pbx_node, channelId: r.channel_id, linkedid: r.linkedid, direction: r.direction,
  callerNumber: r.caller_number, callerName: r.caller_name, dnis: r.dnis, state: r.state, data: r.data,
  createdAt: r.created_at, answeredAt: r.answered_at, endedAt: r.ended_at, hangupCause: r.hangup_cause,
});

export async function endCallOneByOne(db: Db, callId: string, end: { cause: number | null; reason: string }): Promise<boolean> {
  const at = new Date();
  return withTransaction(db, async (tx) => {
    const locked = await tx.query('SELECT * FROM calls WHERE id = $1 FOR UPDATE', [callId]);
    const current = locked.rows[0];
    if (!current || current.state === 'ended') return false;
    const { rows } = await tx.query(
      `UPDATE calls SET state = 'ended', ended_at = $2, hangup_cause = $3, updated_at = $2 WHERE id = $1 RETURNING *`,
      [callId, at, end.cause],
    );
    const call = asCall(rows[0]);
    await tx.query('UPDATE call_legs SET ended_at = $2 WHERE call_id = $1 AND ended_at IS NULL', [callId, at]);
    await tx.query('INSERT INTO call_events (call_id, type, at, data) VALUES ($1, $2, $3, $4)', [
      callId, 'call.ended', at, { from: current.state, cause: end.cause, reason: end.reason }]);
    const timeline = await tx.query('SELECT type, at, data FROM call_events WHERE call_id = $1 ORDER BY id', [callId]);
    const cdr = buildCdr({ ...call, endedAt: at, endReason: end.reason }, undefined, timeline.rows);
    await tx.query(
      `INSERT INTO cdrs (id, call_id, pbx_node, linkedid, direction, caller_number, caller_name, dnis, started_at,
         answered_at, ended_at, duration_ms, talk_ms, disposition, hangup_cause, data, detail)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17) ON CONFLICT (call_id) DO NOTHING`,
      [cdr.id, cdr.callId, cdr.pbxNode, cdr.linkedid, cdr.direction, cdr.callerNumber, cdr.callerName, cdr.dnis,
        cdr.startedAt, cdr.answeredAt, cdr.endedAt, cdr.durationMs, cdr.talkMs, cdr.disposition, cdr.hangupCause, cdr.data, cdr.detail],
    );
    await appendOutbox(tx, { type: 'call.ended', callId, pbxNode: call.pbxNode, occurredAt: at, data: { ...callSummary(call), ...end } });
    await appendOutbox(tx, { type: 'cdr.created', callId, pbxNode: call.pbxNode, occurredAt: at, data: cdrPayload(cdr) });
    return true;
  });
}
