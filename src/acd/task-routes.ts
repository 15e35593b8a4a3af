// An agent's campaign preview tasks: the ones on their screen, accept (their phone rings,
// then the customer's) and decline (the contact goes back to the campaign).
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { ProblemError } from '../api/problem.js';
import { authProblems, problemResponses } from '../api/schemas.js';
import { liveTasksOf } from '../campaigns/tasks.js';
import type { Db } from '../db/pool.js';
import type { PreviewTasks } from './preview-tasks.js';

export interface TaskRoutesOptions {
  db: Db;
  tasks: PreviewTasks;
}

const Params = Type.Object(
  { id: Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$' }), taskId: Type.String({ format: 'uuid' }) },
  { additionalProperties: false },
);
const AgentOnly = Type.Object({ id: Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$' }) }, { additionalProperties: false });
const Task = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    campaignId: Type.String({ format: 'uuid' }),
    contactId: Type.String({ format: 'uuid' }),
    agentId: Type.String(),
    state: Type.Union([Type.Literal('offered'), Type.Literal('declined'), Type.Literal('expired'), Type.Literal('dialing'), Type.Literal('done'), Type.Literal('failed')]),
    callId: Type.Union([Type.String({ format: 'uuid' }), Type.Null()]),
    outcome: Type.Union([Type.String(), Type.Null()]),
    offeredAt: Type.String({ format: 'date-time' }),
    expiresAt: Type.String({ format: 'date-time' }),
  },
  { additionalProperties: false },
);
const TAGS = ['acd'];

const view = (t: Awaited<ReturnType<PreviewTasks['decline']>>) => {
  const { offerId: _offer, ...rest } = t;
  return rest;
};

export async function taskRoutes(app: FastifyInstance, opts: TaskRoutesOptions): Promise<void> {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();

  r.get(
    '/v1/agents/:id/tasks',
    {
      config: { scopes: ['agents:read'] },
      schema: { tags: TAGS, summary: "An agent's live campaign preview tasks (offered or being dialled)", params: AgentOnly, response: { 200: Type.Object({ items: Type.Array(Task) }), ...problemResponses(...authProblems) } },
    },
    async (req) => ({ items: (await liveTasksOf(opts.db, req.params.id)).map(view) }),
  );

  r.post(
    '/v1/agents/:id/tasks/:taskId/accept',
    {
      config: { scopes: ['agents:write', 'calls:write'] },
      schema: {
        tags: TAGS,
        summary: 'Accept a campaign preview task: the agent’s phone rings, then the customer is dialled',
        description:
          'The number goes through the dial allow-list of the calling API key, as for click-to-dial. The call carries ' +
          '`{campaignId, contactId, taskId}` as its data; when it ends the outcome is written on the contact ' +
          '(reached, no_answer, busy, wrong_number) unless the agent recorded one during the call.',
        params: Params,
        response: { 200: Task, ...problemResponses(...authProblems, 404, 409, 422, 429, 503) },
      },
    },
    async (req) => {
      if (!req.apiKey) throw new ProblemError(401, 'an API key is required');
      return view(await opts.tasks.accept(req.params.id, req.params.taskId, req.apiKey.id));
    },
  );

  r.post(
    '/v1/agents/:id/tasks/:taskId/decline',
    {
      config: { scopes: ['agents:write'] },
      schema: {
        tags: TAGS,
        summary: 'Decline a campaign preview task: the contact goes back to the campaign, the agent is ready again',
        params: Params,
        response: { 200: Task, ...problemResponses(...authProblems, 404, 409) },
      },
    },
    async (req) => view(await opts.tasks.decline(req.params.id, req.params.taskId)),
  );
}
