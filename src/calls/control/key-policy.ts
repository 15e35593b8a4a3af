// Where and how much one API key may dial: its own row in api_key_dial_policies, or the
// service defaults (CALLS_* variables) for keys without one.
import type { Queryable } from '../../db/pool.js';
import type { CallControlConfig } from '../../config.js';
import type { DialPolicy } from '../dial-policy.js';

export interface KeyDialPolicy {
  policy: DialPolicy;
  callerId: string | null;
  maxConcurrent: number;
  perMinute: number;
  /** Why the key is suspended; null when it may dial. */
  suspended: string | null;
}

export async function keyDialPolicy(db: Queryable, apiKeyId: string | null, defaults: CallControlConfig): Promise<KeyDialPolicy> {
  const fallback: KeyDialPolicy = {
    policy: defaults.policy,
    callerId: defaults.callerId,
    maxConcurrent: defaults.maxConcurrent,
    perMinute: defaults.perMinute,
    suspended: null,
  };
  if (!apiKeyId) return fallback;
  // The suspension is read with the policy, so it stops dialling at once on every instance.
  const { rows } = await db.query<{
    allow: string[] | null; deny: string[] | null; caller_id: string | null; max_concurrent: number | null; max_per_minute: number | null;
    suspended_at: Date | null; suspended_reason: string | null;
  }>(
    `SELECT p.allow, p.deny, p.caller_id, p.max_concurrent, p.max_per_minute, k.suspended_at, k.suspended_reason
     FROM api_keys k LEFT JOIN api_key_dial_policies p ON p.api_key_id = k.id WHERE k.id = $1`,
    [apiKeyId],
  );
  const r = rows[0];
  if (!r) return fallback;
  const suspended = r.suspended_at ? (r.suspended_reason ?? 'suspended') : null;
  if (!r.allow || !r.deny) return { ...fallback, suspended };
  return {
    suspended,
    policy: { allow: r.allow, deny: r.deny },
    callerId: r.caller_id ?? defaults.callerId,
    maxConcurrent: r.max_concurrent ?? defaults.maxConcurrent,
    perMinute: r.max_per_minute ?? defaults.perMinute,
  };
}

export async function saveKeyDialPolicy(
  db: Queryable,
  apiKeyId: string,
  p: { allow: string[]; deny: string[]; callerId: string | null; maxConcurrent: number | null; perMinute: number | null },
): Promise<boolean> {
  const { rowCount } = await db.query(
    `INSERT INTO api_key_dial_policies (api_key_id, allow, deny, caller_id, max_concurrent, max_per_minute)
     SELECT id, $2, $3, $4, $5, $6 FROM api_keys WHERE id = $1
     ON CONFLICT (api_key_id) DO UPDATE SET allow = $2, deny = $3, caller_id = $4, max_concurrent = $5, max_per_minute = $6, updated_at = now()`,
    [apiKeyId, p.allow, p.deny, p.callerId, p.maxConcurrent, p.perMinute],
  );
  return (rowCount ?? 0) > 0;
}

