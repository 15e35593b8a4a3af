// Agent panel sessions: what the page gets for its link token (POST /agent/session), a
// short-lived bearer credential that acts with the link owner's key for the link's agent
// only (access.ts). Each request re-checks the link (cached for a few seconds), so a
// revoked link or key stops its panels within seconds; the page asks for a new session
// with its link token before the old one expires.
import { randomBytes } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { AuthenticatedKey, SessionAuth } from '../api/auth.js';
import { ProblemError, notFound } from '../api/problem.js';
import type { Queryable } from '../db/pool.js';
import { getTransfer } from '../calls/transfers/repository.js';
import { agentTookPart } from '../acd/wrap-up.js';
import { accessTo, isSessionClaims, sessionScopes, type SessionClaims } from './access.js';
import type { LiveLink, PanelLinks } from './links.js';
import { Signer } from '../api/signer.js';

const MARK = 'aps_';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface PanelSessionOptions {
  ttlMs?: number;
  /** How long a link found live is trusted before it is read again. */
  linkCacheMs?: number;
  now?: () => number;
}

export class PanelSessions implements SessionAuth {
  private readonly signer: Signer;
  readonly ttlMs: number;
  private readonly linkCacheMs: number;
  private readonly now: () => number;
  private readonly checked = new Map<string, { live: boolean; until: number }>();

  constructor(
    private readonly db: Queryable,
    private readonly links: PanelLinks,
    secret?: string,
    options: PanelSessionOptions = {},
  ) {
    this.signer = new Signer(secret ?? randomBytes(32), 'agent-panel-session');
    this.ttlMs = options.ttlMs ?? 15 * 60_000;
    this.linkCacheMs = options.linkCacheMs ?? 5_000;
    this.now = options.now ?? Date.now;
  }

  /** A session for a live link; null when the owner key is gone. */
  async open(link: LiveLink, keys: { byPrefix(prefix: string): Promise<AuthenticatedKey | null> }): Promise<{ session: string; expiresAt: Date } | null> {
    const owner = await keys.byPrefix(link.ownerPrefix);
    if (!owner || owner.id !== link.ownerKeyId) return null;
    const e = this.now() + this.ttlMs;
    const claims: SessionClaims = { l: link.id, a: link.agentId, k: owner.id, p: owner.prefix, e };
    return { session: MARK + this.signer.sign(claims), expiresAt: new Date(e) };
  }

  recognises(presented: string): boolean {
    return presented.startsWith(MARK);
  }

  async verify(presented: string, keys: { byPrefix(prefix: string): Promise<AuthenticatedKey | null> }): Promise<AuthenticatedKey | null> {
    const c = this.signer.read(presented.slice(MARK.length));
    if (!isSessionClaims(c, this.now())) return null;
    const owner = await keys.byPrefix(c.p);
    if (!owner || owner.id !== c.k || !(await this.linkLive(c.l))) return null;
    return { ...owner, scopes: sessionScopes(owner.scopes), boundTo: { agentId: c.a, linkId: c.l } };
  }

  async authorize(req: FastifyRequest, key: AuthenticatedKey & { boundTo: { agentId: string; linkId: string } }): Promise<void> {
    // Stream tokens a session asked for come here without verify(): check the link too.
    if (!(await this.linkLive(key.boundTo.linkId))) throw new ProblemError(401, 'the agent panel link was revoked or expired');
    const { agentId } = key.boundTo;
    const params = (req.params ?? {}) as Record<string, string | undefined>;
    const access = accessTo(req.method, req.routeOptions.url);
    if (access === undefined) throw new ProblemError(403, `an agent panel session cannot use ${req.method} ${req.routeOptions.url ?? 'this route'}`);
    if (access === 'own' && params.id !== agentId) throw new ProblemError(403, `this agent panel session acts for agent ${agentId} only`);
    // A malformed id is left to the route's validation (400).
    if ((access === 'call' || access === 'transfer') && params.id && UUID.test(params.id)) {
      const callId = access === 'call' ? params.id : (await getTransfer(this.db, params.id))?.callId;
      if (!callId || !(await agentTookPart(this.db, callId, agentId))) throw notFound(access, params.id);
    }
  }

  async stillValid(key: AuthenticatedKey): Promise<boolean> {
    return key.boundTo ? (await this.links.live(key.boundTo.linkId)) !== null : true;
  }

  private async linkLive(linkId: string): Promise<boolean> {
    const now = this.now();
    const hit = this.checked.get(linkId);
    if (hit && hit.until > now) return hit.live;
    const live = (await this.links.live(linkId)) !== null;
    if (this.checked.size > 10_000) for (const [id, v] of this.checked) if (v.until <= now) this.checked.delete(id);
    this.checked.set(linkId, { live, until: now + this.linkCacheMs });
    return live;
  }

  /** Forget what was cached about a link (after revoking it on this instance). */
  forget(linkId: string): void {
    this.checked.delete(linkId);
  }
}
