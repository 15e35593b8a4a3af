// Campaign storage: campaigns, their contacts and attempts, and the do-not-call list.
import { randomUUID } from 'node:crypto';
import type { Db, Queryable } from '../db/pool.js';
import { CONTACT_STATUSES, type Campaign, type CallingWindow, type Contact, type ContactInput, type ContactStatus, type SourceSpec } from './model.js';

const iso = (v: Date | null) => (v ? v.toISOString() : null);

function toCampaign(r: any): Campaign {
  return {
    id: r.id, name: r.name, source: r.source, timeZone: r.time_zone, callingHours: r.calling_hours,
    maxAttempts: r.max_attempts, retryMinutes: r.retry_minutes, queueId: r.queue_id ?? null, status: r.status, ownerKeyId: r.owner_key_id ?? null, createdAt: r.created_at.toISOString(),
  };
}

function toContact(r: any): Contact {
  return {
    id: r.id, campaignId: r.campaign_id, number: r.number, name: r.name, reference: r.reference, data: r.data, status: r.status,
    attempts: r.attempts, lastAttemptAt: iso(r.last_attempt_at), lastOutcome: r.last_outcome, callbackAt: iso(r.callback_at),
    offeredAt: iso(r.offered_at), refusedRule: r.refused_rule ?? null, createdAt: r.created_at.toISOString(),
  };
}

export interface NewCampaign {
  name: string;
  source: SourceSpec;
  timeZone: string;
  callingHours: CallingWindow[];
  maxAttempts: number;
  retryMinutes: number;
  queueId?: string | null;
  /** The API key that created it. */
  ownerKeyId?: string;
}

export async function createCampaign(db: Queryable, c: NewCampaign): Promise<Campaign> {
  const { rows } = await db.query(
    `INSERT INTO campaigns (id, name, source, time_zone, calling_hours, max_attempts, retry_minutes, queue_id, owner_key_id)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING *`,
    [randomUUID(), c.name, JSON.stringify(c.source), c.timeZone, JSON.stringify(c.callingHours), c.maxAttempts, c.retryMinutes, c.queueId ?? null, c.ownerKeyId ?? null],
  );
  return toCampaign(rows[0]);
}

export async function getCampaign(db: Queryable, id: string): Promise<Campaign | undefined> {
  const { rows } = await db.query('SELECT * FROM campaigns WHERE id = $1', [id]);
  return rows[0] ? toCampaign(rows[0]) : undefined;
}

/** Active campaigns whose contacts the ACD offers to a queue's agents. */
export async function campaignsToDispatch(db: Queryable): Promise<Campaign[]> {
  const { rows } = await db.query(`SELECT * FROM campaigns WHERE status = 'active' AND queue_id IS NOT NULL ORDER BY created_at, id`);
  return rows.map(toCampaign);
}

/**
 * Whether the dispatcher has anything to look after: a campaign to dispatch, or a preview
 * task still offered or dialing (to expire, or whose call's end records an outcome).
 */
export async function campaignWorkPending(db: Queryable): Promise<boolean> {
  const { rows } = await db.query<{ pending: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM campaigns WHERE status = 'active' AND queue_id IS NOT NULL)
         OR EXISTS (SELECT 1 FROM campaign_tasks WHERE state IN ('offered', 'dialing')) AS pending`,
  );
  return rows[0]?.pending === true;
}

/** Newest first; `owner` null: every key's campaigns. */
export async function listCampaigns(db: Queryable, owner: string | null = null): Promise<Campaign[]> {
  const { rows } = await db.query('SELECT * FROM campaigns WHERE ($1::uuid IS NULL OR owner_key_id = $1) ORDER BY created_at DESC, id LIMIT 500', [owner]);
  return rows.map(toCampaign);
}

export async function setCampaignStatus(db: Queryable, id: string, status: Campaign['status']): Promise<Campaign | undefined> {
  const { rows } = await db.query('UPDATE campaigns SET status = $2, updated_at = now() WHERE id = $1 RETURNING *', [id, status]);
  return rows[0] ? toCampaign(rows[0]) : undefined;
}

export async function setCampaignQueue(db: Queryable, id: string, queueId: string | null): Promise<Campaign | undefined> {
  const { rows } = await db.query('UPDATE campaigns SET queue_id = $2, updated_at = now() WHERE id = $1 RETURNING *', [id, queueId]);
  return rows[0] ? toCampaign(rows[0]) : undefined;
}

export async function contactCounts(db: Queryable, campaignId: string): Promise<Record<ContactStatus, number>> {
  const { rows } = await db.query('SELECT status, count(*)::int AS n FROM campaign_contacts WHERE campaign_id = $1 GROUP BY status', [campaignId]);
  const out = Object.fromEntries(CONTACT_STATUSES.map((s) => [s, 0])) as Record<ContactStatus, number>;
  for (const r of rows) out[r.status as ContactStatus] = r.n;
  return out;
}

/** Inserts contacts; a number already in the campaign is left as it is. Returns how many were new. */
export async function addContacts(db: Queryable, campaignId: string, contacts: ContactInput[]): Promise<number> {
  if (contacts.length === 0) return 0;
  let added = 0;
  for (let i = 0; i < contacts.length; i += 1000) {
    const chunk = contacts.slice(i, i + 1000);
    const { rowCount } = await db.query(
      `INSERT INTO campaign_contacts (id, campaign_id, number, name, reference, data)
       SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::jsonb[])
       ON CONFLICT (campaign_id, number) DO NOTHING`,
      [
        chunk.map(() => randomUUID()), chunk.map(() => campaignId), chunk.map((c) => c.number), chunk.map((c) => c.name ?? null),
        chunk.map((c) => c.reference ?? null), chunk.map((c) => JSON.stringify(c.data ?? {})),
      ],
    );
    added += rowCount ?? 0;
  }
  return added;
}

/** The contacts that may be due: pending or offered (the scheduler decides). */
export async function openContacts(db: Queryable, campaignId: string): Promise<Contact[]> {
  const { rows } = await db.query(`SELECT * FROM campaign_contacts WHERE campaign_id = $1 AND status IN ('pending', 'offered')`, [campaignId]);
  return rows.map(toContact);
}

export async function listContacts(db: Queryable, campaignId: string, opts: { status?: ContactStatus; limit: number }): Promise<Contact[]> {
  const { rows } = await db.query(
    `SELECT * FROM campaign_contacts WHERE campaign_id = $1 AND ($2::text IS NULL OR status = $2) ORDER BY created_at, number LIMIT $3`,
    [campaignId, opts.status ?? null, opts.limit],
  );
  return rows.map(toContact);
}

export async function lockContact(tx: Queryable, campaignId: string, id: string): Promise<Contact | undefined> {
  const { rows } = await tx.query('SELECT * FROM campaign_contacts WHERE campaign_id = $1 AND id = $2 FOR UPDATE', [campaignId, id]);
  return rows[0] ? toContact(rows[0]) : undefined;
}

export async function saveContact(tx: Queryable, c: Contact): Promise<void> {
  await tx.query(
    `UPDATE campaign_contacts SET status = $2, attempts = $3, last_attempt_at = $4, last_outcome = $5, callback_at = $6, offered_at = $7
      WHERE id = $1`,
    [c.id, c.status, c.attempts, c.lastAttemptAt, c.lastOutcome, c.callbackAt, c.offeredAt],
  );
}

export async function recordAttempt(tx: Queryable, a: { contactId: string; outcome: string; agentId?: string; callbackAt?: string | null; note?: string }): Promise<void> {
  await tx.query('INSERT INTO campaign_attempts (contact_id, outcome, agent_id, callback_at, note) VALUES ($1, $2, $3, $4, $5)', [
    a.contactId, a.outcome, a.agentId ?? null, a.callbackAt ?? null, a.note ?? null,
  ]);
}

export async function doNotCallSet(db: Queryable, numbers: string[]): Promise<Set<string>> {
  if (numbers.length === 0) return new Set();
  const { rows } = await db.query('SELECT number FROM do_not_call WHERE number = ANY($1)', [numbers]);
  return new Set(rows.map((r) => r.number as string));
}

export async function addDoNotCall(db: Queryable, numbers: string[], reason: string | null): Promise<number> {
  const { rowCount } = await db.query(
    'INSERT INTO do_not_call (number, reason) SELECT unnest($1::text[]), $2 ON CONFLICT (number) DO NOTHING',
    [numbers, reason],
  );
  return rowCount ?? 0;
}

export async function removeDoNotCall(db: Queryable, number: string): Promise<boolean> {
  const { rowCount } = await db.query('DELETE FROM do_not_call WHERE number = $1', [number]);
  return (rowCount ?? 0) > 0;
}

export async function listDoNotCall(db: Queryable, limit: number): Promise<Array<{ number: string; reason: string | null; createdAt: string }>> {
  const { rows } = await db.query('SELECT * FROM do_not_call ORDER BY created_at DESC, number LIMIT $1', [limit]);
  return rows.map((r) => ({ number: r.number, reason: r.reason, createdAt: r.created_at.toISOString() }));
}

export type { Db };
