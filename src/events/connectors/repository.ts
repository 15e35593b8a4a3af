// Connectors created over the API, in Postgres. Few rows (one per business system), so
// reads load them all.
import { Compile } from 'typebox/compile';
import type { Queryable } from '../../db/pool.js';
import { ConnectorSchema, type ConnectorConfig } from './config.js';

export interface StoredConnector {
  config: ConnectorConfig;
  ownerKeyId: string | null;
  createdAt: string;
  updatedAt: string;
}

interface Row {
  config: unknown;
  owner_key_id: string | null;
  created_at: Date;
  updated_at: Date;
}

const valid = Compile(ConnectorSchema);

function toStored(r: Row): StoredConnector | undefined {
  // A row written by an older version that no longer validates is skipped, not run half-understood.
  if (!valid.Check(r.config)) return undefined;
  return { config: r.config, ownerKeyId: r.owner_key_id, createdAt: r.created_at.toISOString(), updatedAt: r.updated_at.toISOString() };
}

export async function listStoredConnectors(db: Queryable): Promise<StoredConnector[]> {
  const { rows } = await db.query<Row>('SELECT config, owner_key_id, created_at, updated_at FROM connectors ORDER BY id');
  return rows.map(toStored).filter((c): c is StoredConnector => c !== undefined);
}

export async function getStoredConnector(db: Queryable, id: string): Promise<StoredConnector | undefined> {
  const { rows } = await db.query<Row>('SELECT config, owner_key_id, created_at, updated_at FROM connectors WHERE id = $1', [id]);
  return rows[0] ? toStored(rows[0]) : undefined;
}

/** False when a connector with this id exists already. */
export async function insertConnector(db: Queryable, config: ConnectorConfig, ownerKeyId: string): Promise<StoredConnector | undefined> {
  const { rows } = await db.query<Row>(
    `INSERT INTO connectors (id, config, owner_key_id) VALUES ($1, $2, $3)
     ON CONFLICT (id) DO NOTHING RETURNING config, owner_key_id, created_at, updated_at`,
    [config.id, config, ownerKeyId],
  );
  return rows[0] ? toStored(rows[0]) : undefined;
}

export async function updateConnector(db: Queryable, config: ConnectorConfig): Promise<StoredConnector | undefined> {
  const { rows } = await db.query<Row>(
    `UPDATE connectors SET config = $2, updated_at = now() WHERE id = $1
     RETURNING config, owner_key_id, created_at, updated_at`,
    [config.id, config],
  );
  return rows[0] ? toStored(rows[0]) : undefined;
}

export async function deleteConnector(db: Queryable, id: string): Promise<boolean> {
  const { rowCount } = await db.query('DELETE FROM connectors WHERE id = $1', [id]);
  return (rowCount ?? 0) > 0;
}
