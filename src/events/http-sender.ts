// One HTTP POST of a webhook. Retries belong to BullMQ, so this makes exactly one
// request: no redirects followed, a hard timeout, and the target re-checked at connect
// time through the agent's guarded DNS lookup.
import { Agent, request } from 'undici';
import { guardedLookup, parseTargetUrl, refusedAddressReason, type Resolver, type TargetPolicy } from './target.js';
import { isIP } from 'node:net';

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

export function createWebhookSender(options: SenderOptions): WebhookSender {
  const agent = new Agent({
    connections: options.connections ?? 64,
    keepAliveTimeout: 10_000,
    connect: { timeout: options.timeoutMs, lookup: guardedLookup(options, options.resolve) as never },
    headersTimeout: options.timeoutMs,
    bodyTimeout: options.timeoutMs,
  });
  return {
    async send(rawUrl, headers, body) {
      const started = performance.now();
      const elapsed = () => Math.round(performance.now() - started);
      try {
        const url = parseTargetUrl(rawUrl);
        const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
        if (!options.allowPrivate && isIP(host)) {
          const reason = refusedAddressReason(host);
          if (reason) return { error: `target refused: ${host} is a ${reason}`, durationMs: elapsed() };
        }
        const res = await request(url, {
          method: 'POST',
          dispatcher: agent,
          headers: { 'content-type': 'application/json', 'user-agent': 'cti-bridge-webhooks/1', ...headers },
          body,
          // The agent's timeouts bound each phase; this bounds the whole exchange, so a
          // receiver dripping its response byte by byte cannot hold a worker slot.
          signal: AbortSignal.timeout(options.timeoutMs),
        });
        // Drain (bounded) so the keep-alive connection can be reused; the content is not ours.
        await res.body.dump({ limit: 64 * 1024 }).catch(() => {});
        return { statusCode: res.statusCode, durationMs: elapsed() };
      } catch (err) {
        return { error: describeError(err), durationMs: elapsed() };
      }
    },
    async close() {
      await agent.close().catch(() => {});
    },
  };
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
