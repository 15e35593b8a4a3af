// Transfer API: start a transfer of a call under call control, follow it, complete,
// cancel or turn it into a conference; and transfers of calls the site's dialplan controls.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { notFound, ProblemError } from '../../api/problem.js';
import { hasScope } from '../../api/scopes.js';
import { authProblems, problemResponses } from '../../api/schemas.js';
import type { Db } from '../../db/pool.js';
import type { DialGate } from '../../fraud/gate.js';
import type { DialPolicy } from '../dial-policy.js';
import { mayChangeCall, keyId, nodeOfCall } from '../control/lookup.js';
import type { CallControlRegistry } from '../control/registry.js';
import { CallIdParams } from '../schemas.js';
import type { ChannelTransferLedger } from './channel-guard.js';
import { checkChannelName } from './dialplan.js';
import { getTransfer, type TransferTarget } from './repository.js';
import { publicTransfer } from './public.js';
import { ChannelCommandBody, ChannelTransferBody, ChannelTransferResult, StartTransferBody, TransferIdParams, TransferSchema } from './schemas.js';

export async function transferRoutes(app: FastifyInstance, opts: { db: Db; registry: CallControlRegistry; gate: DialGate; ledger: ChannelTransferLedger }): Promise<void> {
  const { db, registry, gate, ledger } = opts;
  /** A number or extension target passes the gate here (counted as a fraud signal); the node checks it again. */
  const policyFor = async (req: FastifyRequest, to: TransferTarget): Promise<DialPolicy> => {
    const raw = to.number ?? to.extension;
    if (raw !== undefined) await gate.check({ feature: 'transfer', apiKeyId: keyId(req), number: raw, what: 'transfer target' });
    return gate.policyOf(keyId(req));
  };
  const r = app.withTypeProvider<TypeBoxTypeProvider>();

  r.post(
    '/v1/calls/:id/transfers',
    {
      config: { scopes: ['calls:write'] },
      schema: {
        tags: ['transfers'],
        summary: 'Transfer the call (blind or attended)',
        description:
          'The customer hears music while the target rings and while the agents consult. No answer within `timeout` gives the customer back. ' +
          'To a queue (`{queueId}`, needs `queues:read`): blind puts the caller into the queue by priority and the agent goes to wrap-up; ' +
          'attended consults the agent the queue would offer the call to now. An unknown queue is a 422.',
        params: CallIdParams,
        body: StartTransferBody,
        response: { 201: TransferSchema, ...problemResponses(...authProblems, 404, 409, 422, 503, 504) },
      },
    },
    async (req, reply) => {
      const node = await nodeOfCall(db, req.params.id, req);
      // Queues are read under their own scope: a key that may not see them may not send callers into them.
      if ('queueId' in req.body.to && !hasScope(req.apiKey?.scopes ?? [], 'queues:read')) {
        throw new ProblemError(403, 'this API key lacks the scope queues:read (a transfer to a queue needs it)', { requiredScope: 'queues:read' });
      }
      const policy = await policyFor(req, req.body.to);
      const t = await registry.run(node, 'startTransfer', {
        callId: req.params.id,
        req: {
          to: req.body.to,
          mode: req.body.mode ?? 'attended',
          ...(req.body.timeout !== undefined ? { timeoutSeconds: req.body.timeout } : {}),
          policy,
        },
      });
      return reply.code(201).send(t);
    },
  );

  r.post(
    '/v1/channel-transfers',
    {
      config: { scopes: ['calls:write'] },
      schema: {
        tags: ['transfers'],
        summary: 'Transfer a call that the site’s own dialplan controls (AMI BlindTransfer / Atxfer)',
        description:
          'For channels that never entered cti-bridge’s app; a leg of a call cti-bridge drives answers 403 naming the call (use its transfer API). Blind: the party talking with `channel` goes to the target and `channel` leaves. ' +
          'Attended: that party hears music while `channel` consults the target; then `/v1/channel-transfers/complete` or `/cancel` with the same key (another key’s transfer is 404).',
        body: ChannelTransferBody,
        response: { 200: ChannelTransferResult, ...problemResponses(...authProblems, 403, 404, 409, 422, 503, 504) },
      },
    },
    async (req) => {
      const policy = await policyFor(req, req.body.to);
      const mode = req.body.mode ?? 'blind';
      const { pbxNode, channelId, ...result } = await registry.runOnAny(req.body.pbxNode, 'transferChannel', { channel: req.body.channel, to: req.body.to, policy, mode });
      if (mode === 'attended') await ledger.started(keyId(req), req.body.channel, { pbxNode, channelId });
      return result;
    },
  );

  for (const [command, summary] of [
    ['complete', 'Complete an attended transfer of a dialplan call: the transferring party leaves'],
    ['cancel', 'Cancel an attended transfer of a dialplan call: the target is hung up, the caller comes back'],
  ] as const) {
    r.post(
      `/v1/channel-transfers/${command}`,
      {
        config: { scopes: ['calls:write'] },
        schema: { tags: ['transfers'], summary, body: ChannelCommandBody, response: { 204: Type.Null({ description: 'Sent to the PBX' }), ...problemResponses(...authProblems, 404, 409, 422, 503, 504) } },
      },
      async (req, reply) => {
        checkChannelName(req.body.channel);
        const started = await ledger.find(keyId(req), req.body.channel);
        await registry.run(started.pbxNode, 'channelTransferCommand', { channel: req.body.channel, channelId: started.channelId, command });
        await ledger.ended(keyId(req), req.body.channel);
        return reply.code(204).send(null);
      },
    );
  }

  r.get(
    '/v1/transfers/:id',
    {
      config: { scopes: ['calls:read'] },
      schema: { tags: ['transfers'], summary: 'One transfer', params: TransferIdParams, response: { 200: TransferSchema, ...problemResponses(...authProblems, 404) } },
    },
    async (req) => {
      const t = await getTransfer(db, req.params.id);
      if (!t) throw notFound('transfer', req.params.id);
      return publicTransfer(t);
    },
  );

  for (const [path, summary] of [
    ['complete', 'Hand the customer to the target (while it rings: as a blind transfer)'],
    ['cancel', 'End the consultation (or the ringing) and take the customer back'],
    ['conference', 'Join the customer, the initiator and the target in one conversation'],
  ] as const) {
    r.post(
      `/v1/transfers/:id/${path}`,
      {
        config: { scopes: ['calls:write'] },
        schema: { tags: ['transfers'], summary, params: TransferIdParams, response: { 200: TransferSchema, ...problemResponses(...authProblems, 404, 409, 503, 504) } },
      },
      async (req) => {
        const t = await getTransfer(db, req.params.id);
        if (!t) throw notFound('transfer', req.params.id);
        if (!(await mayChangeCall(db, t.callId, req))) throw notFound('transfer', req.params.id);
        return registry.run(t.pbxNode, 'transferCommand', { transferId: t.id, command: path });
      },
    );
  }
}
