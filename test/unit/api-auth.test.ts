// API key format, hashing, scopes, the verifier's cache and stream tokens.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ApiKeyVerifier } from '../../src/api/auth.js';
import { generateApiKey, hashApiKey, keyMatchesHash, parseApiKey } from '../../src/api/keys.js';
import { hasScope, missingScope, parseScopes } from '../../src/api/scopes.js';
import { LocalUsedTokens, StreamTokens } from '../../src/api/stream-token.js';
import type { Queryable } from '../../src/db/pool.js';

describe('API keys', () => {
  it('generates distinct keys that parse back to their prefix', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const { prefix, key } = generateApiKey();
      expect(parseApiKey(key)).toEqual({ prefix, key });
      seen.add(key);
    }
    expect(seen.size).toBe(200);
  });

  it('rejects anything not shaped like a key', () => {
    const { key } = generateApiKey();
    for (const bad of ['', 'ctb_', key.slice(0, -1), `${key}x`, key.replace('ctb_', 'ctx_'), ` ${key}`, key.toUpperCase()]) {
      expect(parseApiKey(bad)).toBeNull();
    }
    fc.assert(fc.property(fc.string(), (s) => parseApiKey(s) === null || /^ctb_/.test(s)));
  });

  it('matches a key only against its own hash', () => {
    const a = generateApiKey().key;
    const b = generateApiKey().key;
    expect(keyMatchesHash(a, hashApiKey(a))).toBe(true);
    expect(keyMatchesHash(b, hashApiKey(a))).toBe(false);
    expect(keyMatchesHash(a, 'deadbeef')).toBe(false);
    expect(hashApiKey(a)).not.toContain(a.slice(17));
  });
});

describe('scopes', () => {
  it('parses a comma list and names an unknown scope', () => {
    expect(parseScopes(' calls:read, webhooks:write,calls:read')).toEqual(['calls:read', 'webhooks:write']);
    expect(() => parseScopes('calls:read,calls:delete')).toThrow("unknown scope 'calls:delete'");
    expect(() => parseScopes('')).toThrow(/at least one scope/);
  });

  it('admin implies every scope; others imply only themselves', () => {
    expect(hasScope(['admin'], 'webhooks:write')).toBe(true);
    expect(hasScope(['calls:read'], 'calls:write')).toBe(false);
    expect(missingScope(['calls:read'], ['calls:read', 'events:read'])).toBe('events:read');
    expect(missingScope(['calls:read', 'events:read'], ['calls:read', 'events:read'])).toBeUndefined();
  });
});

/** A stand-in database answering the key lookup, counting its queries. */
function fakeDb(rows: Map<string, { id: string; hash: string; revoked?: boolean }>) {
  const calls: string[] = [];
  const db = {
    async query(q: string | { text: string; values: unknown[] }, values?: unknown[]) {
      const text = typeof q === 'string' ? q : q.text;
      const vals = typeof q === 'string' ? values! : q.values;
      calls.push(text.trim().split(/\s+/)[0]!);
      if (text.startsWith('SELECT')) {
        const r = rows.get(vals[0] as string);
        return { rows: r ? [{ id: r.id, name: 'n', prefix: vals[0], hash: r.hash, scopes: ['calls:read', 'bogus'], revoked_at: r.revoked ? new Date() : null }] : [], rowCount: r ? 1 : 0 };
      }
      return { rows: [], rowCount: 1 };
    },
  } as unknown as Queryable;
  return { db, selects: () => calls.filter((c) => c === 'SELECT').length, updates: () => calls.filter((c) => c === 'UPDATE').length };
}

describe('ApiKeyVerifier', () => {
  it('looks a key up once per TTL, touches it once per minute, and re-reads after expiry', async () => {
    const { prefix, key } = generateApiKey();
    const f = fakeDb(new Map([[prefix, { id: 'k1', hash: hashApiKey(key) }]]));
    let now = 1_000_000;
    const v = new ApiKeyVerifier(f.db, { cacheTtlMs: 30_000, now: () => now });
    const results = await Promise.all([v.verify(key), v.verify(key), v.verify(key)]);
    expect(results.map((r) => r?.id)).toEqual(['k1', 'k1', 'k1']);
    expect(results[0]!.scopes).toEqual(['calls:read']); // unknown scopes in the row are ignored
    expect(f.selects()).toBe(1);
    expect(f.updates()).toBe(1);
    now += 29_000;
    await v.verify(key);
    expect(f.selects()).toBe(1);
    now += 2_000;
    await v.verify(key);
    expect(f.selects()).toBe(2);
    expect(f.updates()).toBe(1);
    now += 60_000;
    await v.verify(key);
    expect(f.updates()).toBe(2);
  });

  it('forgets a verified key at once when it is invalidated (revoked in this process)', async () => {
    const { prefix, key } = generateApiKey();
    const rows = new Map([[prefix, { id: 'k1', hash: hashApiKey(key), revoked: false }]]);
    const v = new ApiKeyVerifier(fakeDb(rows).db, { cacheTtlMs: 30_000 });
    expect((await v.verify(key))?.id).toBe('k1');
    rows.get(prefix)!.revoked = true;
    expect((await v.verify(key))?.id).toBe('k1'); // within the TTL, as documented
    v.invalidate(prefix);
    expect(await v.verify(key)).toBeNull();
  });

  it('refuses a wrong secret under a known prefix, a revoked key and an unknown prefix (cached too)', async () => {
    const good = generateApiKey();
    const revoked = generateApiKey();
    const f = fakeDb(
      new Map([
        [good.prefix, { id: 'g', hash: hashApiKey(good.key) }],
        [revoked.prefix, { id: 'r', hash: hashApiKey(revoked.key), revoked: true }],
      ]),
    );
    const v = new ApiKeyVerifier(f.db);
    const forged = `ctb_${good.prefix}_${generateApiKey().key.slice(17)}`;
    expect(parseApiKey(forged)).not.toBeNull();
    expect(await v.verify(forged)).toBeNull();
    expect(await v.verify(revoked.key)).toBeNull();
    const unknown = generateApiKey().key;
    expect(await v.verify(unknown)).toBeNull();
    expect(await v.verify(unknown)).toBeNull();
    expect(await v.verify('garbage')).toBeNull();
    expect(f.selects()).toBe(3);
  });

  it('does not remember a failed lookup', async () => {
    let fail = true;
    const { prefix, key } = generateApiKey();
    const db = {
      async query() {
        if (fail) throw new Error('connection refused');
        return { rows: [{ id: 'k', name: 'n', prefix, hash: hashApiKey(key), scopes: ['admin'], revoked_at: null }], rowCount: 1 };
      },
    } as unknown as Queryable;
    const v = new ApiKeyVerifier(db);
    await expect(v.verify(key)).rejects.toThrow('connection refused');
    fail = false;
    expect((await v.verify(key))?.id).toBe('k');
  });
});

describe('StreamTokens', () => {
  const key = { id: 'key-1', name: 'ui', prefix: 'abcdefabcdef', scopes: ['events:read' as const], via: 'abcdefabcdef' };
  const lookup = (k: typeof key | null) => ({ byPrefix: async () => k });

  it('round-trips within its lifetime and dies after it', async () => {
    let now = 5_000;
    const tokens = new StreamTokens({ secret: 's3cret', ttlMs: 60_000, now: () => now });
    const { token, expiresAt } = tokens.issue(key);
    expect(expiresAt.getTime()).toBe(65_000);
    now = 64_999;
    expect(await tokens.verify(token, lookup(key))).toEqual(key);
    const late = tokens.issue(key).token; // issued at 64_999, dies at 124_999
    now = 124_998;
    expect(await tokens.verify(late, lookup(key))).toEqual(key);
    const expired = tokens.issue(key).token;
    now = 184_999;
    expect(await tokens.verify(expired, lookup(key))).toBeNull();
  });

  it('opens one stream only: a token presented again is refused, even by another instance sharing the store', async () => {
    const used = new LocalUsedTokens();
    const a = new StreamTokens({ secret: 'one', used });
    const b = new StreamTokens({ secret: 'one', used });
    const { token } = a.issue(key);
    expect(await a.verify(token, lookup(key))).toEqual(key);
    expect(await a.verify(token, lookup(key))).toBeNull();
    expect(await b.verify(token, lookup(key))).toBeNull();
    expect(await a.verify(a.issue(key).token, lookup(key))).toEqual(key);
  });

  it('refuses tampering, another secret, a replaced key and a key that lost events:read', async () => {
    const tokens = new StreamTokens({ secret: 'one' });
    const { token } = tokens.issue(key);
    const [body, sig] = token.split('.') as [string, string];
    const claims = JSON.parse(Buffer.from(body, 'base64url').toString());
    const longer = Buffer.from(JSON.stringify({ ...claims, e: claims.e + 3_600_000 })).toString('base64url');
    expect(await tokens.verify(`${longer}.${sig}`, lookup(key))).toBeNull();
    expect(await new StreamTokens({ secret: 'two' }).verify(token, lookup(key))).toBeNull();
    expect(await tokens.verify(token, lookup({ ...key, id: 'key-2' }))).toBeNull();
    expect(await tokens.verify(token, lookup(null))).toBeNull();
    expect(await tokens.verify(token, lookup({ ...key, scopes: ['calls:read' as never] }))).toBeNull();
    // Instances sharing a secret accept each other's tokens.
    expect(await new StreamTokens({ secret: 'one' }).verify(token, lookup(key))).toEqual(key);
  });

  it('never throws on garbage', async () => {
    const tokens = new StreamTokens();
    await fc.assert(
      fc.asyncProperty(fc.string(), async (s) => {
        expect(await tokens.verify(s, lookup(key))).toBeNull();
      }),
    );
  });
});
