// One server span per API request, continuing the caller's trace when it sent a valid
// W3C traceparent. The span becomes current before any other hook runs, so auth, the
// handler, the command bus and the PBX clients all record under it.
import type { FastifyInstance } from 'fastify';
import { parseTraceparent } from './context.js';
import { runInContext, startSpan, tracingEnabled, type Span } from './tracer.js';

declare module 'fastify' {
  interface FastifyRequest {
    traceSpan?: Span;
  }
}

export function registerTracing(app: FastifyInstance): void {
  app.addHook('onRequest', (req, _reply, done) => {
    if (!tracingEnabled()) return done();
    const span = startSpan(req.method, {
      kind: 'server',
      parent: parseTraceparent(req.headers.traceparent) ?? null,
      attributes: { 'http.request.method': req.method },
    });
    req.traceSpan = span;
    // Everything after this hook (other hooks, the handler) runs inside the span.
    runInContext(span.context, done);
  });
  app.addHook('onResponse', (req, reply, done) => {
    const span = req.traceSpan;
    if (span) {
      // The route pattern, never the raw URL (numbers, tokens in query strings).
      const route = req.routeOptions.url ?? 'unmatched';
      span.name = `${req.method} ${route}`;
      span.setAttribute('http.route', route);
      span.setAttribute('http.response.status_code', reply.statusCode);
      if (reply.statusCode >= 500) span.fail(`status ${reply.statusCode}`);
      span.end();
    }
    done();
  });
}
