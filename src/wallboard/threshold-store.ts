// The thresholds supervisors set per queue, in Postgres: only the figures they changed,
// with the key that set them last.
import type { Queryable } from '../db/pool.js';
import type { ThresholdOverrides } from './thresholds.js';

export interface StoredThresholds {
  queueId: string;
  overrides: ThresholdOverrides;
  ownerKeyId: string;
  updatedAt: string;
}

interface Row {
  queue_id: string;
  thresholds: ThresholdOverrides;
  owner_key_id: string;
  updated_at: Date;
}

const toStored = (r: Row): StoredThresholds => ({
  queueId: r.queue_id, overrides: r.thresholds, ownerKeyId: r.owner_key_id, updatedAt: r.updated_at.toISOString(),
});

export async function listThresholds(db: Queryable): Promise<Map<string, StoredThresholds>> {
  const { rows } = await db.query<Row>('SELECT * FROM wallboard_thresholds');
  return new Map(rows.map((r) => [r.queue_id, toStored(r)]));
}

export async function getThresholds(db: Queryable, queueId: string): Promise<StoredThresholds | undefined> {
  const { rows } = await db.query<Row>('SELECT * FROM wallboard_thresholds WHERE queue_id = $1', [queueId]);
  return rows[0] && toStored(rows[0]);
}

export async function putThresholds(db: Queryable, queueId: string, overrides: ThresholdOverrides, ownerKeyId: string): Promise<StoredThresholds> {
  const { rows } = await db.query<Row>(
    `INSERT INTO wallboard_thresholds (queue_id, thresholds, owner_key_id) VALUES ($1, $2, $3)
     ON CONFLICT (queue_id) DO UPDATE SET thresholds = excluded.thresholds, owner_key_id = excluded.owner_key_id, updated_at = now()
     RETURNING *`,
    [queueId, JSON.stringify(overrides), ownerKeyId],
  );
  return toStored(rows[0]!);
}

export async function deleteThresholds(db: Queryable, queueId: string): Promise<boolean> {
  return ((await db.query('DELETE FROM wallboard_thresholds WHERE queue_id = $1', [queueId])).rowCount ?? 0) > 0;
}
