// Postgres access for webhook subscriptions: who wants which events at which URL, owned
// by the API key that created them, soft-deleted so their deliveries keep their history.
import { randomUUID } from 'node:crypto';
import type { Queryable } from '../db/pool.js';
import { KEYSET_MICROS, keysetAfter, keysetPage, type Page, type Position } from '../api/cursor.js';

export interface Subscription {
  id: string;
  url: string;
  eventTypes: string[];
  description: string | null;
  enabled: boolean;
  disabledReason: string | null;
  /** The API key that created it. */
  ownerKeyId: string | null;
  createdAt: string;
}

interface SubRow {
  id: string;
  url: string;
  event_types: string[];
  description: string | null;
  enabled: boolean;
  disabled_reason: string | null;
  owner_key_id: string | null;
  created_at: Date;
}

function toSubscription(r: SubRow): Subscription {
  return {
    id: r.id,
    url: r.url,
    eventTypes: r.event_types,
    description: r.description,
    enabled: r.enabled,
    disabledReason: r.disabled_reason,
    ownerKeyId: r.owner_key_id,
    createdAt: r.created_at.toISOString(),
  };
}

const SUB_COLUMNS = 'id, url, event_types, description, enabled, disabled_reason, owner_key_id, created_at';
// `$n` null: every owner (admin); else only that key's subscriptions.
const OWNED = (at: number) => `($${at}::uuid IS NULL OR owner_key_id = $${at}::uuid)`;

export async function insertSubscription(
  db: Queryable,
  s: { url: string; eventTypes: string[]; description?: string; secret: string; ownerKeyId?: string },
): Promise<Subscription> {
  const { rows } = await db.query<SubRow>(
    `INSERT INTO webhook_subscriptions (id, url, secret, event_types, description, owner_key_id)
     VALUES ($1, $2, $3, $4, $5, $6) RETURNING ${SUB_COLUMNS}`,
    [randomUUID(), s.url, s.secret, s.eventTypes, s.description ?? null, s.ownerKeyId ?? null],
  );
  return toSubscription(rows[0]!);
}

export async function listSubscriptions(
  db: Queryable,
  limit: number,
  after?: Position,
  owner: string | null = null,
): Promise<Page<Subscription>> {
  const { rows } = await db.query<SubRow & { cursor_micros: string }>(
    `SELECT ${SUB_COLUMNS}, ${KEYSET_MICROS} FROM webhook_subscriptions
     WHERE deleted_at IS NULL AND ${keysetAfter(2)} AND ${OWNED(4)}
     ORDER BY created_at DESC, id DESC LIMIT $1`,
    [limit + 1, after?.micros ?? null, after?.id ?? null, owner],
  );
  return keysetPage(rows, limit, toSubscription);
}

export async function getSubscription(db: Queryable, id: string, owner: string | null = null): Promise<Subscription | undefined> {
  const { rows } = await db.query<SubRow>(
    `SELECT ${SUB_COLUMNS} FROM webhook_subscriptions WHERE id = $1 AND deleted_at IS NULL AND ${OWNED(2)}`,
    [id, owner],
  );
  return rows[0] ? toSubscription(rows[0]) : undefined;
}

/** The key that created a subscription, deleted or not (undefined: no such subscription). */
export async function subscriptionOwner(db: Queryable, id: string): Promise<string | null | undefined> {
  const { rows } = await db.query<{ owner_key_id: string | null }>('SELECT owner_key_id FROM webhook_subscriptions WHERE id = $1', [id]);
  return rows[0] ? rows[0].owner_key_id : undefined;
}

/** Soft delete: deliveries keep pointing at it; pending ones stop at their next attempt. */
export async function deleteSubscription(db: Queryable, id: string, owner: string | null = null): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE webhook_subscriptions SET deleted_at = now(), enabled = false WHERE id = $1 AND deleted_at IS NULL AND ${OWNED(2)}`,
    [id, owner],
  );
  return (rowCount ?? 0) > 0;
}

export async function disableSubscription(db: Queryable, id: string, reason: string): Promise<void> {
  await db.query('UPDATE webhook_subscriptions SET enabled = false, disabled_reason = $2 WHERE id = $1', [id, reason]);
}
