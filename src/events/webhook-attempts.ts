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
