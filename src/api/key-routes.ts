// API keys over REST, for administrators: create (the secret is in that response only),
// list, read, rename or re-scope, rotate (optionally keeping the previous secret alive for
// a grace period), revoke. Any key may read itself at /v1/api-keys/current. Every change
// that can take rights away closes the key's open streams and wall screens within seconds.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { Db } from '../db/pool.js';
import { decodeCursor } from './cursor.js';
import { getApiKey, keyPrefixes, listApiKeys, otherLiveAdmins, rotateApiKey, updateApiKey } from './key-admin.js';
import type { KeyWatch } from './key-watch.js';
import { createApiKey, revokeApiKey } from './keys.js';
import { conflict, notFound } from './problem.js';
import { authProblems, problemResponses } from './schemas.js';
import { SCOPES, type Scope } from './scopes.js';

export interface KeyRoutesOptions {
  db: Db;
  watch: KeyWatch;
}

const ScopeName = Type.Union(SCOPES.map((s) => Type.Literal(s)), { description: 'A scope; `admin` implies every other' });
const Scopes = Type.Array(ScopeName, { minItems: 1, maxItems: SCOPES.length, uniqueItems: true });
const Name = Type.String({ minLength: 1, maxLength: 100, pattern: '\\S' });
const IdParams = Type.Object({ id: Type.String({ format: 'uuid' }) }, { additionalProperties: false });

const KeyProps = {
  id: Type.String({ format: 'uuid' }),
  name: Type.String(),
  prefix: Type.String({ description: 'The public part of the key (`ctb_<prefix>_…`), to tell keys apart in logs' }),
  scopes: Type.Array(Type.String()),
  createdAt: Type.String({ format: 'date-time' }),
  createdBy: Type.Union([Type.String({ format: 'uuid' }), Type.Null()], { description: 'The key that created it (null: the command line)' }),
  lastUsedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], { description: 'To the minute' }),
  revokedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  previousSecretExpiresAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], {
    description: 'After a rotation with a grace period: when the previous secret stops working',
  }),
};
const ApiKey = Type.Object(KeyProps, { additionalProperties: false });
const ApiKeyWithSecret = Type.Object(
  { ...KeyProps, key: Type.String({ description: 'The secret key: shown in this response only; store it now' }) },
  { additionalProperties: false },
);
const ApiKeyPage = Type.Object({ items: Type.Array(ApiKey), nextCursor: Type.Union([Type.String(), Type.Null()]) });

export async function keyRoutes(app: FastifyInstance, opts: KeyRoutesOptions): Promise<void> {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const { db } = opts;
  const tags = ['api-keys'];
  const admin = { scopes: ['admin'] as Scope[] };

  /** Revocation, rotation and lost scopes take effect on every instance and every open stream. */
  const announce = async (id: string, alsoPrefixes: string[] = []) => opts.watch.changed([...new Set([...(await keyPrefixes(db, id)), ...alsoPrefixes])]);

  /** The last live admin key cannot lock everyone out (the command line can still make one). */
  const keepAnAdmin = async (id: string, what: string) => {
    if ((await otherLiveAdmins(db, id)) === 0) throw conflict(`${what} would leave no live admin key`);
  };

  r.post(
    '/v1/api-keys',
    {
      config: admin,
      schema: {
        tags,
        summary: 'Create an API key; its secret is in this response only',
        body: Type.Object({ name: Name, scopes: Scopes }, { additionalProperties: false }),
        response: { 201: ApiKeyWithSecret, ...problemResponses(...authProblems) },
      },
    },
    async (req, reply) => {
      const created = await createApiKey(db, { name: req.body.name.trim(), scopes: req.body.scopes, createdBy: req.apiKey!.id });
      const view = await getApiKey(db, created.id);
      reply.code(201).header('location', `/v1/api-keys/${created.id}`);
      return { ...view!, key: created.key };
    },
  );

  r.get(
    '/v1/api-keys',
    {
      config: admin,
      schema: {
        tags,
        summary: 'List API keys, newest first',
        querystring: Type.Object(
          {
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
            cursor: Type.Optional(Type.String({ maxLength: 200 })),
            includeRevoked: Type.Optional(Type.Boolean({ default: false })),
          },
          { additionalProperties: false },
        ),
        response: { 200: ApiKeyPage, ...problemResponses(...authProblems) },
      },
    },
    async (req) =>
      listApiKeys(db, {
        limit: req.query.limit ?? 50,
        ...(req.query.cursor !== undefined ? { after: decodeCursor(req.query.cursor) } : {}),
        includeRevoked: req.query.includeRevoked ?? false,
      }),
  );

  r.get(
    '/v1/api-keys/current',
    {
      schema: { tags, summary: 'The key making this request: its name and scopes', response: { 200: ApiKey, ...problemResponses(...authProblems) } },
    },
    async (req) => (await getApiKey(db, req.apiKey!.id))!,
  );

  r.get(
    '/v1/api-keys/:id',
    {
      config: admin,
      schema: { tags, summary: 'One API key (never its secret)', params: IdParams, response: { 200: ApiKey, ...problemResponses(...authProblems, 404) } },
    },
    async (req) => {
      const key = await getApiKey(db, req.params.id);
      if (!key) throw notFound('API key', req.params.id);
      return key;
    },
  );

  r.patch(
    '/v1/api-keys/:id',
    {
      config: admin,
      schema: {
        tags,
        summary: 'Rename a key or change its scopes',
        description: 'Scopes taken away apply at once, on every instance; streams that needed them close.',
        params: IdParams,
        body: Type.Object({ name: Type.Optional(Name), scopes: Type.Optional(Scopes) }, { additionalProperties: false, minProperties: 1 }),
        response: { 200: ApiKey, ...problemResponses(...authProblems, 404, 409) },
      },
    },
    async (req) => {
      const before = await getApiKey(db, req.params.id);
      if (!before || before.revokedAt) throw notFound('API key', req.params.id);
      if (req.body.scopes && before.scopes.includes('admin') && !(req.body.scopes as string[]).includes('admin')) {
        await keepAnAdmin(req.params.id, 'taking admin from this key');
      }
      const after = await updateApiKey(db, req.params.id, { ...(req.body.name ? { name: req.body.name.trim() } : {}), ...(req.body.scopes ? { scopes: req.body.scopes } : {}) });
      if (!after) throw notFound('API key', req.params.id);
      await announce(req.params.id);
      return after;
    },
  );

  r.post(
    '/v1/api-keys/:id/rotate',
    {
      config: admin,
      schema: {
        tags,
        summary: 'Give a key a new secret; the new one is in this response only',
        description:
          'The key keeps its id, scopes and everything it owns. The previous secret stops working at once, or after ' +
          '`graceSeconds` (at most 7 days) so that every client can be given the new one first.',
        params: IdParams,
        body: Type.Object({ graceSeconds: Type.Optional(Type.Integer({ minimum: 0, maximum: 604_800, default: 0 })) }, { additionalProperties: false }),
        response: { 200: ApiKeyWithSecret, ...problemResponses(...authProblems, 404) },
      },
    },
    async (req) => {
      const oldPrefixes = await keyPrefixes(db, req.params.id);
      const rotated = await rotateApiKey(db, req.params.id, req.body?.graceSeconds ?? 0);
      if (!rotated) throw notFound('API key', req.params.id);
      await announce(req.params.id, oldPrefixes);
      return { ...rotated.view, key: rotated.key };
    },
  );

  r.delete(
    '/v1/api-keys/:id',
    {
      config: admin,
      schema: {
        tags,
        summary: 'Revoke a key: requests, streams and wallboard links opened with it stop within seconds',
        params: IdParams,
        response: { 204: Type.Null({ description: 'Revoked' }), ...problemResponses(...authProblems, 404, 409) },
      },
    },
    async (req, reply) => {
      const key = await getApiKey(db, req.params.id);
      if (!key || key.revokedAt) throw notFound('API key', req.params.id);
      if (key.scopes.includes('admin')) await keepAnAdmin(req.params.id, 'revoking this key');
      if (!(await revokeApiKey(db, req.params.id))) throw notFound('API key', req.params.id);
      await announce(req.params.id);
      return reply.code(204).send(null);
    },
  );
}

