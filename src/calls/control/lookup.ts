// How routes find the call control that drives a call: the PBX node's capability on this
// instance, or 503 when another instance holds the node.
import type { FastifyRequest } from 'fastify';
import { ProblemError, notFound } from '../../api/problem.js';
import type { Db } from '../../db/pool.js';
import { getCall } from '../repository.js';
import type { CallControlRegistry } from './registry.js';
import type { CallControl } from './service.js';

export function controlLookup(db: Db, registry: CallControlRegistry) {
  const controlFor = (pbxNode: string): CallControl => {
    const control = registry.get(pbxNode);
    if (!control) throw new ProblemError(503, `this instance does not drive PBX node ${pbxNode} now; retry`);
    return control;
  };
  return {
    controlFor,
    /** The named node's, or any node's this instance drives (requests that name none). */
    controlOrAny(pbxNode: string | undefined): CallControl {
      if (pbxNode) return controlFor(pbxNode);
      const any = registry.any();
      if (!any) throw new ProblemError(503, 'this instance drives no PBX node now; retry');
      return any;
    },
    async controlOfCall(callId: string): Promise<CallControl> {
      const call = await getCall(db, callId);
      if (!call) throw notFound('call', callId);
      return controlFor(call.pbxNode);
    },
  };
}

/** The API key's id: dial policies and limits are per key. */
export function keyId(req: FastifyRequest): string {
  if (!req.apiKey) throw new ProblemError(401, 'an API key is required');
  return req.apiKey.id;
}
