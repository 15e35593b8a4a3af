// Postgres access for webhook attempts: each send is logged and moves its delivery on, in one statement.
import type { Queryable } from '../db/pool.js';
import type { DeliveryStatus } from './webhook-deliveries.js';

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
 * The records as one JSON parameter, read back with json_to_recordset by their field
 * names: one native JSON.stringify per batch instead of ten parameter arrays, each
 * element of which pg escaped in JavaScript (with the ten maps that built them, the
 * largest item of the bookkeeping in the delivery profile). The records hold only
 * their interface's fields (no replacer: V8's fast path); a field the statement does not
 * name is ignored, an absent optional field reads as NULL.
 */
function recordsJson(list: AttemptRecord[]): string {
  return JSON.stringify(list);
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
    name: 'webhook-record-attempts-json',
    text: `WITH r AS (
       SELECT "deliveryId" AS id, status, "statusCode" AS status_code, error, "durationMs" AS duration_ms,
              coalesce(reason, error) AS reason
       FROM json_to_recordset($1::json)
         AS r ("deliveryId" uuid, status text, "statusCode" int, error text, "durationMs" int, reason text)
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
    values: [recordsJson(list)],
  });
  const byId = new Map(rows.map((r) => [r.id, r.attempts]));
  return list.map((a) => byId.get(a.deliveryId));
}

/** The first attempt of a delivery that has no row yet (see fanOutWork). */
export interface FirstAttemptRecord extends AttemptRecord {
  subscriptionId: string;
  eventId: string;
  eventType: string;
}

/**
 * Writes new deliveries each once, with their first attempt's outcome and its log entry,
 * and marks the run's events fanned out, in one statement. Returns, per record, whether
 * its row was written: not when a concurrent run of the same job wrote the delivery
 * first, which then owns its series.
 */
export async function recordFirstAttempts(db: Queryable, eventIds: string[], list: FirstAttemptRecord[]): Promise<boolean[]> {
  const { rows } = await db.query<{ id: string }>({
    name: 'webhook-record-first-attempts-json',
    text: `WITH r AS (
       SELECT "deliveryId" AS id, "subscriptionId" AS subscription_id, "eventId" AS event_id, "eventType" AS event_type,
              status, "statusCode" AS status_code, error, "durationMs" AS duration_ms, coalesce(reason, error) AS reason
       FROM json_to_recordset($2::json)
         AS r ("deliveryId" uuid, "subscriptionId" uuid, "eventId" uuid, "eventType" text, status text,
               "statusCode" int, error text, "durationMs" int, reason text)
     ), d AS (
       INSERT INTO webhook_deliveries (id, subscription_id, event_id, event_type, status, attempts, last_status_code, last_error, delivered_at)
       SELECT id, subscription_id, event_id, event_type, status, 1, status_code, reason, CASE WHEN status = 'delivered' THEN now() END
       FROM r
       ON CONFLICT (subscription_id, event_id) DO NOTHING
       RETURNING id
     ), a AS (
       INSERT INTO webhook_attempts (delivery_id, attempt, status_code, error, duration_ms)
       SELECT d.id, 1, r.status_code, r.error, r.duration_ms FROM d JOIN r ON r.id = d.id
     ), marked AS (
       UPDATE outbox SET fanned_out_at = now() WHERE event_id = ANY ($1::uuid[]) AND fanned_out_at IS NULL
     )
     SELECT id FROM d`,
    values: [eventIds, recordsJson(list)],
  });
  const written = new Set(rows.map((r) => r.id));
  return list.map((a) => written.has(a.deliveryId));
}
