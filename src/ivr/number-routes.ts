// The IVR's dialled numbers over REST: which flow answers which number.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { ProblemError, badRequest, notFound } from '../api/problem.js';
import { authProblems, problemResponses } from '../api/schemas.js';
import { StoreRefusal, deleteNumber, getNumber, listNumbers, putNumber } from './repository.js';
import { DidParams, NumberBody, NumberPage, NumberRecord, NumbersQuery } from './route-schemas.js';
import { Deleted, store, TAGS, type IvrRouteOptions } from './route-common.js';

export async function ivrNumberRoutes(app: FastifyInstance, opts: IvrRouteOptions): Promise<void> {
  // The type provider is not inherited by encapsulated plugins: apply it here.
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const { db } = opts;

  r.put(
    '/v1/numbers/:did',
    {
      config: { scopes: ['flows:write'] },
      schema: {
        tags: TAGS,
        summary: 'Map a dialled number to a flow',
        description: 'The flow must exist (422 otherwise) and have a published version (409 otherwise). 201 when the number was not mapped before.',
        params: DidParams,
        body: NumberBody,
        response: { 200: NumberRecord, 201: NumberRecord, ...problemResponses(...authProblems, 409, 422) },
      },
    },
    async (req, reply) => {
      const { number, created } = await store(async () => {
        try {
          return await putNumber(db, { did: req.params.did, flowId: req.body.flowId, description: req.body.description });
        } catch (err) {
          // The missing thing is named in the body, not the URL: the request is not acceptable.
          if (err instanceof StoreRefusal && err.reason === 'not_found') throw new ProblemError(422, err.message);
          throw err;
        }
      });
      return reply.code(created ? 201 : 200).send(number);
    },
  );

  r.get(
    '/v1/numbers',
    {
      config: { scopes: ['flows:read'] },
      schema: {
        tags: TAGS,
        summary: 'Dialled numbers and their flows, by number',
        querystring: NumbersQuery,
        response: { 200: NumberPage, ...problemResponses(...authProblems) },
      },
    },
    async (req) => {
      const cursor = req.query.cursor;
      if (cursor !== undefined && !/^\+?[0-9]{1,32}$/.test(Buffer.from(cursor, 'base64url').toString('utf8'))) {
        throw badRequest("query parameter 'cursor' is not a cursor returned by this API");
      }
      return listNumbers(db, { limit: req.query.limit, cursor, flowId: req.query.flowId });
    },
  );

  r.get(
    '/v1/numbers/:did',
    {
      config: { scopes: ['flows:read'] },
      schema: {
        tags: TAGS,
        summary: 'One dialled number',
        params: DidParams,
        response: { 200: NumberRecord, ...problemResponses(...authProblems, 404) },
      },
    },
    async (req) => {
      const n = await getNumber(db, req.params.did);
      if (!n) throw notFound('number', req.params.did);
      return n;
    },
  );

  r.delete(
    '/v1/numbers/:did',
    {
      config: { scopes: ['flows:write'] },
      schema: {
        tags: TAGS,
        summary: 'Unmap a dialled number',
        params: DidParams,
        response: { 204: Deleted, ...problemResponses(...authProblems, 404) },
      },
    },
    async (req, reply) => {
      if (!(await deleteNumber(db, req.params.did))) throw notFound('number', req.params.did);
      return reply.code(204).send(null);
    },
  );
}
