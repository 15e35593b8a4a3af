// What every webhook and connector attempt reports: a counter and a latency histogram
// per target and outcome, and a client span that continues the trace of the request
// whose event it delivers (the traceparent stored with the outbox row). The target label
// is the subscription or connector id, never the URL: ids are few and stable, URLs carry
// paths and query strings.
import { Counter, Histogram } from 'prom-client';
import { registry } from '../api/metrics.js';
import { NOT_SENT } from './http-sender.js';
import { inSpan, parseTraceparent, startSpan, tracingEnabled, type Span } from '../tracing/tracer.js';

export type DeliveryKind = 'webhook' | 'connector';

const deliveries = new Counter({
  name: 'cti_deliveries_total',
  help: 'Webhook and connector delivery attempts by kind, target (subscription or connector id) and outcome',
  labelNames: ['kind', 'target', 'outcome'] as const,
  registers: [registry],
});

const latency = new Histogram({
  name: 'cti_delivery_duration_seconds',
  help: 'Time from sending a webhook or connector request to its answer (or the failure), by kind, target and outcome',
  labelNames: ['kind', 'target', 'outcome'] as const,
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  registers: [registry],
});

/**
 * One attempt's outcome: `delivered`, `retry` (will be tried again), `failed`/`dead`
 * (given up: a dead letter), `disabled` (the receiver answered 410), `not_sent`.
 */
export function observeDelivery(kind: DeliveryKind, target: string, outcome: string, durationMs: number): void {
  deliveries.inc({ kind, target, outcome });
  latency.observe({ kind, target, outcome }, durationMs / 1000);
}

/** Runs one attempt in a span under the trace that produced the event (when it had one). */
export function inDeliverySpan<T>(kind: DeliveryKind, target: string, traceparent: string | null | undefined, fn: (span: Span) => Promise<T>): Promise<T> {
  // Tracing off (the usual case): nothing to parse or build per attempt, and no async
  // wrapper either (inSpan's costs a promise and its microtask turns per attempt); the
  // span started with tracing off is the tracer's shared no-op span.
  if (!tracingEnabled()) return fn(startSpan(kind));
  const parent = parseTraceparent(traceparent);
  return inSpan(`${kind} delivery`, { kind: 'client', ...(parent ? { parent } : {}), attributes: { 'cti.delivery.kind': kind, 'cti.delivery.target': target } }, fn);
}

/** The outcome label of an attempt judged `status` (see judgeAttempt). */
export function outcomeLabel(status: string, error?: string): string {
  if (status === 'pending') return error === NOT_SENT ? 'not_sent' : 'retry';
  return status;
}
