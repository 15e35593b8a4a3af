// One ARI connection for one Stasis app: typed REST plus the events socket, with a
// resync after every (re)connect and routing of events to the owner of each channel.
//
// Events:
//   'connected'     the socket is up (the Stasis app is registered again)
//   'ready'         after each connect, with a snapshot of the app, channels and bridges:
//                   events from the gap are gone, the consumer reconciles from this.
//                   Events that arrive while the snapshot is fetched are held back and
//                   delivered right after 'ready', in order.
//   'event'         every ARI event (known or not)
//   'disconnected'  the socket went down; reconnecting unless stopped or replaced
//   'applicationReplaced'  ApplicationReplaced: another connection owns the app; we do not
//                   fight for it. Call reclaim() when the PBX lease says it is ours.
import { EventEmitter } from 'node:events';
import type { Logger } from '../log.js';
import type { BackoffOptions } from './backoff.js';
import { AriHttpError } from './errors.js';
import { applyEventFilter } from './event-filter.js';
import { AriEventSocket, type PingOptions, type SocketClose } from './events.js';
import { AriRest, type ApplicationsApi, type AsteriskApi, type EndpointsApi } from './rest.js';
import type { BridgesApi } from './rest-bridges.js';
import type { ChannelsApi } from './rest-channels.js';
import type { PlaybacksApi } from './rest-media.js';
import { ChannelRouter, type ChannelHandler } from './routing.js';
import type { Application, ApplicationReplaced, AriEvent, Bridge, Channel } from './types.js';

export interface AriClientOptions {
  /** ARI base URL, e.g. `http://127.0.0.1:8088/ari`. */
  url: string;
  user: string;
  password: string;
  /** Stasis application name. */
  app: string;
  log: Logger;
  requestTimeoutMs?: number;
  ping?: Partial<PingOptions>;
  reconnect?: Partial<BackoffOptions>;
  /**
   * Event types Asterisk should not send this app (`PUT .../eventFilter`, set after every
   * connect, alongside the resync). Empty or absent: no filter is asked for.
   */
  disallowedEvents?: readonly string[];
}

export interface ResyncSnapshot {
  application: Application;
  channels: Channel[];
  bridges: Bridge[];
}

/**
 * 'connected' means the socket is up AND the resync snapshot was taken: ready for calls
 * (what /readyz wants). 'resyncing' is the short step between the two.
 */
export type AriClientState = 'idle' | 'connecting' | 'resyncing' | 'connected' | 'disconnected' | 'replaced' | 'stopped';

export interface AriClientStats {
  eventsReceived: number;
  /** Copies of an event dropped (an endpoint subscription delivers the app's channels twice). */
  repeatedEvents: number;
  badFrames: number;
  reconnects: number;
  connects: number;
  pingTimeouts: number;
  resyncs: number;
  resyncFailures: number;
  /** Exceptions thrown by our own listeners and channel handlers (caught and logged). */
  handlerErrors: number;
  routedChannels: number;
}

export interface AriClientEvents {
  connected: [];
  ready: [ResyncSnapshot];
  event: [AriEvent];
  disconnected: [SocketClose];
  applicationReplaced: [ApplicationReplaced];
}

// Asterisk registers the app just after the 101 answer, so a GET racing the upgrade can
// see `404 Application not found` for a moment.
const RESYNC_ATTEMPTS = 5;
const RESYNC_RETRY_MS = 50;

export class AriClient extends EventEmitter<AriClientEvents> {
  readonly app: string;
  readonly rest: AriRest;
  private readonly socket: AriEventSocket;
  private readonly router = new ChannelRouter();
  private readonly log: Logger;
  private _state: AriClientState = 'idle';
  private held: AriEvent[] = [];
  private generation = 0;
  private resyncs = 0;
  private resyncFailures = 0;
  private handlerErrors = 0;
  private socketUp = false;
  private readonly disallowedEvents: readonly string[];
  /** A PBX that refused the filter is said so once, not on every reconnect. */
  private filterRefusalLogged = false;
  private filtered = false;

  constructor(opts: AriClientOptions) {
    super();
    if (!opts.app) throw new TypeError('ARI app name is required');
    this.app = opts.app;
    this.log = opts.log.child({ component: 'ari', app: opts.app });
    this.disallowedEvents = [...(opts.disallowedEvents ?? [])];
    this.rest = new AriRest({
      baseUrl: opts.url,
      user: opts.user,
      password: opts.password,
      timeoutMs: opts.requestTimeoutMs,
      log: this.log,
    });
    this.socket = new AriEventSocket({
      baseUrl: this.rest.http.baseUrl,
      app: opts.app,
      authorization: this.rest.http.authorizationHeader(),
      log: opts.log,
      ping: opts.ping,
      reconnect: opts.reconnect,
      handshakeTimeoutMs: opts.requestTimeoutMs,
    });
    this.socket.on('open', () => this.onOpen());
    this.socket.on('close', (close) => this.onClose(close));
    this.socket.on('event', (event) => this.onEvent(event));
    this.socket.on('replaced', (event) => this.onReplaced(event));
  }

  // The REST resources, straight on the client: `ari.channels.answer(id)`.
  get asterisk(): AsteriskApi {
    return this.rest.asterisk;
  }
  get applications(): ApplicationsApi {
    return this.rest.applications;
  }
  get endpoints(): EndpointsApi {
    return this.rest.endpoints;
  }
  get channels(): ChannelsApi {
    return this.rest.channels;
  }
  get bridges(): BridgesApi {
    return this.rest.bridges;
  }
  get playbacks(): PlaybacksApi {
    return this.rest.playbacks;
  }
  get recordings(): AriRest['recordings'] {
    return this.rest.recordings;
  }

  get state(): AriClientState {
    return this._state;
  }

  /** Whether the PBX took the event filter on the current connection. */
  get eventFilterSet(): boolean {
    return this.filtered;
  }

  get stats(): AriClientStats {
    const s = this.socket.stats;
    return {
      eventsReceived: s.eventsReceived,
      repeatedEvents: s.repeatedEvents,
      badFrames: s.badFrames,
      reconnects: s.reconnects,
      connects: s.connects,
      pingTimeouts: s.pingTimeouts,
      resyncs: this.resyncs,
      resyncFailures: this.resyncFailures,
      handlerErrors: this.handlerErrors,
      routedChannels: this.router.size,
    };
  }

  start(): void {
    if (this._state !== 'idle' && this._state !== 'stopped') return;
    this._state = 'connecting';
    this.socket.start();
  }

  async stop(): Promise<void> {
    this._state = 'stopped';
    this.generation++;
    this.held = [];
    await this.socket.stop();
  }

  /** What the PBX has now (app, channels, bridges): a reconcile outside a reconnect. */
  snapshot(): Promise<ResyncSnapshot> {
    return this.fetchSnapshot(this.generation);
  }

  /** After 'applicationReplaced': take the Stasis app back (only when this instance holds the lease). */
  reclaim(): void {
    if (this._state !== 'replaced') return;
    this._state = 'connecting';
    this.socket.resume();
  }

  /**
   * Route every event about `channelId` (its own events, Dial as caller or peer, playbacks
   * and recordings on it) to `handler`. The route is removed by itself on the channel's
   * StasisEnd or ChannelDestroyed, or by calling the returned function. Register before
   * originating with a pre-assigned id, so StasisStart cannot be missed.
   */
  onChannel(channelId: string, handler: ChannelHandler): () => void {
    return this.router.on(channelId, handler);
  }

  offChannel(channelId: string): boolean {
    return this.router.off(channelId);
  }

  /** How many channels have a route: stays flat over many calls (no listener leak). */
  routedChannels(): number {
    return this.router.size;
  }

  private onOpen(): void {
    const generation = ++this.generation;
    this.socketUp = true;
    this._state = 'resyncing';
    this.held = [];
    this.safeEmit('connected');
    const mark = this.router.mark();
    void this.resync(generation, mark);
  }

  private async resync(generation: number, mark: number): Promise<void> {
    let snapshot: ResyncSnapshot;
    try {
      // The filter goes alongside the snapshot, not before it: events that come unfiltered
      // meanwhile are only ignored, and 'ready' waits for no extra round trip.
      [snapshot] = await Promise.all([this.fetchSnapshot(generation), this.setEventFilter(generation)]);
    } catch (err) {
      if (generation !== this.generation) return;
      this.resyncFailures++;
      this.log.error({ err: errorForLog(err) }, 'ARI resync failed; reconnecting');
      this.socket.drop('resync failed');
      return;
    }
    if (generation !== this.generation) return;
    this.resyncs++;
    const alive = new Set(snapshot.channels.map((c) => c.id));
    const dropped = this.router.pruneAbsent(alive, mark);
    if (dropped.length > 0) {
      this.log.warn({ channels: dropped.length }, 'dropped routes of channels that ended while ARI was disconnected');
    }
    this._state = 'connected';
    this.log.info(
      { channels: snapshot.channels.length, bridges: snapshot.bridges.length, held: this.held.length },
      'ARI resynced',
    );
    this.safeEmit('ready', snapshot);
    const held = this.held;
    this.held = [];
    for (const event of held) {
      if (generation !== this.generation) return;
      this.deliver(event);
    }
  }

  private async setEventFilter(generation: number): Promise<void> {
    this.filtered = false;
    if (this.disallowedEvents.length === 0) return;
    const r = await applyEventFilter(
      { applications: this.rest.applications, app: this.app, current: () => generation === this.generation },
      this.disallowedEvents,
    );
    if (r.outcome === 'filtered') {
      this.filtered = true;
      if (this.filterRefusalLogged) this.log.info('the PBX takes the ARI event filter again');
      this.filterRefusalLogged = false;
    } else if (r.outcome !== 'stale' && !this.filterRefusalLogged) {
      this.filterRefusalLogged = true;
      this.log.warn({ reason: r.reason, outcome: r.outcome }, 'ARI event filter not set; every event type is received (works, costs CPU)');
    }
  }

  private async fetchSnapshot(generation: number): Promise<ResyncSnapshot> {
    for (let attempt = 1; ; attempt++) {
      try {
        const [application, channels, bridges] = await Promise.all([
          this.rest.applications.get(this.app),
          this.rest.channels.list(),
          this.rest.bridges.list(),
        ]);
        return { application, channels, bridges };
      } catch (err) {
        const appNotYetRegistered = err instanceof AriHttpError && err.status === 404 && err.path.startsWith('/applications/');
        if (!appNotYetRegistered || attempt >= RESYNC_ATTEMPTS || generation !== this.generation) throw err;
        await new Promise((r) => setTimeout(r, RESYNC_RETRY_MS * attempt));
      }
    }
  }

  private onEvent(event: AriEvent): void {
    if (this._state === 'resyncing') {
      this.held.push(event);
      return;
    }
    this.deliver(event);
  }

  private deliver(event: AriEvent): void {
    this.safeEmit('event', event);
    this.router.dispatch(event, (err, channelId) => {
      this.handlerErrors++;
      this.log.error({ err, channelId, eventType: event.type }, 'an ARI channel handler threw');
    });
  }

  private onClose(close: SocketClose): void {
    const wasUp = this.socketUp;
    this.socketUp = false;
    this.generation++;
    if (this.held.length > 0) {
      // These came after the socket opened but before the snapshot: the next resync covers them.
      this.log.warn({ events: this.held.length }, 'discarding events held during an unfinished resync');
      this.held = [];
    }
    if (this._state !== 'stopped' && this._state !== 'replaced') {
      this._state = close.willReconnect ? 'disconnected' : this._state;
    }
    if (wasUp) this.safeEmit('disconnected', close);
  }

  private onReplaced(event: ApplicationReplaced): void {
    this._state = 'replaced';
    this.generation++;
    this.held = [];
    this.log.error(
      'the Stasis app was taken over by another connection; this instance stops receiving calls until reclaim()',
    );
    this.safeEmit('applicationReplaced', event);
  }

  private safeEmit<K extends keyof AriClientEvents>(name: K, ...args: AriClientEvents[K]): void {
    try {
      (this.emit as (n: K, ...a: AriClientEvents[K]) => boolean).call(this, name, ...args);
    } catch (err) {
      this.handlerErrors++;
      this.log.error({ err, listener: name }, 'an ARI client listener threw');
    }
  }
}

function errorForLog(err: unknown): Record<string, unknown> {
  if (err instanceof AriHttpError) return { name: err.name, status: err.status, path: err.path, message: err.message };
  if (err instanceof Error) return { name: err.name, message: err.message };
  return { message: String(err) };
}
