// The simulated PBX's state and its smallest moves: channels and bridges as records,
// the listeners that see every change, timers at the world's speed, and the events
// each change publishes. The layers above (hang-up, bridges, media, dialing, dialplan,
// transfers) add behaviour; World (world.ts) is the public face.
import type { Logger } from 'pino';
import { CAUSE } from './world-causes.js';
import { MSG, WorldError } from './world-errors.js';
import type { WorldOptions } from './world-params.js';
import type { MediaTarget } from './world-desk.js';
import { DEFAULT_CUSTOM_PREFIXES, DEFAULT_SOUNDS, type SoundCatalog } from './world-media.js';
import { PlaybackDesk } from './world-player.js';
import { RecordingDesk } from './world-recorder.js';
import { FaxDesk } from './world-fax.js';
import type { BridgeSnapshot, ChannelSnapshot, ChannelState, DialplanLocation, EndpointBehaviour, MailboxState, PartyId, WorldEvent } from './world-types.js';
import { type Bridge, type Channel, type Origin, type WorldListener, bridgeApps } from './world-model.js';

export abstract class WorldState {
  protected abstract hangupFlow(c: Channel, o: { requestCause?: number; soft?: boolean; cause: number; fromTwo?: boolean }): void;

  readonly asteriskId: string;
  readonly speed: number;
  readonly startedAt: Date;
  readonly inboundApp: string;
  protected readonly log: Logger | undefined;
  protected readonly now: () => number;
  protected readonly sounds: SoundCatalog;
  protected readonly defaultAnswerAfterMs: number;
  protected readonly fallbackEndpoint: string;
  protected readonly trunk: string;
  protected readonly agentDialplanDelayMs: number;
  protected readonly listeners = new Set<WorldListener>();
  protected readonly chans = new Map<string, Channel>();
  protected readonly bridgeMap = new Map<string, Bridge>();
  protected readonly player: PlaybackDesk;
  protected readonly recorder: RecordingDesk;
  protected readonly fax: FaxDesk;
  /** res_mwi_external: loaded unless the world is told otherwise (the lab had it unloaded). */
  readonly mailboxModule: boolean;
  protected readonly mailboxStates = new Map<string, MailboxState>();
  protected readonly registeredApps = new Set<string>();
  protected readonly endpointBehaviours = new Map<string, EndpointBehaviour>();
  protected readonly endpointChannelEvents: boolean;
  protected readonly globals = new Map<string, string>();
  protected readonly worldTimers = new Set<NodeJS.Timeout>();
  protected uniqueSeq = 0;
  protected completedCalls = 0;
  protected unrealSeq = 0x10;
  protected pjsipSeq = 0;
  protected closed = false;

  constructor(opts: WorldOptions = {}) {
    this.asteriskId = opts.asteriskId ?? '02:fc:00:00:00:01';
    this.speed = opts.speed && opts.speed > 0 ? opts.speed : 1;
    this.now = opts.now ?? Date.now;
    this.startedAt = new Date(this.now());
    this.log = opts.logger;
    this.endpointChannelEvents = opts.endpointChannelEvents ?? false;
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

  protected emit(e: WorldEvent): void {
    for (const l of [...this.listeners]) {
      try {
        l(e);
      } catch (err) {
        this.log?.error({ err, event: e.type }, 'world listener failed');
      }
    }
  }

  protected date(): Date {
    return new Date(this.now());
  }

  /** Runs `fn` after `simulatedMs` divided by the speed factor; tied to a channel if given. */
  protected after(simulatedMs: number, fn: () => void, owner?: Channel): NodeJS.Timeout | undefined {
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

  protected newChannel(o: {
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
    this.endpointChannelsChanged(c);
    return c;
  }

  /** A channel joined or left its endpoint: the World tells the apps subscribed to it. */
  protected endpointChannelsChanged(_c: Channel): void {}

  protected nextUniqueId(): string {
    return `${Math.floor(this.now() / 1000)}.${this.uniqueSeq++}`;
  }

  protected nextUnrealHex(): string {
    return (this.unrealSeq++).toString(16).padStart(8, '0');
  }

  protected nextPjsipHex(): string {
    return (this.pjsipSeq++).toString(16).padStart(8, '0');
  }

  protected mustChannel(id: string): Channel {
    const c = this.chans.get(id);
    if (!c || c.gone) throw new WorldError('not-found', MSG.channelNotFound);
    return c;
  }

  protected mustBridge(id: string): Bridge {
    const b = this.bridgeMap.get(id);
    if (!b) throw new WorldError('bridge-not-found', MSG.bridgeNotFound);
    return b;
  }

  protected setState(c: Channel, state: ChannelState): void {
    if (c.state === state || c.gone) return;
    const previous = c.state;
    c.state = state;
    this.emit({ type: 'ChannelStateChanged', at: this.date(), apps: [...c.apps], channel: this.snap(c), previous });
  }

  protected varSet(c: Channel, name: string, value: string): void {
    c.vars.set(name, value);
    this.emit({ type: 'ChannelVarSet', at: this.date(), apps: [...c.apps], channel: this.snap(c), variable: name, value });
  }

  protected dialplanStep(c: Channel, priority: number, app: string, appData: string): void {
    c.dialplan = { ...c.dialplan, priority, appName: app, appData };
    c.lastApp = app;
    c.lastData = appData;
    this.emit({ type: 'ChannelDialplan', at: this.date(), apps: [...c.apps], channel: this.snap(c), app, appData });
  }

  /** Puts a channel into a Stasis app; false when the app is not registered. */
  /** `replaceChannel`: the channel this one takes the place of in its bridge (a phone's transfer). */
  protected enterStasis(c: Channel, app: string, args: string[], fromDialplan: boolean, announceDialplan = false, replaceChannel?: ChannelSnapshot): boolean {
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
    this.emit({ type: 'StasisStarted', at: this.date(), apps: [app], channel: this.snap(c), app, args, ...(replaceChannel ? { replaceChannel } : {}) });
    return true;
  }

  protected hangupRequested(c: Channel, cause: number, soft: boolean): void {
    this.emit({ type: 'HangupRequested', at: this.date(), apps: [...c.apps], channel: this.snap(c), cause, soft });
  }

  protected targetApps(kind: 'channel' | 'bridge', id: string): string[] {
    if (kind === 'channel') {
      const c = this.chans.get(id);
      return c ? [...c.apps] : [];
    }
    const b = this.bridgeMap.get(id);
    return b ? bridgeApps(b) : [];
  }

  protected snap(c: Channel): ChannelSnapshot {
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

  protected bridgeSnap(b: Bridge): BridgeSnapshot {
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

  /** Asterisk re-sets BRIDGEPEER on every member whenever a mixing bridge changes (README fact 13). */
  protected refreshBridgePeers(b: Bridge): void {
    if (b.type !== 'mixing') return;
    const real = b.members.map((id) => this.chans.get(id)).filter((c): c is Channel => !!c);
    if (real.length + b.pseudo.length < 2) return;
    for (const c of real) {
      const others = [...b.pseudo, ...real.filter((o) => o !== c).map((o) => o.name)];
      this.varSet(c, 'BRIDGEPEER', others.join(','));
    }
  }

  /** An Announcer/Recorder channel joins a mixing bridge; returns its name. */
  protected pseudoJoinById(bridgeId: string, kind: 'Recorder/ARI'): string {
    const name = `${kind}-${this.nextUnrealHex()};2`;
    const b = this.bridgeMap.get(bridgeId);
    if (b) this.pseudoJoin(b, name);
    return name;
  }

  protected pseudoLeaveById(bridgeId: string, name: string): void {
    const b = this.bridgeMap.get(bridgeId);
    if (b) this.pseudoLeave(b, name);
  }

  protected pseudoJoin(b: Bridge, name: string): void {
    b.pseudo.push(name);
    this.refreshBridgePeers(b);
  }

  protected pseudoLeave(b: Bridge, name: string): void {
    b.pseudo = b.pseudo.filter((p) => p !== name);
    this.refreshBridgePeers(b);
  }
}
