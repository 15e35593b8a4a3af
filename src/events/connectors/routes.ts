// Connectors over the API: list, read, create, change, delete and test. Those from the
// environment (CONNECTORS) are listed and can be tested but not changed here. Targets
// pass the outbound target guard when written and again at every connect; secrets are
// write-only. Every change reaches every instance's runtime without a restart.
import { randomUUID } from 'node:crypto';
import { TypeBoxValidatorCompiler, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { Config } from '../../config.js';
import type { Db } from '../../db/pool.js';
import { creatorKey } from '../../api/ownership.js';
import { badRequest, conflict, notFound } from '../../api/problem.js';
import { authProblems, problemResponses } from '../../api/schemas.js';
import type { DomainEvent } from '../catalogue.js';
import { createWebhookSender } from '../http-sender.js';
import { checkTarget, TargetRefusedError, type Resolver } from '../target.js';
import type { ConnectorConfig } from './config.js';
import type { ConnectorRegistry } from './registry.js';
import { deleteConnector, getStoredConnector, insertConnector, listStoredConnectors, updateConnector, type StoredConnector } from './repository.js';
import { connectorRequest } from './request.js';
import { ConnectorIdParams, ConnectorList, ConnectorTestResult, ConnectorView, CreateConnectorBody, UpdateConnectorBody } from './schemas.js';

export interface ConnectorRoutesOptions {
  db: Db;
  config: Pick<Config, 'outbound'>;
  registry: ConnectorRegistry;
  resolve?: Resolver;
}

function view(c: ConnectorConfig, stored?: StoredConnector) {
  const { auth, ...rest } = c;
  return {
    ...rest,
    auth: { bearer: Boolean(auth?.bearer), signingSecret: Boolean(auth?.signingSecret) },
    source: stored ? ('api' as const) : ('environment' as const),
    readOnly: !stored,
    ownerKeyId: stored?.ownerKeyId ?? null,
    createdAt: stored?.createdAt ?? null,
    updatedAt: stored?.updatedAt ?? null,
  };
}

const readOnly = (id: string) =>
  conflict(`connector ${id} is configured by the environment (CONNECTORS) and is read-only over the API; change it there`);

export async function connectorRoutes(app: FastifyInstance, opts: ConnectorRoutesOptions): Promise<void> {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  r.setValidatorCompiler(TypeBoxValidatorCompiler);
  const { db, registry } = opts;
  const tags = ['connectors'];
  // Connectors see every event of the centre and hold credentials: admin keys only.
  const scopes = ['admin' as const];

  const checkUrl = async (url: string) => {
    try {
      await checkTarget(url, opts.config.outbound, opts.resolve);
    } catch (err) {
      if (err instanceof TargetRefusedError) throw badRequest(`body 'url' is refused: ${err.message}`);
      throw err;
    }
  };
  const find = async (id: string) => {
    const env = registry.fromEnvironment(id);
    if (env) return { config: env, stored: undefined };
    const stored = await getStoredConnector(db, id);
    if (!stored) throw notFound('connector', id);
    return { config: stored.config, stored };
  };

  r.get(
    '/v1/connectors',
    { config: { scopes }, schema: { tags, summary: 'Every connector, from the environment and from this API', response: { 200: ConnectorList, ...problemResponses(...authProblems) } } },
    async () => {
      const stored = await listStoredConnectors(db);
      const envIds = new Set(registry.environment.map((c) => c.id));
      return {
        items: [...registry.environment.map((c) => view(c)), ...stored.filter((s) => !envIds.has(s.config.id)).map((s) => view(s.config, s))],
      };
    },
  );

  r.get(
    '/v1/connectors/:id',
    { config: { scopes }, schema: { tags, summary: 'One connector (which secrets are set, not their values)', params: ConnectorIdParams, response: { 200: ConnectorView, ...problemResponses(...authProblems, 404) } } },
    async (req) => {
      const { config, stored } = await find(req.params.id);
      return view(config, stored);
    },
  );

  r.post(
    '/v1/connectors',
    {
      config: { scopes },
      schema: {
        tags,
        summary: 'Create a connector; every instance starts delivering to it at once',
        description: 'Events committed from now on are delivered; secrets (`auth`) are write-only.',
        body: CreateConnectorBody,
        response: { 201: ConnectorView, ...problemResponses(...authProblems, 409) },
      },
    },
    async (req, reply) => {
      const body = req.body;
      if (registry.fromEnvironment(body.id)) throw conflict(`connector ${body.id} exists (configured by the environment)`);
      await checkUrl(body.url);
      const stored = await insertConnector(db, body, creatorKey(req));
      if (!stored) throw conflict(`connector ${body.id} exists`);
      await registry.changed();
      reply.code(201).header('location', `/v1/connectors/${body.id}`);
      return view(stored.config, stored);
    },
  );

  r.patch(
    '/v1/connectors/:id',
    {
      config: { scopes },
      schema: {
        tags,
        summary: 'Change a connector; every instance applies it at once',
        description: 'Fields not given keep their value; `auth`, when given, replaces the secrets (`{}` removes them).',
        params: ConnectorIdParams,
        body: UpdateConnectorBody,
        response: { 200: ConnectorView, ...problemResponses(...authProblems, 404, 409) },
      },
    },
    async (req) => {
      const { id } = req.params;
      if (registry.fromEnvironment(id)) throw readOnly(id);
      const current = await getStoredConnector(db, id);
      if (!current) throw notFound('connector', id);
      const patch = req.body as Partial<ConnectorConfig>;
      if (patch.url !== undefined) await checkUrl(patch.url);
      const next = { ...current.config, ...patch, id } as ConnectorConfig;
      if (next.auth && !next.auth.bearer && !next.auth.signingSecret) delete next.auth;
      const stored = await updateConnector(db, next);
      if (!stored) throw notFound('connector', id);
      await registry.changed();
      return view(stored.config, stored);
    },
  );

  r.delete(
    '/v1/connectors/:id',
    {
      config: { scopes },
      schema: {
        tags,
        summary: 'Delete a connector; every instance stops delivering to it',
        description: 'Its deliveries stay listed; pending ones resume if a connector with the same id is created again.',
        params: ConnectorIdParams,
        response: { 204: Type.Null({ description: 'Deleted' }), ...problemResponses(...authProblems, 404, 409) },
      },
    },
    async (req, reply) => {
      const { id } = req.params;
      if (registry.fromEnvironment(id)) throw readOnly(id);
      if (!(await deleteConnector(db, id))) throw notFound('connector', id);
      await registry.changed();
      return reply.code(204).send(null);
    },
  );

  r.post(
    '/v1/connectors/:id/test',
    {
      config: { scopes },
      schema: {
        tags,
        summary: 'Send the connector a `connector.test` event now and report its answer',
        description: 'Signed and authenticated as a delivery is; nothing is recorded or retried.',
        params: ConnectorIdParams,
        response: { 200: ConnectorTestResult, ...problemResponses(...authProblems, 404) },
      },
    },
    async (req) => {
      const { config } = await find(req.params.id);
      const event = {
        id: randomUUID(),
        type: 'connector.test',
        version: 1,
        occurredAt: new Date().toISOString(),
        data: { connector: config.id },
      } as unknown as DomainEvent;
      const { headers, body } = connectorRequest(config, event);
      const sender = createWebhookSender({ ...opts.config.outbound, timeoutMs: config.timeoutMs ?? 10_000, connections: 1, ...(opts.resolve ? { resolve: opts.resolve } : {}) });
      try {
        const result = await sender.send(config.url, headers, body);
        const ok = result.statusCode !== undefined && result.statusCode >= 200 && result.statusCode < 300;
        return { ok, ...result, durationMs: Math.round(result.durationMs) };
      } finally {
        await sender.close();
      }
    },
  );
}
