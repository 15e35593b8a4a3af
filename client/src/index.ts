// cti-bridge's TypeScript client. Operations and their types are generated from the
// service's OpenAPI document (operations.gen.ts), event types and payloads from the same
// document's webhooks (events.gen.ts). Problems become typed exceptions (errors.ts).
import { randomUUID } from 'node:crypto';
import { problemError } from './errors.js';
import { OPERATIONS, type Operations } from './operations.gen.js';
import { openStream, type EventStream, type StreamOptions } from './stream.js';
import type { AnyEvent } from './events.js';

export * from './errors.js';
export * from './events.js';
export * from './webhooks.js';
export type { Operations, Schemas } from './operations.gen.js';
export { OPERATIONS } from './operations.gen.js';
export type { EventStream, StreamOptions } from './stream.js';

export type OperationId = keyof Operations;
type Part<O extends OperationId, P extends 'params' | 'query' | 'body'> = Operations[O][P];

/** What a call of an operation takes: path params, query and body as the schemas say. */
export type RequestOf<O extends OperationId> = (Part<O, 'params'> extends undefined ? { params?: undefined } : { params: Part<O, 'params'> }) &
  (Part<O, 'query'> extends undefined ? { query?: undefined } : { query?: Part<O, 'query'> }) &
  (Part<O, 'body'> extends undefined ? { body?: undefined } : { body: Part<O, 'body'> }) & {
    /** Sent as Idempotency-Key; `true` makes one up. A retry with the same key is safe. */
    idempotencyKey?: string | true;
    headers?: Record<string, string>;
  };

export type ResponseOf<O extends OperationId> = Operations[O]['response'];

/** Operations that answer a page: `{ items, nextCursor }`. */
export type PagedOperation = {
  [O in OperationId]: ResponseOf<O> extends { items: Array<unknown>; nextCursor: unknown } ? O : never;
}[OperationId];
type ItemOf<O extends PagedOperation> = ResponseOf<O> extends { items: Array<infer I> } ? I : never;

export interface ClientOptions {
  baseUrl: string;
  apiKey: string;
  /** Per request; default 30 s. */
  timeoutMs?: number;
}

export class CtiBridge {
  private readonly base: string;

  constructor(private readonly opts: ClientOptions) {
    this.base = opts.baseUrl.replace(/\/+$/, '');
  }

  /** Calls one operation, e.g. `request('GET /v1/calls/{id}', { params: { id } })`. */
  async request<O extends OperationId>(operation: O, req: RequestOf<O>): Promise<ResponseOf<O>> {
    const op = OPERATIONS[operation];
    const r = req as { params?: Record<string, unknown>; query?: Record<string, unknown>; body?: unknown; idempotencyKey?: string | true; headers?: Record<string, string> };
    const path = op.path.replace(/\{(\w+)\}/g, (_, name: string) => {
      const value = r.params?.[name];
      if (value === undefined) throw new TypeError(`${operation}: path parameter ${name} is missing`);
      return encodeURIComponent(String(value));
    });
    const url = new URL(this.base + path);
    for (const [k, v] of Object.entries(r.query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    const headers: Record<string, string> = { authorization: `Bearer ${this.opts.apiKey}`, ...r.headers };
    if (r.idempotencyKey !== undefined) headers['idempotency-key'] = r.idempotencyKey === true ? randomUUID() : r.idempotencyKey;
    let body: string | Uint8Array | undefined;
    if (r.body !== undefined) {
      const json = op.contentType === null || op.contentType.includes('json');
      headers['content-type'] = op.contentType ?? 'application/json';
      body = json ? JSON.stringify(r.body) : (r.body as string | Uint8Array);
    }
    const res = await fetch(url, { method: op.method, headers, body: body as RequestInit['body'], signal: AbortSignal.timeout(this.opts.timeoutMs ?? 30_000) });
    const type = res.headers.get('content-type') ?? '';
    if (!res.ok) {
      const text = await res.text();
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        // not JSON: keep the text as the detail
      }
      throw problemError(res.status, parsed, res.headers.get('x-request-id'), res.headers.get('retry-after'));
    }
    if (res.status === 204) return undefined as ResponseOf<O>;
    if (type.includes('json')) return (await res.json()) as ResponseOf<O>;
    // CSV exports and other text: the string the operation's type promises.
    if (type.startsWith('text/')) return (await res.text()) as ResponseOf<O>;
    return new Uint8Array(await res.arrayBuffer()) as unknown as ResponseOf<O>;
  }

  /** Every item of a paged list, page after page (`nextCursor` passed back as `cursor`). */
  async *paginate<O extends PagedOperation>(operation: O, req: RequestOf<O>): AsyncGenerator<ItemOf<O>> {
    let cursor: string | undefined;
    for (;;) {
      const query = { ...((req as { query?: object }).query ?? {}), ...(cursor ? { cursor } : {}) };
      const page = (await this.request(operation, { ...req, query } as RequestOf<O>)) as { items: ItemOf<O>[]; nextCursor: string | null };
      yield* page.items;
      if (!page.nextCursor || page.items.length === 0) return;
      cursor = page.nextCursor;
    }
  }

  /** The event journal after a cursor, oldest first, until it is caught up. */
  async *journal(opts: { after?: number | string; types?: string[]; limit?: number } = {}): AsyncGenerator<AnyEvent & { sequence: number }> {
    let after = String(opts.after ?? 0);
    for (;;) {
      const page = await this.request('GET /v1/events', {
        query: { after, ...(opts.types ? { types: opts.types.join(',') } : {}), ...(opts.limit ? { limit: opts.limit } : {}) },
      });
      for (const item of page.items) yield item as unknown as AnyEvent & { sequence: number };
      if (page.items.length === 0 || page.nextCursor === after) return;
      after = page.nextCursor;
    }
  }

  /** The journal's newest cursor: pass it as `after` to read or stream only what happens from now on. */
  async latestCursor(): Promise<string> {
    return (await this.request('GET /v1/events', { query: { after: 'latest' } })).nextCursor;
  }

  /**
   * The live stream (WebSocket), resuming from a cursor and reconnecting on its own. For
   * "from now on" with nothing lost to a reconnect: `stream({ after: await latestCursor() })`.
   */
  stream(opts: StreamOptions = {}): EventStream {
    return openStream(this.base, this.opts.apiKey, opts);
  }
}
