// The ACD REST API: skills, agents (with their live state and state changes), queues
// (with waiting calls and statistics) and the routing simulation. Storage is in
// repository.ts, live state in live-store.ts / queue-live.ts; this file maps HTTP onto them.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import type { Db } from '../db/pool.js';
import { ProblemError, notFound } from '../api/problem.js';
import { authProblems, problemResponses } from '../api/schemas.js';
import { AgentsService, agentView } from './agents-service.js';
import type { AgentCommand } from './agent-state.js';
import { notReadyReasonAllowed } from './codes.js';
import { completeQueue } from './definitions.js';
import { averageSpeedOfAnswer, expectedWaitSeconds, serviceLevelPercent } from './kpi.js';
import { AgentLiveStore } from './live-store.js';
import { AGENT_STATES, type AgentDefinition, type AgentState } from './model.js';
import { entryPriority, orderKey, qualifies, requiredSkills } from './priority.js';
import { QueueLiveStore } from './queue-live.js';
import * as repo from './repository.js';
import {
  Agent,
  AgentBody,
  AgentList,
  AgentParams,
  AgentReplaceBody,
  Queue,
  QueueBody,
  QueueList,
  QueueParams,
  QueueReplaceBody,
  QueueStats,
  SimulateBody,
  SimulationResult,
  Skill,
  SkillBody,
  SkillList,
  SkillParams,
  StateBody,
  WaitingCalls,
} from './route-schemas.js';
import { takeSnapshot } from './snapshot.js';
import { dayCounts, startOfUtcDay } from './stats.js';
import { Type } from 'typebox';

export interface AcdRouteOptions {
  db: Db;
  redis: Redis;
  redisPrefix: string;
}

const TAGS = ['acd'];
const Deleted = Type.Null({ description: 'Deleted' });

function unprocessable(err: unknown): never {
  if (err instanceof repo.UnknownReference) throw new ProblemError(422, err.message, { unknown: { [err.what]: err.names } });
  throw err;
}

export async function acdRoutes(app: FastifyInstance, opts: AcdRouteOptions): Promise<void> {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const { db } = opts;
  const agentsLive = new AgentLiveStore(opts.redis, opts.redisPrefix);
  const queuesLive = new QueueLiveStore(opts.redis, opts.redisPrefix);
  const agents = new AgentsService(db, agentsLive, opts.redis, opts.redisPrefix);

  // --- skills

  r.get('/v1/skills', { config: { scopes: ['queues:read'] }, schema: { tags: TAGS, summary: 'The skills catalogue', response: { 200: SkillList, ...problemResponses(...authProblems) } } }, async () => ({
    items: await repo.listSkills(db),
  }));

  r.put(
    '/v1/skills/:name',
    {
      config: { scopes: ['queues:write'] },
      schema: { tags: TAGS, summary: 'Create or describe a skill', description: 'Agents and queues may only name skills of the catalogue (else 422).', params: SkillParams, body: SkillBody, response: { 200: Skill, 201: Skill, ...problemResponses(...authProblems) } },
    },
    async (req, reply) => {
      const { skill, created } = await repo.putSkill(db, req.params.name, req.body.description ?? '');
      return reply.code(created ? 201 : 200).send(skill);
    },
  );

  r.delete(
    '/v1/skills/:name',
    { config: { scopes: ['queues:write'] }, schema: { tags: TAGS, summary: 'Delete an unused skill', params: SkillParams, response: { 204: Deleted, ...problemResponses(...authProblems, 404, 409) } } },
    async (req, reply) => {
      const res = await repo.deleteSkill(db, req.params.name);
      if (res.result === 'missing') throw notFound('skill', req.params.name);
      if (res.result === 'in_use') throw new ProblemError(409, `skill ${req.params.name} is used by ${res.by.join(', ')}`);
      return reply.code(204).send(null);
    },
  );

  // --- agents

  async function viewOf(def: AgentDefinition) {
    return agentView(def, await agentsLive.get(def.id));
  }

  r.post(
    '/v1/agents',
    { config: { scopes: ['agents:write'] }, schema: { tags: TAGS, summary: 'Create an agent (logged out)', body: AgentBody, response: { 201: Agent, ...problemResponses(...authProblems, 409, 422) } } },
    async (req, reply) => {
      const def: AgentDefinition = { ...req.body, ringSeconds: req.body.ringSeconds ?? 20, wrapUpSeconds: req.body.wrapUpSeconds ?? 10 };
      const res = await repo.saveAgent(db, def, 'create').catch(unprocessable);
      if (res === 'exists') throw new ProblemError(409, `agent ${def.id} already exists`);
      await agentsLive.ensure(def.id, Date.now());
      return reply.code(201).header('location', `/v1/agents/${def.id}`).send(await viewOf(def));
    },
  );

  r.get('/v1/agents', { config: { scopes: ['agents:read'] }, schema: { tags: TAGS, summary: 'Agents with their live state', response: { 200: AgentList, ...problemResponses(...authProblems) } } }, async () => {
    const defs = await repo.listAgents(db);
    const live = await agentsLive.getMany(defs.map((a) => a.id));
    return { items: defs.map((d) => agentView(d, live.get(d.id))) };
  });

  r.get(
    '/v1/agents/:id',
    { config: { scopes: ['agents:read'] }, schema: { tags: TAGS, summary: 'One agent with their live state', params: AgentParams, response: { 200: Agent, ...problemResponses(...authProblems, 404) } } },
    async (req) => {
      const def = await repo.getAgent(db, req.params.id);
      if (!def) throw notFound('agent', req.params.id);
      return viewOf(def);
    },
  );

  r.put(
    '/v1/agents/:id',
    { config: { scopes: ['agents:write'] }, schema: { tags: TAGS, summary: 'Replace an agent definition', params: AgentParams, body: AgentReplaceBody, response: { 200: Agent, ...problemResponses(...authProblems, 404, 422) } } },
    async (req) => {
      const def: AgentDefinition = { ...req.body, id: req.params.id, ringSeconds: req.body.ringSeconds ?? 20, wrapUpSeconds: req.body.wrapUpSeconds ?? 10 };
      const res = await repo.saveAgent(db, def, 'replace').catch(unprocessable);
      if (res === 'missing') throw notFound('agent', req.params.id);
      await agents.signal(def.id);
      return viewOf(def);
    },
  );

  r.delete(
    '/v1/agents/:id',
    {
      config: { scopes: ['agents:write'] },
      schema: { tags: TAGS, summary: 'Delete a logged-out agent', description: '409 (with the state) while the agent is logged in.', params: AgentParams, response: { 204: Deleted, ...problemResponses(...authProblems, 404, 409) } },
    },
    async (req, reply) => {
      const def = await repo.getAgent(db, req.params.id);
      if (!def) throw notFound('agent', req.params.id);
      const live = await agentsLive.get(def.id);
      if (live && live.state !== 'logged_out') throw new ProblemError(409, `agent ${def.id} is ${live.state}; log them out first`, { state: live.state });
      await repo.deleteAgent(db, def.id);
      await agentsLive.forget(def.id);
      await agents.signal(def.id);
      return reply.code(204).send(null);
    },
  );

  r.post(
    '/v1/agents/:id/state',
    {
      config: { scopes: ['agents:write'] },
      schema: {
        tags: TAGS,
        summary: 'Log in, ready, not ready (with a reason), log out',
        description:
          'Login lands in not_ready; ready makes the agent available for offers. not_ready during a call is taken when the ' +
          'wrap-up ends. A change the state machine forbids (ready while on a call) is a 409 with the current `state`; ' +
          '`force: true` makes ready or logout happen from any state.',
        params: AgentParams,
        body: StateBody,
        response: { 200: Agent, ...problemResponses(...authProblems, 404, 409, 422) },
      },
    },
    async (req) => {
      const def = await repo.getAgent(db, req.params.id);
      if (!def) throw notFound('agent', req.params.id);
      const { action, reason, force } = req.body;
      if (action === 'not_ready' && !reason) throw new ProblemError(422, 'not_ready needs a reason');
      if (action === 'not_ready') {
        const check = await notReadyReasonAllowed(db, reason!);
        if (!check.ok) throw new ProblemError(422, `'${reason}' is not a configured not-ready reason`, { allowed: check.allowed });
      }
      if (force && action !== 'ready' && action !== 'logout') throw new ProblemError(422, `force applies to ready and logout, not ${action}`);
      const cmd: AgentCommand =
        action === 'not_ready'
          ? { type: 'not_ready', reason: reason! }
          : action === 'ready' || action === 'logout'
            ? { type: action, ...(force ? { force } : {}) }
            : { type: action };
      const res = await agents.change(def.id, cmd);
      if (!res.ok) throw new ProblemError(res.status, res.detail, res.state ? { state: res.state } : {});
      return viewOf(def);
    },
  );

  // --- queues

  r.post(
    '/v1/queues',
    { config: { scopes: ['queues:write'] }, schema: { tags: TAGS, summary: 'Create a queue', body: QueueBody, response: { 201: Queue, ...problemResponses(...authProblems, 409, 422) } } },
    async (req, reply) => {
      const q = completeQueue(req.body);
      const res = await repo.saveQueue(db, q, 'create').catch(unprocessable);
      if (res === 'exists') throw new ProblemError(409, `queue ${q.id} already exists`);
      await agents.signal(`queue:${q.id}`);
      return reply.code(201).header('location', `/v1/queues/${q.id}`).send(q);
    },
  );

  r.get('/v1/queues', { config: { scopes: ['queues:read'] }, schema: { tags: TAGS, summary: 'Queues', response: { 200: QueueList, ...problemResponses(...authProblems) } } }, async () => ({
    items: await repo.listQueues(db),
  }));

  r.get(
    '/v1/queues/:id',
    { config: { scopes: ['queues:read'] }, schema: { tags: TAGS, summary: 'One queue', params: QueueParams, response: { 200: Queue, ...problemResponses(...authProblems, 404) } } },
    async (req) => {
      const q = await repo.getQueue(db, req.params.id);
      if (!q) throw notFound('queue', req.params.id);
      return q;
    },
  );

  r.put(
    '/v1/queues/:id',
    { config: { scopes: ['queues:write'] }, schema: { tags: TAGS, summary: 'Replace a queue definition', params: QueueParams, body: QueueReplaceBody, response: { 200: Queue, ...problemResponses(...authProblems, 404, 422) } } },
    async (req) => {
      const q = completeQueue({ ...req.body, id: req.params.id });
      const res = await repo.saveQueue(db, q, 'replace').catch(unprocessable);
      if (res === 'missing') throw notFound('queue', req.params.id);
      await agents.signal(`queue:${q.id}`);
      return q;
    },
  );

  r.delete(
    '/v1/queues/:id',
    {
      config: { scopes: ['queues:write'] },
      schema: { tags: TAGS, summary: 'Delete an empty queue', description: '409 while calls wait in it or another queue overflows or sends a key to it.', params: QueueParams, response: { 204: Deleted, ...problemResponses(...authProblems, 404, 409) } },
    },
    async (req, reply) => {
      if ((await queuesLive.list(req.params.id)).length) throw new ProblemError(409, `calls are waiting in queue ${req.params.id}`);
      const res = await repo.deleteQueue(db, req.params.id);
      if (res === 'missing') throw notFound('queue', req.params.id);
      if (res === 'in_use') throw new ProblemError(409, `another queue overflows or sends a key to ${req.params.id}`);
      await agents.signal(`queue:${req.params.id}`);
      return reply.code(204).send(null);
    },
  );

  r.get(
    '/v1/queues/:id/calls',
    { config: { scopes: ['queues:read'] }, schema: { tags: TAGS, summary: 'Calls waiting in the queue, in service order', params: QueueParams, response: { 200: WaitingCalls, ...problemResponses(...authProblems, 404) } } },
    async (req) => {
      const q = await repo.getQueue(db, req.params.id);
      if (!q) throw notFound('queue', req.params.id);
      const now = Date.now();
      const calls = (await queuesLive.list(q.id)).sort((a, b) => {
        const ka = orderKey(a, q.agingSecondsPerLevel);
        const kb = orderKey(b, q.agingSecondsPerLevel);
        return ka[0] - kb[0] || ka[1] - kb[1] || (a.callId < b.callId ? -1 : 1);
      });
      const offers = await Promise.all(calls.map((c) => agentsLive.callReservation(c.callId)));
      return {
        items: calls.map((c, i) => ({
          callId: c.callId,
          position: i + 1,
          priority: c.priority,
          waitSeconds: Math.max(0, now - c.enteredMs) / 1000,
          enteredAt: new Date(c.enteredMs).toISOString(),
          offeredTo: offers[i]?.agentId ?? null,
        })),
      };
    },
  );

  r.get(
    '/v1/queues/:id/stats',
    {
      config: { scopes: ['queues:read'] },
      schema: {
        tags: TAGS,
        summary: 'The queue now and today (UTC)',
        description: 'Service level: answered within the target over offered minus short abandons. ASA: average wait of answered calls.',
        params: QueueParams,
        response: { 200: QueueStats, ...problemResponses(...authProblems, 404) },
      },
    },
    async (req) => {
      const q = await repo.getQueue(db, req.params.id);
      if (!q) throw notFound('queue', req.params.id);
      const now = Date.now();
      const waiting = await queuesLive.list(q.id);
      const defs = (await repo.listAgents(db)).filter((a) => qualifies(a.skills, q.skills));
      const live = await agentsLive.getMany(defs.map((a) => a.id));
      const byState = Object.fromEntries(AGENT_STATES.map((s) => [s, 0])) as Record<AgentState, number>;
      for (const d of defs) byState[agentView(d, live.get(d.id)).state]++;
      const counts = await dayCounts(db, q.id, q.serviceLevel.seconds, startOfUtcDay(new Date(now)));
      return {
        queueId: q.id,
        now: {
          waiting: waiting.length,
          longestWaitSeconds: waiting.reduce((m, c) => Math.max(m, (now - c.enteredMs) / 1000), 0),
          agents: byState,
        },
        today: {
          offered: counts.offered,
          answered: counts.answered,
          abandoned: counts.abandoned,
          shortAbandoned: counts.shortAbandoned,
          overflowed: counts.overflowed,
          serviceLevelPercent: serviceLevelPercent(counts),
          asaSeconds: averageSpeedOfAnswer(counts),
        },
      };
    },
  );

  r.post(
    '/v1/routing/simulate',
    {
      config: { scopes: ['queues:read'] },
      schema: {
        tags: TAGS,
        summary: 'Where a call with these attributes would go now',
        description:
          'Runs the routing engine on the current agents and waiting calls without changing anything: the priority the ' +
          'call would get, the skills it would need (widened by waitSeconds), the ready agents in offer order and an ' +
          'expected wait. An unknown queue or skill is a 422.',
        body: SimulateBody,
        response: { 200: SimulationResult, ...problemResponses(...authProblems, 422) },
      },
    },
    async (req) => {
      const body = req.body;
      const snap = await takeSnapshot(db, agentsLive, queuesLive, { withCalls: true });
      const q = snap.queues.get(body.queueId);
      if (!q) throw new ProblemError(422, `unknown queue: ${body.queueId}`, { unknown: { queue: [body.queueId] } });
      await repo.assertSkillsExist(db, body.skills ?? {}).catch(unprocessable);
      const now = Date.now();
      const call = {
        callId: '~simulated',
        queueId: q.id,
        priority: entryPriority(q, body.data ?? {}, body.priority ?? 0),
        enteredMs: now - (body.waitSeconds ?? 0) * 1000,
        skills: body.skills ?? {},
      };
      snap.engine.enqueue(call);
      const position = snap.engine.position(call.callId) ?? 1;
      const required = requiredSkills(q, call, now);
      const order = snap.engine.offerOrder(call, now);
      const busy = [...snap.engine.allAgents()].filter((a) => ['reserved', 'on_call', 'wrap_up'].includes(a.state) && qualifies(a.skills, required)).length;
      return {
        queueId: q.id,
        priority: call.priority,
        requiredSkills: required,
        position,
        agents: order.map((a) => ({ id: a.id, name: snap.agents.get(a.id)?.name ?? a.id })),
        expectedWaitSeconds: expectedWaitSeconds(position, order.length, busy),
      };
    },
  );
}
