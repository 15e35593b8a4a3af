// The AMI session to one Asterisk: login with the exact event mask, actions, keepalive,
// and reconnect forever. What comes back for actions is matched in replies.ts; events
// never run on the socket reader but leave through event-delivery.ts, because Asterisk
// drops a reader that blocks.
import { EventEmitter } from 'node:events';
import net from 'node:net';
import type { Logger } from '../log.js';
import { inSpan, tracingEnabled } from '../tracing/tracer.js';
import { reconnectWait } from './backoff.js';
import type { AmiActionOptions, AmiClientEvents, AmiClientOptions, AmiClientState, AmiClientStats, AmiFilterState } from './client-types.js';
import { actionPairs, type AmiActionFields } from './codec.js';
import { openConnection, sameKey, sendAction, type Connection } from './connection.js';
import { AmiActionError, AmiAuthError, AmiDisconnectedError, AmiError, AmiNotConnectedError, AmiTimeoutError } from './errors.js';
import { EventDelivery } from './event-delivery.js';
import { applyEventFilters, type AmiEventFilter } from './filters.js';
import type { AmiEvent, AmiMessage, AmiResponse } from './message.js';
import { collectListItem, settleResponse } from './replies.js';

/** What one read may bring: the size Node reads a socket in by default. */
const READ_BUFFER_BYTES = 64 * 1024;

export type { AmiActionOptions, AmiClientEvents, AmiClientOptions, AmiClientState, AmiClientStats, AmiFilterState } from './client-types.js';

export class AmiClient extends EventEmitter<AmiClientEvents> {
  readonly stats: AmiClientStats = {
    eventsReceived: 0,
    badLines: 0,
    droppedEvents: 0,
    reconnects: 0,
    oversizedMessages: 0,
    unmatchedResponses: 0,
    handlerErrors: 0,
    loginFailures: 0,
  };
  /** Version from the greeting of the current/last connection, e.g. `11.0.0`. */
  amiVersion: string | undefined;
  /** Whether the current session's events are narrowed by eventFilters. */
  filterState: AmiFilterState = 'none';

  private readonly opts: Required<Omit<AmiClientOptions, 'log' | 'reconnect' | 'eventFilters'>> & {
    reconnect: { minMs: number; maxMs: number };
  };
  private readonly log: Logger | undefined;
  private readonly delivery: EventDelivery;
  private conn: Connection | undefined;
  private _state: AmiClientState = 'disconnected';
  private started = false;
  private stopping = false;
  private attempt = 0;
  private connections = 0;
  private reconnectTimer: NodeJS.Timeout | undefined;
  /** Emptied for good once a PBX accepted some filters and refused others. */
  private eventFilters: readonly AmiEventFilter[];

  constructor(options: AmiClientOptions) {
    super();
    const actionTimeoutMs = options.actionTimeoutMs ?? 10_000;
    this.opts = {
      host: options.host,
      port: options.port,
      username: options.username,
      secret: options.secret,
      events: options.events ?? 'on',
      actionTimeoutMs,
      pingIntervalMs: options.pingIntervalMs ?? 15_000,
      connectTimeoutMs: options.connectTimeoutMs ?? actionTimeoutMs,
      eventQueueLimit: options.eventQueueLimit ?? 10_000,
      maxMessageBytes: options.maxMessageBytes ?? 1024 * 1024,
      reconnect: { minMs: options.reconnect?.minMs ?? 500, maxMs: options.reconnect?.maxMs ?? 30_000 },
    };
    if (/[\r\n]/.test(this.opts.events)) throw new AmiError('AMI events mask contains CR or LF');
    this.eventFilters = options.eventFilters ?? [];
    // Checked here, not at each login: a filter that cannot be written would fail every session.
    if (this.eventFilters.some((f) => /[\r\n\0]/.test(`${f.matchCriteria ?? ''}${f.filter ?? ''}`))) {
      throw new AmiError('AMI event filter contains CR, LF or NUL');
    }
    this.log = options.log?.child({ component: 'ami', host: options.host, port: options.port });
    this.delivery = new EventDelivery({
      limit: this.opts.eventQueueLimit,
      emitter: this,
      onHandlerError: (err, event) => {
        this.stats.handlerErrors++;
        this.log?.error({ err, event: event.event }, 'AMI event handler threw');
      },
      afterBatch: () => {
        if (this.conn) this.syncBadLines(this.conn);
      },
    });
  }

  get state(): AmiClientState {
    return this._state;
  }

  /** Events waiting for handlers right now. */
  get queuedEvents(): number {
    return this.delivery.length;
  }

  /** Connect and keep connected until stop(). Resolves at once; watch 'ready'. */
  start(): void {
    if (this.started) return;
    this.started = true;
    this.stopping = false;
    this.connect();
  }

  /** Log off gracefully and stop reconnecting. Pending actions are rejected. */
  async stop(): Promise<void> {
    if (this._state === 'stopped') return;
    this.stopping = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
    const conn = this.conn;
    if (conn) {
      if (conn.loggedIn && !conn.socket.destroyed) {
        try {
          await sendAction(conn, [['Action', 'Logoff']], Math.min(this.opts.actionTimeoutMs, 2000));
        } catch {
          // Logoff is a courtesy; the socket is closed below either way.
        }
      }
      if (!conn.socket.destroyed) {
        const closed = new Promise<void>((resolve) => conn.socket.once('close', () => resolve()));
        conn.socket.destroy();
        await closed;
      }
    }
    this._state = 'stopped';
    this.started = false;
  }

  /**
   * Send one action and wait for its response (and, for list actions, every list item).
   * Rejects with AmiActionError on `Response: Error`, AmiTimeoutError, AmiDisconnectedError,
   * or AmiNotConnectedError at once when not logged in: nothing is queued for later.
   */
  action(fields: AmiActionFields, options: AmiActionOptions = {}): Promise<AmiResponse> {
    let pairs: Array<[string, string]>;
    try {
      pairs = actionPairs(fields);
    } catch (err) {
      return Promise.reject(err as Error);
    }
    const actionIdx = pairs.findIndex(([k]) => sameKey(k, 'Action'));
    const name = actionIdx >= 0 ? (pairs[actionIdx] as [string, string])[1] : '(none)';
    if (actionIdx < 0) return Promise.reject(new AmiError('AMI action has no Action header'));
    if (pairs.some(([k]) => sameKey(k, 'ActionID'))) {
      return Promise.reject(new AmiError('ActionID is assigned by the client; do not pass one'));
    }
    if (sameKey(name, 'Login') || sameKey(name, 'Logoff')) {
      return Promise.reject(new AmiError(`${name} is managed by the client (start/stop)`));
    }
    const conn = this.conn;
    if (!conn || !conn.loggedIn || this._state !== 'logged-in') {
      return Promise.reject(new AmiNotConnectedError(name, this._state));
    }
    const [actionPair] = pairs.splice(actionIdx, 1);
    const send = () => sendAction(conn, [actionPair as [string, string], ...pairs], options.timeoutMs ?? this.opts.actionTimeoutMs);
    if (!tracingEnabled()) return send();
    return inSpan(`AMI ${name}`, { kind: 'client', attributes: { 'cti.ami.action': name } }, send);
  }

  // ---- connection lifecycle ----

  private connect(): void {
    if (this.stopping) return;
    this._state = 'connecting';
    if (this.connections++ > 0) this.stats.reconnects++;
    // Reads land in one buffer per session, handed straight to the parser: no buffer
    // allocated and no stream machinery per read (the parser copies what it keeps).
    const readBuffer = Buffer.allocUnsafe(READ_BUFFER_BYTES);
    const socket = net.connect({
      host: this.opts.host,
      port: this.opts.port,
      onread: {
        buffer: readBuffer,
        callback: (bytes: number) => {
          this.onData(conn, readBuffer.subarray(0, bytes));
          return true;
        },
      },
    });
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 30_000);
    const conn = openConnection(socket, this.opts.maxMessageBytes);
    this.conn = conn;
    conn.handshakeTimer = setTimeout(() => {
      conn.closeReason = `no login within ${this.opts.connectTimeoutMs} ms`;
      socket.destroy();
    }, this.opts.connectTimeoutMs);
    socket.on('error', (err) => {
      conn.closeReason ??= err.message;
      if ((err as NodeJS.ErrnoException).code === 'ECONNREFUSED') conn.refused = true;
    });
    socket.on('close', () => this.onClose(conn));
  }

  private onData(conn: Connection, chunk: Buffer): void {
    let messages: AmiMessage[];
    try {
      messages = conn.parser.push(chunk);
    } catch (err) {
      // The parser does not throw on input; this guards against our own bugs only.
      this.log?.error({ err }, 'AMI parser failure; dropping connection');
      conn.socket.destroy();
      return;
    }
    const p = conn.parser;
    if (p.oversizedMessages !== conn.oversizedSeen) {
      this.stats.oversizedMessages += p.oversizedMessages - conn.oversizedSeen;
      conn.oversizedSeen = p.oversizedMessages;
    }
    if (!conn.greeted && p.greeting !== undefined) {
      conn.greeted = true;
      this.onGreeting(conn, p.greeting);
    }
    const delivery = this.delivery;
    let events = 0;
    for (let i = 0; i < messages.length; i++) {
      const msg = messages[i] as AmiMessage;
      // Most of a busy stream: an unsolicited event while no event list is being collected.
      if (conn.openLists === 0 && msg.kind === 'event') {
        delivery.push(msg);
        events++;
      } else {
        this.onMessage(conn, msg);
      }
    }
    if (messages.length > 0) {
      // Once per chunk, not per message: counters, and lines counted as headers got split.
      this.stats.eventsReceived += events;
      this.stats.droppedEvents = delivery.dropped;
      this.syncBadLines(conn);
    }
  }

  private onGreeting(conn: Connection, greeting: string): void {
    const m = /^Asterisk Call Manager\/(\S+)/.exec(greeting);
    if (!m) this.log?.warn({ greeting: greeting.slice(0, 100) }, 'unexpected AMI greeting; trying to log in anyway');
    this.amiVersion = m?.[1];
    const login: Array<[string, string]> = [
      ['Action', 'Login'],
      ['Username', this.opts.username],
      ['Secret', this.opts.secret],
      ['Events', this.opts.events],
    ];
    sendAction(conn, login, this.opts.connectTimeoutMs).then(
      () => this.filterEvents(conn),
      (err: Error) => {
        if (err instanceof AmiActionError) {
          this.stats.loginFailures++;
          const authErr = new AmiAuthError(this.opts.username, err.amiMessage);
          conn.closeReason = authErr.message;
          this.log?.error({ username: this.opts.username }, authErr.message);
          this.emitError(authErr);
        }
        conn.socket.destroy();
      },
    );
  }

  /** Narrows the session's events before it counts as logged in; see filters.ts. */
  private filterEvents(conn: Connection): void {
    this.filterState = 'none';
    if (this.eventFilters.length === 0) return this.onLoggedIn(conn);
    void applyEventFilters(conn, this.eventFilters, this.opts.connectTimeoutMs).then((outcome) => {
      if (this.conn !== conn || conn.socket.destroyed) return;
      switch (outcome.kind) {
        case 'applied':
          this.filterState = 'applied';
          return this.onLoggedIn(conn);
        case 'refused':
          // Every event in the mask still arrives: costlier, but nothing is missed.
          this.filterState = 'refused';
          this.log?.warn({ reason: outcome.message }, 'AMI event filters refused (the AMI user needs write=system); receiving every event of the mask');
          return this.onLoggedIn(conn);
        case 'partial':
          // Filters cannot be removed: only a new session without them is known to be whole.
          this.eventFilters = [];
          conn.closeReason = `AMI event filters only partly accepted: ${outcome.message}`;
          this.log?.error({ reason: outcome.message }, 'AMI event filters only partly accepted; reconnecting without filters');
          conn.socket.destroy();
          return;
        case 'failed':
          conn.closeReason ??= `AMI event filters unanswered: ${outcome.error.message}`;
          conn.socket.destroy();
          return;
      }
    });
  }

  private onLoggedIn(conn: Connection): void {
    if (this.conn !== conn || conn.socket.destroyed) return;
    if (conn.handshakeTimer) clearTimeout(conn.handshakeTimer);
    conn.handshakeTimer = undefined;
    conn.loggedIn = true;
    this.attempt = 0;
    this._state = 'logged-in';
    this.log?.info({ username: this.opts.username, amiVersion: this.amiVersion }, 'AMI logged in');
    if (this.opts.pingIntervalMs > 0) {
      conn.pingTimer = setInterval(() => this.keepalive(conn), this.opts.pingIntervalMs);
    }
    if (this.stopping) return;
    this.safeEmit('ready');
  }

  private keepalive(conn: Connection): void {
    if (conn.pingInFlight || conn.socket.destroyed) return;
    conn.pingInFlight = true;
    const timeout = Math.min(this.opts.actionTimeoutMs, this.opts.pingIntervalMs * 2);
    sendAction(conn, [['Action', 'Ping']], timeout).then(
      () => {
        conn.pingInFlight = false;
      },
      (err: Error) => {
        conn.pingInFlight = false;
        if (err instanceof AmiTimeoutError) {
          // A silent peer (half-open TCP, hung Asterisk): only a timeout reveals it.
          conn.closeReason = `keepalive Ping unanswered for ${timeout} ms`;
          this.log?.warn({ timeoutMs: timeout }, 'AMI keepalive failed; dropping the connection');
          conn.socket.destroy();
        }
      },
    );
  }

  private onClose(conn: Connection): void {
    if (conn.handshakeTimer) clearTimeout(conn.handshakeTimer);
    if (conn.pingTimer) clearInterval(conn.pingTimer);
    const reason = conn.closeReason ?? 'connection closed by peer';
    for (const p of conn.pending.values()) {
      clearTimeout(p.timer);
      p.reject(new AmiDisconnectedError(p.name, reason));
    }
    conn.pending.clear();
    if (this.conn !== conn) return;
    this.conn = undefined;
    const wasLoggedIn = conn.loggedIn;
    conn.loggedIn = false;
    if (this.stopping) {
      this._state = 'stopped';
      if (wasLoggedIn) this.safeEmit('disconnected', 'stopped');
      return;
    }
    this._state = 'disconnected';
    if (wasLoggedIn) {
      this.log?.warn({ reason }, 'AMI connection lost');
      this.safeEmit('disconnected', reason);
    } else {
      this.log?.warn({ reason }, 'AMI connection attempt failed');
    }
    const delay = reconnectWait(this.attempt++, this.opts.reconnect, conn.refused);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      this.connect();
    }, delay);
  }

  // ---- actions and responses ----

  private onMessage(conn: Connection, msg: AmiMessage): void {
    const kind = msg.kind;
    if (kind === 'event') this.onEvent(conn, msg);
    else if (kind === 'response') this.onResponse(conn, msg);
    else if (msg.size > 0) this.log?.debug({ keys: msg.keys().slice(0, 5) }, 'AMI message is neither response nor event');
  }

  /** Malformed lines are found when a message's headers are split; fold them into stats. */
  private syncBadLines(conn: Connection): void {
    const bad = conn.parser.badLines;
    if (bad !== conn.badLinesSeen) {
      this.stats.badLines += bad - conn.badLinesSeen;
      conn.badLinesSeen = bad;
    }
  }

  private onResponse(conn: Connection, msg: AmiMessage): void {
    if (!settleResponse(conn, msg)) this.stats.unmatchedResponses++;
  }

  private onEvent(conn: Connection, msg: AmiEvent): void {
    if (collectListItem(conn, msg)) return;
    this.stats.eventsReceived++;
    this.delivery.push(msg);
    this.stats.droppedEvents = this.delivery.dropped;
  }

  /** Lifecycle listeners run on socket callbacks: one that throws must not kill the process. */
  private safeEmit<K extends 'ready' | 'disconnected'>(name: K, ...args: AmiClientEvents[K]): void {
    try {
      (this.emit as (n: string, ...a: unknown[]) => boolean)(name, ...args);
    } catch (err) {
      this.stats.handlerErrors++;
      this.log?.error({ err }, `AMI '${name}' handler threw`);
    }
  }

  private emitError(err: Error): void {
    // EventEmitter throws an 'error' nobody listens to; never let that crash the process.
    if (this.listenerCount('error') === 0) return;
    try {
      this.emit('error', err);
    } catch (handlerErr) {
      this.stats.handlerErrors++;
      this.log?.error({ err: handlerErr }, "AMI 'error' handler threw");
    }
  }
}
