// Transfers outside Stasis (AMI BlindTransfer, Atxfer with its feature semantics) and
// ARI's redirect of a Stasis channel to another endpoint.
import { CAUSE, SOFT_HANGUP_EXPLICIT } from './world-causes.js';
import { WorldError } from './world-errors.js';
import type { Channel } from './world-model.js';
import { WorldDialplan } from './world-dialplan.js';

export abstract class WorldTransfers extends WorldDialplan {
  /**
   * AMI BlindTransfer: the party talking with `channelId` (its Dial() partner) goes to
   * exten@context and the transferer leaves. Without a partner there is nothing to
   * transfer: Asterisk answers "Transfer invalid".
   */
  blindTransfer(channelId: string, context: string, exten: string): 'success' | 'invalid' {
    const c = this.mustChannel(channelId);
    const transferee = c.partnerId ? this.chans.get(c.partnerId) : undefined;
    if (!transferee || transferee.gone || c.stasis) return 'invalid';
    c.partnerId = undefined;
    transferee.partnerId = undefined;
    this.after(0, () => this.hangupFlow(c, { requestCause: CAUSE.NORMAL_CLEARING, soft: true, cause: CAUSE.NORMAL_CLEARING }), c);
    this.after(0, () => this.runDialplan(transferee, context, exten, 1, 'redirect'), transferee);
    return 'success';
  }

  /** Whom a channel talks with outside Stasis (a dialplan Dial() or a transfer). */
  talkingWith(channelId: string): string | undefined {
    return this.chans.get(channelId)?.partnerId;
  }

  /**
   * AMI Atxfer, as the atxfer feature runs it: the party talking with the channel hears
   * music, the channel dials exten@context (`cti-agents` rings PJSIP/<exten>) and talks
   * with the target once it answers. Hanging the channel up completes the transfer;
   * CancelAtxfer, a target that does not answer (15 s, atxfernoanswertimeout) or hangs up
   * gives the transferee back. A channel talking with nobody ignores the feature.
   */
  atxfer(channelId: string, context: string, exten: string): void {
    const c = this.mustChannel(channelId);
    const p = c.partnerId ? this.chans.get(c.partnerId) : undefined;
    if (!p || p.gone || c.stasis || c.atxfer) return;
    if (context !== 'cti-agents' || !/^[0-9]+$/.test(exten)) {
      this.log?.warn({ channel: c.name, context, exten }, 'attended transfer target not in the modelled dialplan');
      return;
    }
    const ep = this.parseEndpoint(`PJSIP/${exten}`);
    const { one: t } = this.allocate(ep, { caller: { ...c.caller }, accountcode: c.accountcode, origin: 'dialed-peer' });
    t.linkedid = c.linkedid;
    t.dialStarted = true;
    c.partnerId = undefined;
    p.partnerId = undefined;
    c.atxfer = { transfereeId: p.id, targetId: t.id, answered: false };
    this.mohOn(p);
    this.alert(t, {
      dialString: ep.resource,
      timeoutMs: 15_000,
      caller: c,
      onAnswered: () => this.atxferAnswered(t),
      onFailed: () => this.atxferTargetGone(t),
      finalDialEvent: true,
      timeoutHangup: 'plain',
    });
  }

  /** AMI CancelAtxfer (the atxferabort feature): the target is hung up, the transferee comes back. */
  cancelAtxfer(channelId: string): void {
    const c = this.mustChannel(channelId);
    const x = c.atxfer;
    if (!x) return;
    const t = this.chans.get(x.targetId);
    this.atxferReturn(c);
    if (t && !t.gone) {
      t.partnerId = undefined;
      this.hangupFlow(t, { requestCause: CAUSE.NORMAL_CLEARING, soft: true, cause: CAUSE.NORMAL_CLEARING });
    }
  }

  protected atxferAnswered(t: Channel): void {
    const transferer = [...this.chans.values()].find((x) => x.atxfer?.targetId === t.id);
    if (transferer) {
      transferer.atxfer!.answered = true;
      transferer.partnerId = t.id;
      t.partnerId = transferer.id;
      return;
    }
    const p = t.pendingTransfereeId ? this.chans.get(t.pendingTransfereeId) : undefined;
    t.pendingTransfereeId = undefined;
    if (p && !p.gone) this.connectTransferred(p, t);
    else this.after(0, () => this.hangupFlow(t, { cause: CAUSE.NORMAL_CLEARING }), t);
  }

  /** The target did not answer or hung up: the transferer gets the transferee back. */
  protected atxferTargetGone(t: Channel): void {
    const transferer = [...this.chans.values()].find((x) => x.atxfer?.targetId === t.id);
    t.partnerId = undefined;
    if (transferer) {
      this.atxferReturn(transferer);
      return;
    }
    const p = t.pendingTransfereeId ? this.chans.get(t.pendingTransfereeId) : undefined;
    if (p && !p.gone) this.after(0, () => this.hangupFlow(p, { cause: CAUSE.NORMAL_CLEARING }), p);
  }

  protected atxferReturn(c: Channel): void {
    const x = c.atxfer;
    c.atxfer = undefined;
    c.partnerId = undefined;
    const p = x?.transfereeId ? this.chans.get(x.transfereeId) : undefined;
    if (!p || p.gone) return;
    this.mohOff(p);
    c.partnerId = p.id;
    p.partnerId = c.id;
  }

  protected connectTransferred(p: Channel, t: Channel): void {
    this.mohOff(p);
    p.partnerId = t.id;
    t.partnerId = p.id;
  }

  /** A party of an attended transfer hangs up: rewire who talks with whom before the usual clean-up. */
  protected override atxferPartyGone(c: Channel): void {
    if (c.atxfer) {
      // The transferer leaves: the transfer completes.
      const x = c.atxfer;
      c.atxfer = undefined;
      c.partnerId = undefined;
      const p = x.transfereeId ? this.chans.get(x.transfereeId) : undefined;
      const t = this.chans.get(x.targetId);
      if (t && !t.gone) t.partnerId = undefined;
      if (p && !p.gone && t && !t.gone) {
        if (x.answered) this.connectTransferred(p, t);
        else t.pendingTransfereeId = p.id;
      } else if (t && !t.gone) {
        this.after(0, () => this.hangupFlow(t, { cause: CAUSE.NORMAL_CLEARING }), t);
      } else if (p && !p.gone) {
        this.after(0, () => this.hangupFlow(p, { cause: CAUSE.NORMAL_CLEARING }), p);
      }
      return;
    }
    for (const x of this.chans.values()) {
      if (x.atxfer?.targetId === c.id && x.atxfer.answered) {
        // The target ends the consultation.
        c.partnerId = undefined;
        this.atxferReturn(x);
        return;
      }
      if (x.atxfer?.transfereeId === c.id) {
        x.atxfer.transfereeId = undefined;
        c.partnerId = undefined;
        return;
      }
    }
  }

  /** ARI /redirect: transfers a Stasis channel to another endpoint. */
  redirectToEndpoint(channelId: string, endpoint: string): void {
    const c = this.stasisChannel(channelId);
    const slash = endpoint.indexOf('/');
    if (slash <= 0) throw new WorldError('unprocessable', `Endpoint parameter '${endpoint}' does not contain tech/resource`);
    const tech = endpoint.slice(0, slash);
    if (tech.toLowerCase() !== c.tech.toLowerCase()) {
      throw new WorldError('unprocessable', `Endpoint technology '${tech}' does not match channel technology '${c.tech}'`);
    }
    if (c.tech === 'Local') {
      this.log?.warn({ channel: c.name }, 'Unsupported transfer requested');
      return;
    }
    // A PJSIP redirect is a SIP 302: the phone goes elsewhere and this channel ends.
    this.after(20, () => this.hangupFlow(c, { requestCause: SOFT_HANGUP_EXPLICIT, soft: true, cause: CAUSE.NORMAL_CLEARING }), c);
  }
}
