// Connector deliveries in Postgres: one row per (connector, event) — the idempotency key
// on our side — with its status, attempts and last error. Failed and dead rows are the
// connector's dead letters.
import type { Queryable } from '../../db/pool.js';
import type { DomainEvent } from '../catalogue.js';

export type ConnectorDeliveryStatus = 'pending' | 'delivered' | 'failed' | 'dead';

export interface PendingDelivery {
  id: string;
  eventId: string;
  attempts: number;
}

/** A delivery already recorded for one of the events (by an earlier run of the same job). */
export interface KnownDelivery {
  id: string;
  eventId: string;
  status: ConnectorDeliveryStatus;
  attempts: number;
}

/** The deliveries this connector already has for these events: a read, no row written. */
export async function knownDeliveries(db: Queryable, connector: string, eventIds: string[]): Promise<KnownDelivery[]> {
  if (eventIds.length === 0) return [];
  const { rows } = await db.query<{ id: string; event_id: string; status: ConnectorDeliveryStatus; attempts: number }>({
    name: 'connector-known-deliveries',
    text: `SELECT id, event_id, status, attempts FROM connector_deliveries WHERE connector = $1 AND event_id = ANY ($2::uuid[])`,
    values: [connector, eventIds],
  });
  return rows.map((r) => ({ id: r.id, eventId: r.event_id, status: r.status, attempts: r.attempts }));
}

/** A first attempt made before its delivery had a row: the row is written with its outcome. */
export interface FirstAttempt extends ConnectorAttempt {
  eventId: string;
  eventType: string;
}

/**
 * Records first attempts as new deliveries, each row written once with its outcome, in
 * one statement; true for each row written. False: the delivery was recorded meanwhile
 * (a concurrent run of the same job), which then owns its series.
 */
export async function addAttemptedDeliveries(db: Queryable, connector: string, list: FirstAttempt[]): Promise<boolean[]> {
  if (list.length === 0) return [];
  const { rows } = await db.query<{ id: string }>({
    name: 'connector-add-attempted',
    text: `INSERT INTO connector_deliveries (id, connector, event_id, event_type, status, attempts, last_status_code, last_error, delivered_at)
       SELECT id, $1, event_id, event_type, status, 1, code, error, CASE WHEN status = 'delivered' THEN now() END
       FROM unnest($2::uuid[], $3::uuid[], $4::text[], $5::text[], $6::int[], $7::text[]) AS t(id, event_id, event_type, status, code, error)
       ON CONFLICT (connector, event_id) DO NOTHING
       RETURNING id`,
    values: [
      connector,
      list.map((a) => a.id),
      list.map((a) => a.eventId),
      list.map((a) => a.eventType),
      list.map((a) => a.status),
      list.map((a) => a.statusCode ?? null),
      list.map((a) => a.error ?? null),
    ],
  });
  const written = new Set(rows.map((r) => r.id));
  return list.map((a) => written.has(a.id));
}

export interface ConnectorWork {
  id: string;
  connector: string;
  status: ConnectorDeliveryStatus;
  attempts: number;
  event: DomainEvent | null;
  /** The span that committed the event, when traced. */
  traceparent: string | null;
}

export async function loadWork(db: Queryable, id: string): Promise<ConnectorWork | undefined> {
  const { rows } = await db.query<{ id: string; connector: string; status: ConnectorDeliveryStatus; attempts: number; payload: DomainEvent | null; trace_parent: string | null }>(
    `SELECT d.id, d.connector, d.status, d.attempts, o.payload, o.trace_parent FROM connector_deliveries d
     LEFT JOIN outbox o ON o.event_id = d.event_id WHERE d.id = $1`,
    [id],
  );
  const r = rows[0];
  return r ? { id: r.id, connector: r.connector, status: r.status, attempts: r.attempts, event: r.payload, traceparent: r.trace_parent } : undefined;
}

/** Records one attempt; returns false when the delivery was no longer pending (finished elsewhere). */
export async function recordConnectorAttempt(
  db: Queryable,
  a: { id: string; status: ConnectorDeliveryStatus; statusCode?: number; error?: string },
): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE connector_deliveries SET attempts = attempts + 1, status = $2, last_status_code = $3, last_error = $4,
       updated_at = now(), delivered_at = CASE WHEN $2 = 'delivered' THEN now() ELSE delivered_at END
     WHERE id = $1 AND status = 'pending'`,
    [a.id, a.status, a.statusCode ?? null, a.error ?? null],
  );
  return (rowCount ?? 0) > 0;
}

export interface ConnectorAttempt {
  id: string;
  status: ConnectorDeliveryStatus;
  statusCode?: number;
  error?: string;
}

/** Many attempts in one statement (see Batcher); true for each that was still pending. */
export async function recordConnectorAttempts(db: Queryable, list: ConnectorAttempt[]): Promise<boolean[]> {
  if (list.length === 0) return [];
  const { rows } = await db.query<{ id: string }>(
    `UPDATE connector_deliveries d SET attempts = d.attempts + 1, status = u.status, last_status_code = u.code,
       last_error = u.error, updated_at = now(), delivered_at = CASE WHEN u.status = 'delivered' THEN now() ELSE d.delivered_at END
     FROM unnest($1::uuid[], $2::text[], $3::int[], $4::text[]) AS u(id, status, code, error)
     WHERE d.id = u.id AND d.status = 'pending' RETURNING d.id`,
    [list.map((a) => a.id), list.map((a) => a.status), list.map((a) => a.statusCode ?? null), list.map((a) => a.error ?? null)],
  );
  const done = new Set(rows.map((r) => r.id));
  return list.map((a) => done.has(a.id));
}

/** Pending deliveries untouched for a while: their jobs may have been lost with Redis's data. */
export async function stalePending(db: Queryable, connector: string, olderThanMs: number, limit = 1000): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>(
    `SELECT id FROM connector_deliveries WHERE connector = $1 AND status = 'pending'
       AND updated_at < now() - $2::int * interval '1 millisecond' ORDER BY updated_at LIMIT $3`,
    [connector, olderThanMs, limit],
  );
  return rows.map((r) => r.id);
}

export async function touchPending(db: Queryable, ids: string[]): Promise<void> {
  if (ids.length) await db.query(`UPDATE connector_deliveries SET updated_at = now() WHERE id = ANY($1::uuid[]) AND status = 'pending'`, [ids]);
}

/** A dead letter back to pending; returns its attempts so far, or undefined when it was not failed/dead. */
export async function reopenConnectorDelivery(db: Queryable, id: string): Promise<{ connector: string; attempts: number } | undefined> {
  const { rows } = await db.query<{ connector: string; attempts: number }>(
    `UPDATE connector_deliveries SET status = 'pending', updated_at = now() WHERE id = $1 AND status IN ('failed', 'dead')
     RETURNING connector, attempts`,
    [id],
  );
  return rows[0];
}
