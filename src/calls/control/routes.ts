// Call control API: click-to-dial, mid-call control and per-key dial policies.
// A call is driven by the instance that holds its PBX node; the registry forwards a
// command that lands on another instance to it.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { ProblemError, notFound } from '../../api/problem.js';
import { authProblems, problemResponses } from '../../api/schemas.js';
import type { Db } from '../../db/pool.js';
import type { DialGate } from '../../fraud/gate.js';
import { DEFAULT_DIAL_POLICY, checkDestination, compilePattern } from '../dial-policy.js';
import { getCall } from '../repository.js';
import { callJson } from './call-json.js';
import { dialRequest, replayedDial } from './originations.js';
import { CallIdParams, CallSummary } from '../schemas.js';
import type { CommandArgs } from './commands.js';
import { saveKeyDialPolicy } from './key-policy.js';
import { keyId, nodeOfCall } from './lookup.js';
import type { CallControlRegistry } from './registry.js';
import { DialBody, DialPolicyBody, DialPolicyParams, DtmfBody, IdempotencyHeaders } from './schemas.js';

export interface CallControlRoutesOptions {
  db: Db;
  registry: CallControlRegistry;
  gate: DialGate;
}

export { callJson } from './call-json.js';

export async function callControlRoutes(app: FastifyInstance, opts: CallControlRoutesOptions): Promise<void> {
  const { db, registry, gate } = opts;
  const r = app.withTypeProvider<TypeBoxTypeProvider>();

  /** The call an identical earlier request (same key, Idempotency-Key and body) placed. */
  const replayOfDial = async (idempotencyKey: string | undefined, apiKeyId: string, body: { extension: string; to: string; agentId?: string; data?: Record<string, unknown> }) => {
    if (idempotencyKey === undefined) return undefined;
    const checked = checkDestination(body.to, await gate.policyOf(apiKeyId));
    // A number the policy refuses goes on to the gate, which counts and names the refusal.
    if (!checked.ok) return undefined;
    const callId = await replayedDial(db, apiKeyId, idempotencyKey, dialRequest(body, checked.number));
    const call = callId ? await getCall(db, callId) : undefined;
    return call ? callJson(call) : undefined;
  };


  r.post(
    '/v1/calls',
    {
      config: { scopes: ['calls:write'] },
      schema: {
        tags: ['calls'],
        summary: 'Click-to-dial: ring the agent, then the customer, and connect them',
        description:
          'The agent’s phone rings first; when it answers the customer is dialled. The number must pass the key’s dial policy (422 naming the rule) and its daily call budget (429); a suspended key gets 403. ' +
          'A retried request with the same `Idempotency-Key` returns the same call (200).',
        headers: IdempotencyHeaders,
        body: DialBody,
        response: { 200: CallSummary, 201: CallSummary, ...problemResponses(...authProblems, 422, 429, 503, 504) },
      },
    },
    async (req, reply) => {
      try {
        // A retry of a call already placed is answered before the gate: it spends no budget twice.
        const replayOf = await replayOfDial(req.headers['idempotency-key'], keyId(req), req.body);
        if (replayOf) return reply.code(200).send(replayOf);
        await gate.check({ feature: 'call', apiKeyId: keyId(req), number: req.body.to, spends: 'calls' });
        const { call, replay } = await registry.runOnAny(req.body.pbxNode, 'dial', {
          apiKeyId: keyId(req),
          idempotencyKey: req.headers['idempotency-key'],
          extension: req.body.extension,
          to: req.body.to,
          agentId: req.body.agentId,
          data: req.body.data,
        });
        return reply.code(replay ? 200 : 201).send(call);
      } catch (err) {
        // A full minute frees up within a minute; a concurrent call, whenever one ends.
        if (err instanceof ProblemError && err.status === 429) {
          const budget = err.extensions['retryAfterSeconds'];
          reply.header('retry-after', typeof budget === 'number' ? String(budget) : err.extensions['limit'] === 'per_minute' ? '60' : '5');
        }
        throw err;
      }
    },
  );

  const simple = <K extends 'hold' | 'unhold' | 'mute' | 'hangup'>(path: string, summary: string, command: K, args: (callId: string) => CommandArgs<K>) =>
    r.post(
      `/v1/calls/:id/${path}`,
      {
        config: { scopes: ['calls:write'] },
        schema: { tags: ['calls'], summary, params: CallIdParams, response: { 204: Type.Null({ description: 'Done' }), ...problemResponses(...authProblems, 404, 409, 503, 504) } },
      },
      async (req, reply) => {
        await registry.run(await nodeOfCall(db, req.params.id, req), command, args(req.params.id));
        return reply.code(204).send(null);
      },
    );
  simple('hold', 'Put the customer on hold (music; they hear no agent)', 'hold', (callId) => ({ callId }));
  simple('unhold', 'Take the customer off hold', 'unhold', (callId) => ({ callId }));
  simple('mute', "Mute the agent's microphone", 'mute', (callId) => ({ callId, on: true }));
  simple('unmute', "Unmute the agent's microphone", 'mute', (callId) => ({ callId, on: false }));
  simple('hangup', 'End the call for every party', 'hangup', (callId) => ({ callId }));

  r.post(
    '/v1/calls/:id/dtmf',
    {
      config: { scopes: ['calls:write'] },
      schema: { tags: ['calls'], summary: 'Send digits to the far end', params: CallIdParams, body: DtmfBody, response: { 204: Type.Null({ description: 'Sent' }), ...problemResponses(...authProblems, 404, 409, 503, 504) } },
    },
    async (req, reply) => {
      await registry.run(await nodeOfCall(db, req.params.id, req), 'dtmf', { callId: req.params.id, digits: req.body.digits });
      return reply.code(204).send(null);
    },
  );

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
        // A key's own allow-list keeps the built-in refusals unless it names its own.
        deny: req.body.deny ?? [...DEFAULT_DIAL_POLICY.deny],
        callerId: req.body.callerId ?? null,
        maxConcurrent: req.body.maxConcurrent ?? null,
        perMinute: req.body.perMinute ?? null,
      });
      if (!saved) throw notFound('API key', req.params.keyId);
      return reply.code(204).send(null);
    },
  );
}
