// Call control on one PBX node: hold, mute, DTMF, hang-up, the PBX events of the legs it
// created, and the end of its calls. Calls are placed by placing.ts (click-to-dial, IVR
// hand-over): the customer and an agent meet in the call's mixing bridge, whose id is the
// call's id. Transfers (src/calls/transfers) and recordings work on the same live calls.
import type { AmiClient } from '../../ami/index.js';
import type { AriClient } from '../../ari/client.js';
import type { AriEvent } from '../../ari/types.js';
import { ProblemError } from '../../api/problem.js';
import type { CallControlConfig } from '../../config.js';
import type { Db } from '../../db/pool.js';
import type { Logger } from '../../log.js';
import type { IvrHandover } from '../../ivr/ivr-calls.js';
import type { AgentDesk } from '../agent-desk.js';
import type { DialPolicy } from '../dial-policy.js';
import { dialplanChannel, sameChannel, type StartedChannelTransfer } from '../transfers/channel-guard.js';
import { endCall, getCall, type Call } from '../repository.js';
import { RecordingService } from '../recordings/service.js';
import { TransferService, type StartTransfer } from '../transfers/service.js';
import { bringIntoApp, cancelChannelTransfer, checkChannelName, completeChannelTransfer, transferChannel, type ChannelTransferMode, type DialplanTransferResult } from '../transfers/dialplan.js';
import { getTransfer, type Transfer, type TransferTarget } from '../transfers/repository.js';
import { readPhoneTransfer } from '../transfers/phone.js';
import { adoptCalls, adoptFromDesk, strandedDials } from './adopt.js';
import { LiveCalls, type LiveCall, type LiveLeg } from './live.js';
import { onPhoneTransfer } from './phone-transfer.js';
import { placeCall, STASIS_ARG, takeInbound, type DialInput } from './placing.js';
import { ControlPbx } from './pbx.js';
import { addLeg, endLeg, moveCall, noteEvent } from './repository.js';
import { heldWrite } from './held-write.js';

export interface CallControlOptions {
  db: Db;
  pbxNode: string;
  app: string;
  ari: AriClient;
  ami: AmiClient;
  log: Logger;
  config: CallControlConfig;
  desk?: AgentDesk | undefined;
}

export class CallControl {
  readonly live = new LiveCalls();
  readonly transfers: TransferService;
  readonly recordings: RecordingService;
  readonly pbx: ControlPbx;
  private stopped = false;
  /**
   * Until the first resync after taking the node, calls another instance drove are not
   * rebuilt here yet: a command for one answers 503 (the client sends it again) rather
   * than 409, which a client takes for final and which left such calls up for good.
   */
  private takenOver = false;

  constructor(private readonly o: CallControlOptions) {
    this.pbx = new ControlPbx(o.ari, this.live, o.config.mohClass, o.log);
    this.recordings = new RecordingService({ db: o.db, ari: o.ari, live: this.live, pbxNode: o.pbxNode, log: o.log });
    this.transfers = new TransferService({
      db: o.db,
      pbxNode: o.pbxNode,
      app: o.app,
      pbx: this.pbx,
      live: this.live,
      log: o.log,
      trunk: o.config.trunk,
      defaultTimeoutSeconds: o.config.transferTimeoutSeconds,
      initiatorHangup: o.config.initiatorHangup,
      recallSeconds: o.config.recallSeconds,
      desk: o.desk,
      finishCall: (call, cause, reason) => this.finish(call, cause, reason),
      bringIntoApp: (channelName) => bringIntoApp(o.ami, channelName),
    });
  }

  get pbxNode(): string {
    return this.o.pbxNode;
  }

  get opts(): CallControlOptions {
    return this.o;
  }

  /** Click-to-dial; a replayed Idempotency-Key returns the first request's call. */
  dial(input: DialInput): Promise<{ call: Call; replay: boolean }> {
    return placeCall(this, input);
  }

  /** The IVR's `transfer` node hands its caller over. */
  takeInbound(h: IvrHandover): Promise<void> {
    return takeInbound(this, h);
  }

  // -------------------------------------------------------------------------
  // Mid-call control

  async hold(callId: string): Promise<Call> {
    return this.live.serial(callId, async () => {
      const live = await this.driven(callId);
      if (live.transferId) throw new ProblemError(409, 'a transfer is in progress: the customer is already on hold');
      const call = await this.callInState(callId, 'connected', 'hold');
      const by = this.live.leg(live.agent)?.agentId ?? null;
      await this.pbx.hold(live);
      live.heldAt = Date.now();
      live.heldBy = by;
      return (await moveCall(this.o.db, call.id, 'held', { type: 'call.held', extra: { agentId: by } })) ?? call;
    });
  }

  async unhold(callId: string): Promise<Call> {
    return this.live.serial(callId, async () => {
      const live = this.connected(callId);
      const call = await this.callInState(callId, 'held', 'resume');
      await this.pbx.join(live, live.customer);
      const holdMs = live.heldAt ? Date.now() - live.heldAt : 0;
      const by = live.heldBy ?? null;
      live.heldAt = undefined;
      return (await moveCall(this.o.db, call.id, 'connected', { type: 'call.resumed', extra: { agentId: by, holdMs } })) ?? call;
    });
  }

  /** The agent's microphone: muted, the customer no longer hears the agent. */
  async mute(callId: string, on: boolean): Promise<void> {
    await this.live.serial(callId, async () => {
      const live = await this.driven(callId);
      await this.callInState(callId, ['connected', 'held'], on ? 'mute' : 'unmute');
      if (on) await this.o.ari.channels.mute(live.agent, 'in');
      else await this.o.ari.channels.unmute(live.agent, 'in');
      await noteEvent(this.o.db, callId, on ? 'call.muted' : 'call.unmuted', { channelId: live.agent });
    });
  }

  /** Digits to the far end (an IVR the agent called), as if the agent pressed them. */
  async dtmf(callId: string, digits: string): Promise<void> {
    await this.live.serial(callId, async () => {
      const live = await this.driven(callId);
      await this.callInState(callId, ['connected', 'held'], 'send digits');
      await this.o.ari.channels.sendDtmf(live.customer, digits);
      await noteEvent(this.o.db, callId, 'call.dtmf_sent', { count: digits.length });
    });
  }

  async hangup(callId: string): Promise<void> {
    await this.live.serial(callId, async () => {
      this.adoptedYet(callId);
      const live = this.live.call(callId) ?? (await adoptFromDesk(this.o.db, this.o.pbxNode, this.live, this.o.desk, callId));
      if (!live || live.ended) throw new ProblemError(409, `call ${callId} is not driven by call control or has ended`);
      await this.finish(live, 16, 'hung up through the API');
    });
  }

  // -------------------------------------------------------------------------
  // Transfers (serialised with everything else on the call)

  async startTransfer(callId: string, req: StartTransfer): Promise<Transfer> {
    return this.live.serial(callId, async () => {
      const live = await this.driven(callId);
      return this.transfers.start(live, req);
    });
  }

  /** A channel the site's dialplan controls, handed to another party by the PBX itself. */
  async transferChannel(channel: string, to: TransferTarget, policy: DialPolicy, mode: ChannelTransferMode): Promise<DialplanTransferResult & StartedChannelTransfer> {
    checkChannelName(channel);
    const channelId = await dialplanChannel(this.o.ari, this.o.db, this.o.pbxNode, channel);
    const result = await transferChannel(this.o.ami, { channel, to, policy, mode });
    this.o.log.info({ channel, mode, context: result.context, event: 'channel.transfer' }, 'dialplan channel transfer started');
    return { ...result, pbxNode: this.o.pbxNode, channelId };
  }

  /** Completes or cancels a transfer on the channel it was started on (the route found it in the key's ledger). */
  async channelTransferCommand(channel: string, channelId: string, command: 'cancel' | 'complete'): Promise<void> {
    await sameChannel(this.o.ari, channelId, channel);
    if (command === 'cancel') await cancelChannelTransfer(this.o.ami, channel);
    else await completeChannelTransfer(this.o.ami, channel);
    this.o.log.info({ channel, command, event: 'channel.transfer' }, 'dialplan channel transfer command');
  }

  async transferCommand(transferId: string, type: 'complete' | 'cancel' | 'conference'): Promise<Transfer> {
    const t = await getTransfer(this.o.db, transferId);
    if (!t) throw new ProblemError(404, `transfer ${transferId} does not exist`);
    this.adoptedYet(t.callId);
    return this.live.serial(t.callId, () => this.transfers.command(transferId, type));
  }

  // -------------------------------------------------------------------------
  // PBX events of our legs

  /** True when the event is about a leg call control created. */
  async route(event: AriEvent): Promise<boolean> {
    if (this.stopped) return false;
    if (await this.recordings.route(event)) return true;
    const phoneTransfer = readPhoneTransfer(event);
    if (phoneTransfer) return onPhoneTransfer(this, phoneTransfer);
    const e = event as { type: string; channel?: { id?: string }; cause?: number };
    const leg = e.channel?.id ? this.live.leg(e.channel.id) : undefined;
    if (!leg) return false;
    // Read now: the call may be handed back to the ACD (dropped here) while this event waits its turn.
    const inbound = this.live.call(leg.callId)?.inbound;
    switch (e.type) {
      case 'StasisStart':
        await this.live.serial(leg.callId, () => this.onUp(leg));
        break;
      case 'ChannelStateChange':
        // A channel the PBX swapped in for a phone's transfer answers here (its StasisStart came while it rang).
        if (leg.swapped && (e.channel as { state?: string }).state === 'Up') await this.live.serial(leg.callId, () => this.onUp(leg));
        break;
      case 'ChannelHangupRequest':
        if (e.cause !== undefined && leg.cause === undefined) leg.cause = e.cause;
        break;
      case 'ChannelDestroyed':
        if (e.cause !== undefined && leg.cause === undefined) leg.cause = e.cause;
        await this.live.serial(leg.callId, () => this.onGone(leg));
        break;
      case 'StasisEnd':
        await this.live.serial(leg.callId, () => this.onGone(leg));
        break;
    }
    // An IVR caller's channel stays the inbound handler's and the IVR's too: they close
    // the session and end the call as for any caller (a no-op once we ended it).
    if (leg.role === 'customer' && inbound) return false;
    return true;
  }

  private async onUp(leg: LiveLeg): Promise<void> {
    const live = this.live.call(leg.callId);
    if (!live || live.ended || leg.gone) return;
    leg.up = true;
    if (leg.role === 'target') return this.transfers.onTargetUp(leg);
    if (leg.role === 'recall') return this.transfers.recalls.onUp(leg);
    if (leg.role === 'agent' && live.inbound && leg.channelId === live.agent && live.transferId === undefined) {
      await this.pbx.join(live, leg.channelId, live.customer);
      await moveCall(this.o.db, live.callId, 'connected');
      this.o.log.info({ callId: live.callId, event: 'call.connected' }, 'IVR transfer connected');
      return;
    }
    if (leg.role === 'agent' && live.dialOut) {
      // The agent picked up: now the customer is dialled.
      await this.o.ari.bridges.create({ type: 'mixing', bridgeId: live.mainBridge, name: `call ${live.callId}` });
      await this.pbx.join(live, leg.channelId);
      await noteEvent(this.o.db, live.callId, 'call.agent_answered', { channelId: leg.channelId, agentId: leg.agentId });
      const { endpoint, callerId } = live.dialOut;
      live.dialOut = undefined;
      await addLeg(this.o.db, live.callId, live.customer, 'customer', null);
      try {
        await this.o.ari.channels.originate({
          endpoint,
          channelId: live.customer,
          app: this.o.app,
          appArgs: [STASIS_ARG, live.callId, 'customer'],
          originator: leg.channelId,
          ...(callerId ? { callerId } : {}),
          variables: { CTI_CALL_ID: live.callId },
        });
      } catch (err) {
        this.o.log.warn({ err: (err as Error).message, callId: live.callId }, 'customer could not be dialled');
        await this.finish(live, null, 'customer could not be dialled');
      }
      return;
    }
    if (leg.role === 'customer') {
      await this.pbx.join(live, leg.channelId);
      await moveCall(this.o.db, live.callId, 'answered');
      // A known agent placed the call: announce them as connected, as the ACD does for its calls.
      const agentId = this.live.leg(live.agent)?.agentId ?? null;
      await moveCall(this.o.db, live.callId, 'connected', agentId ? { type: 'call.connected', extra: { agent: { id: agentId }, queueId: null, waitMs: 0 } } : undefined);
      this.o.log.info({ callId: live.callId, event: 'call.connected' }, 'click-to-dial connected');
    }
  }

  private async onGone(leg: LiveLeg): Promise<void> {
    if (leg.gone) return;
    leg.gone = true;
    const live = this.live.call(leg.callId);
    if (!live || live.ended) return;
    if (leg.role === 'target') return this.transfers.onTargetGone(leg);
    if (leg.role === 'recall') return this.transfers.recalls.onGone(leg);
    // A party's leaving ends a call with no transfer going on: the other party is hung up
    // now, even while the writes below wait for Postgres.
    if (!live.transferId && !leg.leaving && (leg.role === 'customer' || leg.channelId === live.agent)) await this.release(live);
    // Marked gone already, so a run again would skip it: the leg's end waits for Postgres here.
    const at = new Date();
    await this.stored(`end of leg ${leg.channelId}`, () => endLeg(this.o.db, live.callId, leg.channelId, at));
    if (leg.leaving) {
      // We sent this leg away (a transfer handed the call over); the call goes on.
      if (leg.role === 'customer') await this.finish(live, 16, 'completed');
      return;
    }
    const cause = leg.cause ?? null;
    if (live.transferId) {
      const t = await getTransfer(this.o.db, live.transferId);
      if (leg.role === 'customer') await this.transfers.feed(live.transferId, { type: 'customer_hungup' });
      else if (t && leg.channelId === t.fromChannelId) await this.transfers.feed(live.transferId, { type: 'initiator_hungup' });
      if (leg.role === 'customer') await this.finish(live, cause, 'customer hung up');
      return;
    }
    if (leg.role === 'customer') return this.finish(live, cause, leg.up ? 'customer hung up' : 'customer did not answer');
    if (leg.channelId === live.agent) return this.finish(live, cause, leg.up ? 'agent hung up' : 'agent did not answer');
  }

  /**
   * After an ARI reconnect: the hang-ups of the gap were never heard. A leg whose channel
   * no longer exists is gone, with everything that follows from it (transfer steps, the
   * call's end); legs still there carry on.
   */
  async resync(snapshot: { channelIds: ReadonlySet<string>; bridgeIds: ReadonlySet<string> }): Promise<void> {
    const { channelIds } = snapshot;
    // Calls another instance drove: rebuilt, and a transfer in flight is cancelled.
    for (const { live, transfer } of await adoptCalls(this.o.db, this.o.pbxNode, this.live, snapshot, this.o.desk)) {
      this.o.log.info({ callId: live.callId, transferId: transfer?.id, event: 'call.adopted' }, 'call control took over a call');
      if (transfer) await this.live.serial(live.callId, () => this.transfers.feed(transfer.id, { type: 'cancel' }));
    }
    // Every call still up on the PBX is rebuilt now: commands for calls not found here are final from here on.
    this.takenOver = true;
    for (const call of await strandedDials(this.o.db, this.o.pbxNode, this.live, snapshot)) {
      await this.o.ari.channels.hangup(call.linkedid!, { reason: 'normal' }).catch(() => undefined);
      const reason = 'the instance placing it stopped before the customer was dialled';
      if (await endCall(this.o.db, call.id, { cause: null, reason })) this.o.log.info({ callId: call.id, event: 'call.ended', reason }, 'call ended');
    }
    for (const call of this.live.all()) {
      if (call.ended) continue;
      for (const leg of this.live.legsOf(call.callId)) {
        if (leg.gone || channelIds.has(leg.channelId)) continue;
        await this.live.serial(call.callId, () => this.onGone(leg));
      }
    }
  }

  /** Ends the call: every leg hung up, no bridge left, the call and its CDR written. */
  async finish(live: LiveCall, cause: number | null, reason: string): Promise<void> {
    if (live.ended) return;
    live.ended = true;
    if (live.transferId) await this.transfers.feed(live.transferId, { type: 'customer_hungup' });
    await this.transfers.recalls.callEnded(live);
    await this.release(live);
    await this.recordEnd(live.callId, cause, reason);
    // The legs' last events (ChannelDestroyed after StasisEnd) are still ours to swallow.
    setTimeout(() => this.live.dropCall(live.callId), 30_000).unref();
  }

  /** Every party hung up, no bridge left: the PBX side of a call's end, which needs no Postgres. */
  private async release(live: LiveCall): Promise<void> {
    if (live.released) return;
    live.released = true;
    for (const id of [live.customer, live.agent]) await this.pbx.hangup(id);
    await this.pbx.dismantle(live);
  }

  /** The call is over on the PBX: its end is written at the time it happened, waiting for Postgres if need be. */
  private async recordEnd(callId: string, cause: number | null, reason: string): Promise<void> {
    const at = new Date();
    const ended = await this.stored(`end of call ${callId}`, () => endCall(this.o.db, callId, { cause, reason, at }));
    if (ended) this.o.log.info({ callId, event: 'call.ended', cause, reason }, 'call ended');
  }

  private stored<T>(what: string, write: () => Promise<T>): Promise<T> {
    return heldWrite(what, write, { log: this.o.log, stopped: () => this.stopped });
  }

  /** The live call, or a call the ACD connected, taken over from it now. */
  private async driven(callId: string): Promise<LiveCall> {
    this.adoptedYet(callId);
    if (!this.live.call(callId)) await adoptFromDesk(this.o.db, this.o.pbxNode, this.live, this.o.desk, callId);
    return this.connected(callId);
  }

  private connected(callId: string): LiveCall {
    this.adoptedYet(callId);
    const live = this.live.call(callId);
    if (!live || live.ended) throw new ProblemError(409, `call ${callId} is not up under call control`);
    return live;
  }

  /** A call not rebuilt here while the take-over's resync has not run: the client retries. */
  private adoptedYet(callId: string): void {
    if (this.takenOver || this.live.call(callId)) return;
    throw new ProblemError(503, `PBX node ${this.o.pbxNode} is being taken over and call ${callId} is not rebuilt yet; retry`, { pbxNode: this.o.pbxNode, retryAfterSeconds: 1 });
  }

  private async callInState(callId: string, states: string | string[], what: string): Promise<Call> {
    const call = await getCall(this.o.db, callId);
    if (!call) throw new ProblemError(404, `call ${callId} does not exist`);
    const ok = Array.isArray(states) ? states : [states];
    if (!ok.includes(call.state)) throw new ProblemError(409, `cannot ${what}: the call is ${call.state}`);
    return call;
  }

  stop(): void {
    this.stopped = true;
    this.transfers.stop();
  }
}
