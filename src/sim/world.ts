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
 *
 * The class is layered, one idea per file: state → hangup → bridges → media-commands →
 * dialing → dialplan → transfers → refer (phones' transfer key) → World (see docs/simulator.md).
 */
import { MSG, WorldError } from './world-errors.js';
import { soundDuration } from './world-media.js';
import type { FaxReceiverScript } from './world-fax.js';
import { parseCallerId, partyField, splitOnce } from './world-util.js';
import type { BridgeSnapshot, ChannelSnapshot, EndpointBehaviour, MailboxState, LiveRecordingSnapshot, PlaybackSnapshot, StoredRecording, WorldEvent } from './world-types.js';
import type { Channel } from './world-model.js';
import { WorldRefer } from './world-refer.js';
import { channelOnTopic, endpointResource, endpointSubscribers } from './world-endpoints.js';

export * from './world-types.js';
export type { CreateParams, InboundCallParams, OriginateParams, RecordParams, WorldOptions } from './world-params.js';
export { WorldError } from './world-errors.js';
export { parseCallerId } from './world-util.js';
export type { WorldErrorKind } from './world-errors.js';
export type { WorldListener } from './world-model.js';

/** The cause on every channel's hang-up request while Asterisk shuts down. */
const CAUSE_SHUTDOWN = 4;

export class World extends WorldRefer {
  /** Endpoint event sources each app subscribed to (`PJSIP` for all, or `PJSIP/1001`). */
  private readonly endpointSubs = new Map<string, Set<string>>();
  /** How an endpoint answered before it went offline, restored when it comes back. */
  private readonly offlineBehaviours = new Map<string, EndpointBehaviour>();

  /**
   * `core restart now` (or `core stop now`) as Asterisk 22 does it (capture
   * pjsip/core-restart-mid-call): every channel gets a soft hang-up request with cause 4,
   * leaves its bridge and Stasis (StasisEnd) and is destroyed while the sockets are still
   * up; then AMI `Shutdown`. The caller closes the sockets afterwards. The PBX comes back
   * with no channels and no bridges (a new process: its bridges vanish without events).
   */
  shutdown(o: { restart: boolean }): number {
    const live = [...this.chans.values()].filter((c) => !c.gone && !c.hangingUp);
    for (const c of live) {
      if (!c.gone && !c.hangingUp) this.hangupFlow(c, { requestCause: CAUSE_SHUTDOWN, soft: true, cause: 16 });
    }
    this.bridgeMap.clear();
    this.emit({ type: 'Shutdown', at: this.date(), apps: [], restart: o.restart });
    return live.length;
  }

  /** Channel events also reach the apps subscribed to the channel's endpoint (world-endpoints.ts). */
  protected override emit(e: WorldEvent): void {
    const channel = this.endpointChannelEvents ? channelOnTopic(e) : undefined;
    const resource = channel && endpointResource(channel);
    const extra = channel && resource !== undefined ? endpointSubscribers(this.endpointSubs, channel.tech, resource) : [];
    super.emit(extra.length > 0 ? { ...e, apps: [...e.apps, ...extra] } : e);
  }

  protected override endpointChannelsChanged(c: Channel): void {
    const resource = this.endpointChannelEvents ? endpointResource(c) : undefined;
    if (resource === undefined) return;
    const apps = endpointSubscribers(this.endpointSubs, c.tech, resource);
    if (apps.length === 0) return;
    const channelIds = [...this.chans.values()].filter((x) => !x.gone && x.tech === c.tech && endpointResource(x) === resource).map((x) => x.id);
    const online = this.endpointBehaviour(c.tech, resource).behaviour !== 'unreachable';
    this.emit({ type: 'EndpointStateChanged', at: this.date(), apps, endpoint: { technology: c.tech, resource, state: online ? 'online' : 'offline', channelIds } });
  }

  registerApp(app: string): void {
    if (this.registeredApps.has(app)) return;
    this.registeredApps.add(app);
    this.emit({ type: 'ApplicationRegistered', at: this.date(), apps: [], app });
  }

  unregisterApp(app: string): void {
    if (!this.registeredApps.delete(app)) return;
    // The app's event subscriptions go with it: a client subscribes again when it connects.
    this.endpointSubs.delete(app);
    this.emit({ type: 'ApplicationUnregistered', at: this.date(), apps: [], app });
  }

  isAppRegistered(app: string): boolean {
    return this.registeredApps.has(app);
  }

  applications(): string[] {
    return [...this.registeredApps];
  }

  /** What `GET /applications/{name}` shows: the channels, bridges and endpoints subscribed to it. */
  applicationSubscriptions(app: string): { channelIds: string[]; bridgeIds: string[]; endpointIds: string[] } {
    const channelIds = [...this.chans.values()].filter((c) => c.apps.has(app)).map((c) => c.id);
    const bridgeIds = [...this.bridgeMap.values()].filter((b) => (b.subs.get(app) ?? 0) > 0).map((b) => b.id);
    return { channelIds, bridgeIds, endpointIds: [...(this.endpointSubs.get(app) ?? [])] };
  }

  /**
   * `POST /applications/{app}/subscription?eventSource=endpoint:<tech>[/<resource>]`: the
   * app hears that endpoint's (or every endpoint of the technology's) EndpointStateChange.
   */
  subscribeEndpoint(app: string, source: string): void {
    if (!this.registeredApps.has(app)) throw new WorldError('not-found', MSG.applicationNotFound);
    const [tech = '', resource] = splitOnce(source, '/');
    if (!/^(PJSIP|SIP|IAX2|Local)$/.test(tech)) throw new WorldError('unprocessable', 'Event source does not exist');
    const subs = this.endpointSubs.get(app) ?? new Set<string>();
    subs.add(resource ? `${tech}/${resource}` : tech);
    this.endpointSubs.set(app, subs);
  }

  /**
   * A phone registers or unregisters (qualify: reachable or not). Offline, dialling it fails
   * at once as for an unreachable contact; online, it answers as it did before. Apps
   * subscribed to the endpoint hear EndpointStateChange.
   */
  setEndpointOnline(endpoint: string, online: boolean): void {
    const [tech = '', resource = ''] = splitOnce(endpoint, '/');
    if (!tech || !resource) throw new WorldError('bad-request', `Endpoint '${endpoint}' must be tech/resource`);
    const current = this.endpointBehaviour(tech, resource);
    if (!online && current.behaviour !== 'unreachable') {
      this.offlineBehaviours.set(endpoint, current);
      this.setEndpointBehaviour(endpoint, { behaviour: 'unreachable' });
    } else if (online && current.behaviour === 'unreachable') {
      this.setEndpointBehaviour(endpoint, this.offlineBehaviours.get(endpoint) ?? { behaviour: 'answer', answerAfterMs: this.defaultAnswerAfterMs });
      this.offlineBehaviours.delete(endpoint);
    } else {
      return;
    }
    const apps = [...this.endpointSubs].filter(([, subs]) => subs.has(tech) || subs.has(endpoint)).map(([app]) => app);
    const channelIds = [...this.chans.values()].filter((c) => !c.gone && c.tech === tech && c.resource === resource).map((c) => c.id);
    this.emit({ type: 'EndpointStateChanged', at: this.date(), apps, endpoint: { technology: tech, resource, state: online ? 'online' : 'offline', channelIds } });
  }

  userEvent(app: string, eventName: string, variables: Record<string, string>): void {
    if (!this.registeredApps.has(app)) throw new WorldError('not-found', MSG.applicationNotFound);
    this.emit({ type: 'UserEvent', at: this.date(), apps: [app], eventName, variables });
  }

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

  placeStoredRecording(name: string, format: string, durationMs: number): StoredRecording {
    return this.recorder.place(name, format, durationMs);
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
      const channelIds = [...this.chans.values()].filter((c) => !c.gone && c.tech === technology && c.resource === resource).map((c) => c.id);
      return { technology, resource, behaviour: { ...behaviour }, channelIds };
    });
  }

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

  getGlobal(name: string): string | undefined {
    return this.globals.get(name);
  }

  setGlobal(name: string, value: string): void {
    this.globals.set(name, value);
    this.emit({ type: 'GlobalVarSet', at: this.date(), apps: [], variable: name, value });
  }

  /** A channel variable or dialplan function; undefined when unset. */
  override getVar(channelId: string, name: string): string | undefined {
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
}
