// Whose objects a request may see and change. Webhook subscriptions, click-to-dial calls,
// faxes, campaigns and wallboard links record the key that created them; a key sees and
// changes its own, and `admin` sees all. Another key's object answers 404, exactly as a
// missing one does, so ids cannot be probed.
import type { FastifyRequest } from 'fastify';
import { ProblemError } from './problem.js';

/** The owner to filter by: the caller's key id, or null when the caller (admin) sees all. */
export function ownerFilter(req: FastifyRequest): string | null {
  const key = req.apiKey;
  if (!key) throw new ProblemError(401, 'an API key is required');
  return key.scopes.includes('admin') ? null : key.id;
}

/** The key id to record as a new object's owner. */
export function creatorKey(req: FastifyRequest): string {
  const key = req.apiKey;
  if (!key) throw new ProblemError(401, 'an API key is required');
  return key.id;
}

/** True when an object owned by `ownerKeyId` is visible under `filter` (null: all). */
export function visibleTo(filter: string | null, ownerKeyId: string | null | undefined): boolean {
  return filter === null || ownerKeyId === filter;
}

