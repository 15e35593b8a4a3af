// Liveness and readiness. /healthz says the process serves HTTP; /readyz asks each
// dependency (Postgres, Redis, every PBX node's AMI and ARI) and answers 503 when a
// required one is down, so a load balancer stops sending traffic here.
import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import { Type } from 'typebox';
import type { Queryable } from '../db/pool.js';

export interface CheckResult {
  ok: boolean;
  detail?: string;
  /** false: reported but does not make the instance unready (default true). */
  required?: boolean;
}
export type ReadinessCheck = () => Promise<CheckResult>;

const CHECK_TIMEOUT_MS = 2_000;

async function runCheck(check: ReadinessCheck, timeoutMs: number): Promise<CheckResult> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      check(),
      new Promise<CheckResult>((resolve) => {
        timer = setTimeout(() => resolve({ ok: false, detail: `no answer within ${timeoutMs} ms` }), timeoutMs);
      }),
    ]);
  } catch (err) {
    return { ok: false, detail: (err as Error).message || 'check failed' };
  } finally {
    clearTimeout(timer);
  }
}

export async function readiness(
  checks: Record<string, ReadinessCheck>,
  timeoutMs = CHECK_TIMEOUT_MS,
): Promise<{ ready: boolean; checks: Record<string, CheckResult> }> {
  const names = Object.keys(checks);
  const results = await Promise.all(names.map((n) => runCheck(checks[n]!, timeoutMs)));
  const out: Record<string, CheckResult> = {};
  let ready = true;
  names.forEach((n, i) => {
    const r = results[i]!;
    out[n] = { ok: r.ok === true, ...(r.detail ? { detail: r.detail } : {}), ...(r.required === false ? { required: false } : {}) };
    if (r.ok !== true && r.required !== false) ready = false;
  });
  return { ready, checks: out };
}

export const postgresCheck =
  (db: Queryable): ReadinessCheck =>
  async () => {
    await db.query('SELECT 1');
    return { ok: true };
  };

export const redisCheck =
  (redis: Pick<Redis, 'ping'>): ReadinessCheck =>
  async () => {
    const pong = await redis.ping();
    return pong === 'PONG' ? { ok: true } : { ok: false, detail: `unexpected reply ${pong}` };
  };

const CheckSchema = Type.Object({
  ok: Type.Boolean(),
  detail: Type.Optional(Type.String()),
  required: Type.Optional(Type.Boolean()),
});
const ReadySchema = Type.Object({
  status: Type.Union([Type.Literal('ready'), Type.Literal('unready')]),
  checks: Type.Record(Type.String(), CheckSchema),
});

export async function healthRoutes(
  app: FastifyInstance,
  opts: { checks: Record<string, ReadinessCheck>; timeoutMs?: number },
): Promise<void> {
  app.get(
    '/healthz',
    {
      logLevel: 'warn',
      schema: {
        tags: ['ops'],
        summary: 'Liveness: the process serves HTTP',
        security: [],
        response: { 200: Type.Object({ status: Type.Literal('ok') }) },
      },
    },
    async () => ({ status: 'ok' as const }),
  );
  app.get(
    '/readyz',
    {
      logLevel: 'warn',
      schema: {
        tags: ['ops'],
        summary: 'Readiness: every required dependency answers',
        description: 'Checks are named postgres, redis, ami:<node>, ari:<node>. 503 when a required one fails.',
        security: [],
        response: { 200: ReadySchema, 503: ReadySchema },
      },
    },
    async (_req, reply) => {
      const r = await readiness(opts.checks, opts.timeoutMs);
      reply.code(r.ready ? 200 : 503);
      return { status: r.ready ? ('ready' as const) : ('unready' as const), checks: r.checks };
    },
  );
}
