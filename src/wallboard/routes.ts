// The wallboard: a page for wall screens at /wallboard?token=…, its assets, and its live
// feed over a WebSocket. Links come from POST /v1/wallboard/tokens (reports:read); each
// key lists and revokes its own (admin: all) at /v1/wallboard/links.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { WebSocket } from 'ws';
import { creatorKey, ownerFilter } from '../api/ownership.js';
import { ProblemError, notFound } from '../api/problem.js';
import { authProblems, problemResponses } from '../api/schemas.js';
import { isTimeZone } from '../local-time.js';
import { WALLBOARD_CSS, WALLBOARD_HTML, WALLBOARD_JS } from './page.js';
import type { WallboardOptions } from './state.js';
import type { LiveLink, WallboardTokens } from './token.js';
import type { Wallboard } from './feed.js';

export interface WallboardRouteOptions {
  wallboard: Wallboard;
  tokens: WallboardTokens;
}

const TokenBody = Type.Object(
  {
    timeZone: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'Zone whose midnight starts "today"; default UTC' })),
    serviceLevelSeconds: Type.Optional(Type.Integer({ minimum: 0, maximum: 3600, description: 'Default 20' })),
    serviceLevelTarget: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 1, description: 'Default 0.8' })),
    queues: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 100 }), { maxItems: 50, description: 'Only these queues' })),
    ttlHours: Type.Optional(Type.Integer({ minimum: 1, maximum: 8760, description: 'Default 720 (30 days)' })),
    label: Type.Optional(Type.String({ maxLength: 100, description: 'Which screen it is for, to find it in the list when revoking' })),
  },
  { additionalProperties: false },
);
const LinkProps = {
  id: Type.String({ format: 'uuid' }),
  ownerKeyId: Type.String({ format: 'uuid' }),
  label: Type.Union([Type.String(), Type.Null()]),
  view: Type.Object({
    timeZone: Type.String(),
    serviceLevelSeconds: Type.Integer(),
    serviceLevelTarget: Type.Number(),
    queues: Type.Optional(Type.Array(Type.String())),
  }),
  createdAt: Type.String({ format: 'date-time' }),
  expiresAt: Type.String({ format: 'date-time' }),
  revokedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
};
const LinkSchema = Type.Object(LinkProps, { additionalProperties: false });
const TokenResponse = Type.Object({
  id: Type.String({ format: 'uuid', description: 'The link, to revoke it at DELETE /v1/wallboard/links/{id}' }),
  token: Type.String(),
  url: Type.String(),
  expiresAt: Type.String({ format: 'date-time' }),
});
const TokenQuery = Type.Object({ token: Type.String({ minLength: 1, maxLength: 512 }) }, { additionalProperties: false });

/** A WebSocket close code for "your credentials are no good": the page stops retrying. */
export const CLOSE_UNAUTHORIZED = 4401;

const PAGE_HEADERS = {
  'content-security-policy': "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'",
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
};

export async function wallboardRoutes(app: FastifyInstance, opts: WallboardRouteOptions): Promise<void> {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const links = new WeakMap<FastifyRequest, LiveLink | null>();
  const checkToken = async (req: FastifyRequest) => {
    const token = (req.query as { token?: string }).token ?? '';
    links.set(req, await opts.tokens.verify(token));
  };

  r.post(
    '/v1/wallboard/tokens',
    {
      config: { scopes: ['reports:read'] },
      schema: {
        tags: ['reports'],
        summary: 'Issue a read-only wallboard link',
        description:
          'The link opens only the wallboard (no API access), fixes its view settings, expires, can be revoked on its own ' +
          '(DELETE /v1/wallboard/links/{id}), and stops working when the issuing API key is revoked. A link for some queues ' +
          'shows only the agents who can serve them. Put the returned `url` on the wall screen.',
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
      const { link, token } = await opts.tokens.issue(req.apiKey!, view, (b.ttlHours ?? 720) * 3_600_000, b.label);
      return reply.code(201).send({ id: link.id, token, url: `/wallboard?token=${encodeURIComponent(token)}`, expiresAt: link.expiresAt });
    },
  );

  r.get(
    '/v1/wallboard/links',
    {
      config: { scopes: ['reports:read'] },
      schema: {
        tags: ['reports'],
        summary: 'Wallboard links this key issued (admin: every key\'s), newest first',
        querystring: Type.Object({ includeEnded: Type.Optional(Type.Boolean({ default: false, description: 'Also revoked and expired links' })) }, { additionalProperties: false }),
        response: { 200: Type.Object({ items: Type.Array(LinkSchema) }), ...problemResponses(...authProblems) },
      },
    },
    async (req) => ({ items: await opts.tokens.list(ownerFilter(req), req.query.includeEnded ?? false) }),
  );

  r.delete(
    '/v1/wallboard/links/:id',
    {
      config: { scopes: ['reports:read'] },
      schema: {
        tags: ['reports'],
        summary: 'Revoke one wallboard link: its screens go blank within seconds',
        params: Type.Object({ id: Type.String({ format: 'uuid' }) }, { additionalProperties: false }),
        response: { 204: Type.Null({ description: 'Revoked' }), ...problemResponses(...authProblems, 404) },
      },
    },
    async (req, reply) => {
      creatorKey(req);
      if (!(await opts.tokens.revoke(req.params.id, ownerFilter(req)))) throw notFound('wallboard link', req.params.id);
      // Every instance re-checks its open screens now rather than at the next periodic check.
      await app.keyWatch.changed([]);
      return reply.code(204).send(null);
    },
  );

  const page = (reply: FastifyReply, status: number, type: string, body: string) => reply.code(status).headers(PAGE_HEADERS).type(type).send(body);

  r.get('/wallboard', { schema: { hide: true, querystring: TokenQuery }, preHandler: checkToken }, async (req, reply) => {
    if (!links.get(req)) return page(reply, 401, 'text/plain; charset=utf-8', 'This wallboard link is invalid, expired or revoked. Ask for a new one.');
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
      const link = links.get(req);
      if (!link) {
        socket.close(CLOSE_UNAUTHORIZED, 'invalid or expired wallboard token');
        return;
      }
      const view: WallboardOptions = link.view;
      const send = () => {
        if (socket.readyState === socket.OPEN && socket.bufferedAmount < 1_048_576) socket.send(opts.wallboard.frame(view));
      };
      const off = opts.wallboard.onChange(send);
      // A frame every second even when nothing changed: timers advance, and a screen that
      // hears nothing for a few seconds knows its data is old and says so.
      const beat = setInterval(send, 1_000);
      void opts.wallboard.prepare(view).then(send);
      // A revoked link, a revoked key or one that lost reports:read takes its screens down within seconds.
      const unwatch = app.keyWatch.watch({
        keyId: link.ownerKeyId,
        scopes: ['reports:read'],
        stillValid: async () => (await opts.tokens.live(link.id)) !== null,
        close: (reason) => socket.close(CLOSE_UNAUTHORIZED, reason),
      });
      socket.on('close', () => {
        clearInterval(beat);
        off();
        unwatch();
      });
    },
  });
}
