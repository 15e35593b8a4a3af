// What an API key may do. Scopes are coarse on purpose: one per resource and verb,
// plus `admin`, which implies every other scope.
export const SCOPES = [
  'calls:read',
  'calls:write',
  'recordings:read',
  'webhooks:read',
  'webhooks:write',
  'events:read',
  'flows:read',
  'flows:write',
  'reports:read',
  'campaigns:read',
  'campaigns:write',
  'orders:read',
  'orders:write',
  'cdrs:read',
  'deadletters:read',
  'deadletters:write',
  'voicemail:read',
  'voicemail:write',
  'fax:read',
  'fax:write',
  'agents:read',
  'agents:write',
  'queues:read',
  'queues:write',
  'admin',
] as const;

export type Scope = (typeof SCOPES)[number];

export function isScope(value: string): value is Scope {
  return (SCOPES as readonly string[]).includes(value);
}

/** Parses `calls:read,webhooks:write`; throws naming the first unknown scope. */
export function parseScopes(csv: string): Scope[] {
  const parts = csv
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (parts.length === 0) throw new Error(`at least one scope is required (one of ${SCOPES.join(', ')})`);
  for (const p of parts) {
    if (!isScope(p)) throw new Error(`unknown scope '${p}' (expected one of ${SCOPES.join(', ')})`);
  }
  return [...new Set(parts as Scope[])];
}

export function hasScope(granted: readonly string[], needed: Scope): boolean {
  return granted.includes('admin') || granted.includes(needed);
}

/** The first needed scope that is not granted, or undefined when all are. */
export function missingScope(granted: readonly string[], needed: readonly Scope[]): Scope | undefined {
  return needed.find((s) => !hasScope(granted, s));
}
