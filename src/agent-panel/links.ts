// Agent panel links: a URL an integrator embeds in their CRM, opening the panel for one
// agent. Each link is a row (its agent, the key that issued it, expiry, revocation), so
// links are listed and revoked one by one; the token in the URL is a signature over the
// row's id and expiry. A link works only while its row is live and the issuing key still
// holds agents:write.
import { randomBytes, randomUUID } from 'node:crypto';
import type { AuthenticatedKey } from '../api/auth.js';
import { hasScope } from '../api/scopes.js';
import type { Queryable } from '../db/pool.js';
import { Signer } from '../api/signer.js';

export interface PanelLink {
  id: string;
  agentId: string;
  ownerKeyId: string;
  label: string | null;
  createdAt: string;
  expiresAt: string;
  revokedAt: string | null;
}

interface LinkRow {
  id: string;
  agent_id: string;
  owner_key_id: string;
  label: string | null;
  created_at: Date;
  expires_at: Date;
  revoked_at: Date | null;
}

const toLink = (r: LinkRow): PanelLink => ({
  id: r.id,
  agentId: r.agent_id,
  ownerKeyId: r.owner_key_id,
  label: r.label,
  createdAt: r.created_at.toISOString(),
  expiresAt: r.expires_at.toISOString(),
  revokedAt: r.revoked_at ? r.revoked_at.toISOString() : null,
});

/** A link that still opens the panel. */
export interface LiveLink {
  id: string;
  agentId: string;
  ownerKeyId: string;
  /** The owner key's prefix, to find it through the key cache. */
  ownerPrefix: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export class PanelLinks {
  private readonly signer: Signer;

  constructor(
    private readonly db: Queryable,
    secret?: string,
    private readonly now: () => number = Date.now,
  ) {
    this.signer = new Signer(secret ?? randomBytes(32), 'agent-panel-link');
  }

  async issue(key: AuthenticatedKey, agentId: string, ttlMs: number, label?: string): Promise<{ link: PanelLink; token: string }> {
    const id = randomUUID();
    const e = this.now() + ttlMs;
    const { rows } = await this.db.query<LinkRow>(
      'INSERT INTO agent_panel_links (id, agent_id, owner_key_id, label, expires_at) VALUES ($1, $2, $3, $4, $5) RETURNING *',
      [id, agentId, key.id, label ?? null, new Date(e)],
    );
    return { link: toLink(rows[0]!), token: this.signer.sign({ l: id, e }) };
  }

  /** The live link behind a well-signed, unexpired token, else null. */
  async verify(token: string): Promise<LiveLink | null> {
    const c = this.signer.read(token);
    if (!c || typeof c.e !== 'number' || c.e <= this.now() || typeof c.l !== 'string' || !UUID.test(c.l)) return null;
    return this.live(c.l);
  }

  async live(linkId: string): Promise<LiveLink | null> {
    const { rows } = await this.db.query<{ id: string; agent_id: string; owner_key_id: string; prefix: string; scopes: string[] }>(
      `SELECT l.id, l.agent_id, l.owner_key_id, k.prefix, k.scopes FROM agent_panel_links l JOIN api_keys k ON k.id = l.owner_key_id
       WHERE l.id = $1 AND l.revoked_at IS NULL AND l.expires_at > now() AND k.revoked_at IS NULL`,
      [linkId],
    );
    const r = rows[0];
    if (!r || !hasScope(r.scopes, 'agents:write')) return null;
    return { id: r.id, agentId: r.agent_id, ownerKeyId: r.owner_key_id, ownerPrefix: r.prefix };
  }

  async list(owner: string | null, includeEnded: boolean, agentId?: string): Promise<PanelLink[]> {
    const { rows } = await this.db.query<LinkRow>(
      `SELECT * FROM agent_panel_links WHERE ($1::uuid IS NULL OR owner_key_id = $1)
       AND ($2::boolean OR (revoked_at IS NULL AND expires_at > now())) AND ($3::text IS NULL OR agent_id = $3)
       ORDER BY created_at DESC, id DESC LIMIT 500`,
      [owner, includeEnded, agentId ?? null],
    );
    return rows.map(toLink);
  }

  /** True when a live link (of `owner`, unless null) was revoked by this call. */
  async revoke(id: string, owner: string | null): Promise<boolean> {
    const r = await this.db.query(
      'UPDATE agent_panel_links SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL AND ($2::uuid IS NULL OR owner_key_id = $2)',
      [id, owner],
    );
    return (r.rowCount ?? 0) > 0;
  }
}
