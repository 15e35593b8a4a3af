// API keys: `ctb_<prefix>_<secret>`. The prefix (hex, public) finds the row; the
// secret proves possession. Only a hash of the whole key is stored.
//
// Why SHA-256 and not scrypt/argon2: those slow hashes exist to protect low-entropy
// human passwords from guessing. Our secrets are 256 random bits, so guessing is
// hopeless whatever the hash speed, and a fast hash keeps per-request verification
// (after a cache miss) in microseconds instead of tens of milliseconds.
import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type { Queryable } from '../db/pool.js';
import { isScope, type Scope } from './scopes.js';

// `ctb_` + 12 hex + `_` + 43 base64url characters (the secret may itself contain `_`).
const KEY_PATTERN = /^ctb_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/;

export interface ParsedKey {
  prefix: string;
  key: string;
}

/** Null for anything that is not shaped like one of our keys (no DB lookup needed). */
export function parseApiKey(raw: string): ParsedKey | null {
  const m = KEY_PATTERN.exec(raw);
  return m ? { prefix: m[1]!, key: raw } : null;
}

export function generateApiKey(): { prefix: string; key: string } {
  const prefix = randomBytes(6).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  return { prefix, key: `ctb_${prefix}_${secret}` };
}

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/** Constant-time comparison of a presented key with a stored hash. */
export function keyMatchesHash(key: string, storedHash: string): boolean {
  const a = Buffer.from(hashApiKey(key), 'hex');
  const b = Buffer.from(storedHash, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}

export interface ApiKeyRecord {
  id: string;
  name: string;
  prefix: string;
  hash: string;
  scopes: Scope[];
  revokedAt: Date | null;
  /** Why the fraud signals suspended the key; null while it is not suspended. */
  suspended: string | null;
}

export async function createApiKey(
  db: Queryable,
  input: { name: string; scopes: Scope[]; createdBy?: string },
): Promise<{ id: string; key: string; prefix: string }> {
  if (input.name.trim() === '') throw new Error('an API key needs a name');
  for (const s of input.scopes) if (!isScope(s)) throw new Error(`unknown scope '${s}'`);
  if (input.scopes.length === 0) throw new Error('an API key needs at least one scope');
  const id = randomUUID();
  const { prefix, key } = generateApiKey();
  await db.query('INSERT INTO api_keys (id, name, prefix, hash, scopes, created_by) VALUES ($1, $2, $3, $4, $5, $6)', [
    id,
    input.name,
    prefix,
    hashApiKey(key),
    [...new Set(input.scopes)],
    input.createdBy ?? null,
  ]);
  return { id, key, prefix };
}

/** True when a live key was revoked by this call. */
export async function revokeApiKey(db: Queryable, id: string): Promise<boolean> {
  const r = await db.query('UPDATE api_keys SET revoked_at = now(), updated_at = now() WHERE id = $1 AND revoked_at IS NULL', [id]);
  return (r.rowCount ?? 0) > 0;
}

export async function findApiKeyByPrefix(db: Queryable, prefix: string): Promise<ApiKeyRecord | null> {
  const r = await db.query<{
    id: string;
    name: string;
    prefix: string;
    hash: string;
    scopes: string[];
    revoked_at: Date | null;
    suspended_at: Date | null;
    suspended_reason: string | null;
  }>({
    name: 'api-key-by-prefix',
    // A rotated key's previous secret keeps working until its grace period ends.
    text: `SELECT id, name, prefix, CASE WHEN prefix = $1 THEN hash ELSE previous_hash END AS hash, scopes, revoked_at,
             suspended_at, suspended_reason
           FROM api_keys WHERE prefix = $1 OR (previous_prefix = $1 AND previous_expires_at > now())`,
    values: [prefix],
  });
  const row = r.rows[0];
  if (!row) return null;
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    hash: row.hash,
    scopes: row.scopes.filter(isScope),
    revokedAt: row.revoked_at,
    suspended: row.suspended_at ? (row.suspended_reason ?? 'suspended') : null,
  };
}

/** Records use; the WHERE clause keeps it to one write per key per minute even across instances. */
export async function touchApiKey(db: Queryable, id: string): Promise<void> {
  await db.query(
    "UPDATE api_keys SET last_used_at = now() WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')",
    [id],
  );
}
