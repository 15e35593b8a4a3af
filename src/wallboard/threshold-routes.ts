// Wallboard thresholds over the API: per queue, warning and alarm for each figure. A PUT
// names only the figures it changes (the others keep their defaults, which follow the
// queue's service-level target); DELETE returns the queue to the defaults.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { getQueue, listQueues } from '../acd/repository.js';
import type { QueueDefinition } from '../acd/model.js';
import { creatorKey } from '../api/ownership.js';
import { notFound, ProblemError } from '../api/problem.js';
import { authProblems, problemResponses } from '../api/schemas.js';
import type { Db } from '../db/pool.js';
import { deleteThresholds, getThresholds, listThresholds, putThresholds, type StoredThresholds } from './threshold-store.js';
import { DIRECTION, effectiveThresholds, METRICS, thresholdProblem, UNIT, type ThresholdOverrides } from './thresholds.js';

export interface ThresholdRouteOptions {
  db: Db;
  /** Told after a change, so this instance's screens show it at once. */
  changed: () => Promise<void>;
}

const TAGS = ['reports'];
const Limit = Type.Union([Type.Number({ minimum: 0, maximum: 86_400 }), Type.Null()]);
const METRIC_HELP: Record<string, string> = {
  waiting: 'callers waiting', longestWait: 'longest wait, seconds', ready: 'agents ready', onCall: 'agents on a call or being offered one',
  wrapUp: 'agents in wrap-up', notReady: 'agents not ready', offered: 'calls offered today', answered: 'calls answered today',
  abandoned: 'calls abandoned today (not counting short abandons)', serviceLevel: 'service level today, percent',
  asa: 'average speed of answer today, seconds', aht: 'average handle time today (talk, hold, wrap-up), seconds',
};
const describe = (m: (typeof METRICS)[number]) =>
  `${METRIC_HELP[m]}; ${DIRECTION[m] === 'above' ? 'worse the higher: a level is reached at or above its value' : 'worse the lower: a level is reached at or below its value'}; null: never`;

const OverrideBody = Type.Object(
  Object.fromEntries(
    METRICS.map((m) => [
      m,
      Type.Optional(Type.Object({ warning: Type.Optional(Limit), alarm: Type.Optional(Limit) }, { additionalProperties: false, description: describe(m) })),
    ]),
  ),
  { additionalProperties: false, description: 'Only the figures to change; the others keep their defaults' },
);
const Pair = Type.Object({ warning: Limit, alarm: Limit, direction: Type.Union([Type.Literal('above'), Type.Literal('below')]), unit: Type.String() });
const QueueThresholds = Type.Object({
  queueId: Type.String(),
  queueName: Type.String(),
  thresholds: Type.Object(Object.fromEntries(METRICS.map((m) => [m, Pair]))),
  overrides: OverrideBody,
  ownerKeyId: Type.Union([Type.String({ format: 'uuid' }), Type.Null()], { description: 'The key that set the overrides last' }),
  updatedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
});
const Params = Type.Object({ queueId: Type.String({ minLength: 1, maxLength: 64 }) }, { additionalProperties: false });

function present(q: QueueDefinition, stored: StoredThresholds | undefined) {
  const t = effectiveThresholds(q.serviceLevel, stored?.overrides);
  return {
    queueId: q.id,
    queueName: q.name,
    thresholds: Object.fromEntries(METRICS.map((m) => [m, { ...t[m], direction: DIRECTION[m], unit: UNIT[m] }])),
    overrides: stored?.overrides ?? {},
    ownerKeyId: stored?.ownerKeyId ?? null,
    updatedAt: stored?.updatedAt ?? null,
  };
}

export async function thresholdRoutes(app: FastifyInstance, opts: ThresholdRouteOptions): Promise<void> {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const queueOr404 = async (id: string) => {
    const q = await getQueue(opts.db, id);
    if (!q) throw notFound('queue', id);
    return q;
  };

  r.get(
    '/v1/wallboard/thresholds',
    {
      config: { scopes: ['reports:read'] },
      schema: { tags: TAGS, summary: 'Wallboard thresholds of every queue', response: { 200: Type.Object({ items: Type.Array(QueueThresholds) }), ...problemResponses(...authProblems) } },
    },
    async () => {
      const [queues, stored] = await Promise.all([listQueues(opts.db), listThresholds(opts.db)]);
      return { items: queues.map((q) => present(q, stored.get(q.id))) };
    },
  );

  r.get(
    '/v1/wallboard/thresholds/:queueId',
    {
      config: { scopes: ['reports:read'] },
      schema: { tags: TAGS, summary: "A queue's wallboard thresholds", params: Params, response: { 200: QueueThresholds, ...problemResponses(...authProblems, 404) } },
    },
    async (req) => present(await queueOr404(req.params.queueId), await getThresholds(opts.db, req.params.queueId)),
  );

  r.put(
    '/v1/wallboard/thresholds/:queueId',
    {
      config: { scopes: ['queues:write'] },
      schema: {
        tags: TAGS,
        summary: "Set a queue's wallboard thresholds",
        description:
          'Each figure has a warning and an alarm; the board shows them by colour and by a mark and a word. The body names ' +
          'only the figures that differ from the defaults and replaces earlier overrides. Waits default to the queue\'s ' +
          'service-level seconds (warning) and three times that (alarm), service level to its target percent and ten points under.',
        params: Params,
        body: OverrideBody,
        response: { 200: QueueThresholds, ...problemResponses(...authProblems, 404, 422) },
      },
    },
    async (req) => {
      const q = await queueOr404(req.params.queueId);
      const overrides = req.body as ThresholdOverrides;
      const problem = thresholdProblem(overrides, q.serviceLevel);
      if (problem) throw new ProblemError(422, problem);
      const stored = await putThresholds(opts.db, q.id, overrides, creatorKey(req));
      await opts.changed();
      return present(q, stored);
    },
  );

  r.delete(
    '/v1/wallboard/thresholds/:queueId',
    {
      config: { scopes: ['queues:write'] },
      schema: { tags: TAGS, summary: "Return a queue's wallboard thresholds to the defaults", params: Params, response: { 204: Type.Null({ description: 'Defaults again' }), ...problemResponses(...authProblems, 404) } },
    },
    async (req, reply) => {
      await queueOr404(req.params.queueId);
      creatorKey(req);
      await deleteThresholds(opts.db, req.params.queueId);
      await opts.changed();
      return reply.code(204).send(null);
    },
  );
}
