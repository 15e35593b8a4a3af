// The wallboard: a page for wall screens at /wallboard?token=…, its assets, and its live
// feed over a WebSocket. Tokens come from POST /v1/wallboard/tokens (reports:read).
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { WebSocket } from 'ws';
import { ProblemError } from '../api/problem.js';
import { authProblems, problemResponses } from '../api/schemas.js';
import { isTimeZone } from '../local-time.js';
import { WALLBOARD_CSS, WALLBOARD_HTML, WALLBOARD_JS } from './wallboard-page.js';
import type { WallboardOptions } from './wallboard-state.js';
import type { WallboardTokens } from './wallboard-token.js';
import type { Wallboard } from './wallboard.js';

export interface WallboardRouteOptions {
  wallboard: Wallboard;
  tokens: WallboardTokens;
  /** How often an open screen's link is checked again (revocation, expiry). */
  recheckMs?: number;
}

const TokenBody = Type.Object(
  {
    timeZone: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'Zone whose midnight starts "today"; default UTC' })),
    serviceLevelSeconds: Type.Optional(Type.Integer({ minimum: 0, maximum: 3600, description: 'Default 20' })),
    serviceLevelTarget: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 1, description: 'Default 0.8' })),
    queues: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 100 }), { maxItems: 50, description: 'Only these queues' })),
    ttlHours: Type.Optional(Type.Integer({ minimum: 1, maximum: 8760, description: 'Default 720 (30 days)' })),
  },
  { additionalProperties: false },
);
const TokenResponse = Type.Object({ token: Type.String(), url: Type.String(), expiresAt: Type.String({ format: 'date-time' }) });
const TokenQuery = Type.Object({ token: Type.String({ minLength: 1, maxLength: 2048 }) }, { additionalProperties: false });

/** A WebSocket close code for "your credentials are no good": the page stops retrying. */
export const CLOSE_UNAUTHORIZED = 4401;

const PAGE_HEADERS = {
  'content-security-policy': "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'",
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
};

export async function wallboardRoutes(app: FastifyInstance, opts: WallboardRouteOptions): Promise<void> {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const views = new WeakMap<FastifyRequest, WallboardOptions | null>();
  const checkToken = async (req: FastifyRequest) => {
    const token = (req.query as { token?: string }).token ?? '';
    views.set(req, await opts.tokens.verify(token, app.apiKeys));
  };

  r.post(
    '/v1/wallboard/tokens',
    {
      config: { scopes: ['reports:read'] },
      schema: {
        tags: ['reports'],
        summary: 'Issue a read-only wallboard link',
        description:
          'The link opens only the wallboard (no API access), fixes its view settings, expires, and stops working ' +
          'when the issuing API key is revoked. Put the returned `url` on the wall screen.',
        body: TokenBody,
        response: { 201: TokenResponse, ...problemResponses(...authProblems, 422) },
      },
    },
    async (req, reply) => {
      const b = req.body;
      const timeZone = b.timeZone ?? 'UTC';
      if (!isTimeZone(timeZone)) throw new ProblemError(422, `timeZone '${timeZone}' is not an IANA time zone`);
      const view: WallboardOptions = {
        timeZone,
        serviceLevelSeconds: b.serviceLevelSeconds ?? 20,
        serviceLevelTarget: b.serviceLevelTarget ?? 0.8,
        ...(b.queues ? { queues: b.queues } : {}),
      };
      const { token, expiresAt } = opts.tokens.issue(req.apiKey!, view, (b.ttlHours ?? 720) * 3_600_000);
      return reply.code(201).send({ token, url: `/wallboard?token=${encodeURIComponent(token)}`, expiresAt: expiresAt.toISOString() });
    },
  );

  const page = (reply: FastifyReply, status: number, type: string, body: string) => reply.code(status).headers(PAGE_HEADERS).type(type).send(body);

  r.get('/wallboard', { schema: { hide: true, querystring: TokenQuery }, preHandler: checkToken }, async (req, reply) => {
    if (!views.get(req)) return page(reply, 401, 'text/plain; charset=utf-8', 'This wallboard link is invalid, expired or revoked. Ask for a new one.');
    return page(reply, 200, 'text/html; charset=utf-8', WALLBOARD_HTML);
  });
  r.get('/wallboard/app.js', { schema: { hide: true } }, async (_req, reply) => page(reply, 200, 'text/javascript; charset=utf-8', WALLBOARD_JS));
  r.get('/wallboard/app.css', { schema: { hide: true } }, async (_req, reply) => page(reply, 200, 'text/css; charset=utf-8', WALLBOARD_CSS));

  app.route({
    method: 'GET',
    url: '/wallboard/stream',
    schema: { hide: true, querystring: TokenQuery },
    preHandler: checkToken,
    handler: async (_req, reply) => reply.code(426).send({ detail: 'WebSocket only' }),
    wsHandler: (socket: WebSocket, req: FastifyRequest) => {
      const view = views.get(req);
      if (!view) {
        socket.close(CLOSE_UNAUTHORIZED, 'invalid or expired wallboard token');
        return;
      }
      const send = () => {
        if (socket.readyState === socket.OPEN && socket.bufferedAmount < 1_048_576) socket.send(JSON.stringify(opts.wallboard.view(view)));
      };
      send();
      const off = opts.wallboard.onChange(send);
      // A revoked key (or one that lost reports:read) takes its screens down within a minute.
      const token = (req.query as { token: string }).token;
      const recheck = setInterval(async () => {
        if (!(await opts.tokens.verify(token, app.apiKeys).catch(() => view))) socket.close(CLOSE_UNAUTHORIZED, 'wallboard link revoked or expired');
      }, opts.recheckMs ?? 60_000);
      recheck.unref();
      socket.on('close', () => {
        off();
        clearInterval(recheck);
      });
    },
  });
}
