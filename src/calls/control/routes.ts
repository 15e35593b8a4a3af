// Call control API: click-to-dial, mid-call control, transfers and per-key dial policies.
// A call is driven by the instance that holds its PBX node; others answer 503.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type, type Static } from 'typebox';
import { ProblemError, notFound } from '../../api/problem.js';
import { authProblems, problemResponses } from '../../api/schemas.js';
import type { CallControlConfig } from '../../config.js';
import type { Db } from '../../db/pool.js';
import { compilePattern } from '../dial-policy.js';
import { getCall, type Call } from '../repository.js';
import { CallIdParams, CallSummary } from '../schemas.js';
import { getTransfer } from '../transfers/repository.js';
import { ChannelCommandBody, ChannelTransferBody, ChannelTransferResult, StartTransferBody, TransferIdParams, TransferSchema } from '../transfers/schemas.js';
import { publicTransfer } from '../transfers/service.js';
import { keyDialPolicy, saveKeyDialPolicy } from './key-policy.js';
import type { CallControlRegistry } from './registry.js';
import { DialBody, DialPolicyBody, DialPolicyParams, DtmfBody, IdempotencyHeaders } from './schemas.js';
import type { CallControl } from './service.js';

export interface CallControlRoutesOptions {
  db: Db;
  registry: CallControlRegistry;
  config: CallControlConfig;
}

export function callJson(c: Call): Static<typeof CallSummary> {
  return {
    id: c.id,
    pbxNode: c.pbxNode,
    channelId: c.channelId,
    linkedid: c.linkedid,
    direction: c.direction,
    state: c.state,
    caller: { number: c.callerNumber, name: c.callerName },
    dnis: c.dnis,
    data: c.data,
    createdAt: c.createdAt.toISOString(),
    answeredAt: c.answeredAt?.toISOString() ?? null,
    endedAt: c.endedAt?.toISOString() ?? null,
    hangupCause: c.hangupCause,
  };
}

export async function callControlRoutes(app: FastifyInstance, opts: CallControlRoutesOptions): Promise<void> {
  const { db, registry, config } = opts;
  const r = app.withTypeProvider<TypeBoxTypeProvider>();

  const controlFor = (pbxNode: string): CallControl => {
    const control = registry.get(pbxNode);
    if (!control) throw new ProblemError(503, `this instance does not drive PBX node ${pbxNode} now; retry`);
    return control;
  };
  const controlOfCall = async (callId: string): Promise<CallControl> => {
    const call = await getCall(db, callId);
    if (!call) throw notFound('call', callId);
    return controlFor(call.pbxNode);
  };
  const keyId = (req: FastifyRequest): string => {
    if (!req.apiKey) throw new ProblemError(401, 'an API key is required');
    return req.apiKey.id;
  };

  r.post(
    '/v1/calls',
    {
      config: { scopes: ['calls:write'] },
      schema: {
        tags: ['calls'],
        summary: 'Click-to-dial: ring the agent, then the customer, and connect them',
        description:
          'The agent’s phone rings first; when it answers the customer is dialled. The number must match the key’s dial allow-list. ' +
          'A retried request with the same `Idempotency-Key` returns the same call (200).',
        headers: IdempotencyHeaders,
        body: DialBody,
        response: { 200: CallSummary, 201: CallSummary, ...problemResponses(...authProblems, 422, 503) },
      },
    },
    async (req, reply) => {
      const control = req.body.pbxNode ? controlFor(req.body.pbxNode) : registry.any();
      if (!control) throw new ProblemError(503, 'this instance drives no PBX node now; retry');
      const { call, replay } = await control.dial({
        apiKeyId: keyId(req),
        idempotencyKey: req.headers['idempotency-key'],
        extension: req.body.extension,
        to: req.body.to,
        agentId: req.body.agentId,
        data: req.body.data,
      });
      return reply.code(replay ? 200 : 201).send(callJson(call));
    },
  );

  const simple = (path: string, summary: string, run: (c: CallControl, id: string) => Promise<unknown>) =>
    r.post(
      `/v1/calls/:id/${path}`,
      {
        config: { scopes: ['calls:write'] },
        schema: { tags: ['calls'], summary, params: CallIdParams, response: { 204: Type.Null({ description: 'Done' }), ...problemResponses(...authProblems, 404, 409, 503) } },
      },
      async (req, reply) => {
        await run(await controlOfCall(req.params.id), req.params.id);
        return reply.code(204).send(null);
      },
    );
  simple('hold', 'Put the customer on hold (music; they hear no agent)', (c, id) => c.hold(id));
  simple('unhold', 'Take the customer off hold', (c, id) => c.unhold(id));
  simple('mute', "Mute the agent's microphone", (c, id) => c.mute(id, true));
  simple('unmute', "Unmute the agent's microphone", (c, id) => c.mute(id, false));
  simple('hangup', 'End the call for every party', (c, id) => c.hangup(id));

  r.post(
    '/v1/calls/:id/dtmf',
    {
      config: { scopes: ['calls:write'] },
      schema: { tags: ['calls'], summary: 'Send digits to the far end', params: CallIdParams, body: DtmfBody, response: { 204: Type.Null({ description: 'Sent' }), ...problemResponses(...authProblems, 404, 409, 503) } },
    },
    async (req, reply) => {
      await (await controlOfCall(req.params.id)).dtmf(req.params.id, req.body.digits);
      return reply.code(204).send(null);
    },
  );

  r.post(
    '/v1/calls/:id/transfers',
    {
      config: { scopes: ['calls:write'] },
      schema: {
        tags: ['transfers'],
        summary: 'Transfer the call (blind or attended)',
        description: 'The customer hears music while the target rings and while the agents consult. No answer within `timeout` gives the customer back.',
        params: CallIdParams,
        body: StartTransferBody,
        response: { 201: TransferSchema, ...problemResponses(...authProblems, 404, 409, 422, 503) },
      },
    },
    async (req, reply) => {
      const control = await controlOfCall(req.params.id);
      const policy = await keyDialPolicy(db, keyId(req), config);
      const t = await control.startTransfer(req.params.id, {
        to: req.body.to,
        mode: req.body.mode,
        ...(req.body.timeout !== undefined ? { timeoutSeconds: req.body.timeout } : {}),
        policy: policy.policy,
      });
      return reply.code(201).send(publicTransfer(t));
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
          'For channels that never entered cti-bridge’s app. Blind: the party talking with `channel` goes to the target and `channel` leaves. ' +
          'Attended: that party hears music while `channel` consults the target; then `/v1/channel-transfers/complete` or `/cancel`.',
        body: ChannelTransferBody,
        response: { 200: ChannelTransferResult, ...problemResponses(...authProblems, 404, 409, 422, 503) },
      },
    },
    async (req) => {
      const control = req.body.pbxNode ? controlFor(req.body.pbxNode) : registry.any();
      if (!control) throw new ProblemError(503, 'this instance drives no PBX node now; retry');
      const policy = await keyDialPolicy(db, keyId(req), config);
      return control.transferChannel(req.body.channel, req.body.to, policy.policy, req.body.mode ?? 'blind');
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
        schema: { tags: ['transfers'], summary, body: ChannelCommandBody, response: { 204: Type.Null({ description: 'Sent to the PBX' }), ...problemResponses(...authProblems, 404, 409, 422, 503) } },
      },
      async (req, reply) => {
        const control = req.body.pbxNode ? controlFor(req.body.pbxNode) : registry.any();
        if (!control) throw new ProblemError(503, 'this instance drives no PBX node now; retry');
        await control.channelTransferCommand(req.body.channel, command);
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
        schema: { tags: ['transfers'], summary, params: TransferIdParams, response: { 200: TransferSchema, ...problemResponses(...authProblems, 404, 409, 503) } },
      },
      async (req) => {
        const t = await getTransfer(db, req.params.id);
        if (!t) throw notFound('transfer', req.params.id);
        return publicTransfer(await controlFor(t.pbxNode).transferCommand(t.id, path));
      },
    );
  }

  r.put(
    '/v1/api-keys/:keyId/dial-policy',
    {
      config: { scopes: ['admin'] },
      schema: {
        tags: ['calls'],
        summary: "Set an API key's dial allow-list, caller id and call limits",
        params: DialPolicyParams,
        body: DialPolicyBody,
        response: { 204: Type.Null({ description: 'Saved' }), ...problemResponses(...authProblems, 404, 422) },
      },
    },
    async (req, reply) => {
      for (const p of [...req.body.allow, ...(req.body.deny ?? [])]) {
        try {
          compilePattern(p);
        } catch (err) {
          throw new ProblemError(422, (err as Error).message);
        }
      }
      const saved = await saveKeyDialPolicy(db, req.params.keyId, {
        allow: req.body.allow,
        deny: req.body.deny ?? [],
        callerId: req.body.callerId ?? null,
        maxConcurrent: req.body.maxConcurrent ?? null,
        perMinute: req.body.perMinute ?? null,
      });
      if (!saved) throw notFound('API key', req.params.keyId);
      return reply.code(204).send(null);
    },
  );
}
