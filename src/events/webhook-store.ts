// Postgres access for webhook subscriptions, deliveries and attempts. The database is
// the record of every delivery; BullMQ only holds the work still to do.
import { randomUUID } from 'node:crypto';
import type { Queryable } from '../db/pool.js';
import { KEYSET_MICROS, keysetAfter, keysetPage, type Page, type Position } from '../api/cursor.js';

export type { Page } from '../api/cursor.js';
import type { DomainEvent } from './catalogue.js';

export type DeliveryStatus = 'pending' | 'delivered' | 'failed' | 'dead' | 'disabled';

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

export interface Attempt {
  attempt: number;
  at: string;
  statusCode: number | null;
  error: string | null;
  durationMs: number;
}

export interface Delivery {
  id: string;
  subscriptionId: string;
  eventId: string;
  eventType: string;
  status: DeliveryStatus;
  attempts: number;
  lastStatusCode: number | null;
  lastError: string | null;
  createdAt: string;
  updatedAt: string;
  deliveredAt: string | null;
}

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

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

interface DeliveryRow {
  id: string;
  subscription_id: string;
  event_id: string;
  event_type: string;
  status: DeliveryStatus;
  attempts: number;
  last_status_code: number | null;
  last_error: string | null;
  created_at: Date;
  updated_at: Date;
  delivered_at: Date | null;
}

function toDelivery(r: DeliveryRow): Delivery {
  return {
    id: r.id,
    subscriptionId: r.subscription_id,
    eventId: r.event_id,
    eventType: r.event_type,
    status: r.status,
    attempts: r.attempts,
    lastStatusCode: r.last_status_code,
    lastError: r.last_error,
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
    deliveredAt: iso(r.delivered_at),
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

export async function listDeliveries(
  db: Queryable,
  subscriptionId: string,
  limit: number,
  after?: Position,
): Promise<Page<Delivery & { attemptLog: Attempt[] }>> {
  const { rows } = await db.query<DeliveryRow & { cursor_micros: string }>(
    `SELECT *, ${KEYSET_MICROS} FROM webhook_deliveries
     WHERE subscription_id = $1 AND ${keysetAfter(3)}
     ORDER BY created_at DESC, id DESC LIMIT $2`,
    [subscriptionId, limit + 1, after?.micros ?? null, after?.id ?? null],
  );
  const result = keysetPage(rows, limit, toDelivery);
  const ids = result.items.map((d) => d.id);
  const byDelivery = new Map<string, Attempt[]>();
  if (ids.length > 0) {
    const attempts = await db.query<{
      delivery_id: string;
      attempt: number;
      at: Date;
      status_code: number | null;
      error: string | null;
      duration_ms: number;
    }>(
      `SELECT delivery_id, attempt, at, status_code, error, duration_ms FROM webhook_attempts
       WHERE delivery_id = ANY($1::uuid[]) ORDER BY delivery_id, attempt`,
      [ids],
    );
    for (const a of attempts.rows) {
      const list = byDelivery.get(a.delivery_id) ?? [];
      list.push({ attempt: a.attempt, at: a.at.toISOString(), statusCode: a.status_code, error: a.error, durationMs: a.duration_ms });
      byDelivery.set(a.delivery_id, list);
    }
  }
  return { items: result.items.map((d) => ({ ...d, attemptLog: byDelivery.get(d.id) ?? [] })), nextCursor: result.nextCursor };
}

export async function getDelivery(db: Queryable, id: string): Promise<Delivery | undefined> {
  const { rows } = await db.query<DeliveryRow>('SELECT * FROM webhook_deliveries WHERE id = $1', [id]);
  return rows[0] ? toDelivery(rows[0]) : undefined;
}

/**
 * One delivery row per live subscription that wants the event. A re-run inserts nothing
 * new and returns every still-pending delivery of the event, so a crash between insert
 * and enqueue is repaired by the retry.
 */
export async function fanOutDeliveries(db: Queryable, event: Pick<DomainEvent, 'id' | 'type'>): Promise<string[]> {
  return (await fanOutMany(db, [event]))[0]!;
}

/** fanOutDeliveries for many events in one statement; results in the order of the events. */
export async function fanOutMany(db: Queryable, events: Array<Pick<DomainEvent, 'id' | 'type'>>): Promise<string[][]> {
  const { rows } = await db.query<{ id: string; event_id: string }>(
    `WITH ev AS (
       SELECT DISTINCT event_id, event_type FROM unnest($1::uuid[], $2::text[]) AS e (event_id, event_type)
     ), inserted AS (
       INSERT INTO webhook_deliveries (id, subscription_id, event_id, event_type, status)
       SELECT gen_random_uuid(), s.id, ev.event_id, ev.event_type, 'pending'
       FROM ev JOIN webhook_subscriptions s
         ON s.enabled AND s.deleted_at IS NULL
        AND (cardinality(s.event_types) = 0 OR ev.event_type = ANY (s.event_types))
       ON CONFLICT (subscription_id, event_id) DO NOTHING
       RETURNING id, event_id
     )
     SELECT id, event_id FROM inserted
     UNION
     SELECT d.id, d.event_id FROM webhook_deliveries d JOIN ev ON d.event_id = ev.event_id WHERE d.status = 'pending'`,
    [events.map((e) => e.id), events.map((e) => e.type)],
  );
  await db.query('UPDATE outbox SET fanned_out_at = now() WHERE event_id = ANY ($1::uuid[]) AND fanned_out_at IS NULL', [
    events.map((e) => e.id),
  ]);
  const byEvent = new Map<string, string[]>();
  for (const r of rows) {
    const list = byEvent.get(r.event_id) ?? [];
    list.push(r.id);
    byEvent.set(r.event_id, list);
  }
  return events.map((e) => byEvent.get(e.id) ?? []);
}

export interface DeliveryWork {
  id: string;
  status: DeliveryStatus;
  attempts: number;
  eventId: string;
  subscriptionId: string;
  url: string;
  secret: string;
  subscriptionLive: boolean;
  body: string | null;
  /** The span that committed the event (W3C traceparent), when traced. */
  traceparent: string | null;
}

/**
 * The fan-out of a run of events in one round trip (it is on every event's path): adds
 * the missing deliveries (none twice: unique subscription and event), marks the events
 * fanned out, and returns everything the first attempts need for every delivery of
 * these events still pending, in outbox order. A re-run gets the deliveries its earlier
 * run left pending, with their attempt counts, and adds nothing.
 */
export async function fanOutWork(db: Queryable, events: Array<Pick<DomainEvent, 'id' | 'type'>>): Promise<DeliveryWork[]> {
  if (events.length === 0) return [];
  const { rows } = await db.query<WorkRow>({
    // Named: prepared once per connection, not parsed and planned per job.
    name: 'webhook-fan-out-work',
    text: `WITH ev AS (
       SELECT event_id, min(event_type) AS event_type, min(ord) AS ord
       FROM unnest($1::uuid[], $2::text[]) WITH ORDINALITY AS e (event_id, event_type, ord)
       GROUP BY event_id
     ), inserted AS (
       INSERT INTO webhook_deliveries (id, subscription_id, event_id, event_type, status)
       SELECT gen_random_uuid(), s.id, ev.event_id, ev.event_type, 'pending'
       FROM ev JOIN webhook_subscriptions s
         ON s.enabled AND s.deleted_at IS NULL
        AND (cardinality(s.event_types) = 0 OR ev.event_type = ANY (s.event_types))
       ON CONFLICT (subscription_id, event_id) DO NOTHING
       RETURNING id, subscription_id, event_id, status, attempts
     ), marked AS (
       UPDATE outbox SET fanned_out_at = now()
       WHERE event_id IN (SELECT event_id FROM ev) AND fanned_out_at IS NULL
     ), work AS (
       -- Disjoint: this statement's snapshot does not see the rows it inserts.
       SELECT id, subscription_id, event_id, status, attempts FROM inserted
       UNION ALL
       SELECT d.id, d.subscription_id, d.event_id, d.status, d.attempts
       FROM webhook_deliveries d JOIN ev ON d.event_id = ev.event_id WHERE d.status = 'pending'
     )
     SELECT w.id, w.status, w.attempts, w.event_id, w.subscription_id, s.url, s.secret,
            (s.enabled AND s.deleted_at IS NULL) AS live, o.payload::text AS body, o.trace_parent
     FROM work w
     JOIN ev ON ev.event_id = w.event_id
     JOIN webhook_subscriptions s ON s.id = w.subscription_id
     LEFT JOIN outbox o ON o.event_id = w.event_id
     ORDER BY ev.ord, w.id`,
    values: [events.map((e) => e.id), events.map((e) => e.type)],
  });
  return rows.map(toWork);
}

interface WorkRow {
  id: string;
  status: DeliveryStatus;
  attempts: number;
  event_id: string;
  subscription_id: string;
  url: string;
  secret: string;
  live: boolean;
  body: string | null;
  trace_parent: string | null;
}

function toWork(r: WorkRow): DeliveryWork {
  return {
    id: r.id,
    status: r.status,
    attempts: r.attempts,
    eventId: r.event_id,
    subscriptionId: r.subscription_id,
    url: r.url,
    secret: r.secret,
    subscriptionLive: r.live,
    body: r.body,
    traceparent: r.trace_parent,
  };
}

/** Everything one send needs, in one round trip. The body is the outbox payload as stored. */
export async function loadDeliveryWork(db: Queryable, deliveryId: string): Promise<DeliveryWork | undefined> {
  return (await loadDeliveryWorkMany(db, [deliveryId]))[0];
}

export async function loadDeliveryWorkMany(db: Queryable, ids: string[]): Promise<Array<DeliveryWork | undefined>> {
  const { rows } = await db.query<WorkRow>({
    name: 'webhook-load-work',
    text: `SELECT d.id, d.status, d.attempts, d.event_id, d.subscription_id, s.url, s.secret,
            (s.enabled AND s.deleted_at IS NULL) AS live, o.payload::text AS body, o.trace_parent
     FROM webhook_deliveries d
     JOIN webhook_subscriptions s ON s.id = d.subscription_id
     LEFT JOIN outbox o ON o.event_id = d.event_id
     WHERE d.id = ANY ($1::uuid[])`,
    values: [ids],
  });
  const byId = new Map(rows.map((r) => [r.id, toWork(r)]));
  return ids.map((id) => byId.get(id));
}

export interface AttemptRecord {
  deliveryId: string;
  statusCode?: number;
  error?: string;
  durationMs: number;
  /** The delivery's status after this attempt. */
  status: DeliveryStatus;
  /** Why the delivery is not (yet) delivered, kept as its last_error. */
  reason?: string;
}

/**
 * Logs the attempt and moves the delivery in one statement (one round trip per send).
 * Returns the attempt number, or undefined when the delivery was no longer pending
 * (another run of the same job already finished it).
 */
export async function recordAttempt(db: Queryable, a: AttemptRecord): Promise<number | undefined> {
  return (await recordAttempts(db, [a]))[0];
}

/** recordAttempt for many deliveries at once (distinct delivery ids). */
export async function recordAttempts(db: Queryable, list: AttemptRecord[]): Promise<Array<number | undefined>> {
  const { rows } = await db.query<{ id: string; attempts: number }>({
    name: 'webhook-record-attempts',
    text: `WITH r AS (
       SELECT * FROM unnest($1::uuid[], $2::text[], $3::int[], $4::text[], $5::int[], $6::text[])
         AS r (id, status, status_code, error, duration_ms, reason)
     ), d AS (
       UPDATE webhook_deliveries w
       SET attempts = w.attempts + 1, status = r.status, last_status_code = r.status_code, last_error = r.reason,
           updated_at = now(), delivered_at = CASE WHEN r.status = 'delivered' THEN now() ELSE w.delivered_at END
       FROM r
       WHERE w.id = r.id AND w.status = 'pending'
       RETURNING w.id, w.attempts
     ), a AS (
       INSERT INTO webhook_attempts (delivery_id, attempt, status_code, error, duration_ms)
       SELECT d.id, d.attempts, r.status_code, r.error, r.duration_ms FROM d JOIN r ON r.id = d.id
     )
     SELECT id, attempts FROM d`,
    values: [
      list.map((a) => a.deliveryId),
      list.map((a) => a.status),
      list.map((a) => a.statusCode ?? null),
      list.map((a) => a.error ?? null),
      list.map((a) => a.durationMs),
      list.map((a) => a.reason ?? a.error ?? null),
    ],
  });
  const byId = new Map(rows.map((r) => [r.id, r.attempts]));
  return list.map((a) => byId.get(a.deliveryId));
}

export async function disableSubscription(db: Queryable, id: string, reason: string): Promise<void> {
  await db.query('UPDATE webhook_subscriptions SET enabled = false, disabled_reason = $2 WHERE id = $1', [id, reason]);
}

/** A delivery whose subscription is gone or disabled stops without an attempt. */
export async function markDeliveryDisabled(db: Queryable, deliveryId: string, reason: string): Promise<void> {
  await db.query(
    `UPDATE webhook_deliveries SET status = 'disabled', last_error = $2, updated_at = now()
     WHERE id = $1 AND status = 'pending'`,
    [deliveryId, reason],
  );
}

/**
 * Puts a finished delivery back to pending for a new series of attempts. Returns the
 * attempt count so far, or undefined when it is unknown or still pending (a series is running).
 */
export async function reopenDelivery(db: Queryable, deliveryId: string): Promise<number | undefined> {
  const { rows } = await db.query<{ attempts: number }>(
    `UPDATE webhook_deliveries SET status = 'pending', updated_at = now()
     WHERE id = $1 AND status <> 'pending' RETURNING attempts`,
    [deliveryId],
  );
  return rows[0]?.attempts;
}

/** Undoes reopenDelivery when the new series could not be queued. */
export async function restoreDeliveryStatus(db: Queryable, deliveryId: string, status: DeliveryStatus): Promise<void> {
  await db.query(
    `UPDATE webhook_deliveries SET status = $2, updated_at = now() WHERE id = $1 AND status = 'pending'`,
    [deliveryId, status],
  );
}

export interface StalePending {
  id: string;
  attempts: number;
  eventType: string;
}

/**
 * Pending deliveries whose next attempt is overdue by more than `graceMs`: the retry of a
 * delivery that has failed n times is due at most one backoff step after its last attempt,
 * so one still untouched after that step and the grace has lost its job (Redis lost its
 * data, or the job failed without recording).
 */
export async function overduePending(
  db: Queryable,
  s: { baseMs: number; maxMs: number; graceMs: number },
  limit = 1000,
): Promise<StalePending[]> {
  const { rows } = await db.query<{ id: string; attempts: number; event_type: string }>(
    `SELECT id, attempts, event_type FROM webhook_deliveries
     WHERE status = 'pending'
       AND updated_at < now() - (least($2::float8, $1::float8 * power(2, least(greatest(attempts - 1, 0), 30))) + $3::float8) * interval '1 millisecond'
     ORDER BY updated_at LIMIT $4`,
    [s.baseMs, s.maxMs, s.graceMs, limit],
  );
  return rows.map((r) => ({ id: r.id, attempts: r.attempts, eventType: r.event_type }));
}

export async function touchPendingDeliveries(db: Queryable, ids: string[]): Promise<void> {
  if (ids.length) await db.query(`UPDATE webhook_deliveries SET updated_at = now() WHERE id = ANY($1::uuid[]) AND status = 'pending'`, [ids]);
}
