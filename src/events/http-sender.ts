// One HTTP POST of a webhook. Retries belong to BullMQ, so this makes exactly one
// request: no redirects followed, a hard timeout, and the target re-checked at connect
// time through the agent's guarded DNS lookup.
import { Agent, type Dispatcher } from 'undici';
import { guardedConnector, parseTargetUrl, type Resolver, type TargetPolicy } from './target.js';
import { DeadlineList, type Expiring } from './deadline-list.js';

type DispatchHandler = Dispatcher.DispatchHandler;
type DispatchController = Dispatcher.DispatchController;

export interface SendResult {
  /** HTTP status, or undefined when no response arrived. */
  statusCode?: number;
  /** Why no usable response arrived (timeout, refused target, connection error). */
  error?: string;
  durationMs: number;
}

export interface WebhookSender {
  send(url: string, headers: Record<string, string>, body: string): Promise<SendResult>;
  close(): Promise<void>;
}

export interface SenderOptions extends TargetPolicy {
  timeoutMs: number;
  /** Keep-alive connections per origin. */
  connections?: number;
  resolve?: Resolver;
}

/** Response bytes read (and thrown away) so the connection can be reused; beyond it, the connection is cut. */
const DRAIN_LIMIT = 64 * 1024;

const USER_AGENT = 'cti-bridge-webhooks/1';

/**
 * The request's headers as undici's flat list, the defaults first unless the caller set
 * them. Not an object spread of the defaults and the caller's headers: V8 copies such a
 * spread on a slow path, about 4 µs per send, as much as the HMAC signature.
 */
function headerList(headers: Record<string, string>): string[] {
  const list: string[] = [];
  if (headers['content-type'] === undefined) list.push('content-type', 'application/json');
  if (headers['user-agent'] === undefined) list.push('user-agent', USER_AGENT);
  for (const name in headers) list.push(name, headers[name]!);
  return list;
}

// Receivers are few and their URLs fixed: parse each once, not per send. Bounded, so URLs
// of deleted subscriptions do not pile up; cleared whole when full (only costs re-parsing).
const URL_CACHE_LIMIT = 1_000;

export function createWebhookSender(options: SenderOptions): WebhookSender {
  const agent = new Agent({
    connections: options.connections ?? 64,
    keepAliveTimeout: 10_000,
    connect: guardedConnector(options, options.timeoutMs, options.resolve),
    headersTimeout: options.timeoutMs,
    bodyTimeout: options.timeoutMs,
  });
  // The whole exchange's deadline (see Exchange), one timer for all sends in flight.
  const deadlines = new DeadlineList(options.timeoutMs);
  const targets = new Map<string, { origin: string; path: string } | { refused: string }>();
  const target = (rawUrl: string) => {
    let t = targets.get(rawUrl);
    if (!t) {
      try {
        const url = parseTargetUrl(rawUrl);
        t = { origin: url.origin, path: url.pathname + url.search };
      } catch (err) {
        t = { refused: describeError(err) };
      }
      if (targets.size >= URL_CACHE_LIMIT) targets.clear();
      targets.set(rawUrl, t);
    }
    return t;
  };
  return {
    send(rawUrl, headers, body) {
      const started = performance.now();
      const t = target(rawUrl);
      if ('refused' in t) return Promise.resolve({ error: t.refused, durationMs: Math.round(performance.now() - started) });
      return new Promise<SendResult>((resolve) => {
        // The raw dispatcher API rather than request(): no response stream, no promise
        // chain and no AbortSignal per send; that was about half of the sender's CPU per
        // delivery, the largest single cost of the pipeline. One object per send holds the
        // exchange (no closures per send).
        const exchange = new Exchange(resolve, started, deadlines);
        try {
          agent.dispatch({ origin: t.origin, path: t.path, method: 'POST', headers: headerList(headers), body }, exchange);
        } catch (err) {
          exchange.settle({ error: describeError(err), durationMs: exchange.elapsed() });
        }
      });
    },
    async close() {
      await agent.close().catch(() => {});
    },
  };
}

/** One send's state and undici's callbacks for it. */
class Exchange implements DispatchHandler, Expiring {
  private controller: DispatchController | undefined;
  private statusCode: number | undefined;
  private received = 0;
  private settled = false;
  // Expiring's fields, kept by the DeadlineList.
  deadline = 0;
  prevDue: Expiring | undefined = undefined;
  nextDue: Expiring | undefined = undefined;
  listed = false;

  constructor(
    private readonly resolve: (r: SendResult) => void,
    private readonly started: number,
    private readonly deadlines: DeadlineList,
  ) {
    // The agent's timeouts bound each phase; this bounds the whole exchange, including
    // the wait for a free connection, so a receiver dripping its response byte by byte
    // cannot hold a worker slot. A request still queued when it expires is answered
    // 'timeout' now and cut before it is written (see onRequestStart).
    deadlines.add(this);
  }

  expire(): void {
    this.onTimeout();
  }

  elapsed(): number {
    return Math.round(performance.now() - this.started);
  }

  settle(result: SendResult): void {
    if (this.settled) return;
    this.settled = true;
    this.deadlines.remove(this);
    this.resolve(result);
  }

  /** The status if one arrived (it stands whatever happens to the body), else `error`. */
  private answered(error: string): SendResult {
    return this.statusCode !== undefined ? { statusCode: this.statusCode, durationMs: this.elapsed() } : { error, durationMs: this.elapsed() };
  }

  private onTimeout(): void {
    // Never written: the receiver was not tried (our connections to it were all busy),
    // so this says nothing about it and spends none of the delivery's attempts.
    if (!this.controller) return this.settle({ error: NOT_SENT, durationMs: this.elapsed() });
    this.controller.abort(new TimeoutError());
    // Headers already in: the receiver answered, only its body is slow (as before).
    this.settle(this.answered('timeout'));
  }

  onRequestStart(c: DispatchController): void {
    this.controller = c;
    if (this.settled) c.abort(new TimeoutError());
  }

  onResponseStart(_c: DispatchController, code: number): void {
    this.statusCode = code;
  }

  onResponseData(c: DispatchController, chunk: Buffer): void {
    this.received += chunk.length;
    if (this.received > DRAIN_LIMIT) {
      // The content is not ours: stop reading, give up the connection, keep the status.
      c.abort(new Error('response body over the drain limit'));
      this.settle(this.answered('no response'));
    }
  }

  onResponseEnd(): void {
    this.settle(this.answered('no response'));
  }

  onResponseError(_c: DispatchController, err: Error): void {
    // A status already received stands, as when the old stream's drain failed.
    this.settle(this.answered(describeError(err)));
  }
}

/** The outcome of a request that waited for a connection past the timeout and was never written. */
export const NOT_SENT = 'not sent: no free connection to the receiver in time';

class TimeoutError extends Error {
  override name = 'TimeoutError';
}

function describeError(err: unknown): string {
  const e = err as NodeJS.ErrnoException & { cause?: NodeJS.ErrnoException };
  const inner = e.cause ?? e;
  if (e.name === 'TimeoutError' || e.name === 'AbortError' || inner.code === 'UND_ERR_HEADERS_TIMEOUT' || inner.code === 'UND_ERR_BODY_TIMEOUT' || inner.code === 'UND_ERR_CONNECT_TIMEOUT') {
    return 'timeout';
  }
  if (inner.name === 'TargetRefusedError' || inner.code === 'ETARGETREFUSED') return `target refused: ${inner.message}`;
  const text = `${inner.code ? inner.code + ': ' : ''}${inner.message ?? String(err)}`;
  return text.slice(0, 500);
}
