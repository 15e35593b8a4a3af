// Lifting a suspension the fraud signals put on a key (admin only).
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { notFound } from '../api/problem.js';
import { authProblems, problemResponses } from '../api/schemas.js';
import type { Db } from '../db/pool.js';
import { liftSuspension } from './suspension.js';

const KeyParams = Type.Object({ keyId: Type.String({ format: 'uuid' }) }, { additionalProperties: false });

export async function fraudRoutes(app: FastifyInstance, opts: { db: Db }): Promise<void> {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  r.delete(
    '/v1/api-keys/:keyId/suspension',
    {
      config: { scopes: ['admin'] },
      schema: {
        tags: ['calls'],
        summary: 'Lift the suspension that a burst of refused destinations put on a key',
        description: 'Its dials are allowed again at once; other requests within the key cache time (30 s). The security.alert that suspended it stays in the journal.',
        params: KeyParams,
        response: { 204: Type.Null({ description: 'Lifted' }), ...problemResponses(...authProblems, 404) },
      },
    },
    async (req, reply) => {
      if (!(await liftSuspension(opts.db, req.params.keyId))) throw notFound('suspended API key', req.params.keyId);
      return reply.code(204).send(null);
    },
  );
}
