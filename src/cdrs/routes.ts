// The CDR API: GET /v1/cdrs (filters, cursor), GET /v1/cdrs/{id} (with Asterisk's own
// records), GET /v1/cdrs/export.csv (streamed in pages, never held whole in memory).
import { Readable } from 'node:stream';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { Db } from '../db/pool.js';
import { notFound } from '../api/problem.js';
import { authProblems, problemResponses } from '../api/schemas.js';
import { csvHeader, csvRow } from './csv.js';
import { cdrBatches, getCdr, listCdrs } from './queries.js';
import { refreshCdrDetail } from './refresh.js';
import { CdrDetailSchema, CdrIdParams, CdrPage, ExportCdrsQuery, ListCdrsQuery } from './schemas.js';

const TAGS = ['cdrs'];

export async function cdrRoutes(app: FastifyInstance, opts: { db: Db }): Promise<void> {
  const { db } = opts;
  const r = app.withTypeProvider<TypeBoxTypeProvider>();

  r.get(
    '/v1/cdrs',
    {
      config: { scopes: ['cdrs:read'] },
      schema: {
        tags: TAGS,
        summary: 'List CDRs, newest end first',
        description: 'One record per conversation, with its legs, agents, queue, wait, hold, transfers and survey.',
        querystring: ListCdrsQuery,
        response: { 200: CdrPage, ...problemResponses(...authProblems) },
      },
    },
    async (req) => listCdrs(db, req.query),
  );

  r.get(
    '/v1/cdrs/export.csv',
    {
      config: { scopes: ['cdrs:read'] },
      schema: {
        tags: TAGS,
        summary: 'Export CDRs as CSV (streamed)',
        description: 'Same filters as the list. Rows are written as they are read, a page at a time.',
        querystring: ExportCdrsQuery,
        response: { 200: Type.String({ description: 'text/csv' }), ...problemResponses(...authProblems) },
      },
    },
    async (req, reply) => {
      const { limit, ...filters } = req.query;
      const batches = cdrBatches(db, filters, limit ?? 1_000_000);
      // The first page is read before answering: a bad cursor or filter is still a 4xx
      // problem, not a 200 whose body stops after the header.
      const first = await batches.next();
      async function* lines() {
        yield csvHeader();
        if (first.done) return;
        yield first.value.map(csvRow).join('');
        try {
          for await (const batch of batches) yield batch.map(csvRow).join('');
        } catch (err) {
          // The status is sent: the body says it is incomplete, so no one mistakes it for the whole export.
          req.log.error({ err, route: req.routeOptions.url }, 'CDR export failed mid-stream');
          yield `# export failed after the rows above; it is incomplete (request id ${req.id})\r\n`;
        }
      }
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', 'attachment; filename="cdrs.csv"')
        .send(Readable.from(lines()) as never);
    },
  );

  r.get(
    '/v1/cdrs/:id',
    {
      config: { scopes: ['cdrs:read'] },
      schema: {
        tags: TAGS,
        summary: "One CDR with Asterisk's own Cdr records of its channels",
        params: CdrIdParams,
        response: { 200: CdrDetailSchema, ...problemResponses(...authProblems, 404) },
      },
    },
    async (req) => {
      let cdr = await getCdr(db, req.params.id);
      if (!cdr) throw notFound('cdr', req.params.id);
      // Written at hang-up while an agent was still wrapping up: complete it from the timeline.
      if (!cdr.complete) {
        const detail = await refreshCdrDetail(db, cdr.id);
        if (detail?.complete) cdr = (await getCdr(db, req.params.id))!;
      }
      return cdr;
    },
  );
}
