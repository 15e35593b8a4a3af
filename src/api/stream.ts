// The live event stream: a WebSocket per subscriber, fed from the event bus.
// Fan-out never waits for a client: a subscriber whose unsent backlog passes a limit is
// closed (1013, try again later) instead of being buffered without end.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { WebSocket } from 'ws';
import type { DomainEvent, EventType } from '../events/catalogue.js';
import type { EventBus } from '../events/bus.js';
import type { Queryable } from '../db/pool.js';
import { checkCursor, goneProblem, JournalGoneError, withSequence, type JournalEntry } from '../events/journal.js';
import { receives } from '../events/audience.js';
import { followJournal } from './stream-resume.js';
import { ownerFilter } from './ownership.js';
import { EventFilterError, parseEventFilter } from './event-filter.js';
import { streamConnections, streamDropped } from './metrics.js';
import { ProblemError } from './problem.js';
import { authProblems, problemResponses } from './schemas.js';
import type { KeyWatch } from './key-watch.js';
import type { StreamTokens } from './stream-token.js';
import { sendProblem } from './errors.js';

export interface StreamOptions {
  bus: EventBus;
  tokens: StreamTokens;
  /** Closes streams whose key is revoked or loses events:read. */
  keyWatch?: KeyWatch;
  /** The journal, for streams that resume from a cursor (`after`). */
  db?: Queryable;
  /** How often a resuming stream re-reads the journal without being woken. */
  resumePollMs?: number;
  /** Unsent bytes a subscriber may accumulate before it is dropped. */
  maxBufferedBytes?: number;
  /** Ping interval; a client that missed the previous pong is terminated. */
  heartbeatMs?: number;
}

const StreamQuery = Type.Object(
  {
    types: Type.Optional(
      Type.String({ maxLength: 2000, description: 'Comma-separated event types or families, e.g. call.*,cdr.created' }),
    ),
    token: Type.Optional(Type.String({ maxLength: 512, description: 'Stream token from POST /v1/events/stream-tokens' })),
    after: Type.Optional(
      Type.String({
        pattern: '^[0-9]{1,18}$',
        description: 'Resume after this sequence number (the last `sequence` received); every message then carries its `sequence`',
      }),
    ),
  },
  { additionalProperties: false },
);

const TokenResponse = Type.Object({
  token: Type.String(),
  expiresAt: Type.String({ format: 'date-time' }),
  expiresInSeconds: Type.Integer(),
});

export const CLOSE_TRY_AGAIN_LATER = 1013;
/** A resumed stream whose position retention removed (410's counterpart once upgraded). */
export const CLOSE_GONE = 4410;
/** The key that opened the stream was revoked or lost its scope: reconnecting will not help. */
export const CLOSE_KEY_REVOKED = 4401;

// One JSON encoding per event, shared by every subscriber.
const encoded = new WeakMap<DomainEvent, string>();
function encode(event: DomainEvent): string {
  let s = encoded.get(event);
  if (s === undefined) {
    s = JSON.stringify(event);
    encoded.set(event, s);
  }
  return s;
}

export async function streamRoutes(app: FastifyInstance, opts: StreamOptions): Promise<void> {
  const maxBuffered = opts.maxBufferedBytes ?? 1_048_576;
  const heartbeatMs = opts.heartbeatMs ?? 30_000;
  const filters = new WeakMap<FastifyRequest, Set<EventType>>();

  app.post(
    '/v1/events/stream-tokens',
    {
      config: { scopes: ['events:read'] },
      schema: {
        tags: ['events'],
        summary: 'Issue a short-lived token for the live event stream',
        description:
          'Browsers cannot set Authorization on a WebSocket. Ask for a token with your API key, then open ' +
          '`GET /v1/events/stream?token=...&types=call.*` within its lifetime. The token dies with the key.',
        response: { 201: TokenResponse, ...problemResponses(...authProblems) },
      },
    },
    async (req, reply) => {
      const { token, expiresAt } = opts.tokens.issue(req.apiKey!);
      reply.code(201);
      return { token, expiresAt: expiresAt.toISOString(), expiresInSeconds: Math.round(opts.tokens.ttlMs / 1000) };
    },
  );

  app.route({
    method: 'GET',
    url: '/v1/events/stream',
    config: { scopes: ['events:read'], streamToken: true },
    schema: {
      tags: ['events'],
      summary: 'Live event stream (WebSocket)',
      description:
        'Upgrade to a WebSocket; every domain event matching `types` arrives as one JSON text message ' +
        '(the same envelope as webhooks). Authenticate with Authorization: Bearer or `?token=`. ' +
        'A client that falls behind is closed with code 1013 and should reconnect. With `after=<sequence>` the ' +
        'stream first replays the journal after that number, then continues live; messages carry `sequence`, ' +
        'so a client that reconnects with its last one misses nothing. A cursor older than the journal\'s retention ' +
        'answers 410 before the upgrade; a resumed stream that falls behind retention is closed with code 4410.',
      querystring: StreamQuery,
      response: problemResponses(...authProblems, 410, 426),
    },
    preHandler: async (req) => {
      try {
        filters.set(req, parseEventFilter((req.query as { types?: string }).types));
      } catch (err) {
        if (err instanceof EventFilterError) throw new ProblemError(400, err.message);
        throw err;
      }
      const after = (req.query as { after?: string }).after;
      if (after !== undefined && opts.db) {
        try {
          await checkCursor(opts.db, Number(after));
        } catch (err) {
          if (err instanceof JournalGoneError) throw goneProblem(err);
          throw err;
        }
      }
    },
    handler: async (req, reply) =>
      sendProblem(reply.header('upgrade', 'websocket'), {
        ...new ProblemError(426, 'this endpoint speaks WebSocket only; send an Upgrade request', {}, 'Upgrade Required').toProblem(),
        requestId: req.id,
      }),
    wsHandler: (socket: WebSocket, req: FastifyRequest) => {
      const types = filters.get(req)!;
      const reader = ownerFilter(req);
      streamConnections.inc();
      let alive = true;
      let closed = false;

      const after = (req.query as { after?: string }).after;
      let unsubscribe: () => void;
      if (after !== undefined && opts.db) {
        const follower = followJournal({
          db: opts.db,
          after: Number(after),
          types,
          reader,
          ...(opts.resumePollMs ? { pollMs: opts.resumePollMs } : {}),
          send: (entry: JournalEntry) => {
            if (closed || socket.readyState !== socket.OPEN) return false;
            if (socket.bufferedAmount > maxBuffered) {
              drop();
              return false;
            }
            socket.send(JSON.stringify(withSequence(entry)));
            return true;
          },
          onError: (err) => {
            // Retention passed a follower that fell that far behind: it cannot resume without a gap.
            if (err instanceof JournalGoneError) {
              socket.close(CLOSE_GONE, `sequence ${err.floor + 1} is the oldest available; resume with after=${err.floor}`);
              return;
            }
            req.log.warn({ err: err.message }, 'stream cannot read the event journal; retrying');
          },
        });
        const stopWaking = opts.bus.subscribe((event) => {
          if (types.has(event.type) && receives(reader, event)) follower.wake();
        });
        unsubscribe = () => {
          stopWaking();
          follower.stop();
        };
      } else {
        unsubscribe = opts.bus.subscribe((event) => {
          if (closed || !types.has(event.type) || !receives(reader, event) || socket.readyState !== socket.OPEN) return;
          if (socket.bufferedAmount > maxBuffered) return drop();
          socket.send(encode(event));
        });
      }

      function drop(): void {
        if (closed) return;
        finish();
        streamDropped.inc();
        req.log.warn({ apiKeyId: req.apiKey?.id, buffered: socket.bufferedAmount }, 'dropping slow stream consumer');
        socket.close(CLOSE_TRY_AGAIN_LATER, 'consumer too slow; reconnect');
        // The close frame waits behind the backlog; do not wait for ever.
        setTimeout(() => socket.terminate(), 10_000).unref();
      }

      const heartbeat = setInterval(() => {
        if (!alive) {
          socket.terminate();
          return;
        }
        alive = false;
        socket.ping();
      }, heartbeatMs);
      heartbeat.unref();
      socket.on('pong', () => {
        alive = true;
      });

      const key = req.apiKey!;
      const unwatch = opts.keyWatch?.watch({
        keyId: key.id,
        via: key.via,
        scopes: ['events:read'],
        close: (reason) => {
          finish();
          socket.close(CLOSE_KEY_REVOKED, reason);
          setTimeout(() => socket.terminate(), 5_000).unref();
        },
      });

      function finish(): void {
        if (closed) return;
        closed = true;
        unwatch?.();
        unsubscribe();
        clearInterval(heartbeat);
        streamConnections.dec();
      }
      socket.on('close', finish);
    },
  });
}
