// One cti-bridge instance owns each PBX node's AMI session and ARI app at a time, through
// a Redis lease (lease-keeper.ts). The renewal runs on a thread of its own with its own
// Redis connection (lease-worker.ts): API work that holds the main event loop for seconds
// does not let the lease lapse. The main loop beats into shared memory; the thread renews
// only while that beat is recent (half the TTL by default), so an instance stuck for
// longer still steps down and a peer takes the node. The beat comes every tenth of that
// stall (half a second at the default TTL), no more often: each beat wakes an idle
// instance. `isHeld` reads the renewal's deadline from the same shared memory: after a
// long stall it is false at once, before the thread's messages are even read. The thread also keeps the lease's Postgres row
// (lease-fence.ts) over a connection of its own, so a Redis outage does not cost the node.
import { EventEmitter } from 'node:events';
import { Worker } from 'node:worker_threads';
import type { Redis } from 'ioredis';
import { threadEntry } from '../thread-entry.js';
import type { LeaseSettings } from './lease-keeper.js';

export const HEARTBEAT = 0;
export const HELD_UNTIL = 1;

export type LeaseMessage = { type: 'connected' } | { type: 'acquired' } | { type: 'rekeyed' } | { type: 'lost'; reason: string } | { type: 'stopped' };

export interface LeaseOptions extends LeaseSettings {
  /** Its connection settings open the thread's own connection. */
  redis: Redis;
  /**
   * Postgres URL of the lease's fence (lease-fence.ts): the owner keeps the node through a
   * Redis outage while Postgres confirms its renewals. Without it the lease lives in Redis alone.
   */
  postgres?: string;
  /** How long the main loop may go without running before the lease is let go (default half the TTL). */
  stallMs?: number;
}

export interface LeaseEvents {
  /** The renewal thread reached Redis. */
  connected: [];
  acquired: [];
  lost: [reason: string];
  /** Held throughout, but Redis had lost the key (and may have lost more): the node resyncs. */
  rekeyed: [];
}

export class Lease extends EventEmitter<LeaseEvents> {
  private worker: Worker | undefined;
  private readonly shared = new BigInt64Array(new SharedArrayBuffer(16));
  private heartbeat: NodeJS.Timeout | undefined;
  private held = false;
  private stopping: Promise<void> | undefined;

  constructor(private readonly opts: LeaseOptions) {
    super();
  }

  get isHeld(): boolean {
    return this.held && Date.now() < Number(Atomics.load(this.shared, HELD_UNTIL));
  }

  start(): void {
    if (this.worker) return;
    const stallMs = this.opts.stallMs ?? Math.floor(this.opts.ttlMs / 2);
    const beat = () => Atomics.store(this.shared, HEARTBEAT, BigInt(Date.now()));
    beat();
    // The beat's age is at most its period plus the stall, so the period only decides how
    // early within the last tenth of `stallMs` a stall may already count: a tenth keeps the
    // survivable block within 5% of a TTL of what it was. Every 100 ms (10 wake-ups a second
    // at the 10 s TTL) bought nothing the failover times need: a dead owner's key lapses
    // whatever the beat, and a stuck one is let go after `stallMs` as before (decision 90).
    this.heartbeat = setInterval(beat, heartbeatMs(stallMs));
    this.heartbeat.unref();
    const { redis, ...settings } = this.opts;
    this.worker = new Worker(threadEntry(import.meta.url, 'lease-worker'), {
      workerData: { ...settings, stallMs, redis: connectionSettings(redis), shared: this.shared.buffer },
    });
    this.worker.unref();
    this.worker.on('message', (m: LeaseMessage) => this.receive(m));
    this.worker.on('error', (err) => this.receive({ type: 'lost', reason: `lease thread failed: ${err.message}` }));
    this.worker.on('exit', () => this.receive({ type: 'lost', reason: 'lease thread exited' }));
  }

  /** Stops trying and gives the lease up so a peer can take over at once. */
  stop(): Promise<void> {
    const worker = this.worker;
    if (!worker) return Promise.resolve();
    this.stopping ??= new Promise<void>((resolve) => {
      const done = () => {
        clearInterval(this.heartbeat);
        this.worker = undefined;
        this.stopping = undefined;
        void worker.terminate().finally(resolve);
      };
      worker.on('message', (m: LeaseMessage) => m.type === 'stopped' && done());
      worker.once('exit', done);
      worker.postMessage({ type: 'stop' });
    });
    return this.stopping;
  }

  private receive(m: LeaseMessage): void {
    if (m.type === 'connected') this.emit('connected');
    else if (m.type === 'rekeyed') {
      if (this.held) this.emit('rekeyed');
    } else if (m.type === 'acquired') {
      this.held = true;
      this.emit('acquired');
    } else if (m.type === 'lost' && this.held) {
      this.held = false;
      this.emit('lost', m.reason);
    }
  }
}

/** How often the main loop beats: a tenth of the stall that lets the lease go. */
export function heartbeatMs(stallMs: number): number {
  return Math.max(10, Math.floor(stallMs / 10));
}

/** What the thread needs to open a connection like the caller's (functions cannot cross threads). */
function connectionSettings(redis: Redis): Record<string, unknown> {
  return JSON.parse(JSON.stringify(redis.options, (_k, v) => (typeof v === 'function' ? undefined : v)));
}
