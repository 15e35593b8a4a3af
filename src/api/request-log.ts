// What the shell records of each request: one metric sample and one log line under the
// route pattern (never the raw URL, whose query string can hold phone numbers and stream
// tokens), and the per-request logger Fastify hands to hooks and handlers.
//
// Fastify makes a child logger for every request to bind its id. With our redaction
// paths, pino serialises the bindings through the redactor and rebuilds its formatters
// for every child: about a tenth of a cached `GET /v1/calls/{id}` (bench/api.ts), for a
// logger most successful requests never write to. The child here is made on the first
// line actually written at an enabled level, and not at all otherwise.
import type { FastifyBaseLogger, FastifyInstance, FastifyRequest } from 'fastify';
import { pino, type Logger } from 'pino';
import { RouteRequestSeries, observeRequest } from './metrics.js';

type Bindings = Record<string, unknown>;
type ChildOptions = { level?: string; serializers?: Record<string, unknown> };
type Level = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';

const LEVELS: Record<string, number> = pino.levels.values;

/** A request's logger: the real child is created on the first line written at an enabled level. */
export class LazyChildLogger {
  private made: Logger | undefined;
  private readonly threshold: number;

  constructor(
    private readonly parent: Logger,
    private readonly bindingsGiven: Bindings,
    private readonly options: ChildOptions,
  ) {
    this.threshold = LEVELS[options.level ?? parent.level] ?? Infinity;
  }

  /** The pino child, made now if it was not yet. */
  get real(): Logger {
    return (this.made ??= this.parent.child(this.bindingsGiven, this.options as never) as Logger);
  }

  get level(): string {
    return this.made ? this.made.level : (this.options.level ?? this.parent.level);
  }

  set level(level: string) {
    this.real.level = level;
  }

  isLevelEnabled(level: string): boolean {
    return this.made ? this.made.isLevelEnabled(level) : (LEVELS[level] ?? -1) >= this.threshold;
  }

  private write(level: Level, args: unknown[]): void {
    if (!this.made && LEVELS[level]! < this.threshold) return;
    (this.real[level] as (...a: unknown[]) => void)(...args);
  }

  fatal(...args: unknown[]): void {
    this.write('fatal', args);
  }
  error(...args: unknown[]): void {
    this.write('error', args);
  }
  warn(...args: unknown[]): void {
    this.write('warn', args);
  }
  info(...args: unknown[]): void {
    this.write('info', args);
  }
  debug(...args: unknown[]): void {
    this.write('debug', args);
  }
  trace(...args: unknown[]): void {
    this.write('trace', args);
  }
  silent(): void {}

  child(bindings: Bindings, options?: ChildOptions): Logger {
    return this.real.child(bindings, options as never) as Logger;
  }

  bindings(): Bindings {
    return this.real.bindings();
  }
}

/** For Fastify's `childLoggerFactory`. */
export function lazyChildLogger(logger: FastifyBaseLogger, bindings: Bindings, options: ChildOptions): FastifyBaseLogger {
  return new LazyChildLogger(logger as Logger, bindings, options) as unknown as FastifyBaseLogger;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The matched route's pattern and its metric series, set by a hook of the route itself (see below). */
    routeSeries: RouteRequestSeries | undefined;
  }
}

/**
 * Metrics and one log line per request, with the route pattern. Successes log at debug:
 * at info they would double log volume for nothing the request metrics do not already
 * show; rejections log at info, failures at error.
 */
export function registerRequestLog(app: FastifyInstance): void {
  app.decorateRequest('routeSeries', undefined);
  // Each route notes its own pattern from its declaration (`req.routeOptions` builds an
  // object on every read), with its metric series found once.
  app.addHook('onRoute', (route) => {
    const series = new RouteRequestSeries(route.url);
    const hook = (req: FastifyRequest, _reply: unknown, done: () => void) => {
      req.routeSeries = series;
      done();
    };
    const existing = route.onRequest;
    route.onRequest = existing === undefined ? [hook] : Array.isArray(existing) ? [hook, ...existing] : [hook, existing];
  });
  app.addHook('onResponse', (req, reply, done) => {
    // Not set: no route matched (404), or the request was refused before its route's hooks.
    const series = req.routeSeries;
    const route = series !== undefined ? series.route : (req.routeOptions.url ?? 'unmatched');
    const { statusCode } = reply;
    const ms = reply.elapsedTime;
    if (series !== undefined) series.observe(req.method, statusCode, ms);
    else observeRequest(req.method, route, statusCode, ms);
    const level = statusCode >= 500 ? 'error' : statusCode >= 400 ? 'info' : 'debug';
    const log = req.log as unknown as LazyChildLogger | FastifyBaseLogger;
    // The lazy logger answers from the threshold it keeps, without reading pino's level.
    if (log instanceof LazyChildLogger ? log.isLevelEnabled(level) : LEVELS[level]! >= (LEVELS[log.level] ?? 0)) {
      req.log[level]({ method: req.method, route, statusCode, ms: Math.round(ms * 10) / 10, apiKeyId: req.apiKey?.id }, 'request completed');
    }
    done();
  });
}
