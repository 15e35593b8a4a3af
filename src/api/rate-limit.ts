// Per API key and route, a fixed window of requests (default: RATE_LIMIT_PER_MINUTE a
// minute). Several instances share one budget through Redis without a Redis round trip
// per request: an instance takes a slice of the window's budget at a time (INCRBY on the
// window's counter) and spends it locally. Slices are counted in Redis when taken, so the
// instances together never grant more than the limit; an instance holding an unspent
// slice can make another refuse a little early, never late. Small limits take slices of
// one, so they are exact.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Redis } from 'ioredis';
import { ProblemError } from './problem.js';

export interface RouteRateLimit {
  max: number;
  /** Window length in ms. */
  timeWindow: number;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** This route's own limit per API key; false for none. Unset: the default. */
    rateLimit?: RouteRateLimit | false;
  }
}

/** Where window counters are shared; `take` adds n and returns the new total. */
export interface WindowCounter {
  take(key: string, n: number, ttlMs: number): Promise<number>;
}

export class RedisWindowCounter implements WindowCounter {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  async take(key: string, n: number, ttlMs: number): Promise<number> {
    const k = `${this.prefix}${key}`;
    const total = await this.redis.incrby(k, n);
    // The first taker sets the expiry; a counter outlives its window by a little.
    if (total === n) await this.redis.pexpire(k, ttlMs);
    return total;
  }
}

/** One process, no sharing: exact and synchronous in effect. */
export class LocalWindowCounter implements WindowCounter {
  private readonly totals = new Map<string, { total: number; expiresAt: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  async take(key: string, n: number, ttlMs: number): Promise<number> {
    const now = this.now();
    let entry = this.totals.get(key);
    if (!entry || entry.expiresAt <= now) {
      if (this.totals.size > 100_000) this.sweep(now);
      entry = { total: 0, expiresAt: now + ttlMs };
      this.totals.set(key, entry);
    }
    entry.total += n;
    return entry.total;
  }

  private sweep(now: number): void {
    for (const [k, e] of this.totals) if (e.expiresAt <= now) this.totals.delete(k);
  }
}

export interface Decision {
  allowed: boolean;
  limit: number;
  /** Requests left in this window, as far as this instance knows. */
  remaining: number;
  /** Seconds until the window ends. */
  resetSeconds: number;
}

interface Window {
  start: number;
  /** Slice left to spend here without asking the counter. */
  allowance: number;
  /** The shared total after our last take. */
  total: number;
  /** The counter said the window's budget is gone. */
  exhausted: boolean;
  taking?: Promise<void>;
}

export interface RateLimiterOptions {
  counter: WindowCounter;
  /** Fraction of the limit taken per slice (at least one request). */
  sliceFraction?: number;
  now?: () => number;
  /** Called when the shared counter fails; the request is then allowed. */
  onError?: (err: Error) => void;
}

export class RateLimiter {
  private readonly windows = new Map<string, Window>();
  private readonly now: () => number;
  private readonly sliceFraction: number;

  constructor(private readonly opts: RateLimiterOptions) {
    this.now = opts.now ?? Date.now;
    this.sliceFraction = opts.sliceFraction ?? 0.05;
  }

  /**
   * Counts one request when this instance can decide alone (a slice in hand, or the
   * window known to be spent); undefined when the shared counter must be asked first.
   */
  hitNow(key: string, limit: RouteRateLimit): Decision | undefined {
    const now = this.now();
    const w = this.window(key, limit, now);
    if (w.allowance === 0 && !w.exhausted) return undefined;
    return this.decide(w, limit, now);
  }

  /** Counts one request of `key` against `limit`. */
  async hit(key: string, limit: RouteRateLimit): Promise<Decision> {
    const now = this.now();
    const w = this.window(key, limit, now);
    // Concurrent requests wait for one take instead of each asking the counter.
    while (w.allowance === 0 && !w.exhausted) {
      w.taking ??= this.take(key, w, limit).finally(() => (w.taking = undefined));
      await w.taking;
    }
    return this.decide(w, limit, now);
  }

  private window(key: string, limit: RouteRateLimit, now: number): Window {
    const start = now - (now % limit.timeWindow);
    let w = this.windows.get(key);
    if (!w || w.start !== start) {
      if (this.windows.size > 100_000) this.sweep(now);
      w = { start, allowance: 0, total: 0, exhausted: false };
      this.windows.set(key, w);
    }
    return w;
  }

  private decide(w: Window, limit: RouteRateLimit, now: number): Decision {
    const resetSeconds = Math.max(1, Math.ceil((w.start + limit.timeWindow - now) / 1000));
    if (w.allowance === 0) return { allowed: false, limit: limit.max, remaining: 0, resetSeconds };
    w.allowance--;
    return { allowed: true, limit: limit.max, remaining: Math.max(0, limit.max - w.total + w.allowance), resetSeconds };
  }

  private async take(key: string, w: Window, limit: RouteRateLimit): Promise<void> {
    const slice = Math.max(1, Math.floor(limit.max * this.sliceFraction));
    let total: number;
    try {
      total = await this.opts.counter.take(`${key}:${w.start}`, slice, limit.timeWindow + 1000);
    } catch (err) {
      // Limits protect the service; an unreachable counter must not take the API down.
      this.opts.onError?.(err as Error);
      w.allowance = 1;
      return;
    }
    const before = total - slice;
    w.total = total;
    w.allowance = Math.max(0, Math.min(slice, limit.max - before));
    if (w.allowance === 0) w.exhausted = true;
  }

  private sweep(now: number): void {
    for (const [k, w] of this.windows) if (w.start + 3_600_000 < now) this.windows.delete(k);
  }
}

/**
 * Limits every /v1 route per API key (or client address before authentication), unless
 * the route sets `config.rateLimit` itself. Health, metrics, docs and the stream upgrade
 * are not limited.
 */
export function registerRateLimits(app: FastifyInstance, opts: { limiter: RateLimiter; perMinute: number }): void {
  const fallback: RouteRateLimit = { max: opts.perMinute, timeWindow: 60_000 };
  app.addHook('onRoute', (route) => {
    if (!route.url.startsWith('/v1/')) return;
    const limit = route.config?.rateLimit === undefined ? fallback : route.config.rateLimit;
    if (limit === false) return;
    const routeKey = `${[route.method].flat().join(',')}:${route.url}`;
    const answer = (reply: FastifyReply, d: Decision): ProblemError | undefined => {
      reply.header('x-ratelimit-limit', d.limit).header('x-ratelimit-remaining', d.remaining).header('x-ratelimit-reset', d.resetSeconds);
      if (d.allowed) return undefined;
      reply.header('retry-after', d.resetSeconds);
      return new ProblemError(429, `rate limit of ${limit.max} requests per ${describeWindow(limit.timeWindow)} exceeded; retry in ${d.resetSeconds} s`);
    };
    // Runs after the auth hook (route-level hooks follow instance hooks), so the key is
    // known. Decided synchronously while this instance holds a slice of the budget (all
    // but one request in a slice), so most requests pay no promise here.
    // The window's name per key id, built once: a name built per request is a new string
    // whose hash the window lookup computes again each time. Key ids are few; addresses
    // (requests without a key) are not kept.
    const names = new Map<string, string>();
    const hook = (req: FastifyRequest, reply: FastifyReply, done: (err?: Error) => void): void => {
      const id = req.apiKey?.id;
      let key = id === undefined ? undefined : names.get(id);
      if (key === undefined) {
        key = `${id !== undefined ? `key:${id}` : `ip:${req.ip}`}:${routeKey}`;
        if (id !== undefined && names.size < 10_000) names.set(id, key);
      }
      const now = opts.limiter.hitNow(key, limit);
      if (now !== undefined) return done(answer(reply, now));
      opts.limiter.hit(key, limit).then((d) => done(answer(reply, d)), done);
    };
    const existing = route.onRequest;
    route.onRequest = existing === undefined ? [hook] : Array.isArray(existing) ? [...existing, hook] : [existing, hook];
  });
}

function describeWindow(ms: number): string {
  if (ms === 60_000) return 'minute';
  if (ms === 1000) return 'second';
  if (ms === 3_600_000) return 'hour';
  return `${ms} ms`;
}
