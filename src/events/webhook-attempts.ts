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
    name: 'webhook-record-first-attempts',
    text: `WITH r AS (
       SELECT * FROM unnest($2::uuid[], $3::uuid[], $4::uuid[], $5::text[], $6::text[], $7::int[], $8::text[], $9::int[], $10::text[])
         AS r (id, subscription_id, event_id, event_type, status, status_code, error, duration_ms, reason)
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
    values: [
      eventIds,
      list.map((a) => a.deliveryId),
      list.map((a) => a.subscriptionId),
      list.map((a) => a.eventId),
      list.map((a) => a.eventType),
      list.map((a) => a.status),
      list.map((a) => a.statusCode ?? null),
      list.map((a) => a.error ?? null),
      list.map((a) => a.durationMs),
      list.map((a) => a.reason ?? a.error ?? null),
    ],
  });
  const written = new Set(rows.map((r) => r.id));
  return list.map((a) => written.has(a.deliveryId));
}
