// Postgres access for webhook deliveries: one per event and subscription, fanned out at
// publication, loaded with everything a send needs, reopened from the dead letters, and
// found again by the sweeper when their job was lost.
import type { Queryable } from '../db/pool.js';
import { KEYSET_MICROS, keysetAfter, keysetPage, type Page, type Position } from '../api/cursor.js';
import type { DomainEvent } from './catalogue.js';

export type DeliveryStatus = 'pending' | 'delivered' | 'failed' | 'dead' | 'disabled';

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
  /** A delivery planned by the fan-out that has no row yet: written with its first attempt. */
  unrecorded?: { eventType: string };
}

/**
 * What the first attempts of a run of events need, in one read (no row written): a new
 * delivery (`unrecorded`, its id drawn here) for each live subscription that wants an
 * event and has none for it yet, and every delivery of these events still pending, with
 * its attempt count, in outbox order. The new rows are written with their first attempt's
 * outcome (recordFirstAttempts), which also marks the events fanned out: until then the
 * `events` job, or the relay's re-publication of events not fanned out, is their record.
 * With `stored`, the payloads and traces come from the caller, not the outbox.
 * An event of an object a key owns (`ownerKeyId`, audience.ts) goes only to that key's
 * subscriptions and to those of admin keys (or made before subscriptions had owners).
 */
export async function fanOutWork(
  db: Queryable,
  events: Array<Pick<DomainEvent, 'id' | 'type' | 'ownerKeyId'>>,
  stored?: StoredPayloads,
): Promise<DeliveryWork[]> {
  if (events.length === 0) return [];
  const { rows } = await db.query<WorkRow & { unrecorded: boolean }>({
    // Named: prepared once per connection, not parsed and planned per job.
    ...(stored ? PLAN_WITHOUT_PAYLOADS : PLAN_WITH_PAYLOADS),
    values: [events.map((e) => e.id), events.map((e) => e.type), events.map((e) => e.ownerKeyId ?? null)],
  });
  const works: DeliveryWork[] = new Array(rows.length);
  if (!stored) {
    for (let i = 0; i < rows.length; i++) works[i] = toWork(rows[i]!, rows[i]!.unrecorded);
    return works;
  }
  // One string per event, shared by all its subscriptions' deliveries.
  const bodies = new Map<string, string>();
  events.forEach((e, i) => bodies.set(e.id, stored.bodies[i]!));
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]!;
    r.body = bodies.get(r.event_id) ?? null;
    r.trace_parent = stored.traces?.[r.event_id] ?? null;
    works[i] = toWork(r, r.unrecorded);
  }
  return works;
}

/** The events' payloads as the relay read them from the outbox (EventsJobData.bodies), and their traces. */
export interface StoredPayloads {
  bodies: readonly string[];
  traces?: Readonly<Record<string, string>> | undefined;
}

/**
 * The fan-out plan's statement: with the outbox's payloads (and traces), or without them
 * when the caller has them already (a run the relay fans out itself, decision 95): the
 * payload is then not rendered as text and shipped again for every delivery.
 */
function planStatement(withPayloads: boolean): { name: string; text: string } {
  return {
    name: withPayloads ? 'webhook-fan-out-plan' : 'webhook-fan-out-plan-bare',
    text: `WITH ev AS (
       SELECT event_id, min(event_type) AS event_type, min(ord) AS ord, (array_agg(owner_key_id))[1] AS owner_key_id
       FROM unnest($1::uuid[], $2::text[], $3::uuid[]) WITH ORDINALITY AS e (event_id, event_type, owner_key_id, ord)
       GROUP BY event_id
     ), work AS (
       SELECT gen_random_uuid() AS id, s.id AS subscription_id, ev.event_id, 'pending' AS status, 0 AS attempts, true AS unrecorded
       FROM ev JOIN webhook_subscriptions s
         ON s.enabled AND s.deleted_at IS NULL
        AND (cardinality(s.event_types) = 0 OR ev.event_type = ANY (s.event_types))
        AND (ev.owner_key_id IS NULL OR s.owner_key_id IS NULL OR s.owner_key_id = ev.owner_key_id
             OR EXISTS (SELECT 1 FROM api_keys k WHERE k.id = s.owner_key_id AND 'admin' = ANY (k.scopes)))
       WHERE NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.subscription_id = s.id AND d.event_id = ev.event_id)
       UNION ALL
       SELECT d.id, d.subscription_id, d.event_id, d.status, d.attempts, false
       FROM webhook_deliveries d JOIN ev ON d.event_id = ev.event_id WHERE d.status = 'pending'
     )
     SELECT w.id, w.status, w.attempts, w.event_id, w.subscription_id, w.unrecorded, ev.event_type, s.url, s.secret,
            (s.enabled AND s.deleted_at IS NULL) AS live,
            ${withPayloads ? 'o.payload::text AS body, o.trace_parent' : 'NULL::text AS body, NULL::text AS trace_parent'}
     FROM work w
     JOIN ev ON ev.event_id = w.event_id
     JOIN webhook_subscriptions s ON s.id = w.subscription_id
     ${withPayloads ? 'LEFT JOIN outbox o ON o.event_id = w.event_id' : ''}
     ORDER BY ev.ord, w.id`,
  };
}

const PLAN_WITH_PAYLOADS = planStatement(true);
const PLAN_WITHOUT_PAYLOADS = planStatement(false);

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
  event_type?: string;
}

function toWork(r: WorkRow, unrecorded = false): DeliveryWork {
  const work: DeliveryWork = {
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
  if (unrecorded) work.unrecorded = { eventType: r.event_type! };
  return work;
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
