// The one error handler: every failure leaves as RFC 9457 application/problem+json.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isStoreOutage } from '../pbx/outage.js';
import { ProblemError, type Problem } from './problem.js';
import { describeValidation, type SchemaError } from './validation.js';

const PROBLEM_TYPE = 'application/problem+json; charset=utf-8';

export function sendProblem(reply: FastifyReply, problem: Problem): FastifyReply {
  // A string payload bypasses the route's response serializers, which would otherwise
  // try to shape the problem with the success schema of the same status.
  return reply.code(problem.status).type(PROBLEM_TYPE).send(JSON.stringify(problem));
}

function problem(status: number, detail: string, req: FastifyRequest, extensions: Record<string, unknown> = {}): Problem {
  return new ProblemError(status, detail, extensions).toProblem(instanceOf(req));
}

/** The path only: query strings can carry phone numbers and tokens. */
function instanceOf(req: FastifyRequest): string {
  const q = req.url.indexOf('?');
  return q === -1 ? req.url : req.url.slice(0, q);
}

/** Maps any thrown thing to a problem; exported for the unit tests. */
export function toProblem(err: unknown, req: FastifyRequest, bodyLimit: number): Problem {
  if (err instanceof ProblemError) return { ...err.toProblem(instanceOf(req)), requestId: req.id };
  const e = err as Partial<FastifyError> & { validation?: SchemaError[]; validationContext?: string };
  const withId = (p: Problem): Problem => ({ ...p, requestId: req.id });
  if (Array.isArray(e.validation)) {
    const context = e.validationContext ?? 'request';
    return withId(
      problem(400, describeValidation(e.validation, context), req, {
        errors: e.validation.map((v) => ({ instancePath: `/${context}${v.instancePath}`, message: v.message ?? v.keyword })),
      }),
    );
  }
  switch (e.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return withId(problem(400, 'body is not valid JSON', req));
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return withId(problem(400, 'body is empty but content-type is application/json', req));
    case 'FST_ERR_CTP_BODY_TOO_LARGE': {
      // JSON bodies keep their documented 400; an upload (a file as the body) is a 413
      // naming the limit of its own route, not the JSON one.
      const limit = req.routeOptions.bodyLimit ?? bodyLimit;
      if (/^application\/json\b/i.test(String(req.headers['content-type'] ?? 'application/json'))) {
        return withId(problem(400, `body exceeds ${limit} bytes`, req, { limitBytes: limit }));
      }
      return withId(problem(413, `the file exceeds the limit of ${limit} bytes`, req, { limitBytes: limit }));
    }
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return withId(problem(415, `content-type ${String(req.headers['content-type'] ?? '(none)')} is not supported; send application/json`, req));
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return withId(problem(400, 'content-length does not match the body', req));
  }
  // JSON.parse errors surface as SyntaxError with statusCode 400.
  if (err instanceof SyntaxError && e.statusCode === 400) return withId(problem(400, 'body is not valid JSON', req));
  const status = typeof e.statusCode === 'number' ? e.statusCode : 500;
  if (status >= 400 && status < 500) return withId(problem(status, e.message ?? 'bad request', req));
  // Postgres or Redis not answering is the service's dependency, not a bug: the client
  // can send the same request again shortly (writes are idempotent).
  if (isStoreOutage(err)) return withId(problem(503, 'a data store is not answering; retry shortly', req, { retryAfterSeconds: 2 }));
  return withId(problem(500, `an unexpected error occurred; quote request id ${req.id}`, req));
}

export function registerErrorHandling(app: FastifyInstance, opts: { bodyLimit: number }): void {
  app.setErrorHandler((err, req, reply) => {
    const p = toProblem(err, req, opts.bodyLimit);
    // A problem that knows when to come back says so the way clients read it.
    if ((p.status === 429 || p.status === 503) && typeof p.retryAfterSeconds === 'number' && !reply.hasHeader('retry-after')) {
      reply.header('retry-after', String(p.retryAfterSeconds));
    }
    if (p.status >= 500) {
      req.log.error({ err, route: req.routeOptions.url }, 'request failed');
    } else {
      // No detail here: a capability's message may quote caller input (numbers, names).
      req.log.info({ status: p.status, code: (err as FastifyError).code }, 'request rejected');
    }
    return sendProblem(reply, p);
  });
  app.setNotFoundHandler((req, reply) => {
    sendProblem(reply, { ...problem(404, `no route ${req.method} ${instanceOf(req)}`, req), requestId: req.id });
  });
}

/**
 * Sends JSON that is already text (e.g. rendered by Postgres). A string payload skips the
 * route's serializer; the route's response schema still documents the shape.
 */
export function sendJsonText(reply: FastifyReply, json: string): FastifyReply {
  return reply.type('application/json; charset=utf-8').send(json);
}
