// PUT /v1/agents/{id}/calls/{callId}/wrap-up: the agent's disposition and note for a call
// they took part in; recorded again, the last one counts.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { ProblemError, notFound } from '../api/problem.js';
import { authProblems, problemResponses } from '../api/schemas.js';
import type { Db } from '../db/pool.js';
import { findCode, listCodes } from './codes.js';
import { getAgent } from './repository.js';
import { recordWrapUp } from './wrap-up.js';

const Params = Type.Object(
  { id: Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$' }), callId: Type.String({ format: 'uuid' }) },
  { additionalProperties: false },
);
const Body = Type.Object(
  {
    code: Type.String({ minLength: 1, maxLength: 40, description: 'One of GET /v1/disposition-codes' }),
    note: Type.Optional(Type.Union([Type.String({ maxLength: 2000 }), Type.Null()], { description: 'Free text for the CDR' })),
  },
  { additionalProperties: false },
);
const WrapUpSchema = Type.Object(
  {
    agentId: Type.String(),
    callId: Type.String({ format: 'uuid' }),
    code: Type.String(),
    label: Type.String(),
    note: Type.Union([Type.String(), Type.Null()]),
    recordedAt: Type.String({ format: 'date-time' }),
  },
  { additionalProperties: false },
);

export async function wrapUpRoutes(app: FastifyInstance, opts: { db: Db }): Promise<void> {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  r.put(
    '/v1/agents/:id/calls/:callId/wrap-up',
    {
      config: { scopes: ['agents:write'] },
      schema: {
        tags: ['acd'],
        summary: "Record the agent's disposition and note for a call",
        description:
          'For a call the agent took part in (404 otherwise), during or after its wrap-up. The code must be configured ' +
          '(422 naming the allowed codes). Announced as `call.wrap_up_recorded`; the CDR shows it under the agent\'s entry ' +
          '(`agents[].wrapUp`). Recording again replaces what the CDR shows.',
        params: Params,
        body: Body,
        response: { 200: WrapUpSchema, ...problemResponses(...authProblems, 404, 422) },
      },
    },
    async (req) => {
      const { id, callId } = req.params;
      if (!(await getAgent(opts.db, id))) throw notFound('agent', id);
      const code = await findCode(opts.db, 'disposition', req.body.code);
      if (!code) {
        const allowed = (await listCodes(opts.db, 'disposition')).map((c) => c.code);
        throw new ProblemError(422, `'${req.body.code}' is not a configured disposition code` + (allowed.length ? '' : ' (none are configured: PUT /v1/disposition-codes)'), { allowed });
      }
      const note = req.body.note?.trim() || null;
      const res = await recordWrapUp(opts.db, { agentId: id, callId, code: code.code, label: code.label, note });
      if (typeof res === 'string') throw notFound('call', callId);
      return res;
    },
  );
}
