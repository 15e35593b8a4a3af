// Wakes a worker when Postgres announces work on a channel (NOTIFY, sent by a trigger at
// commit), so the worker can poll slowly instead of often. Notifications are a hint, not
// a delivery: one sent while this connection is down is lost, so every (re)connect wakes
// the worker once to pick up what it may have missed, and the worker keeps a slow poll
// for a connection that died without a word (TCP keepalive notices it eventually, at no
// cost to the event loop, unlike a heartbeat query).
import pg from 'pg';
import type { Logger } from '../log.js';

export interface WakeListenerOptions {
  /** Connection string: its own client, never one of the pool's. */
  url: string;
  /** Channel name, a plain identifier (it is written into LISTEN as is). */
  channel: string;
  onWake: () => void;
  log?: Logger;
  reconnectMinMs?: number;
  reconnectMaxMs?: number;
}

export class WakeListener {
  private client: pg.Client | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private retryMs: number;
  private closed = true;
  private active = false;

  constructor(private readonly o: WakeListenerOptions) {
    if (!/^[a-z_][a-z0-9_]*$/.test(o.channel)) throw new Error(`not a channel name: ${o.channel}`);
    this.retryMs = o.reconnectMinMs ?? 500;
  }

  /** True while LISTEN is known to be active: the worker may then poll slowly. */
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
    this.active = false;
    clearTimeout(this.retryTimer);
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => {});
  }

  private async connect(): Promise<void> {
    if (this.closed) return;
    const client = new pg.Client({
      connectionString: this.o.url,
      application_name: `cti-bridge ${this.o.channel} listener`,
      keepAlive: true,
      keepAliveInitialDelayMillis: 10_000,
      connectionTimeoutMillis: 5_000,
    });
    this.client = client;
    let lost = false;
    const onLost = (err?: Error) => {
      if (lost) return;
      lost = true;
      if (this.client === client) this.client = undefined;
      this.active = false;
      client.end().catch(() => {});
      if (this.closed) return;
      this.o.log?.warn({ err: err?.message, channel: this.o.channel }, 'LISTEN connection lost; polling until it is back');
      this.scheduleReconnect();
    };
    client.on('error', onLost);
    client.on('end', () => onLost());
    client.on('notification', () => {
      if (client === this.client) this.o.onWake();
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
    this.retryMs = this.o.reconnectMinMs ?? 500;
    // Whatever was announced while nobody listened.
    this.o.onWake();
  }

  private scheduleReconnect(): void {
    if (this.closed || this.retryTimer) return;
    const delay = this.retryMs;
    this.retryMs = Math.min(this.retryMs * 2, this.o.reconnectMaxMs ?? 10_000);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      void this.connect();
    }, delay);
    this.retryTimer.unref();
  }
}
