// Transfers over ARI: the customer waits in a holding bridge with music while the target
// rings and while the agents consult; the state machine (state.ts) decides every step
// and this service carries the steps out on the PBX and in Postgres.
import { ProblemError } from '../../api/problem.js';
import type { TransferProgress } from '../../ari/types.js';
import type { Db } from '../../db/pool.js';
import type { Logger } from '../../log.js';
import type { AgentDesk } from '../agent-desk.js';
import { getCall } from '../repository.js';
import { addLeg, endLeg, newId } from '../control/repository.js';
import type { LiveCall, LiveCalls, LiveLeg } from '../control/live.js';
import type { ControlPbx } from '../control/pbx.js';
import { publicTransfer } from './public.js';
import { Recalls } from './recall-service.js';
import { carryOut } from './effects.js';
import { activeTransfer, getTransfer, insertTransfer, saveStep, type Transfer, type TransferTarget } from './repository.js';
import { consultedTarget, endpointOfChannel, progressFor, type PhoneTransferFact, type Replaces } from './phone.js';
import { targetEndpoint, type StartTransfer } from './targets.js';
import { canStartTransfer, isFinal, step, type Effect, type InitiatorHangupPolicy, type TransferEvent, type TransferMode } from './state.js';

export interface TransferServiceOptions {
  db: Db;
  pbxNode: string;
  app: string;
  pbx: ControlPbx;
  live: LiveCalls;
  log: Logger;
  trunk: string;
  defaultTimeoutSeconds: number;
  initiatorHangup: InitiatorHangupPolicy;
  /** How long a failed transfer's initiator is rung back; 0: never. */
  recallSeconds: number;
  /** Needed for `{agentId}` targets only; without it they are refused. */
  desk?: AgentDesk | undefined;
  /** Ends the call once its last party is gone. */
  finishCall(call: LiveCall, cause: number | null, reason: string): Promise<void>;
  /** Moves a channel talking outside our app into it (AMI Redirect into the shipped dialplan). */
  bringIntoApp(channelName: string): Promise<void>;
}

export type { StartTransfer } from './targets.js';

type Swap = Extract<PhoneTransferFact, { kind: 'swapped' }>;
/** How a desk phone's transfer is carried out: who hears the outcome, who moves the target. */
interface PhoneWay {
  /** ari-only: the phone's leg, told the outcome (transfer_progress). */
  phone?: string;
  /** Core handling: the PBX already put the target in the main bridge. */
  swapped: boolean;
  /** ari-only attended: the consulted party joins us talking; its ACD booking follows the call. */
  consulted?: boolean;
}

export class TransferService {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  /**
   * Transfers an agent's desk phone started: `phone` is told how they end (ari-only);
   * `swapped` ones have the target in the main bridge already (the PBX put it there).
   */
  private readonly phones = new Map<string, PhoneWay>();

  readonly recalls: Recalls;

  constructor(private readonly o: TransferServiceOptions) {
    this.recalls = new Recalls({ db: o.db, app: o.app, pbx: o.pbx, live: o.live, log: o.log, desk: o.desk, seconds: o.recallSeconds, finishCall: o.finishCall });
  }

  /** The phone a leg belongs to (`PJSIP/1001`), while the leg is there; null once it is gone. */
  private async endpointOfLeg(channelId: string): Promise<string | null> {
    return this.o.pbx.client.channels.get(channelId).then((c) => endpointOfChannel(c.name), () => null);
  }

  /** POST /v1/calls/{id}/transfers. The caller holds the call's serial lane. */
  async start(live: LiveCall, req: StartTransfer): Promise<Transfer> {
    const { db, pbx, log } = this.o;
    const call = await getCall(db, live.callId);
    if (!call) throw new ProblemError(404, `call ${live.callId} does not exist`);
    const active = await activeTransfer(db, call.id);
    const may = canStartTransfer(call.state, active);
    if (!may.ok) throw new ProblemError(409, may.reason);
    const initiator = this.o.live.leg(live.agent);
    if (!initiator || !initiator.up || initiator.gone) throw new ProblemError(409, 'no agent is on the call to transfer it');

    if (req.to.queueId !== undefined && req.mode === 'blind') return this.intoQueue(live, initiator, req.to.queueId);
    const { endpoint, to } = await targetEndpoint({ desk: this.o.desk, trunk: this.o.trunk }, call.id, req, initiator.agentId);
    const targetChannelId = newId();
    const timeoutMs = (req.timeoutSeconds ?? this.o.defaultTimeoutSeconds) * 1000;
    const transfer = await this.newTransfer(live, initiator, {
      mode: req.mode,
      fromEndpoint: await this.endpointOfLeg(initiator.channelId),
      to,
      targetChannelId,
      timeoutMs,
    });
    if (!transfer) {
      if (to.agentId) await this.o.desk?.release(to.agentId, call.id, 'cancelled');
      throw new ProblemError(409, 'another transfer of this call is in progress');
    }
    live.transferId = transfer.id;
    this.o.live.addLeg({ channelId: targetChannelId, callId: call.id, role: 'target', agentId: to.agentId ?? null, transferId: transfer.id });
    await addLeg(db, call.id, targetChannelId, 'transfer_target', to.agentId ?? null);
    // An ACD agent's leg is watched before it is dialled: a phone that answers at once
    // sends its answer within a millisecond of the originate, before anything after it runs.
    if (to.agentId) await this.o.desk?.trackLeg(to.agentId, call.id, targetChannelId, req.mode === 'attended' ? 'consult' : 'transfer');

    await pbx.hold(live);
    try {
      await pbx.client.channels.originate({
        endpoint,
        channelId: targetChannelId,
        app: this.o.app,
        appArgs: ['transfer', call.id, transfer.id],
        // The target's leg joins the customer's conversation: same linkedid, so CDRs follow.
        originator: live.customer,
        variables: { CTI_CALL_ID: call.id },
        // Our own timer decides; the PBX gives up a minute later should we be gone by then.
        timeout: Math.ceil(timeoutMs / 1000) + 60,
      });
    } catch (err) {
      log.warn({ err: (err as Error).message, callId: call.id, transferId: transfer.id }, 'transfer target could not be dialled');
      const failed = await this.feed(transfer.id, { type: 'target_failed', reason: 'unreachable' });
      throw new ProblemError(422, `the target could not be dialled (${(err as Error).message})`, { transfer: failed && publicTransfer(failed) });
    }
    this.arm(call.id, transfer.id, timeoutMs);
    return transfer;
  }

  /**
   * A blind transfer to a queue: nothing is dialled. The agent leaves (wrap-up) and the
   * caller enters the queue by priority, as any call does; the transfer is completed once
   * the ACD holds them. The queue is checked first, so a typo moves nobody.
   */
  private async intoQueue(live: LiveCall, initiator: LiveLeg, queueId: string): Promise<Transfer> {
    const { desk } = this.o;
    if (!desk) throw new ProblemError(422, 'transfers to a queue need the ACD, which this service does not run');
    if (!(await desk.hasQueue(queueId))) throw new ProblemError(422, `queue ${queueId} does not exist`, { unknown: { queue: [queueId] } });
    const transfer = await this.newTransfer(live, initiator, {
      mode: 'blind',
      to: { queueId },
      // No channel is placed for a queue: the ACD rings its agents itself.
      targetChannelId: '',
      timeoutMs: 0,
    });
    if (!transfer) throw new ProblemError(409, 'another transfer of this call is in progress');
    live.transferId = transfer.id;
    return (await this.feed(transfer.id, { type: 'queued' })) ?? transfer;
  }

  /**
   * A phone's REFER under ari-only: carried out as a blind transfer through the dial
   * policy, the phone staying on the line until the target answers. The phone hears of
   * the outcome (NOTIFY) through transfer_progress; a target refused here declines it.
   */
  async startFromPhone(live: LiveCall, phone: string, req: StartTransfer): Promise<Transfer | undefined> {
    let transfer: Transfer;
    try {
      transfer = await this.start(live, req);
    } catch (err) {
      this.o.log.info({ callId: live.callId, reason: (err as Error).message, event: 'call.phone_transfer_refused' }, "the phone's transfer was refused");
      await this.tellPhone(phone, 'channel_declined');
      return undefined;
    }
    this.phones.set(transfer.id, { phone, swapped: false });
    await this.tellPhone(phone, 'channel_progress');
    return transfer;
  }

  /**
   * A phone's REFER under Asterisk's core handling: the PBX has already put `swap.channelId`
   * in the initiator's place in the main bridge (ringing for a blind REFER, talking for an
   * attended one). The call follows it: a transfer from the initiator to that channel,
   * handed over at once, completed when the channel answers.
   */
  async adoptSwap(live: LiveCall, initiator: LiveLeg, swap: Swap, to: TransferTarget): Promise<Transfer | undefined> {
    const { db, desk, log } = this.o;
    if (live.transferId) await this.feed(live.transferId, { type: 'cancel' });
    let target = to;
    // An attended REFER swaps in the consulted agent's phone, talking already: their booking follows.
    const joined = swap.answered ? await desk?.phoneCallJoined(swap.channelId, live.callId) : undefined;
    if (joined) target = { agentId: joined };
    else if (to.agentId !== undefined) {
      const offer = await desk?.reserveDirect(to.agentId, live.callId);
      // The phone rings already: an agent the ACD cannot reserve is still the target, only not booked.
      if (!offer?.ok) {
        log.warn({ callId: live.callId, agentId: to.agentId, reason: offer?.reason }, "the phone's transfer rings an agent the ACD could not reserve");
        target = { extension: swap.exten };
      }
    }
    const timeoutMs = this.o.defaultTimeoutSeconds * 1000;
    const transfer = await this.newTransfer(live, initiator, {
      mode: 'blind',
      fromEndpoint: swap.transfererName ? endpointOfChannel(swap.transfererName) : null,
      to: target,
      targetChannelId: swap.channelId,
      timeoutMs,
    });
    if (!transfer) return undefined;
    live.transferId = transfer.id;
    this.phones.set(transfer.id, { swapped: true });
    const leg = this.o.live.addLeg({ channelId: swap.channelId, callId: live.callId, role: 'target', agentId: target.agentId ?? null, transferId: transfer.id });
    leg.swapped = true;
    leg.up = swap.answered;
    await addLeg(db, live.callId, swap.channelId, 'transfer_target', target.agentId ?? null);
    if (target.agentId && !joined) await desk?.trackLeg(target.agentId, live.callId, swap.channelId, 'transfer');
    await this.feed(transfer.id, { type: 'referred' });
    if (swap.answered) await this.feed(transfer.id, { type: 'target_answered' });
    else this.arm(live.callId, transfer.id, timeoutMs);
    return transfer;
  }

  /**
   * A phone's REFER with Replaces under ari-only: the phone consulted `r.targetName` on a
   * call outside our app and hands its customer over. The consulted party is moved into
   * our app; its StasisStart completes the transfer (connected with the customer, the
   * phone told and hung up). A party gone before it could be moved cancels the transfer:
   * the customer stays with the phone, which hears the failure.
   */
  async startReplaces(live: LiveCall, initiator: LiveLeg, r: Replaces, transfererName?: string): Promise<Transfer | undefined> {
    const { db, desk, log } = this.o;
    if (live.transferId) {
      await this.tellPhone(initiator.channelId, 'channel_declined');
      return undefined;
    }
    const agentId = await desk?.agentAt(endpointOfChannel(r.targetName));
    const timeoutMs = this.o.defaultTimeoutSeconds * 1000;
    const transfer = await this.newTransfer(live, initiator, {
      mode: 'blind',
      fromEndpoint: transfererName ? endpointOfChannel(transfererName) : null,
      to: consultedTarget(r.targetName, agentId),
      targetChannelId: r.targetId,
      timeoutMs,
    });
    if (!transfer) {
      await this.tellPhone(initiator.channelId, 'channel_declined');
      return undefined;
    }
    live.transferId = transfer.id;
    this.phones.set(transfer.id, { phone: initiator.channelId, swapped: false, consulted: true });
    // The phone holds its customer without music: they hear ours until the consulted party takes them.
    await this.o.pbx.hold(live);
    // Known before it is moved: its StasisStart may come before the Redirect's response.
    this.o.live.addLeg({ channelId: r.targetId, callId: live.callId, role: 'target', agentId: agentId ?? null, transferId: transfer.id });
    await addLeg(db, live.callId, r.targetId, 'transfer_target', agentId ?? null);
    this.arm(live.callId, transfer.id, timeoutMs);
    try {
      await this.o.bringIntoApp(r.targetName);
    } catch (err) {
      log.info({ callId: live.callId, transferId: transfer.id, err: (err as Error).message }, 'the consulted party could not be moved into the call');
      await this.feed(transfer.id, { type: 'target_hungup' });
    }
    return transfer;
  }

  /** Records a transfer the initiator's leg starts (call.transfer_started); undefined while another is in progress. */
  private newTransfer(
    live: LiveCall,
    initiator: LiveLeg,
    t: { mode: TransferMode; to: TransferTarget; targetChannelId: string; timeoutMs: number; fromEndpoint?: string | null },
  ): Promise<Transfer | undefined> {
    return insertTransfer(this.o.db, { id: newId(), callId: live.callId, pbxNode: this.o.pbxNode, fromAgentId: initiator.agentId, fromChannelId: initiator.channelId, ...t });
  }

  private arm(callId: string, transferId: string, ms: number): void {
    this.timers.set(
      transferId,
      setTimeout(() => void this.o.live.serial(callId, () => this.feed(transferId, { type: 'timeout' })).catch(() => undefined), ms),
    );
  }

  private async tellPhone(phone: string, state: TransferProgress): Promise<void> {
    // The phone may have hung up already (404): nobody is left to tell.
    await this.o.pbx.client.channels.transferProgress(phone, state).catch((err: unknown) => {
      this.o.log.debug({ err: (err as Error).message, phone, state }, 'transfer progress not delivered');
    });
  }

  /** complete / cancel / conference from the API. */
  async command(transferId: string, type: 'complete' | 'cancel' | 'conference'): Promise<Transfer> {
    const t = await getTransfer(this.o.db, transferId);
    if (!t) throw new ProblemError(404, `transfer ${transferId} does not exist`);
    const s = step(t, { type }, this.o.initiatorHangup);
    if (!s.ok) throw new ProblemError(409, s.reason, { state: t.state });
    return (await this.feed(transferId, { type })) ?? t;
  }

  /** A PBX fact about a transfer's parties; stale facts are ignored. */
  async feed(transferId: string, event: TransferEvent): Promise<Transfer | undefined> {
    const { db, log } = this.o;
    const t = await getTransfer(db, transferId);
    if (!t) return undefined;
    const s = step(t, event, this.o.initiatorHangup);
    if (!s.ok) {
      log.debug({ transferId, event: event.type, reason: s.reason }, 'transfer event ignored');
      return t;
    }
    const announce = s.effects.find((e): e is Extract<Effect, { kind: 'announce' }> => e.kind === 'announce');
    const saved = await saveStep(db, transferId, s.next, s.reason, announce?.type);
    log.info({ callId: t.callId, transferId, event: event.type, from: t.state, to: saved.state, reason: s.reason }, 'transfer step');
    const live = this.o.live.call(t.callId);
    // The phone hears the outcome before we hang it up.
    const phone = this.phones.get(transferId)?.phone;
    const progress = phone && isFinal(saved.state) ? progressFor(saved) : undefined;
    if (phone && progress) await this.tellPhone(phone, progress);
    if (live) await carryOut({ ...this.o, recalls: this.recalls }, live, saved, s.effects, this.phones.get(transferId)?.swapped ?? false);
    if (isFinal(saved.state)) this.settle(live, saved);
    return saved;
  }

  /** After the last step: who is the call's agent now, and is anybody left. */
  private settle(live: LiveCall | undefined, t: Transfer): void {
    const timer = this.timers.get(t.id);
    if (timer) clearTimeout(timer);
    this.timers.delete(t.id);
    this.phones.delete(t.id);
    if (!live) return;
    live.transferId = undefined;
    const target = this.o.live.leg(t.targetChannelId);
    if (t.state === 'completed' && target && !target.gone && !t.initiatorPresent) {
      live.agent = target.channelId;
      target.role = 'agent';
    }
    if (t.state === 'completed' && target && !target.gone && t.initiatorPresent) {
      // A conference that ended with the customer: nothing to hand over.
      live.agent = t.fromChannelId;
    }
  }

  /** The target's leg answered (entered Stasis) or went away. */
  async onTargetUp(leg: LiveLeg): Promise<void> {
    if (!leg.transferId) return;
    // The consulted agent's booking (their phone's talk outside our app) follows the call.
    if (this.phones.get(leg.transferId)?.consulted) await this.o.desk?.phoneCallJoined(leg.channelId, leg.callId);
    await this.feed(leg.transferId, { type: 'target_answered' });
  }

  async onTargetGone(leg: LiveLeg): Promise<void> {
    const { db } = this.o;
    await endLeg(db, leg.callId, leg.channelId);
    const live = this.o.live.call(leg.callId);
    if (leg.transferId && live?.transferId === leg.transferId) {
      const event: TransferEvent = leg.up
        ? { type: 'target_hungup' }
        : { type: 'target_failed', reason: leg.cause === 17 ? 'busy' : leg.cause === 19 ? 'no_answer' : leg.cause === 20 ? 'unreachable' : 'rejected' };
      await this.feed(leg.transferId, event);
    }
  }

  stop(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    this.recalls.stop();
  }
}
