// The agent panel: the page at /agent (opened with a link token, or with an API key typed
// into it), its assets, the exchange of a link token for a session, and the links API
// (POST/GET /v1/agent-panel/links, DELETE /v1/agent-panel/links/{id}). The page itself
// talks only to the public API and the agent's stream.
import { readFileSync } from 'node:fs';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { Type } from 'typebox';
import { creatorKey, ownerFilter } from '../api/ownership.js';
import { ProblemError, notFound } from '../api/problem.js';
import { authProblems, problemResponses } from '../api/schemas.js';
import type { Db } from '../db/pool.js';
import { getAgent } from '../acd/repository.js';
import type { PanelLinks } from './links.js';
import type { PanelSessions } from './sessions.js';

export interface AgentPanelRouteOptions {
  db: Db;
  links: PanelLinks;
  sessions: PanelSessions;
}

const asset = (name: string) => readFileSync(new URL(`./public/${name}`, import.meta.url), 'utf8');
const ASSETS = {
  html: asset('index.html'),
  js: asset('panel.js'),
  css: asset('panel.css'),
};

const AgentId = Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$' });
const LinkBody = Type.Object(
  {
    agentId: AgentId,
    ttlHours: Type.Optional(Type.Integer({ minimum: 1, maximum: 8760, description: 'Default 720 (30 days)' })),
    label: Type.Optional(Type.String({ maxLength: 100, description: 'Where it is embedded, to find it when revoking' })),
  },
  { additionalProperties: false },
);
const LinkSchema = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    agentId: Type.String(),
    ownerKeyId: Type.String({ format: 'uuid' }),
    label: Type.Union([Type.String(), Type.Null()]),
    createdAt: Type.String({ format: 'date-time' }),
    expiresAt: Type.String({ format: 'date-time' }),
    revokedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  },
  { additionalProperties: false },
);
const IssuedLink = Type.Object({
  id: Type.String({ format: 'uuid', description: 'The link, to revoke it at DELETE /v1/agent-panel/links/{id}' }),
  agentId: Type.String(),
  token: Type.String(),
  url: Type.String({ description: 'Relative to the service: /agent?token=…' }),
  expiresAt: Type.String({ format: 'date-time' }),
});
const SessionBody = Type.Object({ token: Type.String({ minLength: 1, maxLength: 600 }) }, { additionalProperties: false });
const TokenQuery = Type.Object({ token: Type.Optional(Type.String({ maxLength: 600 })) }, { additionalProperties: false });

const PAGE_HEADERS = {
  'content-security-policy': "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; form-action 'none'; frame-ancestors *; base-uri 'none'",
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
};

export async function agentPanelRoutes(app: FastifyInstance, opts: AgentPanelRouteOptions): Promise<void> {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const { links, sessions } = opts;

  r.post(
    '/v1/agent-panel/links',
    {
      config: { scopes: ['agents:write'] },
      schema: {
        tags: ['acd'],
        summary: "Issue a link that opens the agent panel for one agent",
        description:
          'Embed the returned `url` (relative to the service) in the CRM for that agent. The page exchanges the token for a ' +
          'short-lived session that may use the agent\'s own routes, the directory and the calls the agent takes part in, and ' +
          'nothing else. The link expires, can be revoked on its own (DELETE /v1/agent-panel/links/{id}), and stops working when ' +
          'the issuing key is revoked or loses agents:write. An unknown agent is a 422.',
        body: LinkBody,
        response: { 201: IssuedLink, ...problemResponses(...authProblems, 422) },
      },
    },
    async (req, reply) => {
      const { agentId, ttlHours, label } = req.body;
      if (!(await getAgent(opts.db, agentId))) throw new ProblemError(422, `unknown agent: ${agentId}`, { unknown: { agent: [agentId] } });
      const { link, token } = await links.issue(req.apiKey!, agentId, (ttlHours ?? 720) * 3_600_000, label);
      return reply.code(201).send({ id: link.id, agentId, token, url: `/agent?token=${encodeURIComponent(token)}`, expiresAt: link.expiresAt });
    },
  );

  r.get(
    '/v1/agent-panel/links',
    {
      config: { scopes: ['agents:read'] },
      schema: {
        tags: ['acd'],
        summary: "Agent panel links this key issued (admin: every key's), newest first",
        querystring: Type.Object(
          { includeEnded: Type.Optional(Type.Boolean({ default: false, description: 'Also revoked and expired links' })), agentId: Type.Optional(AgentId) },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ items: Type.Array(LinkSchema) }), ...problemResponses(...authProblems) },
      },
    },
    async (req) => ({ items: await links.list(ownerFilter(req), req.query.includeEnded ?? false, req.query.agentId) }),
  );

  r.delete(
    '/v1/agent-panel/links/:id',
    {
      config: { scopes: ['agents:write'] },
      schema: {
        tags: ['acd'],
        summary: 'Revoke one agent panel link: its panels stop within seconds',
        params: Type.Object({ id: Type.String({ format: 'uuid' }) }, { additionalProperties: false }),
        response: { 204: Type.Null({ description: 'Revoked' }), ...problemResponses(...authProblems, 404) },
      },
    },
    async (req, reply) => {
      creatorKey(req);
      if (!(await links.revoke(req.params.id, ownerFilter(req)))) throw notFound('agent panel link', req.params.id);
      sessions.forget(req.params.id);
      // Open agent streams of that link are re-checked now on every instance.
      await app.keyWatch.changed([]);
      return reply.code(204).send(null);
    },
  );

  // Outside /v1: the link token is the credential here, not an API key.
  r.post('/agent/session', { schema: { hide: true, body: SessionBody } }, async (req) => {
    const link = await links.verify(req.body.token);
    const opened = link ? await sessions.open(link, app.apiKeys) : null;
    if (!link || !opened) throw new ProblemError(401, 'this agent panel link is invalid, expired or revoked; ask for a new one');
    return { session: opened.session, agentId: link.agentId, expiresAt: opened.expiresAt.toISOString(), expiresInSeconds: Math.round(sessions.ttlMs / 1000) };
  });

  const page = (reply: FastifyReply, status: number, type: string, body: string) => reply.code(status).headers(PAGE_HEADERS).type(type).send(body);
  r.get('/agent', { schema: { hide: true, querystring: TokenQuery } }, async (req, reply) => {
    const token = req.query.token;
    if (token !== undefined && !(await links.verify(token))) return page(reply, 401, 'text/plain; charset=utf-8', 'This agent panel link is invalid, expired or revoked. Ask for a new one.');
    return page(reply, 200, 'text/html; charset=utf-8', ASSETS.html);
  });
  r.get('/agent/panel.js', { schema: { hide: true } }, async (_req, reply) => page(reply, 200, 'text/javascript; charset=utf-8', ASSETS.js));
  r.get('/agent/panel.css', { schema: { hide: true } }, async (_req, reply) => page(reply, 200, 'text/css; charset=utf-8', ASSETS.css));
}
