// GET /v1/events: the event history, page by page, in sequence order. The same
// envelopes as webhooks and the stream, each with its `sequence`.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { Db } from '../db/pool.js';
import { EventFilterError, parseEventFilter } from '../api/event-filter.js';
import { ownerFilter } from '../api/ownership.js';
import { ProblemError } from '../api/problem.js';
import { authProblems, problemResponses } from '../api/schemas.js';
import { OWNER_KEY_DESCRIPTION } from './payload-schemas.js';
import { goneProblem, journalHead, JournalGoneError, readJournal, withSequence } from './journal.js';

export const JournalQuery = Type.Object(
  {
    after: Type.Optional(
      Type.String({
        pattern: '^([0-9]{1,18}|latest)$',
        description: 'Sequence number already seen (nextCursor); 0 or absent: from the start; `latest`: no items, and the cursor of "from now on"',
      }),
    ),
    types: Type.Optional(Type.String({ maxLength: 2000, description: 'Comma-separated event types or families, e.g. order.*,cdr.created' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
  },
  { additionalProperties: false },
);

const JournalEvent = Type.Object(
  {
    sequence: Type.Integer({ description: 'Global, dense, increasing in commit order; the cursor' }),
    id: Type.String({ format: 'uuid' }),
    type: Type.String(),
    version: Type.Integer(),
    occurredAt: Type.String({ format: 'date-time' }),
    callId: Type.Optional(Type.String()),
    pbxNode: Type.Optional(Type.String()),
    ownerKeyId: Type.Optional(Type.String({ format: 'uuid', description: OWNER_KEY_DESCRIPTION })),
    data: Type.Record(Type.String(), Type.Unknown()),
  },
);

const JournalPageSchema = Type.Object({
  items: Type.Array(JournalEvent),
  nextCursor: Type.String({ description: 'Pass as `after`; the same value when nothing new has arrived' }),
});

export async function journalRoutes(app: FastifyInstance, opts: { db: Db }): Promise<void> {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  r.get(
    '/v1/events',
    {
      config: { scopes: ['events:read'] },
      schema: {
        tags: ['events'],
        summary: 'Event history after a cursor, oldest first',
        description:
          'Every event ever emitted carries a global `sequence`. Page with `after=<nextCursor>` until `items` is ' +
          'empty; nothing committed later can appear behind a cursor already returned, so polling from the last ' +
          'cursor never misses an event. The live stream resumes from the same cursor (`/v1/events/stream?after=`). ' +
          'A cursor older than the journal\'s retention answers 410 with `oldestSequence` and `resumeAfter`. ' +
          '`after=latest` answers no items and the newest cursor: where a consumer that wants only what happens ' +
          'from now on starts its stream (`/v1/events/stream?after=<nextCursor>`), so a reconnect still misses nothing.',
        querystring: JournalQuery,
        response: { 200: JournalPageSchema, ...problemResponses(...authProblems, 410) },
      },
    },
    async (req) => {
      let types;
      try {
        types = req.query.types === undefined ? undefined : parseEventFilter(req.query.types);
      } catch (err) {
        if (err instanceof EventFilterError) throw new ProblemError(400, err.message);
        throw err;
      }
      if (req.query.after === 'latest') return { items: [], nextCursor: String(await journalHead(opts.db)) };
      let page;
      try {
        page = await readJournal(opts.db, Number(req.query.after ?? 0), req.query.limit ?? 100, types, ownerFilter(req));
      } catch (err) {
        if (err instanceof JournalGoneError) throw goneProblem(err);
        throw err;
      }
      return { items: page.entries.map(withSequence), nextCursor: String(page.next) };
    },
  );
}
