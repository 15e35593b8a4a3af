// What an agent panel session may reach (pure): the public API an agent's desktop needs,
// for its own agent, on calls that agent takes part in. Everything else is refused, so a
// link embedded in a CRM is worth one agent's desk and nothing more.
import { hasScope, type Scope } from '../api/scopes.js';

/**
 * open: no agent or call in the path (directory, queues, codes, a stream token);
 * own: `:id` is the session's agent; call: `:id` is a call the agent took part in;
 * transfer: `:id` is a transfer of such a call.
 */
export type Access = 'open' | 'own' | 'call' | 'transfer';

const CALL_COMMANDS = ['hold', 'unhold', 'mute', 'unmute', 'hangup', 'dtmf', 'transfers'];
const TRANSFER_COMMANDS = ['complete', 'cancel', 'conference'];

export const PANEL_ROUTES: ReadonlyMap<string, Access> = new Map<string, Access>([
  ['GET /v1/agents', 'open'],
  ['GET /v1/queues', 'open'],
  ['GET /v1/not-ready-reasons', 'open'],
  ['GET /v1/disposition-codes', 'open'],
  ['POST /v1/routing/simulate', 'open'],
  ['POST /v1/events/stream-tokens', 'open'],
  ['GET /v1/agents/:id', 'own'],
  ['POST /v1/agents/:id/state', 'own'],
  ['GET /v1/agents/:id/stream', 'own'],
  ['GET /v1/agents/:id/tasks', 'own'],
  ['POST /v1/agents/:id/tasks/:taskId/accept', 'own'],
  ['POST /v1/agents/:id/tasks/:taskId/decline', 'own'],
  ['PUT /v1/agents/:id/calls/:callId/wrap-up', 'own'],
  ['GET /v1/calls/:id', 'call'],
  ...CALL_COMMANDS.map((c): [string, Access] => [`POST /v1/calls/:id/${c}`, 'call']),
  ['GET /v1/transfers/:id', 'transfer'],
  ...TRANSFER_COMMANDS.map((c): [string, Access] => [`POST /v1/transfers/:id/${c}`, 'transfer']),
]);

/** How a session may reach this route, or undefined when it may not at all. */
export function accessTo(method: string, routeUrl: string | undefined): Access | undefined {
  return routeUrl === undefined ? undefined : PANEL_ROUTES.get(`${method} ${routeUrl}`);
}

/** The scopes a session needs at most; it gets those its link's key holds. */
export const PANEL_SCOPES: readonly Scope[] = ['agents:read', 'agents:write', 'calls:read', 'calls:write', 'queues:read', 'events:read'];

export function sessionScopes(ownerScopes: readonly string[]): Scope[] {
  return PANEL_SCOPES.filter((s) => hasScope(ownerScopes, s));
}

export interface SessionClaims {
  /** link id */
  l: string;
  /** agent id */
  a: string;
  /** owner key id and prefix */
  k: string;
  p: string;
  /** expiry, ms since epoch */
  e: number;
}

export function isSessionClaims(c: Record<string, unknown> | null, nowMs: number): c is Record<string, unknown> & SessionClaims {
  return c !== null && typeof c.l === 'string' && typeof c.a === 'string' && typeof c.k === 'string' && typeof c.p === 'string' && typeof c.e === 'number' && c.e > nowMs;
}
