// Long-lived sessions (the event stream, agent streams, wall screens) outlive the request
// that opened them, so checking the key once at connect is not enough: a revoked key, a
// key that lost the session's scope, or a rotated key whose previous secret expired must
// close its sessions within seconds. Changes made over the API are announced to every
// instance through Redis at once; a periodic re-check (one query for all open sessions)
// also catches keys revoked from the command line or straight in the database.
import type { Redis } from 'ioredis';
import type { Queryable } from '../db/pool.js';
import type { Logger } from '../log.js';
import { liveKeys } from './key-admin.js';
import { hasScope, type Scope } from './scopes.js';

export interface WatchedSession {
  keyId: string;
  /**
   * The key prefix the session was opened with (a rotated key's previous one during its
   * grace); absent for sessions that do not present the key itself (wallboard links).
   */
  via?: string;
  scopes: Scope[];
  /** A further condition (e.g. a wallboard link not revoked); false closes the session. */
  stillValid?: () => Promise<boolean>;
  close(reason: string): void;
}

export interface KeyWatchOptions {
  db: Queryable;
  /** Announcements across instances; without it changes reach this instance only. */
  redis?: Redis;
  channel: string;
  /** Called with the prefixes of a changed key, so verifier caches forget them. */
  forget: (prefixes: string[]) => void;
  recheckMs?: number;
  log?: Logger;
}

export class KeyWatch {
  private readonly sessions = new Set<WatchedSession>();
  private subscriber: Redis | undefined;
  private timer: NodeJS.Timeout | undefined;
  private started = false;
  private checking: Promise<void> | undefined;

  constructor(private readonly opts: KeyWatchOptions) {}

  async start(): Promise<void> {
    this.started = true;
    this.arm();
    if (!this.opts.redis) return;
    const sub = this.opts.redis.duplicate({ enableOfflineQueue: true, maxRetriesPerRequest: null });
    sub.on('error', (err) => this.opts.log?.debug({ err: err.message }, 'key watch: redis connection error'));
    sub.on('message', (_channel: string, message: string) => this.heard(message));
    this.subscriber = sub;
    await sub.subscribe(this.opts.channel).catch((err: unknown) =>
      this.opts.log?.warn({ err: (err as Error).message }, 'key watch: cannot subscribe; revocations reach other instances by the periodic re-check'),
    );
  }

  async stop(): Promise<void> {
    this.started = false;
    this.arm();
    this.subscriber?.disconnect();
    this.subscriber = undefined;
  }

  watch(session: WatchedSession): () => void {
    this.sessions.add(session);
    this.arm();
    return () => {
      const had = this.sessions.delete(session);
      this.arm();
      return had;
    };
  }

  /** The re-check runs only while a session is open: an instance without one has nothing to wake for. */
  private arm(): void {
    const wanted = this.started && this.sessions.size > 0;
    if (wanted && !this.timer) {
      this.timer = setInterval(() => void this.recheck(), this.opts.recheckMs ?? 5_000);
      this.timer.unref();
    } else if (!wanted && this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  /** A key was revoked, rotated or re-scoped here: every instance forgets it and re-checks its sessions. */
  async changed(prefixes: string[]): Promise<void> {
    this.heard(prefixes.join(','));
    await this.opts.redis?.publish(this.opts.channel, prefixes.join(',')).catch((err: unknown) =>
      this.opts.log?.warn({ err: (err as Error).message }, 'key watch: cannot announce a key change; other instances see it within their re-check'),
    );
  }

  get size(): number {
    return this.sessions.size;
  }

  /** Whether the periodic re-check is armed (only while a session is open). */
  get rechecking(): boolean {
    return this.timer !== undefined;
  }

  private heard(message: string): void {
    const prefixes = message.split(',').filter((p) => /^[0-9a-f]{12}$/.test(p));
    if (prefixes.length) this.opts.forget(prefixes);
    void this.recheck();
  }

  /** One query for every key with an open session; overlapping calls share one run. */
  recheck(): Promise<void> {
    if (this.checking) return this.checking.then(() => this.recheck());
    this.checking = this.runCheck().finally(() => {
      this.checking = undefined;
    });
    return this.checking;
  }

  private async runCheck(): Promise<void> {
    if (this.sessions.size === 0) return;
    const ids = [...new Set([...this.sessions].map((s) => s.keyId))];
    let live: Awaited<ReturnType<typeof liveKeys>>;
    try {
      live = await liveKeys(this.opts.db, ids);
    } catch (err) {
      // Postgres away: sessions stay until it answers; the connect-time check still holds.
      this.opts.log?.debug({ err: (err as Error).message }, 'key watch: cannot re-check keys');
      return;
    }
    for (const s of [...this.sessions]) {
      const key = live.get(s.keyId);
      let reason: string | undefined;
      if (!key) reason = 'API key revoked';
      else if (s.via !== undefined && !key.prefixes.includes(s.via)) reason = 'API key rotated; reconnect with the new secret';
      else if (!s.scopes.every((scope) => hasScope(key.scopes, scope))) reason = 'API key lost the scope this stream needs';
      else if (s.stillValid && !(await s.stillValid().catch(() => true))) reason = 'link revoked or expired';
      if (reason) {
        this.sessions.delete(s);
        this.arm();
        s.close(reason);
      }
    }
  }
}
