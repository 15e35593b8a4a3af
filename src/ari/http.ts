// The one place that talks HTTP to ARI: Basic auth in a header (never in the URL),
// a timeout on every request, and every failure turned into AriHttpError/AriRequestError.
import { request as undiciRequest } from 'undici';
import type { Logger } from '../log.js';
import { inSpan } from '../tracing/tracer.js';
import { AriArgumentError, AriHttpError, AriRequestError, type HttpMethod } from './errors.js';
import { encodeQuery, type QueryParams } from './query.js';

export interface AriHttpOptions {
  /** ARI base URL, e.g. `http://127.0.0.1:8088/ari`. Must not contain credentials. */
  baseUrl: string;
  user: string;
  password: string;
  /** Default per-request timeout. */
  timeoutMs?: number;
  log?: Logger;
}

export interface AriRequest {
  query?: QueryParams;
  /** Sent as JSON (`{"variables":{...}}` for originate). */
  body?: unknown;
  /** What a 2xx answer holds: parsed JSON (default), raw bytes, or nothing worth reading. */
  response?: 'json' | 'binary' | 'none';
  /**
   * For idempotent deletes: a 404 naming a missing object means "already done" and
   * the call resolves to NOT_FOUND instead of throwing.
   */
  notFoundIsDone?: boolean;
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** What `request` resolves to when `notFoundIsDone` turned a 404 into success. */
export const NOT_FOUND: unique symbol = Symbol('ari.notFound');

// Asterisk's router answers an unknown path with exactly this. A 404 carrying it means
// the base URL or the route is wrong, which must never pass for "already deleted".
const UNKNOWN_PATH_MESSAGE = 'Resource not found';

export const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;

export class AriHttp {
  readonly baseUrl: string;
  private readonly authorization: string;
  private readonly timeoutMs: number;
  private readonly log: Logger | undefined;

  constructor(opts: AriHttpOptions) {
    this.baseUrl = normaliseBaseUrl(opts.baseUrl);
    if (!opts.user) throw new AriArgumentError('ARI user is required');
    this.authorization = basicAuthorization(opts.user, opts.password);
    this.timeoutMs = opts.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    if (!(this.timeoutMs > 0)) throw new AriArgumentError('ARI request timeout must be a positive number of milliseconds');
    this.log = opts.log;
  }

  /** The Authorization header value; used for the WebSocket upgrade too. Never log it. */
  authorizationHeader(): string {
    return this.authorization;
  }

  request<T>(method: HttpMethod, path: string, req: AriRequest = {}): Promise<T | typeof NOT_FOUND> {
    return inSpan(`ARI ${method} ${pathTemplate(path)}`, { kind: 'client', attributes: { 'http.request.method': method, 'url.path': path } }, async (span) => {
      const result = await this.send<T>(method, path, req);
      if (result === NOT_FOUND) span.setAttribute('cti.ari.not_found', true);
      return result;
    });
  }

  private async send<T>(method: HttpMethod, path: string, req: AriRequest): Promise<T | typeof NOT_FOUND> {
    const url = `${this.baseUrl}${path}${encodeQuery(req.query)}`;
    const headers: Record<string, string> = { authorization: this.authorization };
    let body: string | undefined;
    if (req.body !== undefined) {
      body = JSON.stringify(req.body);
      headers['content-type'] = 'application/json';
    }
    // A deadline cleared when the answer is in: AbortSignal.timeout() would leave a timer
    // per command that fires and aborts long after the command is done.
    const timeout = new AbortController();
    const timer = setTimeout(() => timeout.abort(new DOMException('ARI request timed out', 'TimeoutError')), req.timeoutMs ?? this.timeoutMs);
    const signal = req.signal ? AbortSignal.any([timeout.signal, req.signal]) : timeout.signal;
    const fail = (reason: string, cause?: unknown): AriRequestError =>
      new AriRequestError({ method, path, reason, timedOut: timeout.signal.aborted, cause });

    let res: { status: number; statusText: string };
    let bytes: Buffer;
    try {
      // undici's request() rather than fetch(): no WHATWG Request/Response and stream
      // objects per call, a large part of the CPU of an ARI command. It follows no
      // redirect: a 3xx is an answer like any other non-2xx.
      const answer = await undiciRequest(url, { method, headers, body, signal });
      res = { status: answer.statusCode, statusText: answer.statusText };
      // Read the body under the same deadline: a peer that stalls mid-body must not hang us.
      bytes = Buffer.from(await answer.body.arrayBuffer());
    } catch (err) {
      if (timeout.signal.aborted) throw fail(`timed out after ${req.timeoutMs ?? this.timeoutMs} ms`, err);
      throw fail(describeNetworkError(err), err);
    } finally {
      clearTimeout(timer);
    }
    this.log?.debug({ ari: { method, path, status: res.status } }, 'ari request');

    if (res.status >= 200 && res.status < 300) {
      const want = req.response ?? 'json';
      if (want === 'binary') return bytes as T;
      if (want === 'none' || bytes.length === 0) return undefined as T;
      try {
        return JSON.parse(bytes.toString('utf8')) as T;
      } catch (err) {
        throw fail(`status ${res.status} with a body that is not JSON`, err);
      }
    }

    const ariMessage = errorMessageOf(bytes);
    if (res.status === 404 && req.notFoundIsDone && ariMessage !== UNKNOWN_PATH_MESSAGE) return NOT_FOUND;
    throw new AriHttpError({ status: res.status, statusText: res.statusText, method, path, ariMessage });
  }
}

/** A span name that does not grow with traffic: ids (anything but a plain word) become {id}. */
export function pathTemplate(path: string): string {
  return path
    .split('/')
    .map((seg) => (seg === '' || /^[A-Za-z]+$/.test(seg) ? seg : '{id}'))
    .join('/');
}

function normaliseBaseUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new AriArgumentError(`ARI base URL is not a URL: ${JSON.stringify(raw)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new AriArgumentError(`ARI base URL must be http(s), got ${url.protocol}`);
  }
  if (url.username || url.password) {
    throw new AriArgumentError('ARI base URL must not contain credentials: configure user and password instead');
  }
  if (url.search || url.hash) throw new AriArgumentError('ARI base URL must not have a query or fragment');
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

function basicAuthorization(user: string, password: string): string {
  // RFC 7617: user-id may not contain a colon, the password may.
  if (user.includes(':')) throw new AriArgumentError('ARI user must not contain a colon');
  return `Basic ${Buffer.from(`${user}:${password}`, 'utf8').toString('base64')}`;
}

/** The `message` of an ARI error body `{"message":"..."}`; undefined for any other body. */
export function errorMessageOf(body: Buffer | string): string | undefined {
  const text = typeof body === 'string' ? body : body.toString('utf8');
  if (text.length === 0) return undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed !== null && typeof parsed === 'object' && typeof (parsed as { message?: unknown }).message === 'string') {
      return (parsed as { message: string }).message;
    }
  } catch {
    // Not JSON (an HTML error page from a proxy, say): the status line is all we have.
  }
  return undefined;
}

function describeNetworkError(err: unknown): string {
  const code = (err as { code?: string } | undefined)?.code;
  if (code && !code.startsWith('UND_ERR')) return code;
  const cause = (err as { cause?: { code?: string; message?: string } } | undefined)?.cause;
  if (cause?.code) return cause.code;
  if (cause?.message) return cause.message;
  return err instanceof Error ? err.message : String(err);
}
