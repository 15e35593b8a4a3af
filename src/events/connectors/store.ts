// Connector deliveries in Postgres: one row per (connector, event) — the idempotency key
// on our side — with its status, attempts and last error. Failed and dead rows are the
// connector's dead letters.
import { randomUUID } from 'node:crypto';
import type { Queryable } from '../../db/pool.js';
import type { DomainEvent } from '../catalogue.js';

export type ConnectorDeliveryStatus = 'pending' | 'delivered' | 'failed' | 'dead';

export interface PendingDelivery {
  id: string;
  eventId: string;
  attempts: number;
}

/** Adds the deliveries that do not exist yet; returns every pending one for these events. */
export async function addDeliveries(db: Queryable, connector: string, events: DomainEvent[]): Promise<PendingDelivery[]> {
  if (events.length === 0) return [];
  const { rows } = await db.query<{ id: string; event_id: string; attempts: number }>(
    `WITH input AS (
       SELECT * FROM unnest($2::uuid[], $3::uuid[], $4::text[]) AS t(id, event_id, event_type)
     ), added AS (
       INSERT INTO connector_deliveries (id, connector, event_id, event_type, status)
       SELECT id, $1, event_id, event_type, 'pending' FROM input
       ON CONFLICT (connector, event_id) DO NOTHING
     )
     SELECT COALESCE(d.id, i.id) AS id, i.event_id, COALESCE(d.attempts, 0) AS attempts FROM input i
     LEFT JOIN connector_deliveries d ON d.connector = $1 AND d.event_id = i.event_id
     WHERE d.id IS NULL OR d.status = 'pending'`,
    [connector, events.map(() => randomUUID()), events.map((e) => e.id), events.map((e) => e.type)],
  );
  return rows.map((r) => ({ id: r.id, eventId: r.event_id, attempts: r.attempts }));
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
