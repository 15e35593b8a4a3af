// One HTTP POST of a webhook. Retries belong to BullMQ, so this makes exactly one
// request: no redirects followed, a hard timeout, and the target re-checked at connect
// time through the agent's guarded DNS lookup.
import { Agent, type Dispatcher } from 'undici';
import { guardedLookup, parseTargetUrl, refusedAddressReason, type Resolver, type TargetPolicy } from './target.js';
import { isIP } from 'node:net';

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

const DEFAULT_HEADERS = { 'content-type': 'application/json', 'user-agent': 'cti-bridge-webhooks/1' } as const;

export function createWebhookSender(options: SenderOptions): WebhookSender {
  const agent = new Agent({
    connections: options.connections ?? 64,
    keepAliveTimeout: 10_000,
    connect: { timeout: options.timeoutMs, lookup: guardedLookup(options, options.resolve) as never },
    headersTimeout: options.timeoutMs,
    bodyTimeout: options.timeoutMs,
  });
  return {
    send(rawUrl, headers, body) {
      const started = performance.now();
      const elapsed = () => Math.round(performance.now() - started);
      let url: URL;
      try {
        url = parseTargetUrl(rawUrl);
      } catch (err) {
        return Promise.resolve({ error: describeError(err), durationMs: elapsed() });
      }
      const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
      if (!options.allowPrivate && isIP(host)) {
        const reason = refusedAddressReason(host);
        if (reason) return Promise.resolve({ error: `target refused: ${host} is a ${reason}`, durationMs: elapsed() });
      }
      return new Promise<SendResult>((resolve) => {
        // The raw dispatcher API rather than request(): no response stream, no promise
        // chain and no AbortSignal per send; that was about half of the sender's CPU per
        // delivery, the largest single cost of the pipeline.
        let controller: DispatchController | undefined;
        let statusCode: number | undefined;
        let received = 0;
        let settled = false;
        const settle = (result: SendResult) => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          resolve(result);
        };
        // The agent's timeouts bound each phase; this bounds the whole exchange, including
        // the wait for a free connection, so a receiver dripping its response byte by byte
        // cannot hold a worker slot. A request still queued when it fires is answered
        // 'timeout' now and cut before it is written (see onRequestStart).
        const timer = setTimeout(() => {
          // Never written: the receiver was not tried (our connections to it were all busy),
          // so this says nothing about it and spends none of the delivery's attempts.
          if (!controller) return settle({ error: NOT_SENT, durationMs: elapsed() });
          controller.abort(new TimeoutError());
          // Headers already in: the receiver answered, only its body is slow (as before).
          settle(statusCode !== undefined ? { statusCode, durationMs: elapsed() } : { error: 'timeout', durationMs: elapsed() });
        }, options.timeoutMs);
        const handler: DispatchHandler = {
          onRequestStart(c) {
            controller = c;
            if (settled) c.abort(new TimeoutError());
          },
          onResponseStart(_c, code) {
            statusCode = code;
          },
          onResponseData(c, chunk) {
            received += chunk.length;
            if (received > DRAIN_LIMIT) {
              // The content is not ours: stop reading, give up the connection, keep the status.
              c.abort(new Error('response body over the drain limit'));
              settle({ statusCode: statusCode!, durationMs: elapsed() });
            }
          },
          onResponseEnd() {
            settle(statusCode !== undefined ? { statusCode, durationMs: elapsed() } : { error: 'no response', durationMs: elapsed() });
          },
          onResponseError(_c, err) {
            // A status already received stands, as when the old stream's drain failed.
            settle(statusCode !== undefined ? { statusCode, durationMs: elapsed() } : { error: describeError(err), durationMs: elapsed() });
          },
        };
        try {
          agent.dispatch(
            {
              origin: url.origin,
              path: url.pathname + url.search,
              method: 'POST',
              headers: { ...DEFAULT_HEADERS, ...headers },
              body,
            },
            handler,
          );
        } catch (err) {
          settle({ error: describeError(err), durationMs: elapsed() });
        }
      });
    },
    async close() {
      await agent.close().catch(() => {});
    },
  };
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
