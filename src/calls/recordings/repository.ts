// Recordings as stored: one row each, every change announced with the call's payload.
import { withTransaction, type Db, type Queryable } from '../../db/pool.js';
import type { EventType } from '../../events/catalogue.js';
import { announceCall } from '../control/repository.js';
import { getCall, type Call } from '../repository.js';

export type RecordingState = 'recording' | 'paused' | 'done' | 'failed';

export interface Recording {
  id: string;
  callId: string;
  pbxNode: string;
  format: string;
  state: RecordingState;
  startedAt: Date;
  endedAt: Date | null;
  durationMs: number | null;
  cause: string | null;
}

interface Row {
  id: string;
  call_id: string;
  pbx_node: string;
  format: string;
  state: RecordingState;
  started_at: Date;
  ended_at: Date | null;
  duration_ms: number | null;
  cause: string | null;
}

const toRecording = (r: Row): Recording => ({
  id: r.id,
  callId: r.call_id,
  pbxNode: r.pbx_node,
  format: r.format,
  state: r.state,
  startedAt: r.started_at,
  endedAt: r.ended_at,
  durationMs: r.duration_ms,
  cause: r.cause,
});

export function recordingPayload(r: Recording): Record<string, unknown> {
  return { id: r.id, format: r.format, state: r.state, durationMs: r.durationMs };
}

export async function getRecording(db: Queryable, id: string): Promise<Recording | undefined> {
  const { rows } = await db.query<Row>('SELECT * FROM call_recordings WHERE id = $1', [id]);
  return rows[0] ? toRecording(rows[0]) : undefined;
}

export async function listRecordings(db: Queryable, callId: string): Promise<Recording[]> {
  const { rows } = await db.query<Row>('SELECT * FROM call_recordings WHERE call_id = $1 ORDER BY started_at, id', [callId]);
  return rows.map(toRecording);
}

const ANNOUNCE: Record<RecordingState, EventType> = {
  recording: 'call.recording_resumed',
  paused: 'call.recording_paused',
  done: 'call.recording_stopped',
  failed: 'call.recording_stopped',
};

export async function insertRecording(db: Db, r: { id: string; callId: string; pbxNode: string; format: string }): Promise<Recording> {
  return withTransaction(db, async (tx) => {
    const { rows } = await tx.query<Row>(
      "INSERT INTO call_recordings (id, call_id, pbx_node, format, state) VALUES ($1, $2, $3, $4, 'recording') RETURNING *",
      [r.id, r.callId, r.pbxNode, r.format],
    );
    const rec = toRecording(rows[0] as Row);
    await announceCall(tx, (await getCall(tx, r.callId)) as Call, 'call.recording_started', { recording: recordingPayload(rec) });
    return rec;
  });
}

/** Moves the recording to `state`; undefined when it is already there or over. */
export async function moveRecording(
  db: Db,
  id: string,
  state: RecordingState,
  end: { durationMs?: number | null; cause?: string | null } = {},
): Promise<Recording | undefined> {
  return withTransaction(db, async (tx) => {
    const { rows } = await tx.query<Row>(
      `UPDATE call_recordings SET state = $2,
         ended_at = CASE WHEN $2 IN ('done', 'failed') THEN now() ELSE ended_at END,
         duration_ms = COALESCE($3, duration_ms), cause = COALESCE($4, cause)
       WHERE id = $1 AND state <> $2 AND state NOT IN ('done', 'failed') RETURNING *`,
      [id, state, end.durationMs ?? null, end.cause ?? null],
    );
    if (!rows[0]) return undefined;
    const rec = toRecording(rows[0]);
    await announceCall(tx, (await getCall(tx, rec.callId)) as Call, ANNOUNCE[state], { recording: recordingPayload(rec) });
    return rec;
  });
}

export async function setDuration(db: Queryable, id: string, durationMs: number): Promise<void> {
  await db.query('UPDATE call_recordings SET duration_ms = $2 WHERE id = $1 AND duration_ms IS NULL', [id, durationMs]);
}
