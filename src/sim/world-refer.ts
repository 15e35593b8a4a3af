// A desk phone's transfer key (SIP REFER) on a call in Stasis, as Asterisk 22 handles it
// (captures pjsip/refer-blind-core and refer-ari-only):
// - core handling, blind: 202, a `Local/<target>@cti-phones` pair; ;1 enters the app with
//   `replace_channel` = the phone's leg, the phone leaves the bridge, ;1 enters it,
//   BridgeBlindTransfer; ;2 dials the extension; the phone is told success at once and
//   hangs up a moment later.
// - core handling, attended (REFER with Replaces): the phone consulted the target on a
//   second call outside Stasis; the target takes the phone's place in the bridge (its
//   StasisStart carries `replace_channel`), BridgeAttendedTransfer, the phone hangs up
//   both calls. Modelled on Asterisk's bridge swap; not captured.
// - ari-only: 202 and a ChannelTransfer event, nothing else; the app reports progress
//   (transfer_progress, echoed as ChannelTransfer with `state`) and the phone hangs up
//   once told the target answered.
// - ari-only, attended: after the consultation the REFER with Replaces is only reported
//   (ChannelTransfer naming the consultation's leg and whom it talks to); the app moves
//   the consulted party into its bridge (AMI Redirect into a context that runs Stasis)
//   and reports the outcome; the phone then hangs up both its calls. Not captured.
import { CAUSE } from './world-causes.js';
import { WorldError } from './world-errors.js';
import type { Channel } from './world-model.js';
import type { ChannelSnapshot } from './world-types.js';
import { WorldTransfers } from './world-transfers.js';

export type ReferHandling = 'core' | 'ari-only';

export interface PhoneReferParams {
  /** What the agent keyed in (Refer-To user part). */
  target: string;
  handling?: ReferHandling;
  /** Consult the target first (a second call), then REFER with Replaces. */
  attended?: boolean;
  /** How long an attended consultation lasts once the target answered. */
  consultMs?: number;
  /** How long the phone waits after the final NOTIFY before it hangs up. */
  hangupAfterMs?: number;
  /** Attended: the consulted party hangs up as the phone sends its REFER (ari-only). */
  targetHangsUp?: boolean;
}

export const TRANSFER_PROGRESS_STATES = ['channel_progress', 'channel_answered', 'channel_unavailable', 'channel_declined'];

export abstract class WorldRefer extends WorldTransfers {
  /** ari-only REFERs waiting for the app's outcome, by the phone's channel id. */
  private readonly referrals = new Map<string, { destination: string; hangupAfterMs: number; consultation?: string }>();

  /** The phone on `channelId` presses its transfer key. */
  phoneRefer(channelId: string, p: PhoneReferParams): void {
    const phone = this.mustChannel(channelId);
    const bridge = phone.bridgeId ? this.bridgeMap.get(phone.bridgeId) : undefined;
    if (phone.tech !== 'PJSIP' || !phone.stasis || !bridge) throw new WorldError('conflict', 'only a PJSIP phone in a Stasis bridge can transfer');
    if (!/^\+?[0-9*#]{1,32}$/.test(p.target)) throw new WorldError('bad-request', "'target' must be what a phone keys in: digits");
    const transferee = bridge.members.map((id) => this.chans.get(id)).find((c): c is Channel => !!c && c.id !== phone.id && !c.gone);
    const hangupAfterMs = p.hangupAfterMs ?? 100;
    if (p.attended) {
      this.consult(phone, p.target, p.consultMs ?? 500, hangupAfterMs, p.handling ?? 'core', p.targetHangsUp === true);
      return;
    }
    if ((p.handling ?? 'core') === 'ari-only') {
      this.referrals.set(phone.id, { destination: p.target, hangupAfterMs });
      this.reportRefer(phone, bridge, transferee, { destination: p.target });
      return;
    }
    this.blindSwap(phone, p.target, transferee, hangupAfterMs);
  }

  /** `POST /channels/{id}/transfer_progress`: the phone hears how its REFER went. */
  transferProgress(channelId: string, state: string): void {
    const phone = this.chans.get(channelId);
    if (!phone || phone.gone) throw new WorldError('not-found', 'Channel not found');
    if (!TRANSFER_PROGRESS_STATES.includes(state)) throw new WorldError('bad-request', 'Invalid states value');
    const referral = this.referrals.get(phone.id);
    const bridge = phone.bridgeId ? this.bridgeMap.get(phone.bridgeId) : undefined;
    const connected = state === 'channel_progress' && bridge ? bridge.members.map((id) => this.chans.get(id)).find((c) => c && c.id !== phone.id) : undefined;
    this.emit({
      type: 'ChannelTransferRequested',
      at: this.date(),
      apps: [...phone.apps],
      source: this.snap(phone),
      ...(connected ? { connected: this.snap(connected) } : {}),
      ...(bridge ? { bridge: this.bridgeSnap(bridge) } : {}),
      destination: referral?.destination ?? '',
      state,
    });
    if (state === 'channel_progress' || !referral) return;
    // The final NOTIFY: a transferred phone hangs up; one whose transfer failed stays on the call.
    this.referrals.delete(phone.id);
    const consultation = referral.consultation ? this.chans.get(referral.consultation) : undefined;
    if (state === 'channel_answered') {
      this.after(referral.hangupAfterMs, () => {
        if (consultation && !consultation.gone) this.hangupFlow(consultation, { requestCause: CAUSE.NORMAL_CLEARING, soft: false, cause: CAUSE.NORMAL_CLEARING });
        if (!phone.gone) this.remoteHangup(phone.id);
      }, phone);
      return;
    }
    // An attended transfer that failed: the phone takes its customer back off hold.
    if (referral.consultation) this.emit({ type: 'ChannelUnhold', at: this.date(), apps: [...phone.apps], channel: this.snap(phone) });
  }

  private blindSwap(phone: Channel, target: string, transferee: Channel | undefined, hangupAfterMs: number): void {
    const app = phone.stasis!.app;
    const bridgeId = phone.bridgeId!;
    const ep = this.parseEndpoint(`Local/${target}@cti-phones`);
    const { one, two } = this.allocate(ep, {
      caller: { ...(transferee?.caller ?? phone.connected) },
      accountcode: phone.accountcode,
      origin: 'dialed-peer',
      plainOne: true,
      linkedid: phone.linkedid,
    });
    two!.linkedid = phone.linkedid;
    this.enterStasis(one, app, [], true, false, this.snap(phone));
    this.removeFromBridge(bridgeId, phone.id);
    this.addToBridge(bridgeId, [one.id]);
    this.emit({
      type: 'BlindTransferDone',
      at: this.date(),
      apps: [app],
      transferer: this.snap(phone),
      ...(transferee ? { transferee: this.snap(transferee) } : {}),
      replacement: this.snap(one),
      bridge: this.bridgeSnap(this.bridgeMap.get(bridgeId)!),
      context: 'cti-phones',
      exten: target,
    });
    // ;2 rings the extension; its answer is ;1's (the Local pair bridges itself).
    one.onAnswer = () => {
      if (one.gone) return;
      one.answeredAt = this.date();
      this.setState(one, 'Up');
      if (two && !two.gone && two.state !== 'Up') this.setState(two, 'Up');
    };
    this.after(0, () => this.runDialplan(two!, 'cti-phones', target, 1), two!);
    // Core handling tells the phone "200 OK" as soon as ;1 is in the bridge; the phone hangs up.
    this.after(hangupAfterMs, () => this.remoteHangup(phone.id), phone);
  }

  /**
   * The phone holds the customer, calls the target on a second line (outside Stasis,
   * through its own context), and once they have talked, REFERs with Replaces. A target
   * that does not answer ends the consultation: the phone takes the customer back.
   */
  private consult(phone: Channel, target: string, consultMs: number, hangupAfterMs: number, handling: ReferHandling, targetHangsUp: boolean): void {
    this.emit({ type: 'ChannelHold', at: this.date(), apps: [...phone.apps], channel: this.snap(phone) });
    const [tech, resource] = phone.name.replace(/-[0-9a-f]+$/, '').split('/') as [string, string];
    const second = this.newChannel({
      tech,
      resource,
      state: 'Up',
      caller: { name: '', number: resource },
      connected: { name: '', number: target },
      dialplan: { context: 'cti-phones', exten: target, priority: 1, appName: 'Dial', appData: `PJSIP/${target}` },
      origin: 'inbound',
      accountcode: phone.accountcode,
    });
    this.emit({ type: 'ChannelCreated', at: this.date(), apps: [], channel: this.snap(second) });
    const ep = this.parseEndpoint(`PJSIP/${target}`);
    const { one: peer } = this.allocate(ep, { caller: { ...second.caller }, accountcode: phone.accountcode, origin: 'dialed-peer', linkedid: second.linkedid });
    peer.dialStarted = true;
    const ring = Number(this.globals.get('CTI_AGENT_RING_TIMEOUT') ?? '20') || 20;
    this.alert(peer, {
      dialString: target,
      timeoutMs: ring * 1000,
      caller: second,
      onAnswered: () => {
        second.partnerId = peer.id;
        peer.partnerId = second.id;
        this.after(consultMs, () => {
          if (handling === 'ari-only') this.referReplaces(phone, second, peer, target, hangupAfterMs, targetHangsUp);
          else this.replaces(phone, second, peer, hangupAfterMs);
        }, peer);
      },
      onFailed: () => {
        this.after(0, () => this.hangupFlow(second, { cause: CAUSE.NORMAL_CLEARING }), second);
        if (!phone.gone) this.emit({ type: 'ChannelUnhold', at: this.date(), apps: [...phone.apps], channel: this.snap(phone) });
      },
      finalDialEvent: true,
      timeoutHangup: 'plain',
    });
  }

  private replaces(phone: Channel, second: Channel, target: Channel, hangupAfterMs: number): void {
    if (phone.gone || second.gone || target.gone || !phone.stasis || !phone.bridgeId) return;
    const app = phone.stasis.app;
    const bridgeId = phone.bridgeId;
    const transferee = this.bridgeMap.get(bridgeId)!.members.map((id) => this.chans.get(id)).find((c): c is Channel => !!c && c.id !== phone.id);
    // The consultation's two legs stop talking: the target moves, the phone's second line is done.
    second.partnerId = undefined;
    target.partnerId = undefined;
    this.emit({ type: 'ChannelUnhold', at: this.date(), apps: [...phone.apps], channel: this.snap(phone) });
    this.enterStasis(target, app, [], true, false, this.snap(phone));
    this.removeFromBridge(bridgeId, phone.id);
    this.addToBridge(bridgeId, [target.id]);
    this.emit({
      type: 'AttendedTransferDone',
      at: this.date(),
      apps: [app],
      firstLeg: this.snap(phone),
      secondLeg: this.snap(second),
      ...(transferee ? { transferee: this.snap(transferee) } : {}),
      target: this.snap(target),
      bridge: this.bridgeSnap(this.bridgeMap.get(bridgeId)!),
    });
    this.after(hangupAfterMs, () => {
      if (!second.gone) this.hangupFlow(second, { requestCause: CAUSE.NORMAL_CLEARING, soft: false, cause: CAUSE.NORMAL_CLEARING });
      if (!phone.gone) this.remoteHangup(phone.id);
    }, phone);
  }

  /**
   * ari-only: the REFER with Replaces is only reported. `referred_by` is the phone's leg in
   * our bridge, `refer_to` its consultation leg and the consulted party.
   */
  private referReplaces(phone: Channel, second: Channel, target: Channel, exten: string, hangupAfterMs: number, targetHangsUp: boolean): void {
    if (phone.gone || second.gone || target.gone || !phone.stasis || !phone.bridgeId) return;
    const bridge = this.bridgeMap.get(phone.bridgeId)!;
    const transferee = bridge.members.map((id) => this.chans.get(id)).find((c): c is Channel => !!c && c.id !== phone.id && !c.gone);
    this.referrals.set(phone.id, { destination: exten, hangupAfterMs, consultation: second.id });
    this.reportRefer(phone, bridge, transferee, {
      destination: '',
      replaces: { channel: this.snap(second), connected: this.snap(target), protocolId: `${second.id}-consult@sim` },
    });
    // The consulted party gives up just as the phone hands over: the app finds nobody to move.
    if (targetHangsUp) this.remoteHangup(target.id);
  }

  /** ari-only: Asterisk reports the REFER to the app (ChannelTransfer) and does nothing itself. */
  private reportRefer(
    phone: Channel,
    bridge: Parameters<WorldRefer['bridgeSnap']>[0],
    transferee: Channel | undefined,
    what: { destination: string; replaces?: { channel: ChannelSnapshot; connected?: ChannelSnapshot; protocolId: string } },
  ): void {
    this.emit({
      type: 'ChannelTransferRequested',
      at: this.date(),
      apps: [phone.stasis!.app],
      source: this.snap(phone),
      ...(transferee ? { connected: this.snap(transferee) } : {}),
      bridge: this.bridgeSnap(bridge),
      ...what,
    });
  }
}
