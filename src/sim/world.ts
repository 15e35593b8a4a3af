/**
 * The simulated PBX: channels, bridges, media and Stasis applications, and the
 * scripted behaviour of the far ends (callers, agent phones, the lab dialplan).
 *
 * How a protocol view uses it (AMI engineer: this is for you):
 *
 *   const world = new World({ speed: 100 });
 *   const off = world.subscribe((e: WorldEvent) => { ...turn e into AMI/ARI frames... });
 *   world.inboundCall({ from: '+15551230001', to: '100' });
 *   off(); world.close();
 *
 * - Listeners run synchronously, in the order the changes happen; never throw from one
 *   (errors are caught and logged so one broken view cannot stop the world).
 * - Every event carries full snapshots (`ChannelSnapshot`, `BridgeSnapshot`), `at` (a Date)
 *   and `apps` (Stasis apps subscribed under subscribeAll=false; the AMI view ignores it).
 *   Event names map to AMI as: ChannelCreated→Newchannel, ChannelStateChanged→Newstate,
 *   ChannelVarSet→VarSet, ChannelDialplan→Newexten, DialBegin/DialState/DialEnd,
 *   Bridge*→BridgeCreate/Enter/Leave/Destroy, DtmfBegin/DtmfEnd→DTMFBegin/DTMFEnd,
 *   HangupRequested→HangupRequest/SoftHangupRequest, ChannelHungUp→Hangup, Cdr→Cdr,
 *   MusicOnHoldStarted/Stopped, LocalBridge, OriginateResult→OriginateResponse.
 * - Read state with `channels()`, `channel(id)`, `channelByName(name)`, `bridges()`,
 *   `getVar(id, name)`, `getGlobal(name)`. Commands that AMI needs: `originate`,
 *   `hangup`, `setVar`, `setGlobal`, `redirect` (dialplan redirect), `sendDtmf`.
 * - Commands throw `WorldError` (see world-errors.ts) with Asterisk's message text.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { CAUSE, causeText, HANGUP_REASONS, SOFT_HANGUP_EXPLICIT } from './world-causes.js';
import { buildCdr } from './world-cdr.js';
import { MSG, WorldError } from './world-errors.js';
import type { CreateParams, InboundCallParams, OriginateParams, RecordParams, WorldOptions } from './world-params.js';
import type { MediaTarget } from './world-desk.js';
import { DEFAULT_CUSTOM_PREFIXES, DEFAULT_SOUNDS, soundDuration, type SoundCatalog } from './world-media.js';
import { PlaybackDesk } from './world-player.js';
import { RecordingDesk } from './world-recorder.js';
import { FaxDesk, type FaxReceiverScript } from './world-fax.js';
import {
  assertDtmf,
  EMPTY_PARTY,
  muteDirections,
  parseCallerId,
  partyField,
  splitArgs,
  splitOnce,
} from './world-util.js';
import type {
  BridgeSnapshot,
  BridgeType,
  CdrRecord,
  ChannelSnapshot,
  ChannelState,
  DialplanLocation,
  EndpointBehaviour,
  MailboxState,
  LiveRecordingSnapshot,
  PartyId,
  PlaybackSnapshot,
  StoredRecording,
  WorldEvent,
} from './world-types.js';

export * from './world-types.js';
export type { CreateParams, InboundCallParams, OriginateParams, RecordParams, WorldOptions } from './world-params.js';
export { WorldError } from './world-errors.js';
export { parseCallerId } from './world-util.js';
export type { WorldErrorKind } from './world-errors.js';

export type WorldListener = (event: WorldEvent) => void;

type Origin = 'inbound' | 'originated' | 'created' | 'dialed-peer' | 'local-two';

/**
 * How a Local pair goes up. `two-first`: ;2 answered itself (Answer(), or ARI answered it).
 * `dialplan-bridged`: ;2 went up because its own Dial() was answered; Asterisk then reports
 * ;1 up and the originate done before ;2 changes state (capture ami/04).
 */
type AnswerOrder = 'two-first' | 'dialplan-bridged';

/** The live, mutable record behind each ChannelSnapshot. */
interface Channel extends ChannelSnapshot {
  resource: string;
  vars: Map<string, string>;
  apps: Set<string>;
  origin: Origin;
  dialStarted: boolean;
  answeredAt?: Date;
  gone: boolean;
  hangingUp: boolean;
  timers: Set<NodeJS.Timeout>;
  moh?: string;
  onHold: boolean;
  muted: Set<'in' | 'out'>;
  /** Another channel this one is talking to outside Stasis (dialplan Dial fallback). */
  partnerId?: string;
  /** An attended transfer (AMI Atxfer) this channel started and is consulting on. */
  atxfer?: { transfereeId?: string; targetId: string; answered: boolean };
  /** A transfer target rung for a transferer who has already hung up: the transferee gets it. */
  pendingTransfereeId?: string;
  /** Completes a pending originate when the channel answers. */
  onAnswer?: (order?: AnswerOrder) => void;
  lastApp: string;
  lastData: string;
  dialStatus?: string;
  destination: string;
}

interface Bridge {
  id: string;
  name: string;
  type: BridgeType;
  technology: string;
  bridgeClass: string;
  creator: string;
  members: string[];
  pseudo: string[]; // Announcer/Recorder channels Asterisk puts into mixing bridges
  subs: Map<string, number>;
  creationtime: Date;
  mohClass?: string;
  announcer?: string;
}

const KNOWN_CONTEXTS = new Set(['from-pstn', 'agents', 'cti-agents', 'caller-script', 'after-stasis', 'default', 'from-internal', 'queue-in', 'fax-in', 'cti-fax']);
const BRIDGE_TYPE_TOKENS = new Set(['mixing', 'holding', 'dtmf_events', 'proxy_media', 'video_sfu', 'video_single', 'sdp_label']);


export class World {
  readonly asteriskId: string;
  readonly speed: number;
  readonly startedAt: Date;
  readonly inboundApp: string;
  private readonly log: Logger | undefined;
  private readonly now: () => number;
  private readonly sounds: SoundCatalog;
  private readonly defaultAnswerAfterMs: number;
  private readonly fallbackEndpoint: string;
  private readonly trunk: string;
  private readonly agentDialplanDelayMs: number;
  private readonly listeners = new Set<WorldListener>();
  private readonly chans = new Map<string, Channel>();
  private readonly bridgeMap = new Map<string, Bridge>();
  private readonly player: PlaybackDesk;
  private readonly recorder: RecordingDesk;
  private readonly fax: FaxDesk;
  /** res_mwi_external: loaded unless the world is told otherwise (the lab had it unloaded). */
  readonly mailboxModule: boolean;
  private readonly mailboxStates = new Map<string, MailboxState>();
  private readonly registeredApps = new Set<string>();
  private readonly endpointBehaviours = new Map<string, EndpointBehaviour>();
  private readonly globals = new Map<string, string>();
  private readonly worldTimers = new Set<NodeJS.Timeout>();
  private uniqueSeq = 0;
  private completedCalls = 0;
  private unrealSeq = 0x10;
  private pjsipSeq = 0;
  private closed = false;

  constructor(opts: WorldOptions = {}) {
    this.asteriskId = opts.asteriskId ?? '02:fc:00:00:00:01';
    this.speed = opts.speed && opts.speed > 0 ? opts.speed : 1;
    this.now = opts.now ?? Date.now;
    this.startedAt = new Date(this.now());
    this.log = opts.logger;
    this.inboundApp = opts.inboundApp ?? 'cti-bridge';
    this.defaultAnswerAfterMs = opts.defaultAnswerAfterMs ?? 2000;
    this.fallbackEndpoint = opts.fallbackEndpoint ?? 'PJSIP/1001';
    this.trunk = opts.trunk ?? 'trunk';
    this.agentDialplanDelayMs = opts.agentDialplanDelayMs ?? 100;
    this.sounds = {
      durations: { ...DEFAULT_SOUNDS, ...(opts.soundDurationsMs ?? {}) },
      customPrefixes: DEFAULT_CUSTOM_PREFIXES,
      defaultCustomMs: 2000,
    };
    const host = {
      emit: (e: WorldEvent) => this.emit(e),
      after: (ms: number, fn: () => void) => this.after(ms, fn),
      date: () => this.date(),
      now: () => this.now(),
      speed: this.speed,
      targetApps: (t: MediaTarget) => this.targetApps(t.kind, t.id),
    };
    this.recorder = new RecordingDesk({
      ...host,
      recorderJoins: (bridgeId) => this.pseudoJoinById(bridgeId, 'Recorder/ARI'),
      recorderLeaves: (bridgeId, name) => this.pseudoLeaveById(bridgeId, name),
    });
    this.player = new PlaybackDesk(host, this.sounds, (name) => this.recorder.storedRecording(name)?.durationMs);
    this.mailboxModule = opts.mailboxModule ?? true;
    this.fax = new FaxDesk({
      after: (ms, fn, ownerId) => void this.after(ms, fn, this.chans.get(ownerId)),
      varSet: (id, name, value) => {
        const c = this.chans.get(id);
        if (c && !c.gone) this.varSet(c, name, value);
      },
      dialplanStep: (id, priority, app, data) => {
        const c = this.chans.get(id);
        if (c && !c.gone) this.dialplanStep(c, priority, app, data);
      },
      getVar: (id, name) => this.chans.get(id)?.vars.get(name),
      snap: (id) => {
        const c = this.chans.get(id);
        return c && !c.gone ? this.snap(c) : undefined;
      },
      emit: (e) => this.emit(e),
      date: () => this.date(),
      hangup: (id) => {
        const c = this.chans.get(id);
        if (c) this.hangupFlow(c, { cause: CAUSE.NORMAL_CLEARING });
      },
      faxDir: () => this.globals.get('FAXDIR') ?? '/var/spool/asterisk/fax',
    });
    const globals = { FAXDIR: '/var/spool/asterisk/fax', ...(opts.globals ?? {}) };
    for (const [k, v] of Object.entries(globals)) this.globals.set(k, v);
  }

  // ---------------------------------------------------------------------------
  // Subscription and lifecycle

  subscribe(listener: WorldListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Stops every scheduled behaviour; the state stays readable. */
  close(): void {
    this.closed = true;
    for (const t of this.worldTimers) clearTimeout(t);
    this.worldTimers.clear();
    for (const c of this.chans.values()) for (const t of c.timers) clearTimeout(t);
  }

  private emit(e: WorldEvent): void {
    for (const l of [...this.listeners]) {
      try {
        l(e);
      } catch (err) {
        this.log?.error({ err, event: e.type }, 'world listener failed');
      }
    }
  }

  private date(): Date {
    return new Date(this.now());
  }

  /** Runs `fn` after `simulatedMs` divided by the speed factor; tied to a channel if given. */
  private after(simulatedMs: number, fn: () => void, owner?: Channel): NodeJS.Timeout | undefined {
    if (this.closed) return undefined;
    const delay = Math.max(0, Math.round(simulatedMs / this.speed));
    const set = owner ? owner.timers : this.worldTimers;
    const t = setTimeout(() => {
      set.delete(t);
      if (this.closed || owner?.gone) return;
      try {
        fn();
      } catch (err) {
        this.log?.error({ err }, 'scheduled world behaviour failed');
      }
    }, delay);
    t.unref?.();
    set.add(t);
    return t;
  }

  // ---------------------------------------------------------------------------
  // Applications

  registerApp(app: string): void {
    if (this.registeredApps.has(app)) return;
    this.registeredApps.add(app);
    this.emit({ type: 'ApplicationRegistered', at: this.date(), apps: [], app });
  }

  unregisterApp(app: string): void {
    if (!this.registeredApps.delete(app)) return;
    this.emit({ type: 'ApplicationUnregistered', at: this.date(), apps: [], app });
  }

  isAppRegistered(app: string): boolean {
    return this.registeredApps.has(app);
  }

  applications(): string[] {
    return [...this.registeredApps];
  }

  /** What `GET /applications/{name}` shows: the channels and bridges subscribed to it. */
  applicationSubscriptions(app: string): { channelIds: string[]; bridgeIds: string[] } {
    const channelIds = [...this.chans.values()].filter((c) => c.apps.has(app)).map((c) => c.id);
    const bridgeIds = [...this.bridgeMap.values()].filter((b) => (b.subs.get(app) ?? 0) > 0).map((b) => b.id);
    return { channelIds, bridgeIds };
  }

  userEvent(app: string, eventName: string, variables: Record<string, string>): void {
    if (!this.registeredApps.has(app)) throw new WorldError('not-found', MSG.applicationNotFound);
    this.emit({ type: 'UserEvent', at: this.date(), apps: [app], eventName, variables });
  }

  // ---------------------------------------------------------------------------
  // Reading state

  channels(): ChannelSnapshot[] {
    return [...this.chans.values()].map((c) => this.snap(c));
  }

  channel(id: string): ChannelSnapshot | undefined {
    const c = this.chans.get(id);
    return c ? this.snap(c) : undefined;
  }

  channelByName(name: string): ChannelSnapshot | undefined {
    for (const c of this.chans.values()) if (c.name === name) return this.snap(c);
    return undefined;
  }

  /** Variables explicitly set on a channel (no dialplan functions). */
  channelVariables(id: string): Record<string, string> {
    const c = this.chans.get(id);
    return c ? Object.fromEntries(c.vars) : {};
  }

  bridges(): BridgeSnapshot[] {
    return [...this.bridgeMap.values()].map((b) => this.bridgeSnap(b));
  }

  bridge(id: string): BridgeSnapshot | undefined {
    const b = this.bridgeMap.get(id);
    return b ? this.bridgeSnap(b) : undefined;
  }

  playback(id: string): PlaybackSnapshot | undefined {
    return this.player.get(id);
  }

  liveRecording(name: string): LiveRecordingSnapshot | undefined {
    return this.recorder.liveRecording(name);
  }

  storedRecordings(): StoredRecording[] {
    return this.recorder.storedRecordings();
  }

  storedRecording(name: string): StoredRecording | undefined {
    return this.recorder.storedRecording(name);
  }

  soundExists(name: string): boolean {
    return soundDuration(this.sounds, name) !== undefined;
  }

  soundNames(): string[] {
    return Object.keys(this.sounds.durations).sort();
  }

  endpoints(): { technology: string; resource: string; behaviour: EndpointBehaviour; channelIds: string[] }[] {
    return [...this.endpointBehaviours.entries()].map(([key, behaviour]) => {
      const [technology = '', resource = ''] = splitOnce(key, '/');
      const channelIds = [...this.chans.values()].filter((c) => c.tech === technology && c.resource === resource).map((c) => c.id);
      return { technology, resource, behaviour: { ...behaviour }, channelIds };
    });
  }

  // ---------------------------------------------------------------------------
  // Mailboxes (ARI /mailboxes, res_mwi_external) and the fax machines at the far end

  mailboxes(): MailboxState[] {
    return [...this.mailboxStates.values()].map((m) => ({ ...m }));
  }

  mailbox(name: string): MailboxState | undefined {
    const m = this.mailboxStates.get(name);
    return m ? { ...m } : undefined;
  }

  /** PUT creates the mailbox when it does not exist, as res_mwi_external does. */
  setMailbox(name: string, oldMessages: number, newMessages: number): void {
    this.mailboxStates.set(name, { name, oldMessages, newMessages });
  }

  deleteMailbox(name: string): void {
    if (!this.mailboxStates.delete(name)) throw new WorldError('not-found', 'Mailbox not found');
  }

  setFaxReceiver(number: string, script: FaxReceiverScript): void {
    this.fax.setReceiver(number, script);
  }

  // ---------------------------------------------------------------------------
  // Endpoint behaviour (the far end)

  setEndpointBehaviour(endpoint: string, behaviour: EndpointBehaviour): void {
    if (!endpoint.includes('/')) throw new WorldError('bad-request', `Endpoint '${endpoint}' must be tech/resource`);
    const allowed = ['answer', 'ring-out', 'busy', 'unreachable'];
    if (!allowed.includes(behaviour.behaviour)) throw new WorldError('bad-request', `behaviour must be one of ${allowed.join(', ')}`);
    this.endpointBehaviours.set(endpoint, { ...behaviour });
  }

  endpointBehaviour(tech: string, resource: string): EndpointBehaviour {
    const configured = this.endpointBehaviours.get(`${tech}/${resource}`);
    if (configured) return configured;
    const fax = this.fax.dialBehaviour(tech, resource);
    if (fax) return fax;
    if (tech === 'Local') {
      const [exten = '', context = ''] = splitOnce(resource, '@');
      // The lab dialplan: agents _1XXX answer at once, _2XXX ring forever.
      if (context === 'agents' && /^2\d{3}$/.test(exten)) return { behaviour: 'ring-out' };
      return { behaviour: 'answer', answerAfterMs: 0 };
    }
    return { behaviour: 'answer', answerAfterMs: this.defaultAnswerAfterMs };
  }

  // ---------------------------------------------------------------------------
  // Globals and variables

  getGlobal(name: string): string | undefined {
    return this.globals.get(name);
  }

  setGlobal(name: string, value: string): void {
    this.globals.set(name, value);
    this.emit({ type: 'GlobalVarSet', at: this.date(), apps: [], variable: name, value });
  }

  /** A channel variable or dialplan function; undefined when unset. */
  getVar(channelId: string, name: string): string | undefined {
    const c = this.mustChannel(channelId);
    const fn = /^([A-Z_]+)\((.*)\)$/.exec(name);
    if (fn) {
      const [, func, arg] = fn;
      if (func === 'CALLERID') return partyField(c.caller, arg ?? '');
      if (func === 'CONNECTEDLINE') return partyField(c.connected, arg ?? '');
      if (func === 'CHANNEL') {
        const map: Record<string, string> = {
          name: c.name,
          uniqueid: c.id,
          linkedid: c.linkedid,
          state: c.state,
          language: c.language,
          accountcode: c.accountcode,
          channeltype: c.tech,
          context: c.dialplan.context,
          exten: c.dialplan.exten,
        };
        return map[arg ?? ''];
      }
      return undefined;
    }
    switch (name) {
      case 'UNIQUEID':
        return c.id;
      case 'CHANNEL':
        return c.name;
      case 'EXTEN':
        return c.dialplan.exten;
      case 'CONTEXT':
        return c.dialplan.context;
      case 'PRIORITY':
        return String(c.dialplan.priority);
    }
    return c.vars.get(name) ?? this.globals.get(name);
  }

  setVar(channelId: string, name: string, value: string): void {
    const c = this.mustChannel(channelId);
    const fn = /^(CALLERID|CONNECTEDLINE)\((.*)\)$/.exec(name);
    if (fn) {
      const party = fn[1] === 'CALLERID' ? c.caller : c.connected;
      if (fn[2] === 'num' || fn[2] === 'number') party.number = value;
      else if (fn[2] === 'name') party.name = value;
      else Object.assign(party, parseCallerId(value));
      this.emit({ type: fn[1] === 'CALLERID' ? 'ChannelCallerId' : 'ChannelConnectedLine', at: this.date(), apps: [...c.apps], channel: this.snap(c) });
      return;
    }
    this.varSet(c, name, value);
  }

  // ---------------------------------------------------------------------------
  // Calls arriving from the PSTN

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

  private runInbound(c: Channel, app: string): void {
    const did = c.dialplan.exten;
    this.dialplanStep(c, 2, 'Stasis', `${app},inbound,${did}`);
    if (this.enterStasis(c, app, ['inbound', did], true)) return;
    // STASISSTATUS=FAILED: the shipped dialplan rings a default agent instead.
    this.varSet(c, 'STASISSTATUS', 'FAILED');
    this.dialplanStep(c, 4, 'Dial', `${this.fallbackEndpoint},20`);
    this.emit({ type: 'InboundFallback', at: this.date(), apps: [], channel: this.snap(c), app, target: this.fallbackEndpoint });
    this.dialplanDial(c, this.fallbackEndpoint, 20);
  }

  /** The far end presses keys on its phone: DTMF received on this channel. */
  remoteDtmf(channelId: string, digits: string, gapMs = 250, durationMs = 100): void {
    const c = this.mustChannel(channelId);
    assertDtmf(digits);
    let offset = 0;
    for (const d of digits) {
      const at = offset;
      this.after(at, () => this.deliverDtmf(c, d, durationMs, 'Received'), c);
      offset += durationMs + gapMs;
    }
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

  // ---------------------------------------------------------------------------
  // Originate / create / dial

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

  private checkIds(id?: string, otherId?: string): void {
    if ((id && this.chans.has(id)) || (otherId && this.chans.has(otherId))) throw new WorldError('conflict', MSG.duplicateChannelId);
    if (id && otherId && id === otherId) throw new WorldError('conflict', MSG.duplicateChannelId);
  }

  private parseEndpoint(endpoint: string): { tech: string; resource: string; exten: string; context: string } {
    const [tech = '', resource = ''] = splitOnce(endpoint, '/');
    if (!tech || !resource) throw new WorldError('bad-request', `Endpoint parameter '${endpoint}' does not contain tech/resource`);
    if (tech !== 'Local' && tech !== 'PJSIP' && tech !== 'SIP') throw new WorldError('internal', 'Allocation failed');
    const cleaned = tech === 'Local' ? resource.replace(/\/n$/, '') : resource;
    const [exten = '', context = 'default'] = tech === 'Local' ? splitOnce(cleaned, '@') : [cleaned, 'default'];
    return { tech, resource: cleaned, exten, context: context || 'default' };
  }

  private allocate(
    ep: { tech: string; resource: string; exten: string; context: string },
    o: { id?: string; otherId?: string; caller: PartyId; accountcode: string; origin: Origin; plainOne?: boolean; linkedid?: string | undefined },
  ): { one: Channel; two?: Channel } {
    const oneDialplan: DialplanLocation = o.plainOne
      ? { context: ep.context, exten: ep.exten, priority: 1, appName: '', appData: '' }
      : { context: ep.context, exten: ep.exten, priority: 1, appName: 'AppDial2', appData: '(Outgoing Line)' };
    if (ep.tech !== 'Local') {
      const one = this.newChannel({
        id: o.id,
        tech: ep.tech,
        resource: ep.resource,
        state: 'Down',
        caller: { ...o.caller },
        connected: { ...o.caller },
        dialplan: { ...oneDialplan, context: 'default', exten: 's' },
        origin: o.origin,
        accountcode: o.accountcode,
        ...(o.linkedid ? { linkedid: o.linkedid } : {}),
      });
      this.emit({ type: 'ChannelCreated', at: this.date(), apps: [], channel: this.snap(one) });
      return { one };
    }
    const hex = this.nextUnrealHex();
    const base = `Local/${ep.resource}-${hex}`;
    const one = this.newChannel({
      id: o.id,
      name: `${base};1`,
      tech: 'Local',
      resource: ep.resource,
      state: 'Down',
      caller: { ...o.caller },
      connected: { ...o.caller },
      dialplan: oneDialplan,
      origin: o.origin,
      accountcode: o.accountcode,
      ...(o.linkedid ? { linkedid: o.linkedid } : {}),
    });
    const two = this.newChannel({
      id: o.otherId,
      name: `${base};2`,
      tech: 'Local',
      resource: ep.resource,
      state: 'Ring',
      caller: EMPTY_PARTY(),
      connected: EMPTY_PARTY(),
      dialplan: { context: ep.context, exten: ep.exten, priority: 1, appName: '', appData: '' },
      origin: 'local-two',
      accountcode: o.accountcode,
      linkedid: one.linkedid,
    });
    one.localHalf = 1;
    two.localHalf = 2;
    one.localPeerId = two.id;
    two.localPeerId = one.id;
    this.emit({ type: 'ChannelCreated', at: this.date(), apps: [], channel: this.snap(one) });
    this.emit({ type: 'ChannelCreated', at: this.date(), apps: [], channel: this.snap(two) });
    this.emit({ type: 'LocalBridge', at: this.date(), apps: [], one: this.snap(one), two: this.snap(two), context: ep.context, exten: ep.exten });
    return { one, two };
  }

  /**
   * Rings the far end of `c` (a PJSIP phone, or the ;2 half of a Local channel running its
   * dialplan) and reports the outcome. Events follow the captured Dial/ChannelStateChange order.
   */
  private alert(
    c: Channel,
    o: {
      dialString: string;
      timeoutMs?: number;
      caller?: Channel;
      /** Reports the answer to whoever asked for the call (the originate's outcome). */
      announce?: () => void;
      /** What the answered channel does next. */
      onAnswered: () => void;
      onFailed: (reason: number) => void;
      finalDialEvent: boolean;
      timeoutHangup: 'plain' | 'soft';
    },
  ): void {
    const two = c.localPeerId ? this.chans.get(c.localPeerId) : undefined;
    const behaviour = this.endpointBehaviour(c.tech, c.resource);
    const dialApps = () => unionApps(c, o.caller);
    this.emit({ type: 'DialBegin', at: this.date(), apps: dialApps(), caller: o.caller && this.snap(o.caller), peer: this.snap(c), dialString: o.dialString });
    let settled = false;
    let timeout: NodeJS.Timeout | undefined;
    const answer = (order: AnswerOrder = 'two-first') => {
      if (settled || c.gone) return;
      settled = true;
      if (timeout) clearTimeout(timeout);
      const dialEnd = () =>
        this.emit({ type: 'DialEnd', at: this.date(), apps: dialApps(), caller: o.caller && this.snap(o.caller), peer: this.snap(c), dialString: o.dialString, status: 'ANSWER' });
      if (order === 'dialplan-bridged') {
        c.answeredAt = this.date();
        c.dialStatus = 'ANSWER';
        this.setState(c, 'Up');
        o.announce?.();
        if (two && !two.gone) this.setState(two, 'Up');
        dialEnd();
      } else {
        if (two && !two.gone) this.setState(two, 'Up');
        c.answeredAt = this.date();
        this.setState(c, 'Up');
        c.dialStatus = 'ANSWER';
        dialEnd();
        o.announce?.();
      }
      o.onAnswered();
      if (two && !two.gone) this.afterLocalAnswer(two);
    };
    const fail = (status: 'BUSY' | 'NOANSWER' | 'CHANUNAVAIL', cause: number, reason: number) => {
      if (settled || c.gone) return;
      settled = true;
      if (timeout) clearTimeout(timeout);
      c.dialStatus = status;
      if (o.finalDialEvent || status !== 'NOANSWER') {
        this.emit({ type: 'DialEnd', at: this.date(), apps: dialApps(), caller: o.caller && this.snap(o.caller), peer: this.snap(c), dialString: o.dialString, status });
      }
      o.onFailed(reason);
      if (o.timeoutHangup === 'soft') this.hangupFlow(c, { requestCause: SOFT_HANGUP_EXPLICIT, soft: true, cause });
      else this.hangupFlow(c, { cause });
    };
    const ringing = () => {
      if (settled || c.gone) return;
      if (two) this.setState(two, 'Ringing');
      this.setState(c, 'Ringing');
      this.emit({ type: 'DialState', at: this.date(), apps: dialApps(), caller: o.caller && this.snap(o.caller), peer: this.snap(c), dialString: '', status: 'RINGING' });
    };
    if (o.timeoutMs !== undefined) timeout = this.after(o.timeoutMs, () => fail('NOANSWER', CAUSE.NO_ANSWER, 3), c);

    if (two && (two.dialplan.context === 'from-pstn')) {
      // ;2 runs the inbound dialplan; ;1 answers when the app answers ;2.
      c.onAnswer = answer;
      this.dialplanStep(two, 1, 'NoOp', `Inbound call to ${two.dialplan.exten}`);
      this.runInbound(two, this.inboundApp);
      return;
    }
    const agentTag = two ? `Agent ${two.dialplan.exten}` : '';
    switch (behaviour.behaviour) {
      case 'answer': {
        const wait = behaviour.answerAfterMs ?? 0;
        if (two) {
          this.dialplanStep(two, 1, 'NoOp', `${agentTag} auto-answers`);
          if (wait <= 0) {
            this.dialplanStep(two, 2, 'Answer', '');
            answer();
          } else {
            this.dialplanStep(two, 2, 'Ringing', '');
            ringing();
            this.after(wait, () => {
              this.dialplanStep(two, 3, 'Answer', '');
              answer();
            }, c);
          }
        } else {
          ringing();
          this.after(wait, answer, c);
        }
        return;
      }
      case 'ring-out':
        if (two) {
          this.dialplanStep(two, 1, 'NoOp', `${agentTag} never answers`);
          this.dialplanStep(two, 2, 'Ringing', '');
        }
        ringing();
        return;
      case 'busy':
        if (two) this.dialplanStep(two, 1, 'Busy', '');
        this.after(10, () => fail('BUSY', CAUSE.USER_BUSY, 5), c);
        return;
      case 'unreachable':
        this.after(10, () => fail('CHANUNAVAIL', CAUSE.SUBSCRIBER_ABSENT, 0), c);
        return;
    }
  }

  /** What the ;2 half of a Local channel does once the call is up. */
  private afterLocalAnswer(two: Channel): void {
    if (two.dialplan.context !== 'agents') return;
    const talk = two.vars.get('TALKTIME');
    this.after(this.agentDialplanDelayMs, () => {
      this.dialplanStep(two, 3, 'Wait', talk ?? '3600');
      this.emit({ type: 'ChannelCallerId', at: this.date(), apps: [...two.apps], channel: this.snap(two) });
    }, two);
    if (talk && Number(talk) > 0) this.after(Number(talk) * 1000, () => this.hangupFlow(two, { cause: CAUSE.NORMAL_CLEARING, fromTwo: true }), two);
  }

  /** Dialplan `Dial()` from a channel outside Stasis (the inbound fallback). */
  private dialplanDial(caller: Channel, endpoint: string, timeoutSeconds: number): void {
    let ep;
    try {
      ep = this.parseEndpoint(endpoint);
    } catch {
      this.hangupFlow(caller, { cause: CAUSE.UNKNOWN });
      return;
    }
    const legs = this.allocate(ep, { caller: { ...caller.caller }, accountcode: caller.accountcode, origin: 'dialed-peer' });
    const peer = legs.one;
    peer.linkedid = caller.linkedid;
    if (legs.two) legs.two.linkedid = caller.linkedid;
    peer.dialStarted = true;
    this.alert(peer, {
      dialString: ep.resource,
      timeoutMs: timeoutSeconds * 1000,
      caller,
      onAnswered: () => {
        if (caller.gone) return;
        caller.partnerId = peer.id;
        peer.partnerId = caller.id;
        caller.destination = ep.exten;
        // The ;2 half of an originated Local channel: answering its Dial() answers the
        // originate too (Asterisk: OriginateResponse Success, Reason 4).
        const one = caller.localHalf === 2 && caller.localPeerId ? this.chans.get(caller.localPeerId) : undefined;
        if (one && !one.gone && one.onAnswer) {
          const go = one.onAnswer;
          one.onAnswer = undefined;
          caller.answeredAt = this.date();
          go('dialplan-bridged');
          return;
        }
        if (caller.state !== 'Up') {
          caller.answeredAt = this.date();
          this.setState(caller, 'Up');
        }
      },
      onFailed: () => {
        this.varSet(caller, 'DIALSTATUS', peer.dialStatus ?? 'NOANSWER');
        this.after(0, () => this.hangupFlow(caller, { cause: peer.dialStatus === 'BUSY' ? CAUSE.USER_BUSY : CAUSE.NO_ANSWER }), caller);
      },
      finalDialEvent: true,
      timeoutHangup: 'plain',
    });
  }

  /** Minimal model of the lab dialplan for channels leaving Stasis or originated into a context. */
  private runDialplan(c: Channel, context: string, exten: string, priority: number, via: 'continue' | 'redirect' = 'continue'): void {
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
    if (context === 'cti-agents') {
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

  private runApplication(c: Channel, app: string, data: string): void {
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
  private failDialplan(c: Channel, context: string, exten: string, priority: number, via: 'continue' | 'redirect'): void {
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
  private returnedToOriginate(c: Channel, apps: string[]): void {
    if (c.localHalf !== 1) return;
    this.emit({ type: 'ChannelDialplan', at: this.date(), apps, channel: this.snap(c), app: 'AppDial2', appData: '(Outgoing Line)', dead: true });
  }

  // ---------------------------------------------------------------------------
  // Stasis channel commands (what ARI does)

  private stasisChannel(id: string): Channel {
    const c = this.mustChannel(id);
    if (!c.stasis) throw new WorldError('conflict', MSG.notInStasis);
    return c;
  }

  answer(channelId: string): void {
    const c = this.stasisChannel(channelId);
    if (c.origin === 'created' && !c.dialStarted) throw new WorldError('invalid-state', MSG.invalidState);
    if (c.state === 'Up') return;
    c.answeredAt = this.date();
    this.setState(c, 'Up');
    const one = c.localHalf === 2 && c.localPeerId ? this.chans.get(c.localPeerId) : undefined;
    if (one && !one.gone && one.onAnswer) {
      const go = one.onAnswer;
      one.onAnswer = undefined;
      go();
    } else if (c.partnerId === undefined && c.origin === 'inbound') {
      c.destination = c.dialplan.exten;
    }
  }

  ring(channelId: string): void {
    const c = this.stasisChannel(channelId);
    if (c.origin === 'created' && !c.dialStarted) throw new WorldError('invalid-state', MSG.invalidState);
  }

  ringStop(channelId: string): void {
    this.ring(channelId);
  }

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

  /** Calls that have ended since the world started (AMI CoreStatus). */
  processedCalls(): number {
    return this.completedCalls;
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
    this.after(0, () => this.runDialplan(c, context, exten, priority, 'redirect'), c);
  }

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

  private atxferAnswered(t: Channel): void {
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
  private atxferTargetGone(t: Channel): void {
    const transferer = [...this.chans.values()].find((x) => x.atxfer?.targetId === t.id);
    t.partnerId = undefined;
    if (transferer) {
      this.atxferReturn(transferer);
      return;
    }
    const p = t.pendingTransfereeId ? this.chans.get(t.pendingTransfereeId) : undefined;
    if (p && !p.gone) this.after(0, () => this.hangupFlow(p, { cause: CAUSE.NORMAL_CLEARING }), p);
  }

  private atxferReturn(c: Channel): void {
    const x = c.atxfer;
    c.atxfer = undefined;
    c.partnerId = undefined;
    const p = x?.transfereeId ? this.chans.get(x.transfereeId) : undefined;
    if (!p || p.gone) return;
    this.mohOff(p);
    c.partnerId = p.id;
    p.partnerId = c.id;
  }

  private connectTransferred(p: Channel, t: Channel): void {
    this.mohOff(p);
    p.partnerId = t.id;
    t.partnerId = p.id;
  }

  /** A party of an attended transfer hangs up: rewire who talks with whom before the usual clean-up. */
  private atxferPartyGone(c: Channel): void {
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

  private mohOn(c: Channel): void {
    c.moh = 'default';
    this.emit({ type: 'MusicOnHoldStarted', at: this.date(), apps: [...c.apps], channel: this.snap(c), mohClass: c.moh });
  }

  private mohOff(c: Channel): void {
    if (!c.moh) return;
    c.moh = undefined;
    this.emit({ type: 'MusicOnHoldStopped', at: this.date(), apps: [...c.apps], channel: this.snap(c) });
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

  /** ARI /dtmf: sends digits into the channel (its far end hears them). */
  sendDtmf(channelId: string, dtmf: string, o: { before?: number; between?: number; duration?: number; after?: number } = {}): void {
    const c = this.mustChannel(channelId);
    if (!dtmf) throw new WorldError('bad-request', 'DTMF is required');
    assertDtmf(dtmf);
    this.sendDtmfFrom(c, dtmf, o.between ?? 100, o.duration ?? 100, o.before ?? 0);
  }

  /** Digits sent out of `c`: its Local peer (or dialplan partner) receives them. */
  private sendDtmfFrom(c: Channel, digits: string, between: number, duration: number, before: number): void {
    let offset = before;
    for (const d of digits) {
      if (d === 'w' || d === 'W') {
        offset += 500;
        continue;
      }
      this.after(offset, () => {
        this.emit({ type: 'DtmfBegin', at: this.date(), apps: [...c.apps], channel: this.snap(c), digit: d, direction: 'Sent' });
        const receiverId = c.localPeerId ?? c.partnerId;
        const receiver = receiverId ? this.chans.get(receiverId) : undefined;
        this.after(duration, () => {
          if (!c.gone) this.emit({ type: 'DtmfEnd', at: this.date(), apps: [...c.apps], channel: this.snap(c), digit: d, direction: 'Sent', durationMs: duration });
          if (receiver && !receiver.gone) this.deliverDtmf(receiver, d, duration, 'Received', true);
        }, c);
      }, c);
      offset += duration + between;
    }
  }

  private deliverDtmf(c: Channel, digit: string, durationMs: number, direction: 'Received', endOnly = false): void {
    if (c.gone) return;
    if (!endOnly) this.emit({ type: 'DtmfBegin', at: this.date(), apps: [...c.apps], channel: this.snap(c), digit, direction });
    const end = () => {
      if (c.gone) return;
      if (endOnly) this.emit({ type: 'DtmfBegin', at: this.date(), apps: [...c.apps], channel: this.snap(c), digit, direction });
      this.emit({ type: 'DtmfEnd', at: this.date(), apps: [...c.apps], channel: this.snap(c), digit, direction, durationMs });
      this.recorder.digitHeard(c.id, digit);
    };
    if (endOnly) end();
    else this.after(durationMs, end, c);
  }

  hold(channelId: string): void {
    const c = this.stasisChannel(channelId);
    c.onHold = true;
    if (c.tech !== 'Local') this.emit({ type: 'ChannelHold', at: this.date(), apps: [...c.apps], channel: this.snap(c) });
  }

  unhold(channelId: string): void {
    const c = this.stasisChannel(channelId);
    c.onHold = false;
    if (c.tech !== 'Local') this.emit({ type: 'ChannelUnhold', at: this.date(), apps: [...c.apps], channel: this.snap(c) });
    this.refreshBridgePeersOf(c);
  }

  mute(channelId: string, direction = 'both'): void {
    const dirs = muteDirections(direction);
    const c = this.stasisChannel(channelId);
    for (const d of dirs) c.muted.add(d);
    this.refreshBridgePeersOf(c);
  }

  unmute(channelId: string, direction = 'both'): void {
    const dirs = muteDirections(direction);
    const c = this.stasisChannel(channelId);
    for (const d of dirs) c.muted.delete(d);
  }

  startMoh(channelId: string, mohClass = 'default'): void {
    const c = this.stasisChannel(channelId);
    if (c.moh) this.emit({ type: 'MusicOnHoldStopped', at: this.date(), apps: [], channel: this.snap(c) });
    c.moh = mohClass || 'default';
    this.emit({ type: 'MusicOnHoldStarted', at: this.date(), apps: [], channel: this.snap(c), mohClass: c.moh });
  }

  stopMoh(channelId: string): void {
    const c = this.stasisChannel(channelId);
    if (!c.moh) return;
    c.moh = undefined;
    this.emit({ type: 'MusicOnHoldStopped', at: this.date(), apps: [], channel: this.snap(c) });
  }

  // ---------------------------------------------------------------------------
  // Bridges

  createBridge(o: { type?: string; name?: string; bridgeId?: string } = {}): BridgeSnapshot {
    const tokens = (o.type ?? 'mixing').split(',').map((t) => t.trim()).filter(Boolean);
    const valid = tokens.length > 0 && tokens.every((t) => BRIDGE_TYPE_TOKENS.has(t));
    if (!valid) throw new WorldError('internal-error', `Unable to create bridge. Possible duplicate bridge id '${o.bridgeId ?? '(null)'}'`);
    if (o.bridgeId && this.bridgeMap.has(o.bridgeId)) throw new WorldError('internal-error', `Unable to create bridge. Possible duplicate bridge id '${o.bridgeId}'`);
    const type: BridgeType = tokens.includes('holding') ? 'holding' : 'mixing';
    const b: Bridge = {
      id: o.bridgeId || randomUUID(),
      name: o.name ?? '',
      type,
      technology: type === 'holding' ? 'holding_bridge' : 'simple_bridge',
      bridgeClass: 'stasis',
      creator: 'Stasis',
      members: [],
      pseudo: [],
      subs: new Map(),
      creationtime: this.date(),
    };
    this.bridgeMap.set(b.id, b);
    this.emit({ type: 'BridgeCreated', at: this.date(), apps: [], bridge: this.bridgeSnap(b) });
    return this.bridgeSnap(b);
  }

  destroyBridge(bridgeId: string): void {
    const b = this.mustBridge(bridgeId);
    for (const id of [...b.members]) {
      const c = this.chans.get(id);
      if (c) this.leaveBridge(c);
    }
    this.player.endAllOn({ kind: 'bridge', id: b.id }, 'done');
    this.recorder.endAllOn({ kind: 'bridge', id: b.id });
    this.bridgeMap.delete(b.id);
    this.emit({ type: 'BridgeDestroyed', at: this.date(), apps: bridgeApps(b), bridge: this.bridgeSnap(b) });
  }

  addToBridge(bridgeId: string, channelIds: string[], role?: string): void {
    const b = this.mustBridge(bridgeId);
    const chans = channelIds.map((id) => {
      const c = this.chans.get(id);
      if (!c) throw new WorldError('bad-request', MSG.channelNotFound);
      return c;
    });
    for (const c of chans) if (!c.stasis) throw new WorldError('unprocessable', MSG.notInStasis);
    const entered: Channel[] = [];
    for (const c of chans) {
      if (c.bridgeId === b.id) continue;
      if (c.bridgeId) this.leaveBridge(c);
      b.members.push(c.id);
      c.bridgeId = b.id;
      if (c.stasis) b.subs.set(c.stasis.app, (b.subs.get(c.stasis.app) ?? 0) + 1);
      entered.push(c);
      this.emit({ type: 'BridgeEntered', at: this.date(), apps: unionApps(c, undefined, b), bridge: this.bridgeSnap(b), channel: this.snap(c), role });
      if (b.type === 'holding' && b.mohClass) this.emit({ type: 'MusicOnHoldStarted', at: this.date(), apps: [], channel: this.snap(c), mohClass: b.mohClass });
    }
    if (entered.length === 0 || b.type !== 'mixing') return;
    this.refreshBridgePeers(b);
    const real = b.members.map((id) => this.chans.get(id)).filter((c): c is Channel => !!c);
    if (real.length === 2) {
      const [a, z] = real as [Channel, Channel];
      const order = entered.length === 2 ? [z, a] : entered[0] === z ? [z, a] : [a, z];
      for (const c of order) {
        const other = c === a ? z : a;
        if (c.connected.name === other.caller.name && c.connected.number === other.caller.number) continue;
        c.connected = { ...other.caller };
        this.emit({ type: 'ChannelConnectedLine', at: this.date(), apps: [...c.apps], channel: this.snap(c) });
      }
    }
  }

  removeFromBridge(bridgeId: string, channelId: string): void {
    const b = this.mustBridge(bridgeId);
    const c = this.chans.get(channelId);
    if (!c) throw new WorldError('bad-request', MSG.channelNotFound);
    if (c.bridgeId !== b.id) throw new WorldError('unprocessable', MSG.notInThisBridge);
    this.leaveBridge(c);
    if (c.stasis) {
      const n = (b.subs.get(c.stasis.app) ?? 0) - 1;
      if (n > 0) b.subs.set(c.stasis.app, n);
      else b.subs.delete(c.stasis.app);
    }
  }

  startBridgeMoh(bridgeId: string, mohClass = 'default'): void {
    const b = this.mustBridge(bridgeId);
    b.mohClass = mohClass || 'default';
    if (b.type === 'mixing') {
      if (!b.announcer) {
        b.announcer = `Announcer/ARI_MOH-${this.nextUnrealHex()};2`;
        b.pseudo.push(b.announcer);
        this.refreshBridgePeers(b);
      }
      return;
    }
    for (const id of b.members) {
      const c = this.chans.get(id);
      if (c) this.emit({ type: 'MusicOnHoldStarted', at: this.date(), apps: [], channel: this.snap(c), mohClass: b.mohClass });
    }
  }

  stopBridgeMoh(bridgeId: string): void {
    const b = this.mustBridge(bridgeId);
    const had = b.mohClass;
    b.mohClass = undefined;
    if (b.type === 'mixing') {
      if (b.announcer) {
        b.pseudo = b.pseudo.filter((p) => p !== b.announcer);
        b.announcer = undefined;
        this.refreshBridgePeers(b);
      }
      return;
    }
    if (had) {
      for (const id of b.members) {
        const c = this.chans.get(id);
        if (c) this.emit({ type: 'MusicOnHoldStopped', at: this.date(), apps: [], channel: this.snap(c) });
      }
    }
  }

  private leaveBridge(c: Channel): void {
    const b = c.bridgeId ? this.bridgeMap.get(c.bridgeId) : undefined;
    c.bridgeId = undefined;
    if (!b) return;
    b.members = b.members.filter((id) => id !== c.id);
    if (b.type === 'mixing' && c.vars.has('BRIDGEPEER')) this.varSet(c, 'BRIDGEPEER', '');
    this.emit({ type: 'BridgeLeft', at: this.date(), apps: unionApps(c, undefined, b), bridge: this.bridgeSnap(b), channel: this.snap(c) });
    if (b.type === 'holding' && b.mohClass) this.emit({ type: 'MusicOnHoldStopped', at: this.date(), apps: [], channel: this.snap(c) });
  }

  private refreshBridgePeersOf(c: Channel): void {
    const b = c.bridgeId ? this.bridgeMap.get(c.bridgeId) : undefined;
    if (b) this.refreshBridgePeers(b);
  }

  /** Asterisk re-sets BRIDGEPEER on every member whenever a mixing bridge changes (README fact 13). */
  private refreshBridgePeers(b: Bridge): void {
    if (b.type !== 'mixing') return;
    const real = b.members.map((id) => this.chans.get(id)).filter((c): c is Channel => !!c);
    if (real.length + b.pseudo.length < 2) return;
    for (const c of real) {
      const others = [...b.pseudo, ...real.filter((o) => o !== c).map((o) => o.name)];
      this.varSet(c, 'BRIDGEPEER', others.join(','));
    }
  }

  // ---------------------------------------------------------------------------
  // Playbacks

  play(target: MediaTarget, media: string[], o: { lang?: string; playbackId?: string } = {}): PlaybackSnapshot {
    let language = o.lang || 'en';
    if (target.kind === 'channel') {
      const c = this.stasisChannel(target.id);
      if (c.origin === 'created' && !c.dialStarted) throw new WorldError('invalid-state', MSG.invalidState);
      language = o.lang || c.language;
    } else {
      this.mustBridge(target.id);
    }
    return this.player.start(target, media, language, o.playbackId);
  }

  stopPlayback(playbackId: string): void {
    this.player.stop(playbackId);
  }

  controlPlayback(playbackId: string, operation: string): void {
    this.player.control(playbackId, operation);
  }

  // ---------------------------------------------------------------------------
  // Recordings

  record(target: MediaTarget, o: RecordParams): LiveRecordingSnapshot {
    let bridged = false;
    if (target.kind === 'channel') bridged = this.stasisChannel(target.id).bridgeId !== undefined;
    else this.mustBridge(target.id);
    return this.recorder.start(target, bridged, o);
  }

  stopRecording(name: string): void {
    this.recorder.stop(name);
  }

  pauseRecording(name: string, paused: boolean): void {
    this.recorder.pause(name, paused);
  }

  /** DELETE /recordings/live/{name}: stop and throw the file away. */
  cancelRecording(name: string): void {
    this.recorder.cancel(name);
  }

  copyStoredRecording(name: string, destination: string): StoredRecording {
    return this.recorder.copy(name, destination);
  }

  deleteStoredRecording(name: string): void {
    this.recorder.delete(name);
  }

  /** An Announcer/Recorder channel joins a mixing bridge; returns its name. */
  private pseudoJoinById(bridgeId: string, kind: 'Recorder/ARI'): string {
    const name = `${kind}-${this.nextUnrealHex()};2`;
    const b = this.bridgeMap.get(bridgeId);
    if (b) this.pseudoJoin(b, name);
    return name;
  }

  private pseudoLeaveById(bridgeId: string, name: string): void {
    const b = this.bridgeMap.get(bridgeId);
    if (b) this.pseudoLeave(b, name);
  }

  private pseudoJoin(b: Bridge, name: string): void {
    b.pseudo.push(name);
    this.refreshBridgePeers(b);
  }

  private pseudoLeave(b: Bridge, name: string): void {
    b.pseudo = b.pseudo.filter((p) => p !== name);
    this.refreshBridgePeers(b);
  }

  // ---------------------------------------------------------------------------
  // Internals: channel life

  private newChannel(o: {
    id?: string;
    name?: string;
    tech: string;
    resource: string;
    state: ChannelState;
    caller: PartyId;
    connected: PartyId;
    dialplan: DialplanLocation;
    origin: Origin;
    accountcode?: string;
    linkedid?: string;
  }): Channel {
    const uniqueid = this.nextUniqueId();
    const id = o.id || uniqueid;
    const name = o.name ?? `${o.tech}/${o.resource}-${this.nextPjsipHex()}`;
    const c: Channel = {
      id,
      name,
      tech: o.tech,
      resource: o.resource,
      state: o.state,
      caller: o.caller,
      connected: o.connected,
      accountcode: o.accountcode ?? '',
      language: 'en',
      linkedid: o.linkedid ?? id,
      dialplan: o.dialplan,
      creationtime: this.date(),
      vars: new Map(),
      apps: new Set(),
      origin: o.origin,
      dialStarted: false,
      gone: false,
      hangingUp: false,
      timers: new Set(),
      onHold: false,
      muted: new Set(),
      lastApp: '',
      lastData: '',
      destination: o.dialplan.exten,
    };
    this.chans.set(id, c);
    return c;
  }

  private nextUniqueId(): string {
    return `${Math.floor(this.now() / 1000)}.${this.uniqueSeq++}`;
  }

  private nextUnrealHex(): string {
    return (this.unrealSeq++).toString(16).padStart(8, '0');
  }

  private nextPjsipHex(): string {
    return (this.pjsipSeq++).toString(16).padStart(8, '0');
  }

  private mustChannel(id: string): Channel {
    const c = this.chans.get(id);
    if (!c || c.gone) throw new WorldError('not-found', MSG.channelNotFound);
    return c;
  }

  private mustBridge(id: string): Bridge {
    const b = this.bridgeMap.get(id);
    if (!b) throw new WorldError('bridge-not-found', MSG.bridgeNotFound);
    return b;
  }

  private setState(c: Channel, state: ChannelState): void {
    if (c.state === state || c.gone) return;
    const previous = c.state;
    c.state = state;
    this.emit({ type: 'ChannelStateChanged', at: this.date(), apps: [...c.apps], channel: this.snap(c), previous });
  }

  private varSet(c: Channel, name: string, value: string): void {
    c.vars.set(name, value);
    this.emit({ type: 'ChannelVarSet', at: this.date(), apps: [...c.apps], channel: this.snap(c), variable: name, value });
  }

  private dialplanStep(c: Channel, priority: number, app: string, appData: string): void {
    c.dialplan = { ...c.dialplan, priority, appName: app, appData };
    c.lastApp = app;
    c.lastData = appData;
    this.emit({ type: 'ChannelDialplan', at: this.date(), apps: [...c.apps], channel: this.snap(c), app, appData });
  }

  /** Puts a channel into a Stasis app; false when the app is not registered. */
  private enterStasis(c: Channel, app: string, args: string[], fromDialplan: boolean, announceDialplan = false): boolean {
    if (!this.registeredApps.has(app)) return false;
    const appData = [app, ...args].join(',');
    if (announceDialplan) this.dialplanStep(c, c.dialplan.priority, 'Stasis', appData);
    else {
      c.dialplan = { ...c.dialplan, appName: 'Stasis', appData };
      c.lastApp = 'Stasis';
      c.lastData = appData;
    }
    if (announceDialplan) this.varSet(c, 'STASISSTATUS', '');
    c.stasis = { app, args, fromDialplan };
    c.apps.add(app);
    this.emit({ type: 'StasisStarted', at: this.date(), apps: [app], channel: this.snap(c), app, args });
    return true;
  }

  private hangupRequested(c: Channel, cause: number, soft: boolean): void {
    this.emit({ type: 'HangupRequested', at: this.date(), apps: [...c.apps], channel: this.snap(c), cause, soft });
  }

  /**
   * Takes a channel out of its bridge, its media and its Stasis app. A playback cut short
   * by a hang-up ends `failed` (the stream stops with an error), before StasisEnd.
   */
  private cleanup(c: Channel, why: 'hangup' | 'leave' = 'hangup'): void {
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

  /**
   * The hang-up sequence as Asterisk publishes it for a Local pair or a single channel
   * (captured order: request, bridge leave, StasisEnd, peer request, destroy, peer destroy).
   */
  private hangupFlow(c: Channel, o: { requestCause?: number; soft?: boolean; cause: number; fromTwo?: boolean }): void {
    if (c.gone || c.hangingUp) return;
    c.hangingUp = true;
    if (o.requestCause !== undefined) this.hangupRequested(c, o.requestCause, o.soft ?? false);
    this.cleanup(c);
    const peer = c.localPeerId ? this.chans.get(c.localPeerId) : undefined;
    if (peer && !peer.gone && !peer.hangingUp) {
      peer.hangingUp = true;
      this.hangupRequested(peer, CAUSE.NORMAL_CLEARING, false);
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

  private destroy(c: Channel, cause: number, o: { cdrClosed?: boolean } = {}): void {
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
    if (!o.cdrClosed) this.closeCdr(c, at);
  }

  /** The channel's CDR is posted (the ;2 half of a Local pair is not modelled). */
  private closeCdr(c: Channel, at: Date): void {
    if (c.localHalf === 2) return;
    this.completedCalls++;
    this.emit({ type: 'Cdr', at, apps: [], cdr: this.cdrOf(c, at) });
  }

  private cdrOf(c: Channel, end: Date): CdrRecord {
    const partner = c.partnerId ?? c.localPeerId;
    return buildCdr(c, partner ? this.chans.get(partner)?.name ?? '' : '', end);
  }

  private targetApps(kind: 'channel' | 'bridge', id: string): string[] {
    if (kind === 'channel') {
      const c = this.chans.get(id);
      return c ? [...c.apps] : [];
    }
    const b = this.bridgeMap.get(id);
    return b ? bridgeApps(b) : [];
  }

  private snap(c: Channel): ChannelSnapshot {
    return {
      id: c.id,
      name: c.name,
      tech: c.tech,
      state: c.state,
      caller: { ...c.caller },
      connected: { ...c.connected },
      accountcode: c.accountcode,
      language: c.language,
      linkedid: c.linkedid,
      dialplan: { ...c.dialplan },
      creationtime: c.creationtime,
      localHalf: c.localHalf,
      localPeerId: c.localPeerId,
      bridgeId: c.bridgeId,
      stasis: c.stasis ? { ...c.stasis, args: [...c.stasis.args] } : undefined,
    };
  }

  private bridgeSnap(b: Bridge): BridgeSnapshot {
    return {
      id: b.id,
      name: b.name,
      type: b.type,
      technology: b.technology,
      bridgeClass: b.bridgeClass,
      creator: b.creator,
      channelIds: [...b.members],
      creationtime: b.creationtime,
      videoMode: 'talker',
      mohClass: b.mohClass,
    };
  }
}

// ---------------------------------------------------------------------------

function bridgeApps(b: Bridge): string[] {
  return [...b.subs.entries()].filter(([, n]) => n > 0).map(([app]) => app);
}

function unionApps(c: Channel, other?: Channel, b?: Bridge): string[] {
  const s = new Set(c.apps);
  if (other) for (const a of other.apps) s.add(a);
  if (b) for (const a of bridgeApps(b)) s.add(a);
  return [...s];
}

