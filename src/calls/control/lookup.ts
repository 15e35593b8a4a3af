// How routes find the PBX node that drives a call; the registry runs the command there
// (on this instance, or forwarded to the node's owner).
import type { FastifyRequest } from 'fastify';
import { ownerFilter } from '../../api/ownership.js';
import { ProblemError, notFound } from '../../api/problem.js';
import type { Db } from '../../db/pool.js';
import { getCall } from '../repository.js';

/** The PBX node of a call the caller may change (404 for an unknown call or another key's). */
export async function nodeOfCall(db: Db, callId: string, req: FastifyRequest): Promise<string> {
  const call = await getCall(db, callId);
  if (!call) throw notFound('call', callId);
  if (!(await mayChangeCall(db, callId, req))) throw notFound('call', callId);
  return call.pbxNode;
}

/**
 * A click-to-dial call belongs to the key that placed it: another integrator's key cannot
 * hold, transfer, record or hang it up (it gets the 404 of a missing call). Calls that came
 * in from the PBX belong to the centre, so any key with calls:write may control them.
 */
export async function mayChangeCall(db: Db, callId: string, req: FastifyRequest): Promise<boolean> {
  const owner = ownerFilter(req);
  if (owner === null) return true;
  const { rows } = await db.query<{ api_key_id: string }>('SELECT api_key_id FROM call_originations WHERE call_id = $1', [callId]);
  return !rows[0] || rows[0].api_key_id === owner;
}

/** The API key's id: dial policies and limits are per key. */
export function keyId(req: FastifyRequest): string {
  if (!req.apiKey) throw new ProblemError(401, 'an API key is required');
  return req.apiKey.id;
}
