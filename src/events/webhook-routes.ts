// The webhook API: subscriptions (create, list, read, delete), their delivery log, and
// redelivery. The signing secret leaves the service once, in the create response.
import { TypeBoxValidatorCompiler, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { Config } from '../config.js';
import type { Db } from '../db/pool.js';
import { decodeCursor } from '../api/cursor.js';
import { badRequest, conflict, notFound, ProblemError } from '../api/problem.js';
import { creatorKey, ownerFilter, visibleTo } from '../api/ownership.js';
import { authProblems, problemResponses } from '../api/schemas.js';
import { webhookJobOptions, type WebhooksQueue } from './queues.js';
import type { WebhookSweeper } from './webhook-sweeper.js';
import { generateSecret, isValidSecret } from './signing.js';
import { withTimeout } from './timeout.js';
import { checkTarget, TargetRefusedError, type Resolver } from './target.js';
import {
  CreatedWebhook,
  CreateWebhookBody,
  DeliveryPage,
  IdParams,
  PageQuery,
  RedeliveryAccepted,
  Webhook,
  WebhookPage,
} from './webhook-schemas.js';
import {
  deleteSubscription,
  getDelivery,
  getSubscription,
  insertSubscription,
  listDeliveries,
  listSubscriptions,
  reopenDelivery,
  restoreDeliveryStatus,
  subscriptionOwner,
} from './webhook-store.js';

export interface WebhookRoutesOptions {
  db: Db;
  config: Pick<Config, 'webhooks' | 'outbound'>;
  queues: { webhooks: Pick<WebhooksQueue, 'add'> };
  /** DNS for the target check; tests substitute a fixed table. */
  resolve?: Resolver;
  /** How long a redelivery waits for the queue before answering 503. */
  enqueueTimeoutMs?: number;
  /** A redelivery of a pending delivery runs its series now, or starts one whose job was lost. */
  sweeper?: Pick<WebhookSweeper, 'hurry'>;
}

const DEFAULT_LIMIT = 50;

export async function webhookRoutes(app: FastifyInstance, opts: WebhookRoutesOptions): Promise<void> {
  // Not inherited by encapsulated plugins: re-applied here. The TypeBox compiler converts
  // query/path text to numbers but never coerces bodies, and refuses unknown fields.
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  r.setValidatorCompiler(TypeBoxValidatorCompiler);
  const { db } = opts;
  const tags = ['webhooks'];

  r.post(
    '/v1/webhooks',
    {
      config: { scopes: ['webhooks:write'] },
      schema: {
        tags,
        summary: 'Subscribe a URL to events',
        description:
          'Deliveries are signed per Standard Webhooks (`webhook-id`, `webhook-timestamp`, `webhook-signature`). ' +
          'The secret is returned in this response only.',
        body: CreateWebhookBody,
        response: { 201: CreatedWebhook, ...problemResponses(...authProblems) },
      },
    },
    async (req, reply) => {
      const body = req.body;
      if (body.secret !== undefined && !isValidSecret(body.secret)) {
        throw badRequest("body 'secret' must be whsec_ followed by the base64 of 24 to 64 bytes");
      }
      try {
        await checkTarget(body.url, opts.config.outbound, opts.resolve);
      } catch (err) {
        if (err instanceof TargetRefusedError) throw badRequest(`body 'url' is refused: ${err.message}`);
        throw err;
      }
      const secret = body.secret ?? generateSecret();
      const sub = await insertSubscription(db, {
        url: body.url,
        eventTypes: body.eventTypes,
        ...(body.description !== undefined ? { description: body.description } : {}),
        secret,
        ownerKeyId: creatorKey(req),
      });
      reply.code(201).header('location', `/v1/webhooks/${sub.id}`);
      return { ...sub, secret };
    },
  );

  r.get(
    '/v1/webhooks',
    {
      config: { scopes: ['webhooks:read'] },
      schema: {
        tags,
        summary: 'List subscriptions, newest first',
        querystring: PageQuery,
        response: { 200: WebhookPage, ...problemResponses(...authProblems) },
      },
    },
    async (req) =>
      listSubscriptions(
        db,
        req.query.limit ?? DEFAULT_LIMIT,
        req.query.cursor !== undefined ? decodeCursor(req.query.cursor) : undefined,
        ownerFilter(req),
      ),
  );

  r.get(
    '/v1/webhooks/:id',
    {
      config: { scopes: ['webhooks:read'] },
      schema: {
        tags,
        summary: 'One subscription (without its secret)',
        params: IdParams,
        response: { 200: Webhook, ...problemResponses(...authProblems, 404) },
      },
    },
    async (req) => {
      const sub = await getSubscription(db, req.params.id, ownerFilter(req));
      if (!sub) throw notFound('webhook', req.params.id);
      return sub;
    },
  );

  r.delete(
    '/v1/webhooks/:id',
    {
      config: { scopes: ['webhooks:write'] },
      schema: {
        tags,
        summary: 'Delete a subscription; pending deliveries stop',
        params: IdParams,
        response: { 204: Type204, ...problemResponses(...authProblems, 404) },
      },
    },
    async (req, reply) => {
      if (!(await deleteSubscription(db, req.params.id, ownerFilter(req)))) throw notFound('webhook', req.params.id);
      return reply.code(204).send(null);
    },
  );

  r.get(
    '/v1/webhooks/:id/deliveries',
    {
      config: { scopes: ['webhooks:read'] },
      schema: {
        tags,
        summary: 'Deliveries of a subscription with every attempt, newest first',
        params: IdParams,
        querystring: PageQuery,
        response: { 200: DeliveryPage, ...problemResponses(...authProblems, 404) },
      },
    },
    async (req) => {
      if (!(await getSubscription(db, req.params.id, ownerFilter(req)))) throw notFound('webhook', req.params.id);
      const after = req.query.cursor !== undefined ? decodeCursor(req.query.cursor) : undefined;
      return listDeliveries(db, req.params.id, req.query.limit ?? DEFAULT_LIMIT, after);
    },
  );

  r.post(
    '/v1/webhooks/deliveries/:id/redeliver',
    {
      config: { scopes: ['webhooks:write'] },
      schema: {
        tags,
        summary: 'Send a delivery again',
        description:
          'A finished delivery gets a new series of attempts with the same `webhook-id`, so receivers can still drop duplicates. ' +
          'A pending one makes its next attempt now (its series is started again if its job was lost).',
        params: IdParams,
        response: { 202: RedeliveryAccepted, ...problemResponses(...authProblems, 404, 409, 503) },
      },
    },
    async (req, reply) => {
      const id = req.params.id;
      const delivery = await getDelivery(db, id);
      if (!delivery) throw notFound('delivery', id);
      const owner = ownerFilter(req);
      if (!visibleTo(owner, await subscriptionOwner(db, delivery.subscriptionId))) throw notFound('delivery', id);
      const sub = await getSubscription(db, delivery.subscriptionId);
      if (!sub) throw conflict(`the webhook of delivery ${id} was deleted`);
      if (!sub.enabled) throw conflict(`the webhook of delivery ${id} is disabled${sub.disabledReason ? `: ${sub.disabledReason}` : ''}`);
      if (delivery.status === 'pending') {
        if (!opts.sweeper) throw conflict(`delivery ${id} is still pending`);
        try {
          await opts.sweeper.hurry({ id, attempts: delivery.attempts, eventType: delivery.eventType });
        } catch {
          throw new ProblemError(503, 'the delivery queue is unavailable; try again shortly');
        }
        reply.code(202);
        return { deliveryId: id, status: 'pending' as const };
      }
      // Reopen first and commit, then queue: a job that ran before the commit would still
      // see the old status and skip the send.
      const attemptsSoFar = await reopenDelivery(db, id);
      if (attemptsSoFar === undefined) throw conflict(`delivery ${id} is still pending`);
      try {
        // A new job id per series: the previous series' job may still be kept as failed.
        await withTimeout(
          opts.queues.webhooks.add(delivery.eventType, { deliveryId: id }, {
            ...webhookJobOptions(opts.config.webhooks.maxAttempts),
            jobId: `${id}-r${attemptsSoFar}`,
          }),
          opts.enqueueTimeoutMs ?? 5_000,
        );
      } catch {
        await restoreDeliveryStatus(db, id, delivery.status);
        throw new ProblemError(503, 'the delivery queue is unavailable; try again shortly');
      }
      reply.code(202);
      return { deliveryId: id, status: 'pending' as const };
    },
  );
}

const Type204 = Type.Null({ description: 'Deleted' });
