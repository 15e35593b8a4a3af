// The logistics partner's side of the order workflow: it tells us what happened to a
// parcel (picked, shipped, delivered, refused, returned) with a Standard Webhooks signed
// POST. Each update is applied once (its webhook-id), and an update that does not fit
// the order's state is answered 409 and kept for review instead of being lost.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type, type Static } from 'typebox';
import type { Db } from '../db/pool.js';
import { ProblemError } from '../api/problem.js';
import { authProblems, problemResponses } from '../api/schemas.js';
import { verifyWebhook } from '../events/signing.js';
import { applyOrderAction, getOrder, OrderRefusal } from './repository.js';
import { Order } from './schemas.js';
import type { OrderAction } from './state.js';
import { checkActionBody, type Problem } from './validate.js';
import { Compile } from 'typebox/compile';
import { describeSchemaError, type SchemaError } from '../api/validation.js';

export const LogisticsUpdate = Type.Object(
  {
    orderId: Type.String({ format: 'uuid' }),
    status: Type.Union(['picking', 'shipped', 'delivered', 'refused', 'returned'].map((s) => Type.Literal(s))),
    carrier: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    trackingNumber: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    cashCollectedMinor: Type.Optional(Type.Integer({ minimum: 0 })),
    reason: Type.Optional(Type.String({ minLength: 1, maxLength: 1000 })),
    occurredAt: Type.Optional(Type.String({ format: 'date-time' })),
  },
  { additionalProperties: false },
);
type LogisticsUpdate = Static<typeof LogisticsUpdate>;
const checkUpdate = Compile(LogisticsUpdate);

const ACTIONS: Record<string, OrderAction> = { picking: 'pick', shipped: 'ship', delivered: 'deliver', refused: 'refuse', returned: 'return' };

/** The order action an update stands for, with that action's body. Pure. */
export function updateToAction(u: LogisticsUpdate): { action: OrderAction; body: Record<string, unknown> } {
  const action = ACTIONS[u.status]!;
  switch (action) {
    case 'ship':
      return { action, body: { ...(u.carrier ? { carrier: u.carrier } : {}), ...(u.trackingNumber ? { trackingNumber: u.trackingNumber } : {}) } };
    case 'deliver':
      return { action, body: { signed: true, ...(u.cashCollectedMinor !== undefined ? { cashCollectedMinor: u.cashCollectedMinor } : {}) } };
    case 'refuse':
      return { action, body: u.reason ? { reason: u.reason } : {} };
    default:
      return { action, body: {} };
  }
}

export interface LogisticsRoutesOptions {
  db: Db;
  /** whsec_... shared with the partner; without it every update is refused. */
  secret: string | undefined;
}

async function keep(db: Db, id: string, orderId: string | null, body: unknown, outcome: string, detail: string | null): Promise<void> {
  await db.query(
    `INSERT INTO logistics_updates (id, order_id, body, outcome, detail) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (id) DO NOTHING`,
    [id, orderId, JSON.stringify(body), outcome, detail],
  );
}

export async function logisticsRoutes(app: FastifyInstance, opts: LogisticsRoutesOptions): Promise<void> {
  const { db } = opts;
  const raw = new WeakMap<FastifyRequest, string>();
  // The signature covers the bytes as sent: keep them (this plugin's routes only).
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => {
    raw.set(req, body as string);
    try {
      done(null, JSON.parse(body as string));
    } catch {
      done(new ProblemError(400, 'body is not valid JSON'), undefined);
    }
  });
  const r = app.withTypeProvider<TypeBoxTypeProvider>();

  r.post(
    '/v1/logistics/updates',
    {
      config: { signedInbound: true },
      attachValidation: true,
      schema: {
        tags: ['orders'],
        summary: 'Shipment and delivery updates from the logistics partner (signed)',
        description:
          'Signed like our own webhooks (Standard Webhooks: webhook-id, webhook-timestamp, webhook-signature) with ' +
          'LOGISTICS_INBOUND_SECRET; no API key. 401 bad signature, 404 unknown order, 409 an update that does not ' +
          'fit the order state (kept for review), 422 a malformed update. Repeating a webhook-id changes nothing.',
        body: LogisticsUpdate,
        response: { 200: Order, ...problemResponses(...authProblems, 404, 409, 422, 503) },
      },
    },
    async (req) => {
      if (!opts.secret) throw new ProblemError(503, 'logistics updates are not configured');
      const text = raw.get(req) ?? '';
      const verified = verifyWebhook(req.headers, text, opts.secret);
      if (!verified.ok) throw new ProblemError(401, `signature check failed: ${verified.reason}`);
      const updateId = verified.id;
      const seen = await db.query<{ order_id: string | null; outcome: string }>('SELECT order_id, outcome FROM logistics_updates WHERE id = $1', [updateId]);
      if (seen.rows[0]?.outcome === 'applied') return (await getOrder(db, seen.rows[0].order_id!))!;

      const body = req.body as unknown;
      if (!checkUpdate.Check(body)) {
        const errors = [...checkUpdate.Errors(body)] as unknown as SchemaError[];
        const problems: Problem[] = errors.map((e) => ({ pointer: e.instancePath, message: describeSchemaError(e, 'body', errors) }));
        throw new ProblemError(422, `the update has ${problems.length} problem(s)`, { problems });
      }
      const { action, body: actionBody } = updateToAction(body);
      try {
        const order = await applyOrderAction(db, body.orderId, action, actionBody, (o) => checkActionBody(action, actionBody, o));
        await keep(db, updateId, order.id, body, 'applied', null);
        return order;
      } catch (err) {
        if (!(err instanceof OrderRefusal)) throw err;
        if (err.kind === 'not_found') {
          await keep(db, updateId, null, body, 'unknown_order', err.message);
          throw new ProblemError(404, err.message);
        }
        if (err.kind === 'illegal') {
          await keep(db, updateId, body.orderId, body, 'out_of_order', err.message);
          throw new ProblemError(409, `${err.message}; the update is kept for review`, { state: err.extra.state, allowedActions: err.extra.allowedActions });
        }
        throw new ProblemError(422, err.message, { problems: err.extra.problems ?? [] });
      }
    },
  );

  r.get(
    '/v1/logistics/updates',
    {
      config: { scopes: ['orders:read'] },
      schema: {
        tags: ['orders'],
        summary: 'Logistics updates that were not applied (out of order, unknown order), newest first',
        querystring: Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })) }, { additionalProperties: false }),
        response: {
          200: Type.Object({
            items: Type.Array(Type.Object({ id: Type.String(), orderId: Type.Union([Type.String(), Type.Null()]), outcome: Type.String(), detail: Type.Union([Type.String(), Type.Null()]), body: Type.Record(Type.String(), Type.Unknown()), receivedAt: Type.String() })),
          }),
          ...problemResponses(...authProblems),
        },
      },
    },
    async (req) => {
      const { rows } = await db.query<{ id: string; order_id: string | null; outcome: string; detail: string | null; body: Record<string, unknown>; received_at: Date }>(
        `SELECT * FROM logistics_updates WHERE outcome <> 'applied' ORDER BY received_at DESC, id DESC LIMIT $1`,
        [req.query.limit ?? 50],
      );
      return { items: rows.map((u) => ({ id: u.id, orderId: u.order_id, outcome: u.outcome, detail: u.detail, body: u.body, receivedAt: u.received_at.toISOString() })) };
    },
  );
}
