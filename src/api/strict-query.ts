// A /v1 operation that takes no query parameters still refuses one it is given: otherwise
// `GET /v1/agents?state=ready` answers every agent and the caller believes it filtered.
// Operations with their own query schema already refuse unknown names
// (additionalProperties: false); this gives the others an empty one.
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';

const NO_QUERY = Type.Object({}, { additionalProperties: false });

export function registerStrictQueries(app: FastifyInstance): void {
  app.addHook('onRoute', (route) => {
    if (!route.url.startsWith('/v1/')) return;
    const schema = (route.schema ?? {}) as { querystring?: unknown };
    if (schema.querystring !== undefined) return;
    route.schema = { ...schema, querystring: NO_QUERY };
  });
}
