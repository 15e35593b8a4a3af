// Placing calls under call control: click-to-dial (the agent's phone first, then the
// customer) and the IVR's hand-over of an inbound caller to a destination. Both end in
// the same shape: the customer and an agent in the call's mixing bridge.
import { ProblemError } from '../../api/problem.js';
import type { IvrHandover } from '../../ivr/ivr-calls.js';
import { checkDestination, dialRefused } from '../dial-policy.js';
import { getCall, type Call } from '../repository.js';
import type { LiveCall, LiveCalls } from './live.js';
import { suspendedProblem } from '../../fraud/suspension.js';
import { refusedDestinations } from '../../fraud/signals.js';
import { keyDialPolicy } from './key-policy.js';
import { acceptDial, dialRequest } from './originations.js';
import type { ControlPbx } from './pbx.js';
import { addLeg, newId, noteEvent } from './repository.js';
import type { CallControlOptions } from './service.js';

/** The Stasis argument of every leg call control originates. */
export const STASIS_ARG = 'call-control';

export interface DialInput {
  apiKeyId: string;
  idempotencyKey: string | undefined;
  extension: string;
  to: string;
  agentId?: string | undefined;
  data?: Record<string, unknown> | undefined;
}

/** What placing a call uses of the node's call control. */
export interface ControlCore {
  readonly live: LiveCalls;
  readonly pbx: ControlPbx;
  readonly opts: CallControlOptions;
  finish(live: LiveCall, cause: number | null, reason: string): Promise<void>;
}

/** Places the call; a replayed Idempotency-Key returns the first request's call. */
export async function placeCall(core: ControlCore, input: DialInput): Promise<{ call: Call; replay: boolean }> {
  const { db, config } = core.opts;
  const policy = await keyDialPolicy(db, input.apiKeyId, config);
  if (policy.suspended) throw suspendedProblem(input.apiKeyId, policy.suspended);
  if (!/^[0-9]{2,6}$/.test(input.extension)) throw new ProblemError(422, `'${input.extension}' is not an extension (2-6 digits)`);
  const checked = checkDestination(input.to, policy.policy);
  if (!checked.ok) throw dialRefused(checked);
  const callId = newId();
  const agentChannelId = newId();
  const customerChannelId = newId();
  const accepted = await acceptDial(
    db,
    {
      apiKeyId: input.apiKeyId,
      idempotencyKey: input.idempotencyKey,
      request: dialRequest(input, checked.number),
      maxConcurrent: policy.maxConcurrent,
      perMinute: policy.perMinute,
    },
    {
      id: callId,
      pbxNode: core.opts.pbxNode,
      customerChannelId,
      agentChannelId,
      agentId: input.agentId ?? null,
      linkedid: agentChannelId,
      from: input.extension,
      to: checked.number,
      data: input.data ?? {},
    },
  );
  if (accepted.replay) return { call: (await getCall(db, accepted.callId)) as Call, replay: true };

  const live: LiveCall = {
    callId,
    customer: customerChannelId,
    agent: agentChannelId,
    mainBridge: callId,
    dialOut: { endpoint: `PJSIP/${checked.number}@${config.trunk}`, callerId: policy.callerId },
    ended: false,
  };
  core.live.addCall(live);
  core.live.addLeg({ channelId: agentChannelId, callId, role: 'agent', agentId: input.agentId ?? null });
  core.live.addLeg({ channelId: customerChannelId, callId, role: 'customer', agentId: null });
  try {
    await core.opts.ari.channels.originate({
      endpoint: `PJSIP/${input.extension}`,
      channelId: agentChannelId,
      app: core.opts.app,
      appArgs: [STASIS_ARG, callId, 'agent'],
      // The agent's phone shows whom it is about to call.
      callerId: checked.number,
      variables: { CTI_CALL_ID: callId },
    });
  } catch (err) {
    core.opts.log.warn({ err: (err as Error).message, callId }, 'agent phone could not be dialled');
    await core.finish(live, null, 'agent phone could not be dialled');
  }
  return { call: (await getCall(db, callId)) as Call, replay: false };
}


/**
 * The IVR's `transfer` node: the caller waits with music while the destination (a
 * named one from TRANSFER_DESTINATIONS, or an extension) rings, then they are bridged
 * and the call is under call control like a click-to-dial one.
 */
export async function takeInbound(core: ControlCore, h: IvrHandover): Promise<void> {
  const { config, log } = core.opts;
  const name = String(h.params['to'] ?? '');
  const dest = config.destinations[name] ?? (/^[0-9]{2,6}$/.test(name) ? name : undefined);
  const checked = dest === undefined ? undefined : checkDestination(dest, config.policy);
  if (!checked || !checked.ok) {
    // Counted with every other refusal; no key or caller chose the number (the flow did), so it raises no burst.
    refusedDestinations.inc({ feature: 'ivr_transfer', rule: checked && !checked.ok ? checked.rule : 'unknown_destination' });
    log.warn({ callId: h.call.id, to: name, reason: checked && !checked.ok ? checked.reason : 'unknown destination' }, 'IVR transfer refused');
    await core.opts.ari.channels.hangup(h.channelId, { reason: 'normal' }).catch(() => undefined);
    return;
  }
  const endpoint = /^[0-9]{2,6}$/.test(checked.number) ? `PJSIP/${checked.number}` : `PJSIP/${checked.number}@${config.trunk}`;
  const callId = h.call.id;
  const live: LiveCall = { callId, customer: h.channelId, agent: newId(), mainBridge: callId, inbound: true, ended: false };
  core.live.addCall(live);
  core.live.addLeg({ channelId: h.channelId, callId, role: 'customer', agentId: null }).up = true;
  core.live.addLeg({ channelId: live.agent, callId, role: 'agent', agentId: null });
  await core.live.serial(callId, async () => {
    await core.opts.ari.bridges.create({ type: 'mixing', bridgeId: live.mainBridge, name: `call ${callId}` });
    await core.pbx.hold(live);
    await addLeg(core.opts.db, callId, live.agent, 'agent', null);
    await noteEvent(core.opts.db, callId, 'call.handed_over', { node: h.node, to: name });
    try {
      await core.opts.ari.channels.originate({
        endpoint,
        channelId: live.agent,
        app: core.opts.app,
        appArgs: [STASIS_ARG, callId, 'agent'],
        originator: h.channelId,
        callerId: h.call.callerNumber ?? '',
        variables: { CTI_CALL_ID: callId },
        timeout: config.transferTimeoutSeconds,
      });
    } catch (err) {
      log.warn({ err: (err as Error).message, callId }, 'IVR transfer destination could not be dialled');
      await core.finish(live, null, 'transfer destination could not be dialled');
    }
  });
}
