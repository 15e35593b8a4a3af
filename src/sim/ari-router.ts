// The simulator's ARI router: resources register their routes with on(), dispatch() finds
// the one a request names (path parameters as :name) and turns a world refusal into Asterisk's answer.
import { fromWorldError, reply, type AriReply, type AriRequest } from './ari-http.js';
import type { AppEventFilter } from './ari-event-filter.js';
import { WorldError, type World } from './world.js';

export interface RouteContext {
  world: World;
  /** Stasis apps with a connected socket. */
  apps: () => string[];
  /** The app's event type filter (`PUT /applications/{app}/eventFilter`); gone with the app. */
  filterOf: (app: string) => AppEventFilter;
  setFilter: (app: string, filter: AppEventFilter) => void;
}

type Handler = (req: AriRequest, p: Record<string, string>, ctx: RouteContext) => AriReply;

interface Route {
  method: string;
  pattern: string[];
  handler: Handler;
}

const routes: Route[] = [];

export function on(method: string, path: string, handler: Handler): void {
  routes.push({ method, pattern: path.split('/').filter(Boolean), handler });
}

function match(pattern: string[], segments: string[]): Record<string, string> | undefined {
  if (pattern.length !== segments.length) return undefined;
  const out: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern[i] as string;
    const s = segments[i] as string;
    if (p.startsWith(':')) out[p.slice(1)] = s;
    else if (p !== s) return undefined;
  }
  return out;
}

/** Finds and runs the route; unknown paths are 404, known paths with another verb are 405. */
export function dispatch(req: AriRequest, ctx: RouteContext): AriReply {
  const allowed: string[] = [];
  for (const r of routes) {
    const p = match(r.pattern, req.segments);
    if (!p) continue;
    if (r.method === req.method) {
      try {
        return r.handler(req, p, ctx);
      } catch (err) {
        if (err instanceof WorldError) return fromWorldError(err);
        throw err;
      }
    }
    allowed.push(r.method);
  }
  if (allowed.length > 0) {
    if (req.method === 'OPTIONS') return { status: 204, reason: 'No Content', allow: ['OPTIONS', ...allowed].join(',') };
    return { ...reply.error(405, 'Method Not Allowed', 'Invalid method'), allow: ['OPTIONS', ...allowed].join(',') };
  }
  return reply.error(404, 'Not Found', 'Resource not found');
}

/** A query or body parameter; empty counts as absent, as in Asterisk. */
export const get = (req: AriRequest, name: string): string | undefined => {
  const v = req.params.get(name);
  return v === undefined || v === '' ? undefined : v;
};

export const noContent = reply.noContent;
