// How routes find the PBX node that drives a call; the registry runs the command there
// (on this instance, or forwarded to the node's owner).
import type { FastifyRequest } from 'fastify';
import { ProblemError, notFound } from '../../api/problem.js';
import type { Db } from '../../db/pool.js';
import { getCall } from '../repository.js';

/** The PBX node of a call (404 for an unknown call). */
export async function nodeOfCall(db: Db, callId: string): Promise<string> {
  const call = await getCall(db, callId);
  if (!call) throw notFound('call', callId);
  return call.pbxNode;
}

/** The API key's id: dial policies and limits are per key. */
export function keyId(req: FastifyRequest): string {
  if (!req.apiKey) throw new ProblemError(401, 'an API key is required');
  return req.apiKey.id;
}
