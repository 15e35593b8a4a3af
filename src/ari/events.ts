// The ARI events WebSocket: one socket for one Stasis app, kept alive with ping/pong and
// reconnected forever with jittered backoff. Frames are parsed defensively: garbage is
// counted and logged, never thrown. Credentials travel in the upgrade's Authorization
// header, never in the URL (URLs end up in logs and proxies).
//
// ApplicationReplaced: another socket (another cti-bridge instance, or a stray script)
// registered our app name and Asterisk now sends it the events. We do NOT reconnect to
// take the app back: two instances doing that would steal it from each other forever.
// The socket closes, the state becomes 'replaced' and 'replaced' is emitted; whoever
// holds the PBX lease decides whether to call resume().
import { EventEmitter } from 'node:events';
import WebSocket from 'ws';
import type { Logger } from '../log.js';
import { reconnectWait, resolveBackoff, type BackoffOptions } from './backoff.js';
import { parseAriFrame, type BadFrameReason } from './frames.js';
import { RepeatedFrames } from './repeats.js';
import type { AriEvent, ApplicationReplaced } from './types.js';

export interface PingOptions {
  /** How often to ping the server. */
  intervalMs: number;
  /** No pong (or any frame) within this long after a ping: the connection is dead. */
  timeoutMs: number;
}

export const DEFAULT_PING: PingOptions = { intervalMs: 15_000, timeoutMs: 10_000 };

export interface AriEventSocketOptions {
  /** ARI base URL (`http://host:8088/ari`); the socket goes to `<base>/events`. */
  baseUrl: string;
  app: string;
  /** The `Basic ...` header value. */
  authorization: string;
  log: Logger;
  ping?: Partial<PingOptions>;
  reconnect?: Partial<BackoffOptions>;
  /** Upgrade must complete within this long. */
  handshakeTimeoutMs?: number;
}

export type EventSocketState = 'idle' | 'connecting' | 'open' | 'waiting' | 'replaced' | 'stopped';

export interface EventSocketStats {
  /** Well-formed events received. */
  eventsReceived: number;
  /** Frames dropped because they were binary, not JSON, not an object or had no type. */
  badFrames: number;
  /** Reconnect attempts made after the first connection attempt. */
  reconnects: number;
  /** Upgrades that succeeded. */
  connects: number;
  /** Connections ended because a ping went unanswered. */
  pingTimeouts: number;
  /** Events dropped as a copy of one just received (src/ari/repeats.ts). */
  repeatedEvents: number;
}

export interface BadFrame {
  reason: BadFrameReason;
  preview: string;
}

export interface SocketClose {
  code: number;
  reason: string;
  /** False after stop() and after ApplicationReplaced. */
  willReconnect: boolean;
}

export interface AriEventSocketEvents {
  open: [];
  close: [SocketClose];
  event: [AriEvent];
  badFrame: [BadFrame];
  replaced: [ApplicationReplaced];
}

/** `ws://host:8088/ari/events?app=NAME&subscribeAll=false` from the REST base URL. */
export function eventsUrl(baseUrl: string, app: string): string {
  const url = new URL(baseUrl);
  if (url.protocol === 'http:') url.protocol = 'ws:';
  else if (url.protocol === 'https:') url.protocol = 'wss:';
  else throw new TypeError(`ARI base URL must be http(s), got ${url.protocol}`);
  url.pathname = `${url.pathname.replace(/\/+$/, '')}/events`;
  url.search = `?app=${encodeURIComponent(app)}&subscribeAll=false`;
  url.hash = '';
  url.username = '';
  url.password = '';
  return url.toString();
}

export class AriEventSocket extends EventEmitter<AriEventSocketEvents> {
  readonly url: string;
  readonly stats: EventSocketStats = { eventsReceived: 0, badFrames: 0, reconnects: 0, connects: 0, pingTimeouts: 0, repeatedEvents: 0 };
  private _state: EventSocketState = 'idle';
  private ws: WebSocket | undefined;
  /** Frames of this connection, to drop the copies an endpoint subscription adds. */
  private repeats = new RepeatedFrames();
  private attempt = 0;
  /** The last attempt found nothing listening (ECONNREFUSED). */
  private refused = false;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private pingTimer: NodeJS.Timeout | undefined;
  private pongTimer: NodeJS.Timeout | undefined;
  private readonly opts: AriEventSocketOptions;
  private readonly ping: PingOptions;
  private readonly backoff: BackoffOptions;
  private readonly log: Logger;

  constructor(opts: AriEventSocketOptions) {
    super();
    if (!opts.app) throw new TypeError('ARI app name is required');
    this.opts = opts;
    this.url = eventsUrl(opts.baseUrl, opts.app);
    this.ping = { intervalMs: opts.ping?.intervalMs ?? DEFAULT_PING.intervalMs, timeoutMs: opts.ping?.timeoutMs ?? DEFAULT_PING.timeoutMs };
    if (!(this.ping.intervalMs > 0) || !(this.ping.timeoutMs > 0)) throw new RangeError('ping intervalMs and timeoutMs must be positive');
    this.backoff = resolveBackoff(opts.reconnect);
    this.log = opts.log.child({ component: 'ari-events', app: opts.app });
  }

  get state(): EventSocketState {
    return this._state;
  }

  start(): void {
    if (this._state !== 'idle' && this._state !== 'stopped') return;
    this.connect();
  }

  /** Reconnect after ApplicationReplaced, once the lease says this instance owns the app. */
  resume(): void {
    if (this._state !== 'replaced') return;
    this.log.warn('reclaiming the Stasis app after ApplicationReplaced');
    this.attempt = 0;
    this.connect();
  }

  /** Kill the current connection (a resync failed, say); the usual reconnect follows. */
  drop(why: string): void {
    if (!this.ws) return;
    this.log.warn({ why }, 'dropping the ARI events socket');
    this.ws.terminate();
  }

  /** Close for good. Resolves once the socket is closed. */
  async stop(): Promise<void> {
    this._state = 'stopped';
    this.clearTimers();
    const ws = this.ws;
    if (!ws || ws.readyState === WebSocket.CLOSED) return;
    await new Promise<void>((resolve) => {
      const force = setTimeout(() => ws.terminate(), 1_000);
      ws.once('close', () => {
        clearTimeout(force);
        resolve();
      });
      if (ws.readyState === WebSocket.CONNECTING) ws.terminate();
      else ws.close(1000, 'client stopping');
    });
  }

  private connect(): void {
    this._state = 'connecting';
    // No api_key in the URL: the password goes in the Authorization header only.
    const ws = new WebSocket(this.url, {
      headers: { Authorization: this.opts.authorization },
      handshakeTimeout: this.opts.handshakeTimeoutMs ?? 10_000,
      perMessageDeflate: false,
      followRedirects: false,
      // Invalid UTF-8 would make ws close the connection (1007); we count it as a bad frame instead.
      skipUTF8Validation: true,
    });
    this.ws = ws;
    this.repeats = new RepeatedFrames();

    ws.on('open', () => {
      if (this.ws !== ws) return;
      this._state = 'open';
      this.attempt = 0;
      this.refused = false;
      this.stats.connects++;
      this.log.info('ARI events socket connected');
      this.startPing(ws);
      this.fire('open');
    });
    ws.on('message', (data, isBinary) => {
      if (this.ws !== ws) return;
      this.alive();
      this.onFrame(ws, data, isBinary);
    });
    ws.on('pong', () => {
      if (this.ws === ws) this.alive();
    });
    ws.on('error', (err) => {
      if (this.ws === ws) this.refused = (err as { code?: string }).code === 'ECONNREFUSED';
      // 'close' always follows; this is only for the log (no credentials in the message).
      if (/\b401\b/.test(err.message)) {
        this.log.error('ARI refused the credentials on the events socket (401): check the ARI user and password');
      } else {
        this.log.warn({ err: { message: err.message } }, 'ARI events socket error');
      }
    });
    ws.on('close', (code, reasonBuf) => {
      if (this.ws !== ws) return;
      this.ws = undefined;
      this.clearTimers();
      const reason = reasonBuf.toString('utf8');
      const willReconnect = this._state !== 'stopped' && this._state !== 'replaced';
      this.log.info({ code, reason, willReconnect }, 'ARI events socket closed');
      if (willReconnect) this.scheduleReconnect();
      this.fire('close', { code, reason, willReconnect });
    });
  }

  private onFrame(ws: WebSocket, data: WebSocket.RawData, isBinary: boolean): void {
    const frame = parseAriFrame(data, isBinary);
    if (!frame.ok) {
      this.stats.badFrames++;
      // A peer spewing garbage must not flood the log: the first few, then one in a hundred.
      if (this.stats.badFrames <= 10 || this.stats.badFrames % 100 === 0) {
        this.log.warn({ reason: frame.reason, preview: frame.preview, badFrames: this.stats.badFrames }, 'ignoring a bad ARI frame');
      }
      this.fire('badFrame', { reason: frame.reason, preview: frame.preview });
      return;
    }
    // A copy Asterisk sent through a second subscription (an endpoint's) is not an event.
    if (this.repeats.repeats(frame.text)) {
      this.stats.repeatedEvents++;
      return;
    }
    this.stats.eventsReceived++;
    const event = frame.event;
    this.fire('event', event);
    if (event.type === 'ApplicationReplaced') {
      this.log.error(
        { application: event.application },
        'ApplicationReplaced: another connection took the Stasis app; NOT reconnecting until resume() is called',
      );
      this._state = 'replaced';
      this.clearTimers();
      ws.close(1000, 'application replaced');
      this.fire('replaced', event as ApplicationReplaced);
    }
  }

  /** Emit, but a throwing listener must not take the socket (or the process) down. */
  private fire<K extends keyof AriEventSocketEvents>(name: K, ...args: AriEventSocketEvents[K]): void {
    try {
      (this.emit as (n: K, ...a: AriEventSocketEvents[K]) => boolean).call(this, name, ...args);
    } catch (err) {
      this.log.error({ err, listener: name }, 'an ARI events listener threw');
    }
  }

  private scheduleReconnect(): void {
    this._state = 'waiting';
    const delay = reconnectWait(this.attempt, this.backoff, this.refused);
    this.refused = false;
    this.attempt++;
    this.log.info({ delayMs: delay, attempt: this.attempt }, 'ARI events socket reconnect scheduled');
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      if (this._state !== 'waiting') return;
      this.stats.reconnects++;
      this.connect();
    }, delay);
  }

  private startPing(ws: WebSocket): void {
    this.pingTimer = setInterval(() => {
      if (this.pongTimer || ws.readyState !== WebSocket.OPEN) return;
      ws.ping();
      this.pongTimer = setTimeout(() => {
        this.pongTimer = undefined;
        if (this.ws !== ws) return;
        this.stats.pingTimeouts++;
        this.log.warn({ timeoutMs: this.ping.timeoutMs }, 'ARI events socket did not answer a ping; reconnecting');
        ws.terminate();
      }, this.ping.timeoutMs);
    }, this.ping.intervalMs);
  }

  /** Any frame or pong proves the peer is alive. */
  private alive(): void {
    if (this.pongTimer) {
      clearTimeout(this.pongTimer);
      this.pongTimer = undefined;
    }
  }

  private clearTimers(): void {
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    if (this.pingTimer) clearInterval(this.pingTimer);
    if (this.pongTimer) clearTimeout(this.pongTimer);
    this.reconnectTimer = this.pingTimer = this.pongTimer = undefined;
  }
}
