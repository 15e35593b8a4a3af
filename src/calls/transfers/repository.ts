// Transfers as stored: one row each, its state written with the event that announces it.
import { withTransaction, type Db, type Queryable } from '../../db/pool.js';
import { appendOutbox } from '../../events/outbox.js';
import { callSummary, getCall, type Call } from '../repository.js';
import type { TransferOutcome } from './recall.js';
import type { TransferMode, TransferState } from './state.js';

export interface TransferTarget {
  agentId?: string;
  extension?: string;
  number?: string;
  /** A queue: with agentId, the agent the queue offered for a consultation. */
  queueId?: string;
}

export interface Transfer {
  id: string;
  callId: string;
  pbxNode: string;
  mode: TransferMode;
  state: TransferState;
  initiatorPresent: boolean;
  fromAgentId: string | null;
  fromChannelId: string;
  to: TransferTarget;
  targetChannelId: string;
  timeoutMs: number;
  reason: string | null;
  /** The phone that handed the call over (`PJSIP/1001`), rung back should the transfer fail. */
  fromEndpoint: string | null;
  /** What became of the caller after a failed transfer; null otherwise. */
  outcome: TransferOutcome | null;
  createdAt: Date;
  answeredAt: Date | null;
  endedAt: Date | null;
}

interface Row {
  id: string;
  call_id: string;
  pbx_node: string;
  mode: TransferMode;
  state: TransferState;
  initiator_present: boolean;
  from_agent_id: string | null;
  from_channel_id: string;
  to_agent_id: string | null;
  to_extension: string | null;
  to_number: string | null;
  to_queue_id: string | null;
  target_channel_id: string;
  timeout_ms: number;
  reason: string | null;
  from_endpoint: string | null;
  outcome: TransferOutcome | null;
  created_at: Date;
  answered_at: Date | null;
  ended_at: Date | null;
}

function toTransfer(r: Row): Transfer {
  const to: TransferTarget = {};
  if (r.to_agent_id) to.agentId = r.to_agent_id;
  if (r.to_extension) to.extension = r.to_extension;
  if (r.to_number) to.number = r.to_number;
  if (r.to_queue_id) to.queueId = r.to_queue_id;
  return {
    id: r.id,
    callId: r.call_id,
    pbxNode: r.pbx_node,
    mode: r.mode,
    state: r.state,
    initiatorPresent: r.initiator_present,
    fromAgentId: r.from_agent_id,
    fromChannelId: r.from_channel_id,
    to,
    targetChannelId: r.target_channel_id,
    timeoutMs: r.timeout_ms,
    reason: r.reason,
    fromEndpoint: r.from_endpoint,
    outcome: r.outcome,
    createdAt: r.created_at,
    answeredAt: r.answered_at,
    endedAt: r.ended_at,
  };
}

/** The `transfer` object of call.transfer_* events. */
export function transferPayload(t: Transfer): Record<string, unknown> {
  return { id: t.id, mode: t.mode, fromAgentId: t.fromAgentId, to: t.to, state: t.state, reason: t.reason, answeredAt: t.answeredAt?.toISOString() ?? null, outcome: t.outcome };
}

export async function getTransfer(db: Queryable, id: string): Promise<Transfer | undefined> {
  const { rows } = await db.query<Row>('SELECT * FROM call_transfers WHERE id = $1', [id]);
  return rows[0] ? toTransfer(rows[0]) : undefined;
}

export async function activeTransfer(db: Queryable, callId: string): Promise<Transfer | undefined> {
  const { rows } = await db.query<Row>("SELECT * FROM call_transfers WHERE call_id = $1 AND state IN ('ringback', 'answered', 'conference')", [callId]);
  return rows[0] ? toTransfer(rows[0]) : undefined;
}

/**
 * Creates the transfer and announces call.transfer_started. Undefined when another
 * transfer of the call is in progress (the unique index decides, across instances).
 */
export async function insertTransfer(
  db: Db,
  t: Omit<Transfer, 'state' | 'initiatorPresent' | 'reason' | 'createdAt' | 'answeredAt' | 'endedAt' | 'outcome' | 'fromEndpoint'> & { fromEndpoint?: string | null },
): Promise<Transfer | undefined> {
  return withTransaction(db, async (tx) => {
    const { rows } = await tx.query<Row>(
      `INSERT INTO call_transfers (id, call_id, pbx_node, mode, state, from_agent_id, from_channel_id, to_agent_id, to_extension, to_number, to_queue_id, target_channel_id, timeout_ms, from_endpoint)
       VALUES ($1, $2, $3, $4, 'ringback', $5, $6, $7, $8, $9, $10, $11, $12, $13)
       ON CONFLICT DO NOTHING RETURNING *`,
      [t.id, t.callId, t.pbxNode, t.mode, t.fromAgentId, t.fromChannelId, t.to.agentId ?? null, t.to.extension ?? null, t.to.number ?? null, t.to.queueId ?? null, t.targetChannelId, t.timeoutMs, t.fromEndpoint ?? null],
    );
    if (!rows[0]) return undefined;
    const transfer = toTransfer(rows[0]);
    await announce(tx, transfer, 'call.transfer_started');
    return transfer;
  });
}

type Announcement = 'call.transfer_started' | 'call.transfer_completed' | 'call.transfer_cancelled' | 'call.conference_started';

async function announce(tx: Queryable, t: Transfer, type: Announcement): Promise<void> {
  const call = (await getCall(tx, t.callId)) as Call;
  const extra =
    type === 'call.conference_started'
      ? { conference: { transferId: t.id, agentIds: [t.fromAgentId, t.to.agentId ?? null].filter((a) => a !== null) }, transfer: transferPayload(t) }
      : { transfer: transferPayload(t) };
  const at = new Date();
  await tx.query('INSERT INTO call_events (call_id, type, at, data) VALUES ($1, $2, $3, $4)', [t.callId, type, at, extra]);
  await appendOutbox(tx, { type, callId: t.callId, pbxNode: t.pbxNode, occurredAt: at, data: { ...callSummary(call), ...extra } });
}

/** Writes a step of the state machine, with its announcement, in one transaction. */
export async function saveStep(
  db: Db,
  id: string,
  next: { state: TransferState; mode: TransferMode; initiatorPresent: boolean },
  reason: string,
  type: Announcement | undefined,
): Promise<Transfer> {
  return withTransaction(db, async (tx) => {
    const { rows } = await tx.query<Row>(
      `UPDATE call_transfers SET state = $2, mode = $3, initiator_present = $4, reason = $5, updated_at = now(),
         answered_at = CASE WHEN $2 IN ('answered', 'conference', 'completed') AND answered_at IS NULL THEN now() ELSE answered_at END,
         ended_at = CASE WHEN $2 IN ('completed', 'cancelled', 'abandoned') THEN now() ELSE NULL END
       WHERE id = $1 RETURNING *`,
      [id, next.state, next.mode, next.initiatorPresent, reason],
    );
    const transfer = toTransfer(rows[0] as Row);
    if (type) await announce(tx, transfer, type);
    if (type === 'call.transfer_completed' && transfer.to.agentId) {
      // The target agent now talks with the customer (agreed with the ACD: call.connected).
      const call = (await getCall(tx, transfer.callId)) as Call;
      const extra = { agent: { id: transfer.to.agentId }, queueId: null, waitMs: 0 };
      await appendOutbox(tx, { type: 'call.connected', callId: call.id, pbxNode: call.pbxNode, data: { ...callSummary(call), ...extra } });
    }
    return transfer;
  });
}

export type RecallAnnouncement = 'call.recall_started' | 'call.recall_ended';

/**
 * Records what became of a failed transfer's caller and, for a recall, announces its
 * start or its end with the recall's details, in one transaction.
 */
export async function saveOutcome(
  db: Db,
  id: string,
  outcome: TransferOutcome,
  announcement?: { type: RecallAnnouncement; recall: Record<string, unknown> },
): Promise<Transfer | undefined> {
  return withTransaction(db, async (tx) => {
    const { rows } = await tx.query<Row>('UPDATE call_transfers SET outcome = $2, updated_at = now() WHERE id = $1 RETURNING *', [id, outcome]);
    if (!rows[0]) return undefined;
    const t = toTransfer(rows[0]);
    if (announcement) {
      const call = (await getCall(tx, t.callId)) as Call;
      const extra = { transfer: transferPayload(t), recall: announcement.recall };
      const at = new Date();
      await tx.query('INSERT INTO call_events (call_id, type, at, data) VALUES ($1, $2, $3, $4)', [t.callId, announcement.type, at, extra]);
      await appendOutbox(tx, { type: announcement.type, callId: t.callId, pbxNode: t.pbxNode, occurredAt: at, data: { ...callSummary(call), ...extra } });
    }
    return t;
  });
}
