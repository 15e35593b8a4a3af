// Where calls come from and where they go outside Stasis: calls from the trunk,
// originate / create / dial, and the minimal model of the lab dialplan.
import { CAUSE } from './world-causes.js';
import { MSG, WorldError } from './world-errors.js';
import type { CreateParams, InboundCallParams, OriginateParams } from './world-params.js';
import { EMPTY_PARTY, parseCallerId, splitArgs } from './world-util.js';
import type { ChannelSnapshot } from './world-types.js';
import { type Channel, KNOWN_CONTEXTS } from './world-model.js';
import { WorldDialing } from './world-dialing.js';

export abstract class WorldDialplan extends WorldDialing {
  abstract getVar(channelId: string, name: string): string | undefined;

  /** A call from the trunk to a DID: runs from-pstn, i.e. Stasis(app,inbound,DID) or the fallback. */
  inboundCall(params: InboundCallParams): ChannelSnapshot {
    if (!params.to || !/^[\w+*#.-]+$/.test(params.to)) throw new WorldError('bad-request', "'to' must be a dialled number");
    if (params.channelId && this.chans.has(params.channelId)) throw new WorldError('conflict', MSG.duplicateChannelId);
    const caller = { name: params.callerName ?? '', number: params.from ?? '' };
    const c = this.newChannel({
      id: params.channelId,
      tech: 'PJSIP',
      resource: this.trunk,
      state: 'Ring',
      caller,
      connected: { ...caller },
      dialplan: { context: 'from-pstn', exten: params.to, priority: 1, appName: '', appData: '' },
      origin: 'inbound',
    });
    this.emit({ type: 'ChannelCreated', at: this.date(), apps: [], channel: this.snap(c) });
    this.dialplanStep(c, 1, 'NoOp', `Inbound call to ${params.to}`);
    this.runInbound(c, params.app ?? this.inboundApp);
    return this.snap(c);
  }

  protected override runInbound(c: Channel, app: string): void {
    const did = c.dialplan.exten;
    this.dialplanStep(c, 2, 'Stasis', `${app},inbound,${did},${c.linkedid}`);
    if (this.enterStasis(c, app, ['inbound', did, c.linkedid], true)) return;
    // STASISSTATUS=FAILED: the shipped dialplan rings a default agent instead.
    this.varSet(c, 'STASISSTATUS', 'FAILED');
    // As the shipped [cti-fallback] does: reports (and the service, once back) know these calls.
    this.dialplanStep(c, 3, 'Set', 'CDR(userfield)=cti-fallback');
    c.cdrUserField = 'cti-fallback';
    this.dialplanStep(c, 4, 'Dial', `${this.fallbackEndpoint},20`);
    this.emit({ type: 'InboundFallback', at: this.date(), apps: [], channel: this.snap(c), app, target: this.fallbackEndpoint });
    this.dialplanDial(c, this.fallbackEndpoint, 20);
  }

  originate(p: OriginateParams): ChannelSnapshot {
    if (!p.endpoint) throw new WorldError('bad-request', 'Endpoint must be specified');
    if (!p.app && !p.extension && !p.application) throw new WorldError('bad-request', 'Application or extension must be specified');
    this.checkIds(p.channelId, p.otherChannelId);
    const ep = this.parseEndpoint(p.endpoint);
    const callerId = parseCallerId(p.callerId);
    const requestId = p.requestId;
    const fail = (reason: number): never => {
      this.emit({
        type: 'OriginateResult',
        at: this.date(),
        apps: [],
        requestId,
        response: 'Failure',
        reason,
        dialString: p.endpoint ?? '',
        context: p.context ?? '',
        exten: p.extension ?? '',
      });
      throw new WorldError('internal', 'Allocation failed');
    };
    if (ep.tech === 'Local' && !KNOWN_CONTEXTS.has(ep.context)) fail(0);
    // Asterisk requests the channel on behalf of the originator, so it joins that call
    // (same linkedid); an unknown originator is ignored.
    const originator = p.originator ? this.chans.get(p.originator) : undefined;
    const legs = this.allocate(ep, {
      linkedid: originator?.linkedid,
      id: p.channelId,
      otherId: p.otherChannelId,
      caller: callerId,
      accountcode: p.accountcode ?? '',
      origin: 'originated',
    });
    const one = legs.one;
    const vars = p.variables ?? {};
    // FAXOPT(...) and other dialplan functions are applied, not stored: no VarSet (capture 09).
    for (const [k, v] of Object.entries(vars)) if (k.includes('(')) one.vars.set(k, v);
    else this.varSet(one, k, v);
    if (p.app) {
      one.apps.add(p.app);
      if (legs.two) legs.two.apps.add(p.app);
    }
    const two = legs.two;
    if (two) {
      for (const [k, v] of Object.entries(vars)) if (!k.includes('(')) this.varSet(two, k, v);
      if (callerId.name || callerId.number) {
        two.caller = { ...callerId };
        this.emit({ type: 'ChannelCallerId', at: this.date(), apps: [...two.apps], channel: this.snap(two) });
        two.connected = { ...callerId };
        this.emit({ type: 'ChannelConnectedLine', at: this.date(), apps: [...two.apps], channel: this.snap(two) });
      }
    }
    const dialString = ep.resource;
    const created = this.snap(one);
    one.dialStarted = true;
    const announceOk = () =>
      this.emit({
        type: 'OriginateResult',
        at: this.date(),
        apps: [],
        requestId,
        response: 'Success',
        reason: 4,
        dialString: p.endpoint ?? '',
        channel: this.snap(one),
        context: p.context ?? '',
        exten: p.extension ?? '',
      });
    const completeOk = () => {
      if (p.app) {
        this.varSet(one, 'STASISSTATUS', '');
        if (!this.enterStasis(one, p.app, splitArgs(p.appArgs), false)) {
          // The app went away while the phone rang: Stasis() fails and the channel hangs up.
          this.varSet(one, 'STASISSTATUS', 'FAILED');
          this.after(0, () => this.hangupFlow(one, { cause: CAUSE.NORMAL_CLEARING }), one);
        }
      } else if (p.extension) {
        this.runDialplan(one, p.context ?? 'default', p.extension, p.priority ?? 1);
      } else if (p.application) {
        this.runApplication(one, p.application, p.data ?? '');
      }
    };
    const failed = (reason: number) =>
      this.emit({
        type: 'OriginateResult',
        at: this.date(),
        apps: [],
        requestId,
        response: 'Failure',
        reason,
        dialString: p.endpoint ?? '',
        channel: this.snap(one),
        context: p.context ?? '',
        exten: p.extension ?? '',
      });
    this.alert(one, {
      dialString,
      // ARI: -1 waits for ever.
      timeoutMs: (p.timeout ?? 30) > 0 ? (p.timeout ?? 30) * 1000 : undefined,
      announce: announceOk,
      onAnswered: completeOk,
      onFailed: failed,
      finalDialEvent: true,
      timeoutHangup: 'plain',
    });
    return created;
  }

  /** `POST /channels/create`: the channel exists, in Stasis, not yet dialled. */
  create(p: CreateParams): ChannelSnapshot {
    if (!p.endpoint) throw new WorldError('bad-request', 'Endpoint must be specified');
    if (!p.app) throw new WorldError('bad-request', 'Application must be specified');
    if (!this.registeredApps.has(p.app)) throw new WorldError('bad-request', `Stasis app '${p.app}' not registered`);
    this.checkIds(p.channelId, p.otherChannelId);
    const ep = this.parseEndpoint(p.endpoint);
    const legs = this.allocate(ep, { id: p.channelId, otherId: p.otherChannelId, caller: EMPTY_PARTY(), accountcode: '', origin: 'created', plainOne: true });
    const one = legs.one;
    for (const [k, v] of Object.entries(p.variables ?? {})) this.varSet(one, k, v);
    one.apps.add(p.app);
    const snapBefore = this.snap(one);
    this.enterStasis(one, p.app, splitArgs(p.appArgs), false, true);
    return { ...snapBefore, dialplan: { ...snapBefore.dialplan } };
  }

  /** `POST /channels/{id}/dial` on a created channel. */
  dial(channelId: string, opts: { caller?: string; timeout?: number } = {}): void {
    const c = this.mustChannel(channelId);
    if (c.origin !== 'created' || c.dialStarted || c.state !== 'Down') throw new WorldError('conflict', MSG.notDown);
    c.dialStarted = true;
    const callerChan = opts.caller ? this.chans.get(opts.caller) : undefined;
    this.alert(c, {
      dialString: c.resource,
      timeoutMs: opts.timeout && opts.timeout > 0 ? opts.timeout * 1000 : undefined,
      caller: callerChan,
      onAnswered: () => undefined,
      onFailed: () => undefined,
      finalDialEvent: false,
      timeoutHangup: 'soft',
    });
  }

  /** Minimal model of the lab dialplan for channels leaving Stasis or originated into a context. */
  protected runDialplan(c: Channel, context: string, exten: string, priority: number, via: 'continue' | 'redirect' = 'continue'): void {
    if (!KNOWN_CONTEXTS.has(context)) {
      this.failDialplan(c, context, exten, priority, via);
      return;
    }
    c.dialplan = { context, exten, priority, appName: c.dialplan.appName, appData: c.dialplan.appData };
    if (context === 'caller-script') {
      const dtmfDelay = Number(this.getVar(c.id, 'DTMFDELAY') ?? '1');
      const holdTime = Number(this.getVar(c.id, 'HOLDTIME') ?? '30');
      if (exten === 'wait') {
        this.dialplanStep(c, 1, 'Wait', String(holdTime));
        this.after(holdTime * 1000, () => this.remoteHangup(c.id), c);
        return;
      }
      this.dialplanStep(c, 1, 'Answer', '');
      this.dialplanStep(c, 2, 'Wait', String(dtmfDelay));
      this.after(dtmfDelay * 1000, () => {
        this.dialplanStep(c, 4, 'SendDTMF', '123#,250');
        this.sendDtmfFrom(c, '123#', 250, 100, 0);
        this.after(4 * 350, () => this.dialplanStep(c, 5, 'Wait', String(holdTime)), c);
      }, c);
      this.after(dtmfDelay * 1000 + holdTime * 1000, () => this.remoteHangup(c.id), c);
      return;
    }
    if (context === 'from-pstn' && priority <= 2) {
      this.runInbound(c, this.inboundApp);
      return;
    }
    if (context === 'cti-phone-transfer') {
      // deploy/asterisk: exten => s,1,Stasis(${CTI_APP},phone-transfer): a party the phone consulted, moved in by the app.
      this.dialplanStep(c, 1, 'Stasis', `${this.inboundApp},phone-transfer`);
      if (!this.enterStasis(c, this.inboundApp, ['phone-transfer'], true)) this.after(0, () => this.hangupFlow(c, { cause: CAUSE.NORMAL_CLEARING }), c);
      return;
    }
    // cti-phones (the phones' context) includes cti-agents.
    if (context === 'cti-agents' || context === 'cti-phones') {
      // deploy/asterisk: exten => _X.,1,NoOp(...) same => n,Dial(PJSIP/${EXTEN},${CTI_AGENT_RING_TIMEOUT})
      const ring = this.getVar(c.id, 'CTI_AGENT_RING_TIMEOUT') ?? '20';
      this.dialplanStep(c, 1, 'NoOp', `cti-bridge rings agent ${exten}`);
      this.dialplanStep(c, 2, 'Dial', `PJSIP/${exten},${ring}`);
      this.dialplanDial(c, `PJSIP/${exten}`, Number(ring) || 20);
      return;
    }
    this.dialplanStep(c, priority, 'NoOp', `${context} ${exten}`);
    this.after(500, () => this.hangupFlow(c, { cause: CAUSE.NORMAL_CLEARING }), c);
  }

  protected runApplication(c: Channel, app: string, data: string): void {
    if (app.toLowerCase() === 'sendfax') {
      // The originate pseudo-app stays in the channel block while SendFAX runs (capture 09).
      this.fax.send(c.id, c.localPeerId, c.resource, data.split(',')[0] ?? '');
      return;
    }
    this.dialplanStep(c, 1, app, data);
    this.after(1000, () => this.hangupFlow(c, { cause: CAUSE.NORMAL_CLEARING }), c);
  }

  /**
   * Continuing into a context that does not exist: the channel hangs up (README fact 20).
   * After ARI `continue` (capture ami/12) ;2 goes first, then ;1. After an AMI Redirect of a
   * ;1 running dialplan (capture ami/06) ;1's CDR closes first and ;1 is asked to hang up
   * before ;2. Either way ;1's return to its originate pseudo-app comes after it is gone:
   * ARI still shows that ChannelDialplan, AMI never renders a Newexten for a dead channel.
   */
  protected failDialplan(c: Channel, context: string, exten: string, priority: number, via: 'continue' | 'redirect'): void {
    const peer = c.localPeerId ? this.chans.get(c.localPeerId) : undefined;
    const livePeer = peer && !peer.gone ? peer : undefined;
    if (via === 'redirect' && c.localHalf === 1 && livePeer && !c.stasis) {
      c.hangingUp = true;
      livePeer.hangingUp = true;
      this.closeCdr(c, this.date());
      this.hangupRequested(c, CAUSE.NORMAL_CLEARING, true);
      this.hangupRequested(livePeer, CAUSE.UNKNOWN, false);
      c.dialplan = { ...c.dialplan, context, exten, priority };
      this.cleanup(c);
      const apps = [...c.apps];
      this.destroy(c, CAUSE.UNKNOWN, { cdrClosed: true });
      this.hangupRequested(livePeer, CAUSE.NORMAL_CLEARING, true);
      this.cleanup(livePeer);
      this.destroy(livePeer, CAUSE.UNKNOWN);
      this.returnedToOriginate(c, apps);
      return;
    }
    c.dialplan = { ...c.dialplan, context, exten, priority };
    if (livePeer) {
      this.hangupRequested(livePeer, CAUSE.UNKNOWN, false);
      this.hangupRequested(livePeer, CAUSE.NORMAL_CLEARING, true);
      this.cleanup(livePeer);
      this.destroy(livePeer, CAUSE.UNKNOWN);
    }
    this.cleanup(c);
    const apps = [...c.apps];
    this.destroy(c, CAUSE.UNKNOWN);
    this.returnedToOriginate(c, apps);
  }

  /** The ChannelDialplan a dead ;1 still publishes (AppDial2), marked so AMI can drop it. */
  protected returnedToOriginate(c: Channel, apps: string[]): void {
    if (c.localHalf !== 1) return;
    this.emit({ type: 'ChannelDialplan', at: this.date(), apps, channel: this.snap(c), app: 'AppDial2', appData: '(Outgoing Line)', dead: true });
  }

  continueInDialplan(channelId: string, opts: { context?: string; extension?: string; priority?: number; label?: string } = {}): void {
    const c = this.stasisChannel(channelId);
    const context = opts.context || c.dialplan.context;
    const exten = opts.extension || c.dialplan.exten;
    const priority = opts.priority ?? (opts.context || opts.extension ? 1 : c.dialplan.priority + 1);
    this.cleanup(c, 'leave');
    this.after(0, () => this.runDialplan(c, context, exten, priority), c);
  }

  /** ARI /move: the channel leaves its app and enters another one. */
  moveToApp(channelId: string, app: string, appArgs?: string): void {
    const c = this.stasisChannel(channelId);
    if (!app) throw new WorldError('bad-request', 'Application must be specified');
    if (!this.registeredApps.has(app)) throw new WorldError('not-found', MSG.applicationNotFound);
    const from = c.stasis?.app ?? '';
    this.emit({ type: 'StasisEnded', at: this.date(), apps: [...c.apps], channel: this.snap(c), app: from });
    c.apps.delete(from);
    c.stasis = undefined;
    this.enterStasis(c, app, splitArgs(appArgs), true);
  }

  /** AMI Redirect / dialplan jump for a channel (Stasis or not). */
  redirect(channelId: string, context: string, exten: string, priority = 1): void {
    const c = this.mustChannel(channelId);
    if (c.stasis) this.cleanup(c, 'leave');
    if (c.bridgeId) this.leaveBridge(c);
    // A party of a dialplan Dial() leaves it: the other side's Dial returns and its dialplan hangs up.
    const partner = c.partnerId ? this.chans.get(c.partnerId) : undefined;
    c.partnerId = undefined;
    if (partner && !partner.gone) {
      partner.partnerId = undefined;
      this.after(0, () => this.hangupFlow(partner, { cause: CAUSE.NORMAL_CLEARING }), partner);
    }
    this.after(0, () => this.runDialplan(c, context, exten, priority, 'redirect'), c);
  }
}
