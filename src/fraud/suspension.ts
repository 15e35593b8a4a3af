// A suspended API key: every request answers 403 naming why, and nothing is dialled for it,
// until an admin lifts the suspension.
import { ProblemError } from '../api/problem.js';
import type { Queryable } from '../db/pool.js';

/** What a suspended key hears when it asks for anything. */
export function suspendedProblem(apiKeyId: string, why: string): ProblemError {
  return new ProblemError(403, `this API key is suspended (${why}); an admin lifts it with DELETE /v1/api-keys/${apiKeyId}/suspension`, { suspended: true });
}

/** Suspends a key; false when it was suspended already. */
export async function suspendKey(db: Queryable, apiKeyId: string, why: string): Promise<boolean> {
  const res = await db.query('UPDATE api_keys SET suspended_at = now(), suspended_reason = $2 WHERE id = $1 AND suspended_at IS NULL', [apiKeyId, why]);
  return (res.rowCount ?? 0) > 0;
}

/** Lifts a key's suspension; false when it was not suspended. */
export async function liftSuspension(db: Queryable, apiKeyId: string): Promise<boolean> {
  const res = await db.query('UPDATE api_keys SET suspended_at = NULL, suspended_reason = NULL WHERE id = $1 AND suspended_at IS NOT NULL', [apiKeyId]);
  return (res.rowCount ?? 0) > 0;
}
