// GET and PUT of the configured not-ready reasons and wrap-up disposition codes.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { ProblemError } from '../api/problem.js';
import { authProblems, problemResponses } from '../api/schemas.js';
import type { Db } from '../db/pool.js';
import { listCodes, replaceCodes, type CodeKind } from './codes.js';

const Code = Type.String({ pattern: '^[a-z0-9][a-z0-9_-]{0,39}$', description: 'Stable code, e.g. lunch, sale' });
const Item = Type.Object({ code: Code, label: Type.String({ minLength: 1, maxLength: 100, description: 'What agents read' }) }, { additionalProperties: false });
const List = Type.Object({ items: Type.Array(Item, { maxItems: 50 }) }, { additionalProperties: false });

const LISTS: Array<{ path: string; kind: CodeKind; what: string; description: string }> = [
  {
    path: '/v1/not-ready-reasons',
    kind: 'not_ready_reason',
    what: 'not-ready reasons',
    description: 'Once the list has entries, `POST /v1/agents/{id}/state` with not_ready accepts only these reasons (422 naming the allowed ones); an empty list accepts any reason.',
  },
  {
    path: '/v1/disposition-codes',
    kind: 'disposition',
    what: 'wrap-up disposition codes',
    description: 'What an agent may record on a call at wrap-up (`PUT /v1/agents/{id}/calls/{callId}/wrap-up`); the CDR shows the code and its label.',
  },
];

export async function codeRoutes(app: FastifyInstance, opts: { db: Db }): Promise<void> {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  for (const l of LISTS) {
    r.get(l.path, { config: { scopes: ['agents:read'] }, schema: { tags: ['acd'], summary: `The configured ${l.what}, in menu order`, response: { 200: List, ...problemResponses(...authProblems) } } }, async () => ({
      items: await listCodes(opts.db, l.kind),
    }));
    r.put(
      l.path,
      {
        config: { scopes: ['queues:write'] },
        schema: { tags: ['acd'], summary: `Replace the ${l.what}`, description: l.description, body: List, response: { 200: List, ...problemResponses(...authProblems, 422) } },
      },
      async (req) => {
        const res = await replaceCodes(opts.db, l.kind, req.body.items);
        if (res.duplicate) throw new ProblemError(422, `code '${res.duplicate}' is listed twice`, { duplicate: res.duplicate });
        return { items: await listCodes(opts.db, l.kind) };
      },
    );
  }
}
