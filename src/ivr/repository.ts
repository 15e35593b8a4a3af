// IVR flows in Postgres: flows with immutable numbered versions (draft -> published ->
// retired) and the dialled-number table. Validation is not done here: callers validate
// a document before they store or publish it. Failures that the API reports as 404/409
// come back as a `StoreRefusal` so this file stays free of HTTP.
import type { Db, DbClient, Queryable } from '../db/pool.js';
import { withTransaction } from '../db/pool.js';
import type { Flow } from './contract.js';
import { linkFlows } from './link.js';

export type VersionStatus = 'draft' | 'published' | 'retired';

export interface FlowVersionRecord {
  flowId: string;
  version: number;
  status: VersionStatus;
  document: Flow;
  createdAt: string;
  publishedAt: string | null;
}

export interface FlowRecord {
  id: string;
  name: string;
  createdAt: string;
  updatedAt: string;
  publishedVersion: number | null;
  latestVersion: number;
}

export interface NumberRecord {
  did: string;
  flowId: string;
  description: string | null;
  createdAt: string;
  updatedAt: string;
}

/** Why the store refused: the API turns these into 404 / 409 / 422. */
export class StoreRefusal extends Error {
  constructor(
    readonly reason: 'not_found' | 'exists' | 'in_use' | 'not_published' | 'version_not_found',
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

const FLOW_COLUMNS = `f.id, f.name, f.published_version,
  to_char(f.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS created_at,
  to_char(f.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS updated_at,
  (SELECT max(v.version) FROM ivr_flow_versions v WHERE v.flow_id = f.id) AS latest_version,
  (extract(epoch FROM f.created_at) * 1000000)::bigint::text AS micros`;

const VERSION_COLUMNS = `flow_id, version, status, document,
  to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS created_at,
  to_char(published_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS published_at`;

const NUMBER_COLUMNS = `did, flow_id, description,
  to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS created_at,
  to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS updated_at`;

function toFlow(r: any): FlowRecord {
  return {
    id: r.id,
    name: r.name,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    publishedVersion: r.published_version ?? null,
    latestVersion: r.latest_version ?? 0,
  };
}

function toVersion(r: any): FlowVersionRecord {
  return {
    flowId: r.flow_id,
    version: r.version,
    status: r.status,
    document: r.document,
    createdAt: r.created_at,
    publishedAt: r.published_at ?? null,
  };
}

function toNumber(r: any): NumberRecord {
  return {
    did: r.did,
    flowId: r.flow_id,
    description: r.description ?? null,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

/** The stored document always carries the flow's id and the version number it was saved as. */
function stamp(document: Flow, flowId: string, version: number): Flow {
  return { ...document, id: flowId, version };
}

// ---- reads used at call time

/** A document (any version) with the published sub-flows it enters linked in, as a call runs it. */
export async function linkPublishedSubflows(db: Queryable, flow: Flow): Promise<Flow> {
  return linkFlows(flow, (id) => publishedFlow(db, id));
}

export async function publishedFlow(db: Queryable, flowId: string): Promise<Flow | undefined> {
  const { rows } = await db.query(
    `SELECT v.document, v.version FROM ivr_flows f
       JOIN ivr_flow_versions v ON v.flow_id = f.id AND v.version = f.published_version
      WHERE f.id = $1 AND f.deleted_at IS NULL`,
    [flowId],
  );
  if (rows.length === 0) return undefined;
  return stamp(rows[0].document, flowId, rows[0].version);
}

/** Ids of flows that exist (not deleted) and have a published version. */
export async function publishedFlowIds(db: Queryable): Promise<string[]> {
  const { rows } = await db.query(
    'SELECT id FROM ivr_flows WHERE deleted_at IS NULL AND published_version IS NOT NULL ORDER BY id',
  );
  return rows.map((r) => r.id as string);
}

// ---- flows

export async function createFlow(db: Db, input: { id: string; name: string; document: Flow }): Promise<FlowVersionRecord> {
  return withTransaction(db, async (tx) => {
    const inserted = await tx.query(
      'INSERT INTO ivr_flows (id, name) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING RETURNING id',
      [input.id, input.name],
    );
    if (inserted.rowCount === 0) {
      const { rows } = await tx.query('SELECT deleted_at FROM ivr_flows WHERE id = $1', [input.id]);
      const deleted = rows[0]?.deleted_at != null;
      throw new StoreRefusal(
        'exists',
        deleted
          ? `flow ${input.id} existed and was deleted; flow ids are not reused, choose another`
          : `flow ${input.id} already exists; add a version with POST /v1/flows/${input.id}/versions`,
      );
    }
    return insertVersion(tx, input.id, 1, input.document);
  });
}

async function insertVersion(tx: Queryable, flowId: string, version: number, document: Flow): Promise<FlowVersionRecord> {
  const { rows } = await tx.query(
    `INSERT INTO ivr_flow_versions (flow_id, version, document) VALUES ($1, $2, $3) RETURNING ${VERSION_COLUMNS}`,
    [flowId, version, JSON.stringify(stamp(document, flowId, version))],
  );
  return toVersion(rows[0]);
}

export interface FlowPage {
  items: FlowRecord[];
  nextCursor: string | null;
}

/** Flows newest first; `after` is a decoded cursor (decodeFlowCursor). */
export async function listFlows(db: Queryable, opts: { limit: number; after?: { micros: string; id: string } }): Promise<FlowPage> {
  const params: unknown[] = [opts.limit + 1];
  let where = 'f.deleted_at IS NULL';
  if (opts.after !== undefined) {
    const pos = opts.after;
    params.push(pos.micros, pos.id);
    where += ` AND ((extract(epoch FROM f.created_at) * 1000000)::bigint, f.id) < ($2::bigint, $3)`;
  }
  const { rows } = await db.query(
    `SELECT ${FLOW_COLUMNS} FROM ivr_flows f WHERE ${where} ORDER BY f.created_at DESC, f.id DESC LIMIT $1`,
    params,
  );
  const more = rows.length > opts.limit;
  const page = rows.slice(0, opts.limit);
  const last = page[page.length - 1];
  return {
    items: page.map(toFlow),
    nextCursor: more && last ? encodeFlowCursor({ micros: last.micros, id: last.id }) : null,
  };
}

export function encodeFlowCursor(p: { micros: string; id: string }): string {
  return Buffer.from(`${p.micros}|${p.id}`, 'utf8').toString('base64url');
}

/** undefined when the text is not a cursor this API made. */
export function decodeFlowCursor(cursor: string): { micros: string; id: string } | undefined {
  const m = /^(-?\d{1,19})\|([a-z0-9][a-z0-9-]{0,99})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  return m ? { micros: m[1]!, id: m[2]! } : undefined;
}

export async function getFlow(db: Queryable, id: string): Promise<FlowRecord | undefined> {
  const { rows } = await db.query(`SELECT ${FLOW_COLUMNS} FROM ivr_flows f WHERE f.id = $1 AND f.deleted_at IS NULL`, [id]);
  return rows[0] ? toFlow(rows[0]) : undefined;
}

/** The newest draft newer than every published version, if any. */
export async function latestDraft(db: Queryable, id: string): Promise<FlowVersionRecord | undefined> {
  const { rows } = await db.query(
    `SELECT ${VERSION_COLUMNS} FROM ivr_flow_versions WHERE flow_id = $1 AND status = 'draft' ORDER BY version DESC LIMIT 1`,
    [id],
  );
  return rows[0] ? toVersion(rows[0]) : undefined;
}

/** Soft delete; refused while a number maps to the flow. */
export async function deleteFlow(db: Db, id: string): Promise<void> {
  await withTransaction(db, async (tx) => {
    await lockFlow(tx, id);
    const { rows } = await tx.query('SELECT did FROM ivr_numbers WHERE flow_id = $1 ORDER BY did', [id]);
    if (rows.length > 0) {
      const dids = rows.map((r) => r.did as string);
      throw new StoreRefusal('in_use', `flow ${id} is mapped to ${dids.join(', ')}; remap or delete those numbers first`, {
        numbers: dids,
      });
    }
    await tx.query('UPDATE ivr_flows SET deleted_at = now(), updated_at = now() WHERE id = $1', [id]);
  });
}

/** Locks the flow's row for the transaction; refuses a missing or deleted flow. */
async function lockFlow(tx: DbClient, id: string): Promise<{ publishedVersion: number | null }> {
  const { rows } = await tx.query('SELECT published_version FROM ivr_flows WHERE id = $1 AND deleted_at IS NULL FOR UPDATE', [
    id,
  ]);
  if (rows.length === 0) throw new StoreRefusal('not_found', `flow ${id} does not exist`);
  return { publishedVersion: rows[0].published_version ?? null };
}

// ---- versions

export async function addVersion(db: Db, id: string, document: Flow): Promise<FlowVersionRecord> {
  return withTransaction(db, async (tx) => {
    await lockFlow(tx, id);
    const { rows } = await tx.query('SELECT coalesce(max(version), 0) + 1 AS next FROM ivr_flow_versions WHERE flow_id = $1', [id]);
    const version = await insertVersion(tx, id, rows[0].next, document);
    await tx.query('UPDATE ivr_flows SET updated_at = now() WHERE id = $1', [id]);
    return version;
  });
}

export async function listVersions(db: Queryable, id: string): Promise<FlowVersionRecord[]> {
  const { rows } = await db.query(
    `SELECT ${VERSION_COLUMNS} FROM ivr_flow_versions WHERE flow_id = $1 ORDER BY version DESC`,
    [id],
  );
  return rows.map(toVersion);
}

export async function getVersion(db: Queryable, id: string, version: number): Promise<FlowVersionRecord | undefined> {
  const { rows } = await db.query(
    `SELECT ${VERSION_COLUMNS} FROM ivr_flow_versions v
      WHERE v.flow_id = $1 AND v.version = $2
        AND EXISTS (SELECT 1 FROM ivr_flows f WHERE f.id = v.flow_id AND f.deleted_at IS NULL)`,
    [id, version],
  );
  return rows[0] ? toVersion(rows[0]) : undefined;
}

/**
 * Publishes a version; the one published before becomes retired. Idempotent: publishing
 * the published version changes nothing. `check` runs inside the transaction, with the
 * flow locked, so what it validated is what gets published.
 */
export async function publishVersion(
  db: Db,
  id: string,
  version: number,
  check: (v: FlowVersionRecord, tx: Queryable) => Promise<void>,
): Promise<{ version: FlowVersionRecord; changed: boolean }> {
  return withTransaction(db, async (tx) => {
    const flow = await lockFlow(tx, id);
    const current = await getVersion(tx, id, version);
    if (!current) throw new StoreRefusal('version_not_found', `flow ${id} has no version ${version}`);
    if (flow.publishedVersion === version) return { version: current, changed: false };
    await check(current, tx);
    await tx.query("UPDATE ivr_flow_versions SET status = 'retired' WHERE flow_id = $1 AND status = 'published'", [id]);
    const { rows } = await tx.query(
      `UPDATE ivr_flow_versions SET status = 'published', published_at = now()
        WHERE flow_id = $1 AND version = $2 RETURNING ${VERSION_COLUMNS}`,
      [id, version],
    );
    await tx.query('UPDATE ivr_flows SET published_version = $2, updated_at = now() WHERE id = $1', [id, version]);
    return { version: toVersion(rows[0]), changed: true };
  });
}

// ---- numbers

/** Maps a DID to a flow that has a published version. Returns whether it was created. */
export async function putNumber(
  db: Db,
  input: { did: string; flowId: string; description?: string | null },
): Promise<{ number: NumberRecord; created: boolean }> {
  return withTransaction(db, async (tx) => {
    const flow = await lockFlow(tx, input.flowId);
    if (flow.publishedVersion === null) {
      throw new StoreRefusal('not_published', `flow ${input.flowId} has no published version; publish one first`);
    }
    const { rows } = await tx.query(
      `INSERT INTO ivr_numbers (did, flow_id, description) VALUES ($1, $2, $3)
       ON CONFLICT (did) DO UPDATE SET flow_id = EXCLUDED.flow_id, description = EXCLUDED.description, updated_at = now()
       RETURNING ${NUMBER_COLUMNS}, (xmax = 0) AS created`,
      [input.did, input.flowId, input.description ?? null],
    );
    return { number: toNumber(rows[0]), created: rows[0].created === true };
  });
}

export async function getNumber(db: Queryable, did: string): Promise<NumberRecord | undefined> {
  const { rows } = await db.query(`SELECT ${NUMBER_COLUMNS} FROM ivr_numbers WHERE did = $1`, [did]);
  return rows[0] ? toNumber(rows[0]) : undefined;
}

export async function listNumbers(
  db: Queryable,
  opts: { limit: number; cursor?: string; flowId?: string },
): Promise<{ items: NumberRecord[]; nextCursor: string | null }> {
  const params: unknown[] = [opts.limit + 1];
  const where: string[] = [];
  if (opts.cursor !== undefined) {
    params.push(Buffer.from(opts.cursor, 'base64url').toString('utf8'));
    where.push(`did > $${params.length}`);
  }
  if (opts.flowId !== undefined) {
    params.push(opts.flowId);
    where.push(`flow_id = $${params.length}`);
  }
  const { rows } = await db.query(
    `SELECT ${NUMBER_COLUMNS} FROM ivr_numbers ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY did LIMIT $1`,
    params,
  );
  const more = rows.length > opts.limit;
  const page = rows.slice(0, opts.limit);
  const last = page[page.length - 1];
  return {
    items: page.map(toNumber),
    nextCursor: more && last ? Buffer.from(last.did, 'utf8').toString('base64url') : null,
  };
}

export async function deleteNumber(db: Queryable, did: string): Promise<boolean> {
  const res = await db.query('DELETE FROM ivr_numbers WHERE did = $1', [did]);
  return (res.rowCount ?? 0) > 0;
}

/**
 * The published version of the flow mapped to a dialled number, ready to run: the
 * published versions of the sub-flows it enters are linked in. Undefined when the number
 * is unmapped, the flow deleted or nothing published.
 */
export async function publishedFlowForNumber(db: Queryable, did: string): Promise<Flow | undefined> {
  // Every call asks this: the number, its flow and the published document in one round
  // trip (and one snapshot), not the flow id first and its document after.
  const { rows } = await db.query({
    name: 'ivr-flow-for-number',
    text: `SELECT f.id, v.document, v.version FROM ivr_numbers n
        JOIN ivr_flows f ON f.id = n.flow_id AND f.deleted_at IS NULL
        JOIN ivr_flow_versions v ON v.flow_id = f.id AND v.version = f.published_version
       WHERE n.did = $1`,
    values: [did],
  });
  if (rows.length === 0) return undefined;
  return linkPublishedSubflows(db, stamp(rows[0].document, rows[0].id, rows[0].version));
}

/**
 * Stores a document as a new version of its flow (creating the flow when new) and
 * publishes it, in one go: for seeding (the demo, tests). It does not validate: callers
 * pass documents they validated or ship.
 */
export async function publishFlowDocument(db: Db, flow: Flow, name = flow.name ?? flow.id): Promise<FlowVersionRecord> {
  const version = (await getFlow(db, flow.id)) ? await addVersion(db, flow.id, flow) : await createFlow(db, { id: flow.id, name, document: flow });
  return (await publishVersion(db, flow.id, version.version, async () => {})).version;
}
