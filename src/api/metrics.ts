// Prometheus metrics. One registry per process (prom-client's metrics are process-wide
// anyway); labels are route patterns and status codes only, never numbers or channel ids.
import type { FastifyInstance } from 'fastify';
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import { RequestHistogram, type HistogramSeries } from './request-histogram.js';

export const registry = new Registry();
// The event-loop lag is sampled every 500 ms, not prom-client's 10: each sample is a turn
// of the loop (a wake-up costs ~150 µs of CPU here), and at 10 ms an idle instance spent
// 5-7 ms of CPU a second on it, at 100 ms it was still 10 of its ~22 turns a second. A
// sample still measures how late its turn came, to the microsecond; a stall of half a
// second or more always shows, and a scrape every 15 s still sees 30 samples (decision 90).
collectDefaultMetrics({ register: registry, prefix: 'cti_', eventLoopMonitoringPrecision: 500 });

export const httpRequestDuration = new RequestHistogram(
  'cti_http_request_duration_seconds',
  'HTTP request duration by route pattern, method and status code',
  ['method', 'route', 'status_code'],
  [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
  registry,
);

export const streamConnections = new Gauge({
  name: 'cti_stream_connections',
  help: 'Open live event stream connections',
  registers: [registry],
});

export const streamDropped = new Counter({
  name: 'cti_stream_slow_consumers_dropped_total',
  help: 'Stream connections closed because the client did not keep up',
  registers: [registry],
});

export type Sample = number | Array<{ labels: Record<string, string | number>; value: number }>;

/**
 * Exposes a gauge whose value is read at scrape time, e.g. AMI/ARI connection state or
 * relay lag. Registering the same name again replaces the collector (restarts, tests).
 */
export function registerCollector(
  name: string,
  help: string,
  collect: () => Sample | Promise<Sample>,
  labelNames: string[] = [],
): Gauge<string> {
  registry.removeSingleMetric(name);
  return new Gauge({
    name,
    help,
    labelNames,
    registers: [registry],
    async collect() {
      const sample = await collect();
      this.reset();
      if (typeof sample === 'number') this.set(sample);
      else for (const s of sample) this.set(s.labels, s.value);
    },
  });
}

/**
 * The duration series of one route pattern, by method and status code, each found once:
 * a route keeps its own (request-log.ts), so a request pays no label lookup.
 */
export class RouteRequestSeries {
  private readonly byStatus = new Map<string, Map<number, HistogramSeries>>();

  constructor(readonly route: string) {}

  observe(method: string, statusCode: number, ms: number): void {
    let statuses = this.byStatus.get(method);
    if (statuses === undefined) this.byStatus.set(method, (statuses = new Map()));
    let series = statuses.get(statusCode);
    if (series === undefined) statuses.set(statusCode, (series = httpRequestDuration.seriesFor([method, this.route, String(statusCode)])));
    series.observe(ms / 1000);
  }
}

/** Times a finished request under its route pattern; unknown routes share one label. */
export function observeRequest(method: string, route: string, statusCode: number, ms: number): void {
  httpRequestDuration.seriesFor([method, route, String(statusCode)]).observe(ms / 1000);
}

export function metricsRoute(app: FastifyInstance): void {
  app.get('/metrics', { schema: { hide: true }, logLevel: 'warn' }, async (_req, reply) => {
    reply.type(registry.contentType);
    return registry.metrics();
  });
}
