// The live event stream with resume: every message's `sequence` is remembered, and a
// dropped connection (network, the service restarting, 1013 for a slow consumer) is
// reopened with `after=<last sequence>`, so nothing is missed and nothing repeats.
import WebSocket from 'ws';
import type { AnyEvent } from './events.js';

export interface StreamOptions {
  /**
   * Resume after this sequence (0: the whole journal, or a `nextCursor` of GET /v1/events):
   * messages then carry `sequence` and a reconnect misses nothing. Without it the stream
   * is live only and a reconnect continues live.
   */
  after?: number | string;
  /** Event types or families, e.g. ['call.*', 'cdr.created']. */
  types?: string[];
  /** Delay before reconnecting; doubles up to maxDelayMs. */
  minDelayMs?: number;
  maxDelayMs?: number;
}

export interface EventStream extends AsyncIterable<AnyEvent> {
  /** The last sequence received: pass it as `after` to resume elsewhere. */
  readonly cursor: string | undefined;
  close(): void;
}

export function openStream(baseUrl: string, apiKey: string, opts: StreamOptions = {}): EventStream {
  let cursor = opts.after === undefined ? undefined : String(opts.after);
  let closed = false;
  let socket: WebSocket | undefined;
  let delay = opts.minDelayMs ?? 250;
  const queue: AnyEvent[] = [];
  let wake: (() => void) | undefined;
  let failure: Error | undefined;

  const notify = () => {
    wake?.();
    wake = undefined;
  };

  async function connect(): Promise<void> {
    if (closed) return;
    const url = new URL('/v1/events/stream', baseUrl.replace(/^http/, 'ws'));
    if (cursor !== undefined) url.searchParams.set('after', cursor);
    if (opts.types?.length) url.searchParams.set('types', opts.types.join(','));
    const ws = new WebSocket(url, { headers: { authorization: `Bearer ${apiKey}` } });
    socket = ws;
    ws.on('open', () => {
      delay = opts.minDelayMs ?? 250;
    });
    ws.on('message', (raw) => {
      const event = JSON.parse(String(raw)) as AnyEvent & { sequence?: number };
      if (event.sequence !== undefined) cursor = String(event.sequence);
      queue.push(event);
      notify();
    });
    ws.on('unexpected-response', (_req, res) => {
      // A refused upgrade (bad key, missing scope) will not heal by retrying.
      if (res.statusCode === 401 || res.statusCode === 403) {
        failure = new Error(`stream refused: ${res.statusCode}`);
        closed = true;
        notify();
      }
      ws.terminate();
    });
    ws.on('error', () => undefined);
    ws.on('close', () => {
      if (socket === ws) socket = undefined;
      if (!closed) void retry();
    });
  }

  function retry(): void {
    if (closed) return;
    const wait = delay;
    delay = Math.min(delay * 2, opts.maxDelayMs ?? 10_000);
    setTimeout(() => void connect(), wait);
  }

  void connect();

  return {
    get cursor() {
      return cursor;
    },
    close() {
      closed = true;
      socket?.close();
      notify();
    },
    async *[Symbol.asyncIterator]() {
      try {
        for (;;) {
          const next = queue.shift();
          if (next) {
            yield next;
            continue;
          }
          if (failure) throw failure;
          if (closed) return;
          await new Promise<void>((r) => (wake = r));
        }
      } finally {
        closed = true;
        socket?.close();
      }
    },
  };
}
