// The calls read API: GET /v1/calls (filters, cursor pages) and GET /v1/calls/{id}.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import type { Db } from '../db/pool.js';
import { sendJsonText } from '../api/errors.js';
import { notFound } from '../api/problem.js';
import { authProblems, problemResponses } from '../api/schemas.js';
import type { CallDetailCache } from './detail-cache.js';
import { getCallDetailJson, listCallsJson } from './queries.js';
import { CallDetail, CallIdParams, CallPage, ListCallsQuery } from './schemas.js';

export interface CallRoutesOptions {
  db: Db;
  /** Serves call details from memory while it listens for changes; without it every read queries. */
  cache?: CallDetailCache | undefined;
}

export async function callRoutes(app: FastifyInstance, opts: CallRoutesOptions): Promise<void> {
  const { db, cache } = opts;
  // The type provider is not inherited by encapsulated plugins: apply it here.
  const r = app.withTypeProvider<TypeBoxTypeProvider>();

  r.get(
    '/v1/calls',
    {
      config: { scopes: ['calls:read'] },
      schema: {
        tags: ['calls'],
        summary: 'List calls, newest first',
        description: 'Filters combine with AND. Pass `nextCursor` back as `cursor` for the next page.',
        querystring: ListCallsQuery,
        response: { 200: CallPage, ...problemResponses(...authProblems) },
      },
    },
    // The JSON text comes from Postgres already in the response schema's shape.
    async (req, reply) => sendJsonText(reply, await listCallsJson(db, req.query)),
  );

  r.get(
    '/v1/calls/:id',
    {
      config: { scopes: ['calls:read'] },
      schema: {
        tags: ['calls'],
        summary: 'One call with its legs and timeline',
        params: CallIdParams,
        response: { 200: CallDetail, ...problemResponses(...authProblems, 404) },
      },
    },
    (req, reply) => {
      // A held detail is answered at once: no promise, no microtask turn.
      const held = cache?.cached(req.params.id);
      if (held !== undefined) {
        sendJsonText(reply, held);
        return;
      }
      return (async () => {
        const call = cache ? await cache.get(req.params.id) : await getCallDetailJson(db, req.params.id);
        if (call === null) throw notFound('call', req.params.id);
        sendJsonText(reply, call);
      })();
    },
  );
}
