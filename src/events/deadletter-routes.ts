// Dead letters: deliveries that will not be tried again by themselves — a receiver that
// refused the event (4xx) or kept failing until the last attempt. Webhook subscriptions
// and business connectors alike; a replay starts a new series with the same event id, so
// receivers still drop duplicates. A webhook's dead letters belong to the key that owns its
// subscription, as the subscription does: another key sees none of them and replays none
// (404). Connectors belong to the centre (the environment or an admin), so their dead
// letters are for every key with the scope.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { Config } from '../config.js';
import type { Db } from '../db/pool.js';
import { decodeCursor, encodeCursor } from '../api/cursor.js';
import { ownerFilter, visibleTo } from '../api/ownership.js';
import { conflict, notFound, ProblemError } from '../api/problem.js';
import { authProblems, problemResponses } from '../api/schemas.js';
import type { ConnectorRuntime } from './connectors/runtime.js';
import { webhookJobOptions, type EventQueues } from './queues.js';
import { withTimeout } from './timeout.js';
import { getDelivery, reopenDelivery, restoreDeliveryStatus, subscriptionOwner } from './webhook-store.js';

export interface DeadLetterRoutesOptions {
  db: Db;
  config: Pick<Config, 'webhooks'>;
  queues: EventQueues;
  connectors: ConnectorRuntime;
}

const Query = Type.Object(
  {
    source: Type.Optional(Type.Union([Type.Literal('connector'), Type.Literal('webhook')])),
    target: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'Connector id or webhook subscription id' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
    cursor: Type.Optional(Type.String({ maxLength: 200 })),
  },
  { additionalProperties: false },
);

const DeadLetter = Type.Object({
  id: Type.String({ format: 'uuid' }),
  source: Type.String(),
  target: Type.String(),
  eventId: Type.String({ format: 'uuid' }),
  eventType: Type.String(),
  status: Type.String({ description: 'failed (refused by the receiver) or dead (out of attempts)' }),
  attempts: Type.Integer(),
  lastStatusCode: Type.Union([Type.Integer(), Type.Null()]),
  lastError: Type.Union([Type.String(), Type.Null()]),
  updatedAt: Type.String({ format: 'date-time' }),
});

const IdParams = Type.Object({ id: Type.String({ format: 'uuid' }) }, { additionalProperties: false });

export async function deadLetterRoutes(app: FastifyInstance, opts: DeadLetterRoutesOptions): Promise<void> {
  const { db } = opts;
  const r = app.withTypeProvider<TypeBoxTypeProvider>();

  r.get(
    '/v1/deadletters',
    {
      config: { scopes: ['deadletters:read'] },
      schema: {
        tags: ['events'],
        summary: 'Deliveries that failed for good, newest first',
        querystring: Query,
        response: { 200: Type.Object({ items: Type.Array(DeadLetter), nextCursor: Type.Union([Type.String(), Type.Null()]) }), ...problemResponses(...authProblems) },
      },
    },
    async (req) => {
      const q = req.query;
      const values: unknown[] = [];
      const where: string[] = [];
      const param = (v: unknown) => (values.push(v), `$${values.length}`);
      if (q.source) where.push(`source = ${param(q.source)}`);
      if (q.target) where.push(`target = ${param(q.target)}`);
      const owner = ownerFilter(req);
      if (owner !== null) {
        where.push(`(source = 'connector' OR target IN (SELECT id::text FROM webhook_subscriptions WHERE owner_key_id = ${param(owner)}::uuid))`);
      }
      if (q.cursor) {
        const pos = decodeCursor(q.cursor);
        where.push(`(updated_at, id) < (timestamptz 'epoch' + ${param(pos.micros)}::bigint * interval '1 microsecond', ${param(pos.id)}::uuid)`);
      }
      const limit = q.limit ?? 50;
      const { rows } = await db.query<{
        id: string; source: string; target: string; event_id: string; event_type: string; status: string; attempts: number;
        last_status_code: number | null; last_error: string | null; updated_at: Date; micros: string;
      }>(
        `SELECT *, (extract(epoch FROM updated_at) * 1000000)::bigint::text AS micros FROM (
           SELECT id, 'connector' AS source, connector AS target, event_id, event_type, status, attempts, last_status_code, last_error, updated_at
           FROM connector_deliveries WHERE status IN ('failed', 'dead')
           UNION ALL
           SELECT id, 'webhook', subscription_id::text, event_id, event_type, status, attempts, last_status_code, last_error, updated_at
           FROM webhook_deliveries WHERE status IN ('failed', 'dead')
         ) x ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
         ORDER BY updated_at DESC, id DESC LIMIT ${param(limit + 1)}`,
        values,
      );
      const page = rows.slice(0, limit);
      const last = page[page.length - 1];
      return {
        items: page.map((d) => ({
          id: d.id, source: d.source, target: d.target, eventId: d.event_id, eventType: d.event_type, status: d.status,
          attempts: d.attempts, lastStatusCode: d.last_status_code, lastError: d.last_error, updatedAt: d.updated_at.toISOString(),
        })),
        nextCursor: rows.length > limit && last ? encodeCursor({ micros: last.micros, id: last.id }) : null,
      };
    },
  );

  r.post(
    '/v1/deadletters/:id/replay',
    {
      config: { scopes: ['deadletters:write'] },
      schema: {
        tags: ['events'],
        summary: 'Send a dead letter again',
        description: 'A new series of attempts with the same event id (webhook-id / Idempotency-Key).',
        params: IdParams,
        response: {
          202: Type.Object({ id: Type.String(), source: Type.String(), status: Type.Literal('pending') }),
          ...problemResponses(...authProblems, 404, 409, 503),
        },
      },
    },
    async (req, reply) => {
      const id = req.params.id;
      const unavailable = () => new ProblemError(503, 'the delivery queue is unavailable; try again shortly');
      const { rows } = await db.query<{ status: string }>('SELECT status FROM connector_deliveries WHERE id = $1', [id]);
      if (rows[0]) {
        if (rows[0].status !== 'failed' && rows[0].status !== 'dead') throw conflict(`delivery ${id} is ${rows[0].status}, not a dead letter`);
        try {
          const outcome = await opts.connectors.replay(id);
          if (outcome === 'unknown_connector') throw conflict(`the connector of delivery ${id} is no longer configured`);
          if (outcome === 'not_dead') throw conflict(`delivery ${id} is no longer a dead letter`);
        } catch (err) {
          // Reopened but not queued: the connector's sweeper queues it once Redis is back.
          if (err instanceof ProblemError) throw err;
          throw unavailable();
        }
        return reply.code(202).send({ id, source: 'connector', status: 'pending' as const });
      }
      const delivery = await getDelivery(db, id);
      if (!delivery || !visibleTo(ownerFilter(req), await subscriptionOwner(db, delivery.subscriptionId))) throw notFound('dead letter', id);
      if (delivery.status !== 'failed' && delivery.status !== 'dead') throw conflict(`delivery ${id} is ${delivery.status}, not a dead letter`);
      const attempts = await reopenDelivery(db, id);
      if (attempts === undefined) throw conflict(`delivery ${id} is already being retried`);
      try {
        await withTimeout(
          opts.queues.webhooks.add(delivery.eventType, { deliveryId: id }, { ...webhookJobOptions(opts.config.webhooks.maxAttempts), jobId: `${id}-r${attempts}` }),
          5_000,
        );
      } catch {
        await restoreDeliveryStatus(db, id, delivery.status);
        throw unavailable();
      }
      return reply.code(202).send({ id, source: 'webhook', status: 'pending' as const });
    },
  );
}
