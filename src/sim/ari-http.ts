// HTTP plumbing of the simulated ARI: Asterisk's status lines, header order and error
// bodies, Basic auth / api_key, and parameters merged from the query and the JSON body.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { WorldError, type WorldErrorKind } from './world-errors.js';

export const SERVER_HEADER = 'Asterisk/22.10.1';

export interface AriCredentials {
  user: string;
  password: string;
}

export interface AriRequest {
  method: string;
  /** Path segments after /ari, decoded. */
  segments: string[];
  params: Map<string, string>;
  /** The JSON body's `variables` object, when present. */
  variables?: Record<string, string>;
  body: unknown;
  headers: IncomingMessage['headers'];
}

export interface AriReply {
  status: number;
  reason: string;
  body?: unknown;
  /** Raw bytes instead of JSON (stored recording download). */
  raw?: { contentType: string; data: Buffer };
  location?: string;
  allow?: string;
  wwwAuthenticate?: boolean;
}

export const reply = {
  ok: (body: unknown): AriReply => ({ status: 200, reason: 'OK', body }),
  created: (body: unknown, location: string): AriReply => ({ status: 201, reason: 'Created', body, location }),
  noContent: (): AriReply => ({ status: 204, reason: 'No Content' }),
  error: (status: number, reason: string, message: string): AriReply => ({ status, reason, body: { message } }),
};

const KIND_STATUS: Record<WorldErrorKind, [number, string]> = {
  'bad-request': [400, 'Bad Request'],
  'not-found': [404, 'Not Found'],
  'variable-not-found': [404, 'Variable Not Found'],
  'bridge-not-found': [404, 'Not found'],
  conflict: [409, 'Conflict'],
  'invalid-state': [412, 'Precondition Failed'],
  unprocessable: [422, 'Unprocessable Entity'],
  internal: [500, 'Internal Server Error'],
  'internal-error': [500, 'Internal Error'],
};

export function fromWorldError(err: WorldError): AriReply {
  const [status, reason] = KIND_STATUS[err.kind];
  return reply.error(status, reason, err.message);
}

/** RFC 1123 date as Asterisk prints it: `Sun, 22 Nov 2026 21:51:57 GMT`. */
export function httpDate(d = new Date()): string {
  return d.toUTCString();
}

export function wantsClose(req: IncomingMessage): boolean {
  return (req.headers.connection ?? '').toLowerCase().split(',').some((t) => t.trim() === 'close');
}

/** Writes a reply with Asterisk's header set and order (README fact 15). */
export function writeReply(req: IncomingMessage, res: ServerResponse, r: AriReply): void {
  const headers: string[] = ['Server', SERVER_HEADER, 'Date', httpDate()];
  const close = wantsClose(req);
  if (close) headers.push('Connection', 'close');
  headers.push('Cache-Control', 'no-cache, no-store');
  if (r.allow) headers.push('Allow', r.allow);
  if (r.wwwAuthenticate) headers.push('WWW-Authenticate', 'Basic realm="Asterisk REST Interface"');
  if (r.location) headers.push('Location', r.location);
  let payload: Buffer | undefined;
  if (r.raw) {
    payload = r.raw.data;
    headers.push('Content-Type', r.raw.contentType);
  } else if (r.body !== undefined) {
    payload = Buffer.from(JSON.stringify(r.body), 'utf8');
    headers.push('Content-type', 'application/json');
  }
  headers.push('Content-Length', String(payload ? payload.length : 0));
  res.sendDate = false;
  // Without a Connection header Node would add `Connection: keep-alive` + `Keep-Alive`; Asterisk sends neither.
  if (!close) res.removeHeader('Connection');
  res.writeHead(r.status, r.reason, headers);
  if (close) res.shouldKeepAlive = false;
  res.end(payload && req.method !== 'HEAD' ? payload : undefined);
}

export function authorised(req: IncomingMessage, query: URLSearchParams, creds: AriCredentials): boolean {
  const apiKey = query.get('api_key');
  if (apiKey !== null) return apiKey === `${creds.user}:${creds.password}`;
  const auth = req.headers.authorization;
  if (!auth || !/^basic /i.test(auth)) return false;
  const decoded = Buffer.from(auth.slice(6).trim(), 'base64').toString('utf8');
  return decoded === `${creds.user}:${creds.password}`;
}

export function unauthorised(): AriReply {
  return { ...reply.error(401, 'Unauthorized', 'Authentication required'), wwwAuthenticate: true };
}

const MAX_BODY = 1024 * 1024;

export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const b = chunk as Buffer;
    size += b.length;
    if (size > MAX_BODY) throw new WorldError('bad-request', 'Request body too large');
    chunks.push(b);
  }
  return Buffer.concat(chunks);
}

/** Query parameters, then JSON body fields the query did not give (Asterisk reads both). */
export function buildParams(query: URLSearchParams, body: unknown): { params: Map<string, string>; variables?: Record<string, string> } {
  const params = new Map<string, string>();
  for (const [k, v] of query) if (!params.has(k)) params.set(k, v);
  let variables: Record<string, string> | undefined;
  if (body && typeof body === 'object' && !Array.isArray(body)) {
    for (const [k, v] of Object.entries(body as Record<string, unknown>)) {
      if (k === 'variables' && v && typeof v === 'object' && !Array.isArray(v)) {
        variables = {};
        for (const [vk, vv] of Object.entries(v as Record<string, unknown>)) variables[vk] = typeof vv === 'string' ? vv : JSON.stringify(vv);
        continue;
      }
      if (params.has(k)) continue;
      if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') params.set(k, String(v));
    }
  }
  return { params, variables };
}

export function intParam(params: Map<string, string>, name: string): number | undefined {
  const v = params.get(name);
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new WorldError('bad-request', `Invalid value for parameter '${name}'`);
  return Math.trunc(n);
}

export function boolParam(params: Map<string, string>, name: string): boolean | undefined {
  const v = params.get(name);
  if (v === undefined || v === '') return undefined;
  return v === 'true' || v === 'yes' || v === '1';
}
