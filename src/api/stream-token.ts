// Short-lived tokens for the live event stream: browsers cannot send an Authorization
// header on a WebSocket upgrade, and a long-lived API key must not sit in a URL (URLs
// end up in proxy logs). A token is bound to the key that asked for it, is worth nothing
// once that key is revoked, and opens one stream only: a token read from a log or a
// browser history cannot be replayed.
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { AuthenticatedKey } from './auth.js';
import { hasScope } from './scopes.js';
import { Signer } from './signer.js';

interface TokenClaims {
  /** key id */
  k: string;
  /** key prefix, to find the key through the verifier's cache */
  p: string;
  /** expiry, ms since epoch */
  e: number;
  /** nonce: the token's identity for its single use */
  n: string;
  /** the session binding of the key it was issued to (agent panel), if any */
  b?: { agentId: string; linkId: string };
}

/** Remembers which tokens were used, for as long as they could still be presented. */
export interface UsedTokens {
  /** True the first time an id is claimed, false ever after (until it expires). */
  claim(id: string, ttlMs: number): Promise<boolean>;
}

/** One process: enough with a single instance (and in tests). */
export class LocalUsedTokens implements UsedTokens {
  private readonly used = new Map<string, number>();
  constructor(private readonly now: () => number = Date.now) {}
  async claim(id: string, ttlMs: number): Promise<boolean> {
    const now = this.now();
    if (this.used.size > 10_000) for (const [k, until] of this.used) if (until <= now) this.used.delete(k);
    const until = this.used.get(id);
    if (until !== undefined && until > now) return false;
    this.used.set(id, now + ttlMs);
    return true;
  }
}

/** Shared by every instance behind one load balancer. Redis away: no token is accepted. */
export class RedisUsedTokens implements UsedTokens {
  constructor(private readonly redis: Redis, private readonly prefix: string) {}
  async claim(id: string, ttlMs: number): Promise<boolean> {
    try {
      return (await this.redis.set(`${this.prefix}${id}`, '1', 'PX', Math.max(1, ttlMs), 'NX')) === 'OK';
    } catch {
      return false;
    }
  }
}

export interface StreamTokenOptions {
  /**
   * HMAC secret. With one instance a random one per process is fine; with several
   * instances behind a load balancer every instance must share it, or a token issued by
   * one is refused by another.
   */
  secret?: string | Buffer;
  ttlMs?: number;
  now?: () => number;
  /** Where used tokens are remembered; default: this process only. */
  used?: UsedTokens;
}

export class StreamTokens {
  private readonly signer: Signer;
  readonly ttlMs: number;
  private readonly now: () => number;
  private readonly used: UsedTokens;

  constructor(options: StreamTokenOptions = {}) {
    this.signer = new Signer(options.secret ?? randomBytes(32), undefined, 512);
    this.ttlMs = options.ttlMs ?? 60_000;
    this.now = options.now ?? Date.now;
    this.used = options.used ?? new LocalUsedTokens(this.now);
  }

  issue(key: AuthenticatedKey): { token: string; expiresAt: Date } {
    const e = this.now() + this.ttlMs;
    const n = randomBytes(12).toString('base64url');
    const claims: TokenClaims = { k: key.id, p: key.prefix, e, n, ...(key.boundTo ? { b: key.boundTo } : {}) };
    return { token: this.signer.sign(claims), expiresAt: new Date(e) };
  }

  /** The claims of a well-signed, unexpired token, else null. */
  claims(token: string): TokenClaims | null {
    const claims = this.signer.read(token);
    if (!isClaims(claims) || claims.e <= this.now()) return null;
    return claims;
  }

  /** Resolves a token, once, to its (still live) key holding events:read. */
  async verify(
    token: string,
    keys: { byPrefix(prefix: string): Promise<AuthenticatedKey | null> },
  ): Promise<AuthenticatedKey | null> {
    const c = this.claims(token);
    if (!c) return null;
    const key = await keys.byPrefix(c.p);
    if (!key || key.id !== c.k || !hasScope(key.scopes, 'events:read')) return null;
    if (!(await this.used.claim(c.n, c.e - this.now()))) return null;
    // A token a panel session asked for opens no more than the session could.
    return c.b ? { ...key, boundTo: c.b } : key;
  }

}

function isClaims(v: unknown): v is TokenClaims {
  if (typeof v !== 'object' || v === null) return false;
  const c = v as Record<string, unknown>;
  return typeof c.k === 'string' && typeof c.p === 'string' && typeof c.e === 'number' && typeof c.n === 'string';
}
