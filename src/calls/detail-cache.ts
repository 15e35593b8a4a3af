// Rendered call details kept in memory, per instance, and never served stale: a trigger
// (migrations/005) announces every change to a call on cti_call_changed, whoever made it,
// and one dedicated connection LISTENs for it. Whenever that connection is not known to
// be listening (start-up, a drop, a Postgres restart) the cache is emptied and bypassed,
// because notifications sent meanwhile are lost; it is used again only once LISTEN is
// active anew. A GET /v1/calls/{id} that hits costs no database round trip at all.
import { ListenConnection } from '../db/listen-connection.js';
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
  private readonly connection: ListenConnection;
  private closed = false;
  private started = false;
  private waiters: Array<() => void> = [];
  private readonly counters = { hits: 0, misses: 0, bypassed: 0, notifications: 0, connects: 0 };

  private readonly maxEntries: number;
  private readonly maxChars: number;
  private readonly load: CallDetailLoader;

  constructor(private readonly opts: CallDetailCacheOptions) {
    this.maxEntries = opts.maxEntries ?? 10_000;
    this.maxChars = opts.maxChars ?? 32 * 1024 * 1024;
    this.load = opts.load ?? getCallDetailJson;
    if (this.maxEntries < 1 || this.maxChars < 1) throw new Error('CallDetailCache: maxEntries and maxChars must be positive');
    this.connection = new ListenConnection({
      url: opts.url,
      channel: CALL_CHANGED_CHANNEL,
      applicationName: 'cti-bridge call-detail-cache',
      reconnectMinMs: opts.reconnectMinMs ?? 100,
      reconnectMaxMs: opts.reconnectMaxMs ?? 5_000,
      heartbeatMs: opts.heartbeatMs ?? 10_000,
      beforeReconnect: opts.beforeReconnect,
      onNotification: (payload) => this.changed(payload ?? EVERYTHING),
      onListening: () => this.heard(),
      // Stop trusting anything cached: changes made meanwhile go unannounced.
      onDeaf: () => this.forgetAll(),
      log: opts.log,
      lostMessage: 'call detail cache: LISTEN connection lost, reading through',
    });
  }

  private get listening(): boolean {
    return this.connection.listening;
  }

  /** Starts listening in the background; until LISTEN is active every read goes to the database. */
  start(): void {
    if (this.started || this.closed) return;
    this.started = true;
    this.connection.start();
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

  /**
   * The call detail when it is held and known fresh, without a promise (the route answers
   * a hit synchronously); undefined means ask get().
   */
  cached(id: string): string | undefined {
    if (!this.listening) return undefined;
    const cached = this.entries.get(id);
    if (cached !== undefined) {
      this.counters.hits++;
      // Re-insert to mark it most recently used (a Map iterates in insertion order).
      this.entries.delete(id);
      this.entries.set(id, cached);
    }
    return cached;
  }

  /** The call detail as JSON text, or null when there is no such call. */
  async get(id: string): Promise<string | null> {
    if (!this.listening) {
      this.counters.bypassed++;
      return this.load(this.opts.db, id);
    }
    const cached = this.cached(id);
    if (cached !== undefined) return cached;
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
    await this.connection.stop();
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

  /** LISTEN is active anew. */
  private heard(): void {
    // Anything read before this point may have missed a notification: start from empty.
    this.forgetAll();
    this.counters.connects++;
    this.opts.log?.info('call detail cache: listening for call changes');
    for (const w of this.waiters.splice(0)) w();
  }
}
