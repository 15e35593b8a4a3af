// Wallboard links: a wall screen's URL carries a token instead of an API key. Each link
// is a row (who issued it, its view, when it expires, whether it was revoked), so links
// can be listed and revoked one by one; the token is a signature over the row's id and
// expiry, so a forged or altered one is refused without a database read. A link opens
// only the wallboard (never /v1) and dies with the key that issued it or its reports:read.
import { randomBytes, randomUUID } from 'node:crypto';
import type { AuthenticatedKey } from '../api/auth.js';
import { hasScope } from '../api/scopes.js';
import { Signer } from '../api/signer.js';
import type { Queryable } from '../db/pool.js';
import type { WallboardOptions } from './state.js';

interface Claims {
  /** link id */
  l: string;
  /** expiry, ms since epoch */
  e: number;
}

export interface WallboardLink {
  id: string;
  ownerKeyId: string;
  label: string | null;
  view: WallboardOptions;
  createdAt: string;
  expiresAt: string;
  revokedAt: string | null;
}

interface LinkRow {
  id: string;
  owner_key_id: string;
  label: string | null;
  view: WallboardOptions;
  created_at: Date;
  expires_at: Date;
  revoked_at: Date | null;
}

const toLink = (r: LinkRow): WallboardLink => ({
  id: r.id,
  ownerKeyId: r.owner_key_id,
  label: r.label,
  view: r.view,
  createdAt: r.created_at.toISOString(),
  expiresAt: r.expires_at.toISOString(),
  revokedAt: r.revoked_at ? r.revoked_at.toISOString() : null,
});

/** A link that still opens a screen: its view and the key it belongs to. */
export interface LiveLink {
  id: string;
  ownerKeyId: string;
  view: WallboardOptions;
}

export class WallboardTokens {
  private readonly signer: Signer;

  constructor(
    private readonly db: Queryable,
    secret?: string,
    private readonly now: () => number = Date.now,
  ) {
    // Derived, so that a stream token can never pass as a wallboard token or back.
    this.signer = new Signer(secret ?? randomBytes(32), 'wallboard-link', 512);
  }

  async issue(key: AuthenticatedKey, view: WallboardOptions, ttlMs: number, label?: string): Promise<{ link: WallboardLink; token: string }> {
    const id = randomUUID();
    const e = this.now() + ttlMs;
    const { rows } = await this.db.query<LinkRow>(
      'INSERT INTO wallboard_links (id, owner_key_id, label, view, expires_at) VALUES ($1, $2, $3, $4, $5) RETURNING *',
      [id, key.id, label ?? null, JSON.stringify(view), new Date(e)],
    );
    return { link: toLink(rows[0]!), token: this.signer.sign({ l: id, e } satisfies Claims) };
  }

  /** The link behind a well-signed token if it is live and its key may still read reports; else null. */
  async verify(token: string): Promise<LiveLink | null> {
    const claims = this.claims(token);
    return claims ? this.live(claims.l) : null;
  }

  async live(linkId: string): Promise<LiveLink | null> {
    const { rows } = await this.db.query<{ id: string; owner_key_id: string; view: WallboardOptions; scopes: string[] }>(
      `SELECT l.id, l.owner_key_id, l.view, k.scopes FROM wallboard_links l JOIN api_keys k ON k.id = l.owner_key_id
       WHERE l.id = $1 AND l.revoked_at IS NULL AND l.expires_at > now() AND k.revoked_at IS NULL`,
      [linkId],
    );
    const r = rows[0];
    if (!r || !hasScope(r.scopes, 'reports:read')) return null;
    return { id: r.id, ownerKeyId: r.owner_key_id, view: r.view };
  }

  async list(owner: string | null, includeEnded: boolean): Promise<WallboardLink[]> {
    const { rows } = await this.db.query<LinkRow>(
      `SELECT * FROM wallboard_links WHERE ($1::uuid IS NULL OR owner_key_id = $1)
       AND ($2::boolean OR (revoked_at IS NULL AND expires_at > now()))
       ORDER BY created_at DESC, id DESC LIMIT 500`,
      [owner, includeEnded],
    );
    return rows.map(toLink);
  }

  /** True when a live link (of `owner`, unless null) was revoked by this call. */
  async revoke(id: string, owner: string | null): Promise<boolean> {
    const r = await this.db.query(
      'UPDATE wallboard_links SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL AND ($2::uuid IS NULL OR owner_key_id = $2)',
      [id, owner],
    );
    return (r.rowCount ?? 0) > 0;
  }

  private claims(token: string): Claims | null {
    const c = this.signer.read(token) as Partial<Claims> | null;
    if (typeof c?.e !== 'number' || c.e <= this.now() || typeof c.l !== 'string' || !/^[0-9a-f-]{36}$/.test(c.l)) return null;
    return c as Claims;
  }
}
