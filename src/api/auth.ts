// Who is calling: API keys from `Authorization: Bearer` or `X-API-Key`, checked in
// onRequest (before any body is read) for every /v1 route, with the route's scopes.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { Queryable } from '../db/pool.js';
import { findApiKeyByPrefix, keyMatchesHash, parseApiKey, touchApiKey, type ApiKeyRecord } from './keys.js';
import { suspendedProblem } from '../fraud/suspension.js';
import { ProblemError } from './problem.js';
import type { RateLimiter } from './rate-limit.js';
import { missingScope, type Scope } from './scopes.js';
import type { StreamTokens } from './stream-token.js';

export interface AuthenticatedKey {
  id: string;
  name: string;
  prefix: string;
  scopes: Scope[];
  /** Why the key is suspended (every request then answers 403); null when it is not. */
  suspended?: string | null;
  /** The prefix presented: the current one, or a rotated key's previous one during its grace. */
  via: string;
  /**
   * Set for a session opened with an agent panel link: the request acts with the link
   * owner's key, for this one agent only (see `SessionAuth.authorize`).
   */
  boundTo?: { agentId: string; linkId: string };
}

/**
 * Short-lived credentials that act for a key within limits, e.g. agent panel sessions:
 * recognised by their look, verified without the key's secret, each request authorised
 * against what the session may reach.
 */
export interface SessionAuth {
  /** Whether the presented credential is one of these sessions (by its form, no lookup). */
  recognises(presented: string): boolean;
  verify(presented: string, keys: { byPrefix(prefix: string): Promise<AuthenticatedKey | null> }): Promise<AuthenticatedKey | null>;
  /** Throws a problem (403, 404) unless the bound key may make this request; also refuses a revoked session. */
  authorize(req: FastifyRequest, key: AuthenticatedKey & { boundTo: NonNullable<AuthenticatedKey['boundTo']> }): Promise<void>;
  /** For open streams: whether the session behind a bound key still stands. */
  stillValid(key: AuthenticatedKey): Promise<boolean>;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Scopes the caller's API key must hold (admin holds all). */
    scopes?: Scope[];
    /** Also accept a short-lived `?token=` (WebSocket routes: browsers cannot set headers there). */
    streamToken?: boolean;
    /** No API key: the route verifies a Standard Webhooks signature itself (inbound partner callbacks). */
    signedInbound?: boolean;
  }
  interface FastifyRequest {
    apiKey: AuthenticatedKey | null;
  }
}

interface CacheEntry {
  record: Promise<ApiKeyRecord | null>;
  expiresAt: number;
}

interface VerifiedEntry {
  key: AuthenticatedKey;
  id: string;
  expiresAt: number;
}

export interface ApiKeyVerifierOptions {
  /** How long a looked-up key is trusted; revocation takes effect within this time. */
  cacheTtlMs?: number;
  maxEntries?: number;
  log?: Logger;
  now?: () => number;
}

/**
 * Verifies presented keys. Rows are cached by prefix for a short time (also misses, so a
 * client retrying with a wrong key does not hit Postgres each time) and concurrent misses
 * share one query; the hash comparison still runs on every request.
 */
export class ApiKeyVerifier {
  private readonly cache = new Map<string, CacheEntry>();
  /**
   * Keys that matched their hash, by the presented text, for the same short time as the
   * rows: a client sending the same key on every request pays the hash once per TTL
   * instead of once per request (a third of the shell's cost per request). Only keys that
   * verified are kept, so a stream of made-up keys cannot fill it.
   */
  private readonly verified = new Map<string, VerifiedEntry>();
  private readonly lastTouched = new Map<string, number>();
  private readonly ttl: number;
  private readonly maxEntries: number;
  private readonly now: () => number;

  constructor(
    private readonly db: Queryable,
    private readonly options: ApiKeyVerifierOptions = {},
  ) {
    this.ttl = options.cacheTtlMs ?? 30_000;
    this.maxEntries = options.maxEntries ?? 10_000;
    this.now = options.now ?? Date.now;
  }

  /**
   * The key when this exact text verified within the cache time, without a promise: the
   * common request (a client repeating its key) then runs its hooks synchronously.
   */
  verifiedNow(presented: string): AuthenticatedKey | undefined {
    const hit = this.verified.get(presented);
    if (hit === undefined) return undefined;
    const now = this.now();
    if (hit.expiresAt <= now) return undefined;
    this.touch(hit.id, now);
    return hit.key;
  }

  async verify(presented: string): Promise<AuthenticatedKey | null> {
    const now = this.now();
    const hit = this.verified.get(presented);
    if (hit && hit.expiresAt > now) {
      this.touch(hit.id);
      return hit.key;
    }
    if (hit) this.verified.delete(presented);
    const parsed = parseApiKey(presented);
    if (!parsed) return null;
    const record = await this.lookup(parsed.prefix);
    if (!record || record.revokedAt || !keyMatchesHash(presented, record.hash)) return null;
    this.touch(record.id);
    const key = toAuthenticated(record, parsed.prefix);
    if (this.verified.size >= this.maxEntries) {
      const oldest = this.verified.keys().next().value;
      if (oldest !== undefined) this.verified.delete(oldest);
    }
    this.verified.set(presented, { key, id: record.id, expiresAt: now + this.ttl });
    return key;
  }

  /** True when this exact key verified within the cache time (no lookup needed). */
  recentlyVerified(presented: string): boolean {
    const hit = this.verified.get(presented);
    return hit !== undefined && hit.expiresAt > this.now();
  }

  /** For stream tokens: the key they were issued to, if it is still live. */
  async byPrefix(prefix: string): Promise<AuthenticatedKey | null> {
    const record = await this.lookup(prefix);
    if (!record || record.revokedAt) return null;
    return toAuthenticated(record, prefix);
  }

  /** Forget a key at once (after it was revoked, rotated or re-scoped), by any prefix it had. */
  invalidate(prefix: string): void {
    this.cache.delete(prefix);
    for (const [presented, entry] of this.verified) if (entry.key.prefix === prefix || entry.key.via === prefix) this.verified.delete(presented);
  }

  private lookup(prefix: string): Promise<ApiKeyRecord | null> {
    const now = this.now();
    const hit = this.cache.get(prefix);
    if (hit && hit.expiresAt > now) return hit.record;
    if (hit) this.cache.delete(prefix);
    if (this.cache.size >= this.maxEntries) {
      // Maps iterate in insertion order: drop the oldest entry.
      const oldest = this.cache.keys().next().value;
      if (oldest !== undefined) this.cache.delete(oldest);
    }
    const record = findApiKeyByPrefix(this.db, prefix);
    this.cache.set(prefix, { record, expiresAt: now + this.ttl });
    // A failed lookup (database down) must not be remembered.
    record.catch(() => this.cache.delete(prefix));
    return record;
  }

  private touch(id: string, now = this.now()): void {
    const last = this.lastTouched.get(id);
    if (last !== undefined && now - last < 60_000) return;
    this.lastTouched.set(id, now);
    touchApiKey(this.db, id).catch((err: unknown) =>
      this.options.log?.warn({ err, apiKeyId: id }, 'could not record API key use'),
    );
  }
}

function toAuthenticated(r: ApiKeyRecord, via: string): AuthenticatedKey {
  return { id: r.id, name: r.name, prefix: r.prefix, scopes: r.scopes, suspended: r.suspended, via };
}

/** The key presented in the headers, or undefined when none was. */
export function presentedKey(req: FastifyRequest): string | undefined {
  const auth = req.headers.authorization;
  if (typeof auth === 'string') return bearerToken(auth);
  const header = req.headers['x-api-key'];
  if (typeof header === 'string') return header.trim();
  return undefined;
}

const isSpace = (c: number) => c === 32 || c === 9;

/**
 * The token of `Bearer <token>` (scheme in any case, surrounding blanks allowed), or the
 * whole header when it has another form: a malformed header is still an (invalid)
 * attempt. Plain string work: a regular expression here was a visible share of a request.
 */
export function bearerToken(header: string): string {
  if (header.length > 7 && header.slice(0, 6).toLowerCase() === 'bearer' && isSpace(header.charCodeAt(6))) {
    let start = 7;
    while (start < header.length && isSpace(header.charCodeAt(start))) start++;
    let end = header.length;
    while (end > start && isSpace(header.charCodeAt(end - 1))) end--;
    const token = header.slice(start, end);
    if (token !== '' && !/\s/.test(token)) return token;
  }
  return header;
}

function unauthorized(reply: FastifyReply, detail: string, invalid: boolean): ProblemError {
  reply.header('www-authenticate', invalid ? 'Bearer realm="cti-bridge", error="invalid_token"' : 'Bearer realm="cti-bridge"');
  return new ProblemError(401, detail);
}

/**
 * Failed authentication per client address: past `perMinute` failures in a minute the
 * address gets 429 with Retry-After for the rest of the window, without a key lookup, so
 * a stream of made-up keys costs the service (and Postgres) next to nothing. A client with
 * a valid key is never held back by this.
 */
export interface AuthFailureLimit {
  limiter: RateLimiter;
  perMinute: number;
}

export function registerAuth(
  app: FastifyInstance,
  deps: { verifier: ApiKeyVerifier; streamTokens: StreamTokens; failures?: AuthFailureLimit; sessions?: SessionAuth },
): void {
  app.decorateRequest('apiKey', null);
  /** Addresses over their failure budget, until the window ends (this instance's view). */
  const blocked = new Map<string, number>();
  const tooMany = (reply: FastifyReply, seconds: number) => {
    reply.header('retry-after', seconds);
    return new ProblemError(429, `too many failed authentication attempts from this address; retry in ${seconds} s`);
  };
  /** Counts a failure; the problem to answer with: 401, or 429 once the address is over budget. */
  const failed = async (req: FastifyRequest, reply: FastifyReply, problem: ProblemError): Promise<ProblemError> => {
    if (!deps.failures) return problem;
    const d = await deps.failures.limiter.hit(`auth-failed:${req.ip}`, { max: deps.failures.perMinute, timeWindow: 60_000 });
    if (d.allowed) return problem;
    if (blocked.size > 10_000) for (const [ip, until] of blocked) if (until <= Date.now()) blocked.delete(ip);
    blocked.set(req.ip, Date.now() + d.resetSeconds * 1000);
    return tooMany(reply, d.resetSeconds);
  };
  // One hook per /v1 route, added as the route is declared with what it needs to know
  // (its scopes, whether it takes stream tokens) in the closure: reading
  // `req.routeOptions` builds an object on every request. First among the route's own
  // hooks, so the rate limit (rate-limit.ts) sees the key.
  app.addHook('onRoute', (route) => {
    // Unknown routes fall through to the 404 handler; health, metrics and docs are open.
    if (!route.url.startsWith('/v1/')) return;
    const config = route.config ?? {};
    // Partners' inbound callbacks prove themselves with a signature over the body, checked
    // by the route itself (it must answer 401 on a bad one).
    if (config.signedInbound === true) return;
    const required = config.scopes ?? [];
    const streamToken = config.streamToken === true;
    /** The checks every key passes once known: suspension and scopes. Throws the problem. */
    const admit = (req: FastifyRequest, key: AuthenticatedKey): void => {
      if (key.suspended) throw suspendedProblem(key.id, key.suspended);
      const missing = missingScope(key.scopes, required);
      if (missing) throw new ProblemError(403, `this API key lacks the scope ${missing}`, { requiredScope: missing });
      req.apiKey = key;
    };
    const authenticate = async (req: FastifyRequest, reply: FastifyReply): Promise<void> => {
      let key: AuthenticatedKey | null;
      const presented = presentedKey(req);
      const token = streamToken ? (req.query as Record<string, unknown> | undefined)?.token : undefined;
      if (presented !== undefined) {
        // An address over its failure budget is answered before any lookup, unless the key
        // it presents verified recently (a busy NAT with one bad client keeps working).
        if (blocked.size > 0) {
          const until = blocked.get(req.ip);
          if (until !== undefined && until > Date.now() && !deps.verifier.recentlyVerified(presented)) {
            throw tooMany(reply, Math.ceil((until - Date.now()) / 1000));
          }
        }
        if (deps.sessions?.recognises(presented)) {
          key = await deps.sessions.verify(presented, deps.verifier);
          if (!key) throw await failed(req, reply, unauthorized(reply, 'the session is invalid, expired or its link was revoked', true));
        } else {
          key = await deps.verifier.verify(presented);
          if (!key) throw await failed(req, reply, unauthorized(reply, 'the API key is invalid or revoked', true));
        }
      } else if (typeof token === 'string' && token !== '') {
        key = await deps.streamTokens.verify(token, deps.verifier);
        if (!key) throw await failed(req, reply, unauthorized(reply, 'the stream token is invalid or expired', true));
      } else {
        throw unauthorized(
          reply,
          'an API key is required: send Authorization: Bearer <key>' + (streamToken ? ' or ?token=<stream token>' : ''),
          false,
        );
      }
      if (key.boundTo) {
        // Checked before authorising, so a suspended key's sessions answer 403 as it does.
        if (key.suspended) throw suspendedProblem(key.id, key.suspended);
        const missing = missingScope(key.scopes, required);
        if (missing) throw new ProblemError(403, `this API key lacks the scope ${missing}`, { requiredScope: missing });
        if (!deps.sessions) throw new ProblemError(403, 'this session cannot be used here');
        await deps.sessions.authorize(req, { ...key, boundTo: key.boundTo });
      }
      admit(req, key);
    };
    // A key that verified moments ago, from an address not over its failure budget, is
    // admitted without a promise or a turn of the microtask queue: most requests. Anything
    // else takes the full path above.
    const hook = (req: FastifyRequest, reply: FastifyReply, done: (err?: Error) => void): void => {
      const presented = blocked.size === 0 ? presentedKey(req) : undefined;
      const key = presented !== undefined && !deps.sessions?.recognises(presented) ? deps.verifier.verifiedNow(presented) : undefined;
      if (key !== undefined && key.boundTo === undefined) {
        try {
          admit(req, key);
        } catch (err) {
          return done(err as Error);
        }
        return done();
      }
      authenticate(req, reply).then(() => done(), done);
    };
    const existing = route.onRequest;
    route.onRequest = existing === undefined ? [hook] : Array.isArray(existing) ? [hook, ...existing] : [hook, existing];
  });
}
