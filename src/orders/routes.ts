// The orders API: create (idempotent), read, list, and one POST per workflow action.
import { createHash } from 'node:crypto';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { Db } from '../db/pool.js';
import { notFound, ProblemError } from '../api/problem.js';
import { authProblems, problemResponses } from '../api/schemas.js';
import { applyOrderAction, createOrder, getOrder, listOrders, orderHistory, OrderRefusal } from './repository.js';
import { ActionBody, ListOrdersQuery, NewOrderBody, Order, OrderActionParams, OrderDetail, OrderIdParams, OrderPage } from './schemas.js';
import { ACTION_NAMES, isOrderAction } from './state.js';
import { checkActionBody, checkNewOrder, type Problem } from './validate.js';

export interface OrderRoutesOptions {
  db: Db;
}

const TAGS = ['orders'];
const IdempotencyHeaders = Type.Object({
  'idempotency-key': Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'Same key and body: the same order, created once' })),
});

const unprocessable = (detail: string, problems: Problem[]) => new ProblemError(422, detail, { problems });

function asProblem(err: unknown): unknown {
  if (!(err instanceof OrderRefusal)) return err;
  switch (err.kind) {
    case 'not_found':
      return new ProblemError(404, err.message);
    case 'illegal':
      return new ProblemError(409, err.message, { state: err.extra.state, allowedActions: err.extra.allowedActions });
    case 'idempotency':
      return new ProblemError(422, err.message);
    default:
      return unprocessable(err.message, err.extra.problems ?? []);
  }
}

export async function orderRoutes(app: FastifyInstance, opts: OrderRoutesOptions): Promise<void> {
  const { db } = opts;
  const r = app.withTypeProvider<TypeBoxTypeProvider>();

  r.post(
    '/v1/orders',
    {
      config: { scopes: ['orders:write'] },
      // Schema failures are reported by checkNewOrder, all at once, as a 422.
      attachValidation: true,
      schema: {
        tags: TAGS,
        summary: 'Create an order (draft)',
        description:
          'Money is in integer minor units. The total is computed from the items; a `totalMinor` that does not ' +
          'match is a 422. Every problem of the body is listed in `problems`. With `Idempotency-Key`, repeating ' +
          'the same request returns the same order (200) instead of creating another.',
        headers: IdempotencyHeaders,
        body: NewOrderBody,
        response: { 200: Order, 201: Order, ...problemResponses(...authProblems, 422) },
      },
    },
    async (req, reply) => {
      const checked = checkNewOrder(req.body);
      if (!checked.ok) throw unprocessable(`the order has ${checked.problems.length} problem(s)`, checked.problems);
      const key = req.headers['idempotency-key'];
      if (key !== undefined && (typeof key !== 'string' || key.length === 0 || key.length > 200)) {
        throw unprocessable('the Idempotency-Key header must be one value of 1 to 200 characters', [
          { pointer: '', message: 'header idempotency-key must be 1 to 200 characters' },
        ]);
      }
      const idempotency =
        typeof key === 'string'
          ? { apiKeyId: req.apiKey!.id, idempotencyKey: key, requestHash: createHash('sha256').update(JSON.stringify(req.body)).digest('hex') }
          : {};
      try {
        const { order, created } = await createOrder(db, { body: checked.order, items: checked.items, totalMinor: checked.totalMinor, ...idempotency });
        reply.header('location', `/v1/orders/${order.id}`);
        if (!created) reply.header('idempotent-replayed', 'true');
        return reply.code(created ? 201 : 200).send(order);
      } catch (err) {
        throw asProblem(err);
      }
    },
  );

  r.get(
    '/v1/orders',
    {
      config: { scopes: ['orders:read'] },
      schema: {
        tags: TAGS,
        summary: 'List orders, newest first',
        querystring: ListOrdersQuery,
        response: { 200: OrderPage, ...problemResponses(...authProblems) },
      },
    },
    async (req) => listOrders(db, req.query),
  );

  r.get(
    '/v1/orders/:id',
    {
      config: { scopes: ['orders:read'] },
      schema: {
        tags: TAGS,
        summary: 'One order with its history',
        params: OrderIdParams,
        response: { 200: OrderDetail, ...problemResponses(...authProblems, 404) },
      },
    },
    async (req) => {
      const order = await getOrder(db, req.params.id);
      if (!order) throw notFound('order', req.params.id);
      return { ...order, history: await orderHistory(db, order.id) };
    },
  );

  r.post(
    '/v1/orders/:id/:action',
    {
      config: { scopes: ['orders:write'] },
      attachValidation: true,
      schema: {
        tags: TAGS,
        summary: 'Move an order through its workflow',
        description:
          `Actions: ${ACTION_NAMES.join(', ')}. An action not allowed in the current state is a 409 naming the ` +
          'state and the allowed actions; a body with problems is a 422. Each change emits `order.status_changed`.',
        params: OrderActionParams,
        body: Type.Optional(ActionBody),
        response: { 200: Order, ...problemResponses(...authProblems, 404, 409, 422) },
      },
    },
    async (req) => {
      const { id, action } = req.params;
      if (req.validationError && req.validationError.validationContext === 'params') throw req.validationError;
      if (!isOrderAction(action)) throw new ProblemError(404, `'${action}' is not an order action (${ACTION_NAMES.join(', ')})`);
      const body = (req.body ?? {}) as Record<string, unknown>;
      try {
        return await applyOrderAction(db, id, action, body, (order) => checkActionBody(action, body, order));
      } catch (err) {
        throw asProblem(err);
      }
    },
  );
}
