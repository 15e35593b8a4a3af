// Rendered call details kept in memory, per instance, and never served stale: a trigger
// (migrations/005) announces every change to a call on cti_call_changed, whoever made it,
// and one dedicated connection LISTENs for it. Whenever that connection is not known to
// be listening (start-up, a drop, a Postgres restart) the cache is emptied and bypassed,
// because notifications sent meanwhile are lost; it is used again only once LISTEN is
// active anew. A GET /v1/calls/{id} that hits costs no database round trip at all.
import pg from 'pg';
import type { Queryable } from '../db/pool.js';
import type { Logger } from '../log.js';
import { getCallDetailJson } from './queries.js';

export const CALL_CHANGED_CHANNEL = 'cti_call_changed';
/** The payload that means "everything may have changed" (TRUNCATE). */
const EVERYTHING = '*';

export type CallDetailLoader = (db: Queryable, id: string) => Promise<string | null>;

export interface CallDetailCacheOptions {
  /** Connection string for the LISTEN connection: its own client, never one of the pool's. */
  url: string;
  /** Where misses and bypassed reads go. */
  db: Queryable;
  log?: Logger;
  /** At most this many calls are kept (least recently used go first). */
  maxEntries?: number;
  /** At most this many characters of JSON in total. */
  maxChars?: number;
  /** Delay before reconnecting after a drop, doubling up to the maximum. */
  reconnectMinMs?: number;
  reconnectMaxMs?: number;
  /** How often the idle LISTEN connection is probed, so a silently dead one is noticed. */
  heartbeatMs?: number;
  /** How a detail is read from the database; tests wrap it to hold a read in flight. */
  load?: CallDetailLoader;
  /** Awaited before every reconnect attempt; tests use it to hold the cache disconnected. */
  beforeReconnect?: () => Promise<void>;
}

export interface CallDetailCacheStats {
  listening: boolean;
  entries: number;
  chars: number;
  hits: number;
  misses: number;
  /** Reads that went to the database because LISTEN was not active. */
  bypassed: number;
  /** Notifications received on the channel. */
  notifications: number;
  /** Times LISTEN became active (1 after start-up, +1 per successful reconnect). */
  connects: number;
}

/** A read in flight for one call: its generation moves on every change to that call. */
interface InFlight {
  generation: number;
  readers: number;
}

export class CallDetailCache {
  private readonly entries = new Map<string, string>();
  private readonly inFlight = new Map<string, InFlight>();
  private chars = 0;
  /** Moves on every loss of the LISTEN connection: reads begun before it may not insert. */
  private epoch = 0;
  private client: pg.Client | null = null;
  private listening = false;
  private closed = false;
  private started = false;
  private retryMs: number;
  private retryTimer: NodeJS.Timeout | null = null;
  private heartbeat: NodeJS.Timeout | null = null;
  private waiters: Array<() => void> = [];
  private readonly counters = { hits: 0, misses: 0, bypassed: 0, notifications: 0, connects: 0 };

  private readonly maxEntries: number;
  private readonly maxChars: number;
  private readonly reconnectMinMs: number;
  private readonly reconnectMaxMs: number;
  private readonly heartbeatMs: number;
  private readonly load: CallDetailLoader;

  constructor(private readonly opts: CallDetailCacheOptions) {
    this.maxEntries = opts.maxEntries ?? 10_000;
    this.maxChars = opts.maxChars ?? 32 * 1024 * 1024;
    this.reconnectMinMs = opts.reconnectMinMs ?? 100;
    this.reconnectMaxMs = opts.reconnectMaxMs ?? 5_000;
    this.heartbeatMs = opts.heartbeatMs ?? 10_000;
    this.load = opts.load ?? getCallDetailJson;
    if (this.maxEntries < 1 || this.maxChars < 1) throw new Error('CallDetailCache: maxEntries and maxChars must be positive');
    this.retryMs = this.reconnectMinMs;
  }

  /** Starts listening in the background; until LISTEN is active every read goes to the database. */
  start(): void {
    if (this.started || this.closed) return;
    this.started = true;
    void this.connect();
  }

  /** Resolves once LISTEN is active (at once if it already is). */
  whenListening(): Promise<void> {
    if (this.listening) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  get isListening(): boolean {
    return this.listening;
  }

  stats(): CallDetailCacheStats {
    return { listening: this.listening, entries: this.entries.size, chars: this.chars, ...this.counters };
  }

  /** The call detail as JSON text, or null when there is no such call. */
  async get(id: string): Promise<string | null> {
    if (!this.listening) {
      this.counters.bypassed++;
      return this.load(this.opts.db, id);
    }
    const cached = this.entries.get(id);
    if (cached !== undefined) {
      this.counters.hits++;
      // Re-insert to mark it most recently used (a Map iterates in insertion order).
      this.entries.delete(id);
      this.entries.set(id, cached);
      return cached;
    }
    this.counters.misses++;
    const epoch = this.epoch;
    let flight = this.inFlight.get(id);
    if (!flight) {
      flight = { generation: 0, readers: 0 };
      this.inFlight.set(id, flight);
    }
    const generation = flight.generation;
    flight.readers++;
    try {
      const body = await this.load(this.opts.db, id);
      // Only a result no change overtook may be kept: a notification for this call (or a
      // lost connection) after the read began means the result may predate that change.
      // Unknown calls are not kept, so random ids cannot fill the cache.
      if (body !== null && this.listening && this.epoch === epoch && flight.generation === generation) {
        this.insert(id, body);
      }
      return body;
    } finally {
      if (--flight.readers === 0) this.inFlight.delete(id);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    this.goDeaf();
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    const client = this.client;
    this.client = null;
    if (client) await client.end().catch(() => {});
  }

  private insert(id: string, body: string): void {
    if (body.length > this.maxChars) return;
    this.evict(id);
    this.entries.set(id, body);
    this.chars += body.length;
    for (const [oldest, text] of this.entries) {
      if (this.entries.size <= this.maxEntries && this.chars <= this.maxChars) break;
      this.entries.delete(oldest);
      this.chars -= text.length;
    }
  }

  private evict(id: string): void {
    const text = this.entries.get(id);
    if (text === undefined) return;
    this.entries.delete(id);
    this.chars -= text.length;
  }

  private changed(id: string): void {
    this.counters.notifications++;
    if (id === EVERYTHING) {
      this.forgetAll();
      return;
    }
    const flight = this.inFlight.get(id);
    if (flight) flight.generation++;
    this.evict(id);
  }

  private forgetAll(): void {
    this.epoch++;
    this.entries.clear();
    this.chars = 0;
  }

  /** LISTEN is no longer known to be active: stop trusting anything cached. */
  private goDeaf(): void {
    this.listening = false;
    this.forgetAll();
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = null;
  }

  private async connect(): Promise<void> {
    if (this.closed) return;
    const client = new pg.Client({
      connectionString: this.opts.url,
      application_name: 'cti-bridge call-detail-cache',
      keepAlive: true,
      connectionTimeoutMillis: 5_000,
    });
    this.client = client;
    let lost = false;
    const onLost = (err?: Error) => {
      if (lost) return;
      lost = true;
      if (this.client === client) this.client = null;
      this.goDeaf();
      client.end().catch(() => {});
      if (this.closed) return;
      this.opts.log?.warn({ err: err?.message }, 'call detail cache: LISTEN connection lost, reading through');
      this.scheduleReconnect();
    };
    client.on('error', onLost);
    client.on('end', () => onLost());
    client.on('notification', (msg) => {
      if (client === this.client && msg.channel === CALL_CHANGED_CHANNEL) this.changed(msg.payload ?? EVERYTHING);
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${CALL_CHANGED_CHANNEL}`);
    } catch (err) {
      onLost(err as Error);
      return;
    }
    if (lost || this.closed || this.client !== client) {
      if (this.closed) await client.end().catch(() => {});
      return;
    }
    // Anything read before this point may have missed a notification: start from empty.
    this.forgetAll();
    this.listening = true;
    this.counters.connects++;
    this.retryMs = this.reconnectMinMs;
    this.opts.log?.info('call detail cache: listening for call changes');
    this.heartbeat = setInterval(() => {
      // A connection that died without a word (no FIN, no error) is noticed here.
      const probe = client.query('SELECT 1');
      const timeout = new Promise<never>((_, reject) => {
        const t = setTimeout(() => reject(new Error('heartbeat timed out')), Math.max(1_000, this.heartbeatMs / 2));
        t.unref();
        probe.finally(() => clearTimeout(t)).catch(() => {});
      });
      Promise.race([probe, timeout]).catch((err: Error) => onLost(err));
    }, this.heartbeatMs);
    this.heartbeat.unref();
    for (const w of this.waiters.splice(0)) w();
  }

  private scheduleReconnect(): void {
    if (this.closed || this.retryTimer) return;
    const delay = this.retryMs;
    this.retryMs = Math.min(this.retryMs * 2, this.reconnectMaxMs);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      const gate = this.opts.beforeReconnect?.() ?? Promise.resolve();
      gate.then(
        () => this.connect(),
        () => this.connect(),
      );
    }, delay);
    this.retryTimer.unref();
  }
}
