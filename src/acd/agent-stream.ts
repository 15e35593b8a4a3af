// One agent's own live stream: the offers made to them (the screen pop) and their state
// changes, and nothing of anyone else's. Same transport and auth as /v1/events/stream
// (API key, or a stream token for browsers).
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { WebSocket } from 'ws';
import type { Db } from '../db/pool.js';
import type { DomainEvent } from '../events/catalogue.js';
import type { EventBus } from '../events/bus.js';
import { sendProblem } from '../api/errors.js';
import { ProblemError, notFound } from '../api/problem.js';
import { authProblems, problemResponses } from '../api/schemas.js';
import { getAgent } from './repository.js';

export interface AgentStreamOptions {
  db: Db;
  bus: EventBus;
  maxBufferedBytes?: number;
}

const Params = Type.Object({ id: Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$' }) }, { additionalProperties: false });
const Query = Type.Object({ token: Type.Optional(Type.String({ maxLength: 512, description: 'Stream token from POST /v1/events/stream-tokens' })) }, { additionalProperties: false });

/** Whether an event belongs on this agent's stream. */
export function isForAgent(event: DomainEvent, agentId: string): boolean {
  const data = event.data as Record<string, any>;
  if (event.type === 'agent.state_changed') return data.agentId === agentId;
  if (event.type === 'call.offered') return data.offer?.agentId === agentId;
  if (event.type === 'call.connected') return data.agent?.id === agentId;
  if (event.type === 'campaign.task_offered' || event.type === 'campaign.task_ended') return data.agentId === agentId;
  return false;
}

export async function agentStreamRoutes(app: FastifyInstance, opts: AgentStreamOptions): Promise<void> {
  const maxBuffered = opts.maxBufferedBytes ?? 1_048_576;
  app.route({
    method: 'GET',
    url: '/v1/agents/:id/stream',
    config: { scopes: ['agents:read'], streamToken: true },
    schema: {
      tags: ['acd'],
      summary: "An agent's live stream (WebSocket): offers with the screen pop, state changes",
      description:
        'Upgrade to a WebSocket. Messages are event envelopes: `call.offered` (the call-attached data is the screen pop), ' +
        '`call.connected`, `agent.state_changed` and campaign preview tasks (`campaign.task_offered` with the customer and the order, `campaign.task_ended`) of this agent only. Authenticate with Authorization: Bearer or `?token=` ' +
        '(a stream token; its key needs events:read and agents:read).',
      params: Params,
      querystring: Query,
      response: problemResponses(...authProblems, 404, 426),
    },
    preHandler: async (req) => {
      const { id } = req.params as { id: string };
      if (!(await getAgent(opts.db, id))) throw notFound('agent', id);
    },
    handler: async (req, reply) =>
      sendProblem(reply.header('upgrade', 'websocket'), {
        ...new ProblemError(426, 'this endpoint speaks WebSocket only; send an Upgrade request', {}, 'Upgrade Required').toProblem(),
        requestId: req.id,
      }),
    wsHandler: (socket: WebSocket, req: FastifyRequest) => {
      const { id } = req.params as { id: string };
      const unsubscribe = opts.bus.subscribe((event) => {
        if (!isForAgent(event, id) || socket.readyState !== socket.OPEN) return;
        if (socket.bufferedAmount > maxBuffered) {
          socket.close(1013, 'consumer too slow; reconnect');
          return;
        }
        socket.send(JSON.stringify(event));
      });
      // The screen pop carries customer data: a revoked key stops receiving it within seconds.
      const key = req.apiKey!;
      const unwatch = app.keyWatch?.watch({
        keyId: key.id,
        via: key.via,
        scopes: ['agents:read'],
        // A panel session's stream also ends when its link is revoked.
        ...(key.boundTo && app.sessions ? { stillValid: () => app.sessions!.stillValid(key) } : {}),
        close: (reason) => socket.close(4401, reason),
      });
      socket.on('close', () => {
        unsubscribe();
        unwatch?.();
      });
    },
  });
}
