// Wallboard tokens: a wall screen's URL carries one instead of an API key. A token is
// signed, expires, only opens the wallboard (never /v1), carries the view settings so
// they cannot be altered, and dies with the API key it was issued to.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { AuthenticatedKey } from '../api/auth.js';
import { hasScope } from '../api/scopes.js';
import type { WallboardOptions } from './wallboard-state.js';

interface Claims {
  k: string;
  p: string;
  e: number;
  v: WallboardOptions;
}

export class WallboardTokens {
  private readonly secret: Buffer;

  constructor(secret?: string, private readonly now: () => number = Date.now) {
    // Derived, so that a stream token can never pass as a wallboard token or back.
    this.secret = createHmac('sha256', secret ?? randomBytes(32)).update('wallboard-token').digest();
  }

  issue(key: AuthenticatedKey, view: WallboardOptions, ttlMs: number): { token: string; expiresAt: Date } {
    const e = this.now() + ttlMs;
    const body = Buffer.from(JSON.stringify({ k: key.id, p: key.prefix, e, v: view } satisfies Claims)).toString('base64url');
    return { token: `${body}.${this.sign(body)}`, expiresAt: new Date(e) };
  }

  /** The view settings of a valid token whose key is live and may read reports; else null. */
  async verify(token: string, keys: { byPrefix(prefix: string): Promise<AuthenticatedKey | null> }): Promise<WallboardOptions | null> {
    const dot = token.indexOf('.');
    if (dot <= 0 || token.length > 2048) return null;
    const body = token.slice(0, dot);
    const given = Buffer.from(token.slice(dot + 1), 'base64url');
    const expected = Buffer.from(this.sign(body), 'base64url');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
    let c: Claims;
    try {
      c = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as Claims;
    } catch {
      return null;
    }
    if (typeof c?.e !== 'number' || c.e <= this.now() || typeof c.p !== 'string') return null;
    const key = await keys.byPrefix(c.p);
    if (!key || key.id !== c.k || !hasScope(key.scopes, 'reports:read')) return null;
    return c.v;
  }

  private sign(body: string): string {
    return createHmac('sha256', this.secret).update(body).digest('base64url');
  }
}
