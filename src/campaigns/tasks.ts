// Preview tasks in Postgres: one row per offer of a contact to an agent, from the offer
// to the end of the call placed for it. State changes are conditional updates, so two
// instances (a timeout here, an accept there) cannot both move a task.
import { withTransaction, type Db, type Queryable } from '../db/pool.js';
import { recordAttempt } from './repository.js';

export type TaskState = 'offered' | 'declined' | 'expired' | 'dialing' | 'done' | 'failed';

export interface PreviewTask {
  id: string;
  campaignId: string;
  contactId: string;
  agentId: string;
  offerId: string;
  state: TaskState;
  callId: string | null;
  outcome: string | null;
  offeredAt: string;
  expiresAt: string;
}

function toTask(r: any): PreviewTask {
  return {
    id: r.id, campaignId: r.campaign_id, contactId: r.contact_id, agentId: r.agent_id, offerId: r.offer_id, state: r.state,
    callId: r.call_id, outcome: r.outcome, offeredAt: r.offered_at.toISOString(), expiresAt: r.expires_at.toISOString(),
  };
}

export async function insertTask(db: Queryable, t: { id: string; campaignId: string; contactId: string; agentId: string; offerId: string; offeredAt: Date; expiresAt: Date }): Promise<PreviewTask> {
  const { rows } = await db.query(
    `INSERT INTO campaign_tasks (id, campaign_id, contact_id, agent_id, offer_id, state, offered_at, expires_at)
     VALUES ($1, $2, $3, $4, $5, 'offered', $6, $7) RETURNING *`,
    [t.id, t.campaignId, t.contactId, t.agentId, t.offerId, t.offeredAt, t.expiresAt],
  );
  return toTask(rows[0]);
}

export async function getTask(db: Queryable, id: string): Promise<PreviewTask | undefined> {
  const { rows } = await db.query('SELECT * FROM campaign_tasks WHERE id = $1', [id]);
  return rows[0] ? toTask(rows[0]) : undefined;
}

export async function liveTasksOf(db: Queryable, agentId: string): Promise<PreviewTask[]> {
  const { rows } = await db.query(`SELECT * FROM campaign_tasks WHERE agent_id = $1 AND state IN ('offered', 'dialing') ORDER BY offered_at`, [agentId]);
  return rows.map(toTask);
}

/** Moves a task from one state to the next; undefined when it was not in `from` any more. */
export async function moveTask(db: Queryable, id: string, from: TaskState, to: TaskState, set: { callId?: string; outcome?: string } = {}): Promise<PreviewTask | undefined> {
  const ends = to !== 'offered' && to !== 'dialing';
  const { rows } = await db.query(
    `UPDATE campaign_tasks SET state = $3, call_id = COALESCE($4, call_id), outcome = COALESCE($5, outcome), ended_at = CASE WHEN $6 THEN now() ELSE ended_at END
      WHERE id = $1 AND state = $2 RETURNING *`,
    [id, from, to, set.callId ?? null, set.outcome ?? null, ends],
  );
  return rows[0] ? toTask(rows[0]) : undefined;
}

export async function expiredOffers(db: Queryable, now: Date): Promise<PreviewTask[]> {
  const { rows } = await db.query(`SELECT * FROM campaign_tasks WHERE state = 'offered' AND expires_at <= $1 ORDER BY expires_at LIMIT 100`, [now]);
  return rows.map(toTask);
}

export async function dialingTaskOfCall(db: Queryable, callId: string): Promise<PreviewTask | undefined> {
  const { rows } = await db.query(`SELECT * FROM campaign_tasks WHERE call_id = $1 AND state = 'dialing'`, [callId]);
  return rows[0] ? toTask(rows[0]) : undefined;
}

/**
 * The dial gate refused the contact's number when its call was to be placed: the contact is
 * closed with the rule (an attempt that reached nobody), so it is never offered again.
 */
export async function refuseContact(db: Db, contactId: string, rule: string): Promise<void> {
  await withTransaction(db, async (tx) => {
    const { rowCount } = await tx.query(
      `UPDATE campaign_contacts SET status = 'refused', refused_rule = $2, last_outcome = 'refused', last_attempt_at = now(), offered_at = NULL, callback_at = NULL
        WHERE id = $1 AND status = 'offered'`,
      [contactId, rule],
    );
    if (rowCount) await recordAttempt(tx, { contactId, outcome: 'refused', note: `refused by the dial gate: ${rule}` });
  });
}

/** The contact goes back to the campaign untouched (no attempt counted): nobody called it. */
export async function returnContact(db: Queryable, contactId: string): Promise<void> {
  await db.query(`UPDATE campaign_contacts SET status = 'pending', offered_at = NULL WHERE id = $1 AND status = 'offered'`, [contactId]);
}
