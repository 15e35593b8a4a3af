// How channels end: Asterisk's hang-up sequence for single channels and Local pairs,
// leaving bridges, Stasis and media on the way out, and the CDR each channel posts.
import { CAUSE, causeText, HANGUP_REASONS, SOFT_HANGUP_EXPLICIT } from './world-causes.js';
import { buildCdr } from './world-cdr.js';
import { MSG, WorldError } from './world-errors.js';
import type { CdrRecord } from './world-types.js';
import { type Channel, unionApps } from './world-model.js';
import { WorldState } from './world-state.js';

export abstract class WorldHangup extends WorldState {
  /** An attended transfer rewires who talks with whom when one of its parties hangs up. */
  protected abstract atxferPartyGone(c: Channel): void;

  /**
   * Hangs a channel up from the PBX side. ARI's DELETE passes `reason`/`reasonCode`: the
   * request then shows the soft-hangup flag (32), not the Q.850 cause. AMI's Hangup passes
   * `cause`: the request shows that Q.850 cause (capture ami/08: `Cause: 16`).
   */
  hangup(channelId: string, opts: { reason?: string; reasonCode?: number; cause?: number } = {}): void {
    const c = this.mustChannel(channelId);
    const valid = (n: number) => Number.isInteger(n) && n >= 0 && n <= 127;
    if (opts.cause !== undefined) {
      if (!valid(opts.cause)) throw new WorldError('bad-request', 'Invalid hangup cause provided');
      if (c.hangingUp) return;
      this.hangupFlow(c, { requestCause: opts.cause, soft: true, cause: opts.cause });
      return;
    }
    let cause: number = CAUSE.NORMAL_CLEARING;
    if (opts.reason !== undefined) {
      const mapped = HANGUP_REASONS[opts.reason];
      if (mapped === undefined) throw new WorldError('bad-request', 'Invalid reason for hangup provided');
      cause = mapped;
    } else if (opts.reasonCode !== undefined) {
      if (!valid(opts.reasonCode)) throw new WorldError('bad-request', 'Invalid reason for hangup provided');
      cause = opts.reasonCode;
    }
    if (c.hangingUp) return;
    this.hangupFlow(c, { requestCause: SOFT_HANGUP_EXPLICIT, soft: true, cause });
  }

  /** The far end hangs up (the caller puts the phone down, the agent's phone drops). */
  remoteHangup(channelId: string, cause: number = CAUSE.NORMAL_CLEARING): void {
    const c = this.mustChannel(channelId);
    if (c.localHalf === 1 && c.localPeerId) {
      // The script behind ;1 hung up: the ;2 half sees a hard hangup request.
      this.hangupFlow(c, { cause });
      return;
    }
    this.hangupFlow(c, { requestCause: cause, soft: false, cause });
  }

  /** Calls that have ended since the world started (AMI CoreStatus). */
  processedCalls(): number {
    return this.completedCalls;
  }

  /**
   * The hang-up sequence as Asterisk publishes it for a Local pair or a single channel
   * (captured order: request, bridge leave, StasisEnd, peer request, destroy, peer destroy).
   */
  protected override hangupFlow(c: Channel, o: { requestCause?: number; soft?: boolean; cause: number; fromTwo?: boolean }): void {
    if (c.gone || c.hangingUp) return;
    c.hangingUp = true;
    if (o.requestCause !== undefined) this.hangupRequested(c, o.requestCause, o.soft ?? false);
    this.cleanup(c);
    const peer = c.localPeerId ? this.chans.get(c.localPeerId) : undefined;
    if (peer && !peer.gone && !peer.hangingUp) {
      peer.hangingUp = true;
      // The ;2 half's dialplan ended after a Dial(): ;1 learns its status and its cause
      // (capture pjsip/refer-blind-core: CHANLOCALSTATUS, then the request with ;2's cause).
      const dialStatus = c.localHalf === 2 ? c.vars.get('DIALSTATUS') : undefined;
      if (dialStatus) this.varSet(peer, 'CHANLOCALSTATUS', dialStatus);
      this.hangupRequested(peer, dialStatus ? o.cause : CAUSE.NORMAL_CLEARING, false);
      this.cleanup(peer);
      this.destroy(c, o.cause);
      this.hangupRequested(peer, CAUSE.NORMAL_CLEARING, true);
      this.destroy(peer, o.cause);
    } else {
      this.destroy(c, o.cause);
    }
    this.atxferPartyGone(c);
    // Whoever either half was talking to through a dialplan Dial() is hung up as well.
    for (const partnerId of [c.partnerId, peer?.partnerId]) {
      const partner = partnerId ? this.chans.get(partnerId) : undefined;
      if (partner && !partner.gone) this.hangupFlow(partner, { requestCause: CAUSE.NORMAL_CLEARING, soft: false, cause: CAUSE.NORMAL_CLEARING });
    }
  }

  /**
   * Takes a channel out of its bridge, its media and its Stasis app. A playback cut short
   * by a hang-up ends `failed` (the stream stops with an error), before StasisEnd.
   */
  protected cleanup(c: Channel, why: 'hangup' | 'leave' = 'hangup'): void {
    if (c.bridgeId) this.leaveBridge(c);
    this.player.endAllOn({ kind: 'channel', id: c.id }, why === 'hangup' ? 'failed' : 'done');
    this.recorder.endAllOn({ kind: 'channel', id: c.id });
    if (c.moh) {
      c.moh = undefined;
      this.emit({ type: 'MusicOnHoldStopped', at: this.date(), apps: [], channel: this.snap(c) });
    }
    if (c.stasis) {
      const { app, fromDialplan } = c.stasis;
      this.emit({ type: 'StasisEnded', at: this.date(), apps: [...c.apps], channel: this.snap(c), app });
      c.stasis = undefined;
      if (fromDialplan) c.apps.delete(app);
      this.varSet(c, 'STASISSTATUS', 'SUCCESS');
    }
  }

  protected destroy(c: Channel, cause: number, o: { cdrClosed?: boolean } = {}): void {
    if (c.gone) return;
    c.gone = true;
    c.hangingUp = true;
    for (const t of c.timers) clearTimeout(t);
    c.timers.clear();
    if (c.bridgeId) this.leaveBridge(c);
    const at = this.date();
    const snap = this.snap(c);
    this.chans.delete(c.id);
    // Once the application returns, an originated channel shows its originate pseudo-app again.
    const final = c.origin === 'originated' ? { appName: 'AppDial2', appData: '(Outgoing Line)' } : { appName: '', appData: '' };
    this.emit({ type: 'ChannelHungUp', at, apps: [...c.apps], channel: { ...snap, dialplan: { ...snap.dialplan, ...final } }, cause, causeTxt: causeText(cause) });
    this.endpointChannelsChanged(c);
    if (!o.cdrClosed) this.closeCdr(c, at);
  }

  /** The channel's CDR is posted (the ;2 half of a Local pair is not modelled). */
  protected closeCdr(c: Channel, at: Date): void {
    if (c.localHalf === 2) return;
    this.completedCalls++;
    this.emit({ type: 'Cdr', at, apps: [], cdr: this.cdrOf(c, at) });
  }

  protected cdrOf(c: Channel, end: Date): CdrRecord {
    const partner = c.partnerId ?? c.localPeerId;
    return buildCdr(c, partner ? this.chans.get(partner)?.name ?? '' : '', end);
  }

  protected leaveBridge(c: Channel): void {
    const b = c.bridgeId ? this.bridgeMap.get(c.bridgeId) : undefined;
    c.bridgeId = undefined;
    if (!b) return;
    b.members = b.members.filter((id) => id !== c.id);
    if (b.type === 'mixing' && c.vars.has('BRIDGEPEER')) this.varSet(c, 'BRIDGEPEER', '');
    this.emit({ type: 'BridgeLeft', at: this.date(), apps: unionApps(c, undefined, b), bridge: this.bridgeSnap(b), channel: this.snap(c) });
    if (b.type === 'holding' && b.mohClass) this.emit({ type: 'MusicOnHoldStopped', at: this.date(), apps: [], channel: this.snap(c) });
  }

  protected refreshBridgePeersOf(c: Channel): void {
    const b = c.bridgeId ? this.bridgeMap.get(c.bridgeId) : undefined;
    if (b) this.refreshBridgePeers(b);
  }

  protected stasisChannel(id: string): Channel {
    const c = this.mustChannel(id);
    if (!c.stasis) throw new WorldError('conflict', MSG.notInStasis);
    return c;
  }

  protected mohOn(c: Channel): void {
    c.moh = 'default';
    this.emit({ type: 'MusicOnHoldStarted', at: this.date(), apps: [...c.apps], channel: this.snap(c), mohClass: c.moh });
  }

  protected mohOff(c: Channel): void {
    if (!c.moh) return;
    c.moh = undefined;
    this.emit({ type: 'MusicOnHoldStopped', at: this.date(), apps: [...c.apps], channel: this.snap(c) });
  }
}
