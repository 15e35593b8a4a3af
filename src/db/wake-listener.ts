// Wakes a worker when Postgres announces work on a channel (NOTIFY, sent by a trigger at
// commit), so the worker can poll slowly instead of often. Notifications are a hint, not
// a delivery: one sent while this connection is down is lost, so every (re)connect wakes
// the worker once to pick up what it may have missed, and the worker keeps a slow poll
// for a connection that died without a word (TCP keepalive notices it eventually, at no
// cost to the event loop, unlike a heartbeat query).
import type { Logger } from '../log.js';
import { ListenConnection } from './listen-connection.js';

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
  private readonly connection: ListenConnection;

  constructor(o: WakeListenerOptions) {
    this.connection = new ListenConnection({
      url: o.url,
      channel: o.channel,
      applicationName: `cti-bridge ${o.channel} listener`,
      keepAliveInitialDelayMillis: 10_000,
      reconnectMinMs: o.reconnectMinMs ?? 500,
      reconnectMaxMs: o.reconnectMaxMs ?? 10_000,
      onNotification: () => o.onWake(),
      // Whatever was announced while nobody listened.
      onListening: () => o.onWake(),
      log: o.log,
      lostMessage: 'LISTEN connection lost; polling until it is back',
    });
  }

  /** True while LISTEN is known to be active: the worker may then poll slowly. */
  get listening(): boolean {
    return this.connection.listening;
  }

  start(): void {
    this.connection.start();
  }

  async stop(): Promise<void> {
    await this.connection.stop();
  }
}
