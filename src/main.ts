// Composition root: config -> Postgres, Redis -> event pipeline -> PBX nodes -> API.
// `startService` is also what the demo and the end-to-end tests start, so they run the
// service exactly as production does.
import { pathToFileURL } from 'node:url';
import closeWithGrace from 'close-with-grace';
import { Redis } from 'ioredis';
import type { FastifyInstance } from 'fastify';
import { AcdCore } from './acd/core.js';
import { agentStreamRoutes } from './acd/agent-stream.js';
import { acdRoutes } from './acd/routes.js';
import { buildApp } from './api/app.js';
import { postgresCheck, redisCheck, type ReadinessCheck } from './api/health.js';
import { CallDetailCache } from './calls/detail-cache.js';
import { callRoutes } from './calls/routes.js';
import { loadConfig, redactConfig, type Config } from './config.js';
import { migrate } from './db/migrate.js';
import { createPool, type Db } from './db/pool.js';
import { startEventPipeline } from './events/pipeline.js';
import { RedisEventBus } from './events/redis-bus.js';
import { webhookRoutes } from './events/webhook-routes.js';
import { ivrRoutes } from './ivr/routes.js';
import { createLogger, type Logger } from './log.js';
import { PbxNode } from './pbx/node.js';
import { registerPbxMetrics } from './pbx/metrics.js';

export interface Service {
  app: FastifyInstance;
  /** The ACD; `acd.desk` is the AgentDesk call control uses. */
  acd: AcdCore;
  db: Db;
  nodes: PbxNode[];
  url: string;
  stop(): Promise<void>;
}

export async function startService(config: Config, log: Logger = createLogger(config.logLevel)): Promise<Service> {
  if (!config.databaseUrl) throw new Error('DATABASE_URL is required (the demo starts an embedded Postgres: npm run demo)');
  log.info({ config: redactConfig(config) }, 'starting cti-bridge');

  const db = createPool(config.databaseUrl, config.databasePoolMax, { namedStatements: config.databaseNamedStatements });
  const applied = await migrate(db);
  if (applied.length) log.info({ applied }, 'migrations applied');
  // Serves call details from memory; reads go to Postgres until its LISTEN is active.
  const callCache = config.callCache ? new CallDetailCache({ url: config.databaseUrl, db, log }) : undefined;
  callCache?.start();

  // Request paths must fail fast when Redis is down instead of queueing commands.
  const redis = new Redis(config.redisUrl, { enableOfflineQueue: false, maxRetriesPerRequest: 1, lazyConnect: false });
  redis.on('error', (err) => log.debug({ err: err.message }, 'redis connection error'));

  const bus = new RedisEventBus({ redisUrl: config.redisUrl, prefix: config.redisPrefix, log });
  const pipeline = await startEventPipeline({ db, config, log, bus });

  // The ACD's live state (agents, waiting calls, reservations) is shared by every instance.
  const acd = new AcdCore({ db, redis, redisUrl: config.redisUrl, redisPrefix: config.redisPrefix, log });
  await acd.start();

  const leaseRedis = new Redis(config.redisUrl, { maxRetriesPerRequest: 1 });
  leaseRedis.on('error', () => {});
  const nodes = config.pbxNodes.map(
    (node) =>
      new PbxNode({
        node,
        db,
        redis: leaseRedis,
        log,
        instanceId: config.instanceId,
        leaseKey: `${config.redisPrefix}:lease:pbx:${node.id}`,
        leaseTtlMs: config.leaseTtlMs,
        greetingMedia: config.greetingMedia,
        ivr: config.ivr,
        capabilities: [acd.capability],
      }),
  );

  // The API keeps serving history and webhooks while a PBX is away, so the PBX checks
  // are reported without taking the instance out of a load balancer.
  const readiness: Record<string, ReadinessCheck> = { postgres: postgresCheck(db), redis: redisCheck(redis) };
  for (const n of nodes) {
    readiness[`ami:${n.id}`] = async () => ({ ...n.amiReadiness(), required: false });
    readiness[`ari:${n.id}`] = async () => ({ ...n.ariReadiness(), required: false });
  }

  const app = await buildApp({
    config,
    db,
    redis,
    log,
    bus,
    readiness,
    streamTokenSecret: config.streamTokenSecret,
    routes: [
      { plugin: callRoutes, opts: { db, cache: callCache } },
      { plugin: webhookRoutes, opts: { db, config, queues: pipeline.queues } },
      { plugin: ivrRoutes, opts: { db, config } },
      { plugin: acdRoutes, opts: { db, redis, redisPrefix: config.redisPrefix } },
      { plugin: agentStreamRoutes, opts: { db, bus } },
    ],
  });
  registerPbxMetrics(nodes);
  const address = await app.listen({ host: config.host, port: config.port });
  for (const n of nodes) n.start();
  log.info({ address }, 'cti-bridge listening');

  let stopped = false;
  return {
    app,
    acd,
    db,
    nodes,
    url: address,
    async stop() {
      if (stopped) return;
      stopped = true;
      await Promise.allSettled(nodes.map((n) => n.stop()));
      await acd.stop();
      await app.close();
      await callCache?.close();
      await pipeline.stop();
      await bus.close();
      redis.disconnect();
      leaseRedis.disconnect();
      await db.end();
    },
  };
}

async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (err) {
    console.error(`cti-bridge: ${(err as Error).message}`);
    process.exit(1);
  }
  const log = createLogger(config.logLevel);
  const service = await startService(config, log);
  closeWithGrace({ delay: 10_000 }, async ({ err, signal }) => {
    if (err) log.error({ err }, 'fatal error, shutting down');
    else log.info({ signal }, 'shutting down');
    await service.stop();
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err) => {
    console.error(`cti-bridge failed to start: ${(err as Error).message}`);
    process.exit(1);
  });
}
