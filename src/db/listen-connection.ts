// One dedicated Postgres connection that LISTENs on a channel and keeps doing so: its own
// client (never one of the pool's, whose connections move between callers), reconnected
// with a doubling delay after any loss. What a notification means, and what to do while
// nobody listens, is the owner's: it is told when LISTEN becomes active and when it is lost.
import pg from 'pg';
import type { Logger } from '../log.js';

export interface ListenConnectionOptions {
  /** Connection string. */
  url: string;
  /** Channel name, a plain identifier (it is written into LISTEN as is). */
  channel: string;
  /** How the connection shows in pg_stat_activity. */
  applicationName: string;
  reconnectMinMs: number;
  reconnectMaxMs: number;
  /** First TCP keepalive probe after this long idle; unset: the system's default. */
  keepAliveInitialDelayMillis?: number;
  /**
   * Probes the idle connection this often with a query, so one that died without a word
   * is noticed within about this long; unset or 0: only TCP keepalive notices it.
   */
  heartbeatMs?: number;
  /** Awaited before every reconnect attempt. */
  beforeReconnect?: () => Promise<void>;
  /** A notification on the channel while this connection is the current one. */
  onNotification: (payload: string | undefined) => void;
  /** LISTEN is active (again): anything announced while nobody listened is lost. */
  onListening: () => void;
  /** LISTEN is not known to be active: a connection (or an attempt) was lost, or stop() was called. */
  onDeaf?: () => void;
  log?: Logger;
  /** Logged as a warning when the connection is lost, with the error and the channel. */
  lostMessage: string;
}

export class ListenConnection {
  private client: pg.Client | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private retryMs: number;
  private closed = true;
  private active = false;

  constructor(private readonly o: ListenConnectionOptions) {
    if (!/^[a-z_][a-z0-9_]*$/.test(o.channel)) throw new Error(`not a channel name: ${o.channel}`);
    this.retryMs = o.reconnectMinMs;
  }

  /** True while LISTEN is known to be active. */
  get listening(): boolean {
    return this.active;
  }

  start(): void {
    if (!this.closed) return;
    this.closed = false;
    void this.connect();
  }

  async stop(): Promise<void> {
    this.closed = true;
    this.goDeaf();
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => {});
  }

  private goDeaf(): void {
    this.active = false;
    clearInterval(this.heartbeat);
    this.heartbeat = undefined;
    this.o.onDeaf?.();
  }

  private async connect(): Promise<void> {
    if (this.closed) return;
    const client = new pg.Client({
      connectionString: this.o.url,
      application_name: this.o.applicationName,
      keepAlive: true,
      ...(this.o.keepAliveInitialDelayMillis !== undefined ? { keepAliveInitialDelayMillis: this.o.keepAliveInitialDelayMillis } : {}),
      connectionTimeoutMillis: 5_000,
    });
    this.client = client;
    let lost = false;
    const onLost = (err?: Error) => {
      if (lost) return;
      lost = true;
      if (this.client === client) this.client = undefined;
      client.end().catch(() => {});
      // stop() has already gone deaf.
      if (this.closed) return;
      this.goDeaf();
      this.o.log?.warn({ err: err?.message, channel: this.o.channel }, this.o.lostMessage);
      this.scheduleReconnect();
    };
    client.on('error', onLost);
    client.on('end', () => onLost());
    client.on('notification', (msg) => {
      if (client === this.client && msg.channel === this.o.channel) this.o.onNotification(msg.payload);
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${this.o.channel}`);
    } catch (err) {
      onLost(err as Error);
      return;
    }
    if (lost || this.closed || this.client !== client) {
      await client.end().catch(() => {});
      return;
    }
    this.active = true;
    this.retryMs = this.o.reconnectMinMs;
    const every = this.o.heartbeatMs ?? 0;
    if (every > 0) {
      this.heartbeat = setInterval(() => {
        // A connection that died without a word (no FIN, no error) is noticed here.
        const probe = client.query('SELECT 1');
        const timeout = new Promise<never>((_, reject) => {
          const t = setTimeout(() => reject(new Error('heartbeat timed out')), Math.max(1_000, every / 2));
          t.unref();
          probe.finally(() => clearTimeout(t)).catch(() => {});
        });
        Promise.race([probe, timeout]).catch((err: Error) => onLost(err));
      }, every);
      this.heartbeat.unref();
    }
    this.o.onListening();
  }

  private scheduleReconnect(): void {
    if (this.closed || this.retryTimer) return;
    const delay = this.retryMs;
    this.retryMs = Math.min(this.retryMs * 2, this.o.reconnectMaxMs);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      const gate = this.o.beforeReconnect;
      if (!gate) {
        void this.connect();
        return;
      }
      gate().then(
        () => this.connect(),
        () => this.connect(),
      );
    }, delay);
    this.retryTimer.unref();
  }
}
