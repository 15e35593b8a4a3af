// The renewal loop of a PBX node lease (lease.ts runs it on a thread of its own).
// Ownership is a Redis key with a TTL that the owner renews; when the owner dies the
// key lapses and another instance takes over. Renew and release are compare-and-set
// scripts so an instance that lost the lease can never extend or delete another's.
// The holder counts on its own clock too: when no renewal has been confirmed by the time
// the key could have lapsed, it steps down, even while its Redis commands hang unanswered.
// It neither takes nor renews while `blocked()` says the instance cannot drive calls.
// With a fence (lease-fence.ts, a Postgres row) the lease is held while either store
// confirms it: the fence decides when both answer, so an owner cut from Redis keeps its
// node, and one that is cut from both steps down as without it.
import { EventEmitter } from 'node:events';
import type { Redis } from 'ioredis';
import type { LeaseFence } from './lease-fence.js';

// 1 renewed, -1 the key is gone (lapsed during a Redis outage, Redis restarted), 0 another's.
const RENEW = `local v = redis.call('get', KEYS[1])
if v == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) elseif not v then return -1 else return 0 end`;
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;

export interface LeaseSettings {
  key: string;
  owner: string;
  ttlMs: number;
  /** How often to try to take or renew; a third of the TTL leaves two retries before it lapses. */
  intervalMs?: number;
  /**
   * How long before the key could lapse the holder steps down when no renewal was
   * confirmed (default a tenth of the TTL): room for the holder to stop driving the node
   * before a peer may take it.
   */
  marginMs?: number;
}

export interface LeaseKeeperOptions extends LeaseSettings {
  redis: Redis;
  /** The Postgres half of the lease; without it the lease lives in Redis alone. */
  fence?: LeaseFence;
  /** Why the instance cannot drive calls now (its event loop stuck), or undefined. */
  blocked?: () => string | undefined;
  /** Until when (epoch ms) the lease is surely ours; 0 when it is not held. */
  onHeldUntil?: (at: number) => void;
}

export interface LeaseEvents {
  acquired: [];
  lost: [reason: string];
  /** Held throughout, but the Redis key was gone and was taken back: Redis may have lost other data too. */
  rekeyed: [];
}

export class LeaseKeeper extends EventEmitter<LeaseEvents> {
  private timer: NodeJS.Timeout | undefined;
  private held = false;
  private stopped = true;
  private ticking = false;
  /** Steps down when the lease may have lapsed unseen (Redis silent, commands hanging). */
  private watchdog: NodeJS.Timeout | undefined;

  constructor(private readonly opts: LeaseKeeperOptions) {
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
    clearTimeout(this.watchdog);
    if (this.held) {
      this.held = false;
      this.opts.onHeldUntil?.(0);
      await Promise.allSettled([
        this.answer(this.opts.redis.eval(RELEASE, 1, this.opts.key, this.opts.owner)),
        this.opts.fence && this.answer(this.opts.fence.release()),
      ]);
      this.emit('lost', 'stopped');
    }
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.tick(), this.interval());
  }

  private async tick(): Promise<void> {
    if (this.ticking || this.stopped) return;
    this.ticking = true;
    // The key's TTL runs from when Redis ran the command, which is after this moment.
    const sentAt = Date.now();
    const blocked = this.opts.blocked?.();
    try {
      if (blocked) {
        // Renewing now would keep the node on an instance that cannot drive it: the key
        // is left to lapse, and the watchdog steps down before it could.
      } else if (this.held) {
        await this.renew(sentAt);
      } else {
        await this.take(sentAt);
      }
    } catch (err) {
      // Without Redis (or without both stores, when fenced) we cannot prove ownership;
      // stepping down avoids two owners.
      if (this.held) this.lose(`redis unavailable: ${(err as Error).message}`);
    } finally {
      this.ticking = false;
      this.schedule();
    }
  }

  private async renew(sentAt: number): Promise<void> {
    const { redis, key, owner, ttlMs, fence } = this.opts;
    const renewing = this.answer(redis.eval(RENEW, 1, key, owner, String(ttlMs)) as Promise<number>);
    if (!fence) {
      const renewed = await renewing;
      if (!this.held) return;
      if (renewed !== 1) this.lose('taken by another instance');
      else this.guard(sentAt);
      return;
    }
    const inRedis = settle(renewing);
    const inPostgres = await settle(this.answer(fence.renew()));
    if (!this.held) return;
    if (inPostgres.ok) {
      if (!inPostgres.value) return this.lose('taken by another instance');
      this.guard(sentAt);
      // Redis is not waited for: a silent Redis must not hold up the next renewal. A key
      // that lapsed while Redis was away is taken back, since the row is still ours; a
      // peer's key is a peer that will fail to take the row and let its key go.
      void inRedis.then(async (r) => {
        if (!r.ok || r.value !== -1 || !this.held) return;
        const retaken = await this.answer(redis.set(key, owner, 'PX', ttlMs, 'NX')).catch(() => null);
        if (retaken === 'OK' && this.held) this.emit('rekeyed');
      });
      return;
    }
    const r = await inRedis;
    if (!this.held) return;
    if (!r.ok) this.lose(`redis and postgres unavailable: ${r.error.message}; ${inPostgres.error.message}`);
    else if (r.value !== 1) this.lose('taken by another instance');
    else this.guard(sentAt);
  }

  private async take(sentAt: number): Promise<void> {
    const { redis, key, owner, ttlMs, fence } = this.opts;
    const ok = await this.answer(redis.set(key, owner, 'PX', ttlMs, 'NX'));
    if (ok !== 'OK') return;
    // The key alone is not the node: the row must be free (expired) or ours as well.
    const fenced = fence ? await this.answer(fence.take()).catch(() => false) : true;
    if (!fenced || this.stopped) {
      await Promise.allSettled([
        this.answer(redis.eval(RELEASE, 1, key, owner)),
        fenced && fence && this.answer(fence.release()),
      ]);
      return;
    }
    this.held = true;
    this.guard(sentAt);
    this.emit('acquired');
  }

  /**
   * A command that gets no answer within the TTL counts as failed (Redis gone silent). A
   * renewal that is merely slow (a busy event loop, a slow Redis) is not a failure: the
   * watchdog steps down if no renewal is confirmed before the key could lapse, and until
   * then the lease is still ours. Counting a late answer as lost made the lease flap
   * between instances under load.
   */
  private answer<T>(command: Promise<T>): Promise<T> {
    const limit = this.opts.ttlMs;
    let timer: NodeJS.Timeout | undefined;
    return Promise.race([
      command.finally(() => clearTimeout(timer)),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${limit} ms`)), limit);
      }),
    ]);
  }

  private interval(): number {
    return this.opts.intervalMs ?? Math.max(200, Math.floor(this.opts.ttlMs / 3));
  }

  private guard(sentAt: number): void {
    clearTimeout(this.watchdog);
    const { ttlMs } = this.opts;
    const margin = this.opts.marginMs ?? Math.floor(ttlMs / 10);
    this.opts.onHeldUntil?.(sentAt + ttlMs - margin);
    const wait = Math.max(0, sentAt + ttlMs - margin - Date.now());
    this.watchdog = setTimeout(() => {
      if (this.held) this.lose(this.opts.blocked?.() ?? 'renewal not confirmed before the lease could lapse');
    }, wait);
  }

  private lose(reason: string): void {
    clearTimeout(this.watchdog);
    this.held = false;
    this.opts.onHeldUntil?.(0);
    this.emit('lost', reason);
  }
}

type Settled<T> = { ok: true; value: T } | { ok: false; error: Error };

function settle<T>(p: Promise<T>): Promise<Settled<T>> {
  return p.then(
    (value) => ({ ok: true as const, value }),
    (error: Error) => ({ ok: false as const, error }),
  );
}
