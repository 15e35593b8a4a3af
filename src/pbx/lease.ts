// One cti-bridge instance owns each PBX node's AMI session and ARI app at a time.
// Ownership is a Redis key with a TTL that the owner renews; when the owner dies the
// key lapses and another instance takes over. Renew and release are compare-and-set
// scripts so an instance that lost the lease can never extend or delete another's.
import { EventEmitter } from 'node:events';
import type { Redis } from 'ioredis';

const RENEW = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;

export interface LeaseOptions {
  redis: Redis;
  key: string;
  owner: string;
  ttlMs: number;
  /** How often to try to take or renew; a third of the TTL leaves two retries before it lapses. */
  intervalMs?: number;
}

export interface LeaseEvents {
  acquired: [];
  lost: [reason: string];
}

export class Lease extends EventEmitter<LeaseEvents> {
  private timer: NodeJS.Timeout | undefined;
  private held = false;
  private stopped = true;
  private ticking = false;

  constructor(private readonly opts: LeaseOptions) {
    super();
  }

  get isHeld(): boolean {
    return this.held;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    void this.tick();
  }

  /** Stops trying and gives the lease up so a peer can take over at once. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    if (this.held) {
      this.held = false;
      await this.opts.redis.eval(RELEASE, 1, this.opts.key, this.opts.owner).catch(() => {});
      this.emit('lost', 'stopped');
    }
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.tick(), this.opts.intervalMs ?? Math.max(200, Math.floor(this.opts.ttlMs / 3)));
  }

  private async tick(): Promise<void> {
    if (this.ticking || this.stopped) return;
    this.ticking = true;
    const { redis, key, owner, ttlMs } = this.opts;
    try {
      if (this.held) {
        const renewed = await redis.eval(RENEW, 1, key, owner, String(ttlMs));
        if (renewed !== 1) this.lose('taken by another instance');
      } else {
        const ok = await redis.set(key, owner, 'PX', ttlMs, 'NX');
        if (ok === 'OK' && !this.stopped) {
          this.held = true;
          this.emit('acquired');
        }
      }
    } catch (err) {
      // Without Redis we cannot prove ownership; stepping down avoids two owners.
      if (this.held) this.lose(`redis unavailable: ${(err as Error).message}`);
    } finally {
      this.ticking = false;
      this.schedule();
    }
  }

  private lose(reason: string): void {
    this.held = false;
    this.emit('lost', reason);
  }
}
