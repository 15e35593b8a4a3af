// API keys as an administrator sees them: listed, renamed, re-scoped, rotated, revoked.
// The secret is never stored or shown again after creation or rotation; what identifies a
// key in lists is its id, name and public prefix.
import type { Queryable } from '../db/pool.js';
import { KEYSET_MICROS, keysetAfter, keysetPage, type Page, type Position } from './cursor.js';
import { generateApiKey, hashApiKey } from './keys.js';
import { isScope, type Scope } from './scopes.js';

export interface ApiKeyView {
  id: string;
  name: string;
  prefix: string;
  scopes: Scope[];
  createdAt: string;
  createdBy: string | null;
  lastUsedAt: string | null;
  revokedAt: string | null;
  /** After a rotation with a grace period: when the previous secret stops working. */
  previousSecretExpiresAt: string | null;
}

interface KeyRow {
  id: string;
  name: string;
  prefix: string;
  scopes: string[];
  created_at: Date;
  created_by: string | null;
  last_used_at: Date | null;
  revoked_at: Date | null;
  previous_expires_at: Date | null;
}

const COLUMNS = 'id, name, prefix, scopes, created_at, created_by, last_used_at, revoked_at, previous_expires_at';
const iso = (d: Date | null) => (d ? d.toISOString() : null);

function toView(r: KeyRow): ApiKeyView {
  return {
    id: r.id,
    name: r.name,
    prefix: r.prefix,
    scopes: r.scopes.filter(isScope),
    createdAt: r.created_at.toISOString(),
    createdBy: r.created_by,
    lastUsedAt: iso(r.last_used_at),
    revokedAt: iso(r.revoked_at),
    previousSecretExpiresAt: r.previous_expires_at && r.previous_expires_at.getTime() > Date.now() ? r.previous_expires_at.toISOString() : null,
  };
}

export async function listApiKeys(db: Queryable, q: { limit: number; after?: Position; includeRevoked: boolean }): Promise<Page<ApiKeyView>> {
  const { rows } = await db.query<KeyRow & { cursor_micros: string }>(
    `SELECT ${COLUMNS}, ${KEYSET_MICROS} FROM api_keys
     WHERE ($4::boolean OR revoked_at IS NULL) AND ${keysetAfter(2)}
     ORDER BY created_at DESC, id DESC LIMIT $1`,
    [q.limit + 1, q.after?.micros ?? null, q.after?.id ?? null, q.includeRevoked],
  );
  return keysetPage(rows, q.limit, toView);
}

export async function getApiKey(db: Queryable, id: string): Promise<ApiKeyView | undefined> {
  const { rows } = await db.query<KeyRow>(`SELECT ${COLUMNS} FROM api_keys WHERE id = $1`, [id]);
  return rows[0] ? toView(rows[0]) : undefined;
}

/** Every prefix that may still open a session for this key (current and previous). */
export async function keyPrefixes(db: Queryable, id: string): Promise<string[]> {
  const { rows } = await db.query<{ prefix: string; previous_prefix: string | null }>(
    'SELECT prefix, previous_prefix FROM api_keys WHERE id = $1',
    [id],
  );
  return rows.flatMap((r) => [r.prefix, ...(r.previous_prefix ? [r.previous_prefix] : [])]);
}

export async function updateApiKey(db: Queryable, id: string, change: { name?: string; scopes?: Scope[] }): Promise<ApiKeyView | undefined> {
  const { rows } = await db.query<KeyRow>(
    `UPDATE api_keys SET name = coalesce($2, name), scopes = coalesce($3, scopes), updated_at = now()
     WHERE id = $1 AND revoked_at IS NULL RETURNING ${COLUMNS}`,
    [id, change.name ?? null, change.scopes ? [...new Set(change.scopes)] : null],
  );
  return rows[0] ? toView(rows[0]) : undefined;
}

/**
 * A new secret for the same key (same id, scopes and owned objects). The previous secret
 * works for `graceSeconds` more, so a fleet can be re-deployed without an outage; 0 ends
 * it at once.
 */
export async function rotateApiKey(db: Queryable, id: string, graceSeconds: number): Promise<{ view: ApiKeyView; key: string } | undefined> {
  const { prefix, key } = generateApiKey();
  const { rows } = await db.query<KeyRow>(
    `UPDATE api_keys SET
       previous_prefix = CASE WHEN $4::int > 0 THEN prefix END,
       previous_hash = CASE WHEN $4::int > 0 THEN hash END,
       previous_expires_at = CASE WHEN $4::int > 0 THEN now() + $4::int * interval '1 second' END,
       prefix = $2, hash = $3, updated_at = now()
     WHERE id = $1 AND revoked_at IS NULL RETURNING ${COLUMNS}`,
    [id, prefix, hashApiKey(key), graceSeconds],
  );
  return rows[0] ? { view: toView(rows[0]), key } : undefined;
}

/** Live keys holding `admin` other than `exceptId`: the last one may not be revoked or demoted. */
export async function otherLiveAdmins(db: Queryable, exceptId: string): Promise<number> {
  const { rows } = await db.query<{ n: string }>(
    "SELECT count(*) AS n FROM api_keys WHERE revoked_at IS NULL AND 'admin' = ANY(scopes) AND id <> $1",
    [exceptId],
  );
  return Number(rows[0]?.n ?? 0);
}

/** For open streams: which of these keys are still live, with their scopes and prefixes. */
export async function liveKeys(db: Queryable, ids: string[]): Promise<Map<string, { scopes: Scope[]; prefixes: string[] }>> {
  const { rows } = await db.query<{ id: string; scopes: string[]; prefix: string; previous_prefix: string | null; previous_live: boolean }>(
    `SELECT id, scopes, prefix, previous_prefix, coalesce(previous_expires_at > now(), false) AS previous_live
     FROM api_keys WHERE id = ANY($1::uuid[]) AND revoked_at IS NULL`,
    [ids],
  );
  return new Map(
    rows.map((r) => [
      r.id,
      { scopes: r.scopes.filter(isScope), prefixes: [r.prefix, ...(r.previous_live && r.previous_prefix ? [r.previous_prefix] : [])] },
    ]),
  );
}
