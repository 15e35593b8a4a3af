// Spans for the paths an operator follows from an API request to the PBX and back: the
// request, the command bus, ARI and AMI requests, webhook and connector deliveries, CRM
// lookups. Off until an exporter is installed (OTEL_EXPORTER_OTLP_*): then every call
// below costs one check and a function call. The current span travels with the async
// context, so nothing between the API and the ARI client has to pass it along.
import { AsyncLocalStorage } from 'node:async_hooks';
import { formatTraceparent, newSpanId, newTraceId, parseTraceparent, type SpanContext } from './context.js';

export type SpanKind = 'internal' | 'server' | 'client' | 'producer' | 'consumer';
export type AttributeValue = string | number | boolean;

export interface FinishedSpan {
  context: SpanContext;
  parentSpanId?: string;
  name: string;
  kind: SpanKind;
  /** Epoch milliseconds (fractional). */
  start: number;
  end: number;
  attributes: Record<string, AttributeValue>;
  error?: string;
}

/** Where finished spans go (the OTLP exporter); sampled spans only. */
export interface SpanSink {
  add(span: FinishedSpan): void;
}

export interface Span {
  readonly context: SpanContext;
  name: string;
  setAttribute(key: string, value: AttributeValue | undefined): void;
  /** Marks the span failed (an exception, a 5xx, a refused delivery). */
  fail(reason: string): void;
  end(): void;
}

export interface SpanOptions {
  kind?: SpanKind;
  attributes?: Record<string, AttributeValue | undefined>;
  /** The parent: a context from the wire (traceparent), null for a new trace; default the current span. */
  parent?: SpanContext | null;
}

const storage = new AsyncLocalStorage<SpanContext>();
let sink: SpanSink | undefined;
let sampleRatio = 1;

const NOOP: Span = {
  context: { traceId: '0'.repeat(32), spanId: '0'.repeat(16), sampled: false },
  name: '',
  setAttribute() {},
  fail() {},
  end() {},
};

/** Installs (or with undefined removes) the exporter; `ratio` of new traces are sampled. */
export function setSpanSink(next: SpanSink | undefined, ratio = 1): void {
  sink = next;
  sampleRatio = ratio;
}

export const tracingEnabled = (): boolean => sink !== undefined;

/** Starts a span without making it current (for hooks that begin and end in different callbacks). */
export function startSpan(name: string, options: SpanOptions = {}): Span {
  const to = sink;
  if (!to) return NOOP;
  const parent = options.parent === undefined ? storage.getStore() : (options.parent ?? undefined);
  const context: SpanContext = {
    traceId: parent?.traceId ?? newTraceId(),
    spanId: newSpanId(),
    sampled: parent ? parent.sampled : Math.random() < sampleRatio,
  };
  const attributes: Record<string, AttributeValue> = {};
  let error: string | undefined;
  let ended = false;
  const start = performance.timeOrigin + performance.now();
  const span: Span = {
    context,
    name,
    setAttribute(key, value) {
      if (value !== undefined) attributes[key] = value;
    },
    fail(reason) {
      error = reason.slice(0, 300);
    },
    end() {
      if (ended) return;
      ended = true;
      if (!context.sampled) return;
      to.add({
        context,
        ...(parent ? { parentSpanId: parent.spanId } : {}),
        name: span.name,
        kind: options.kind ?? 'internal',
        start,
        end: performance.timeOrigin + performance.now(),
        attributes,
        ...(error !== undefined ? { error } : {}),
      });
    },
  };
  for (const [k, v] of Object.entries(options.attributes ?? {})) span.setAttribute(k, v);
  return span;
}

/** Runs `fn` with `context` as the current span (e.g. Fastify's `done` after onRequest). */
export function runInContext<T>(context: SpanContext, fn: () => T): T {
  return storage.run(context, fn);
}

/**
 * Runs `fn` inside a new span, current for everything `fn` starts; a throw marks the span
 * failed and is rethrown. With tracing off, just runs `fn`.
 */
export async function inSpan<T>(name: string, options: SpanOptions, fn: (span: Span) => Promise<T>): Promise<T> {
  if (!sink) return fn(NOOP);
  const span = startSpan(name, options);
  try {
    return await storage.run(span.context, () => fn(span));
  } catch (err) {
    span.fail(err instanceof Error ? err.message : String(err));
    throw err;
  } finally {
    span.end();
  }
}

/** The current span as a `traceparent` value, for the wire and the outbox; undefined when none. */
export function currentTraceparent(): string | undefined {
  if (!sink) return undefined;
  const c = storage.getStore();
  return c ? formatTraceparent(c) : undefined;
}

/** The `traceparent` header for an outgoing request made in the current span, if any. */
export function traceHeaders(): Record<string, string> {
  const tp = currentTraceparent();
  return tp ? { traceparent: tp } : {};
}

export { parseTraceparent };
