// Composition root: config -> Postgres, Redis -> event pipeline -> PBX nodes -> API.
// `startService` is also what the demo and the end-to-end tests start, so they run the
// service exactly as production does.
import { pathToFileURL } from 'node:url';
import closeWithGrace from 'close-with-grace';
import { Redis } from 'ioredis';
import type { FastifyInstance } from 'fastify';
import { AcdCore } from './acd/core.js';
import { agentStreamRoutes } from './acd/agent-stream.js';
import { PreviewTasks } from './acd/preview-tasks.js';
import { acdRoutes } from './acd/routes.js';
import { taskRoutes } from './acd/task-routes.js';
import { CampaignDispatcher } from './campaigns/dispatcher.js';
import { buildApp } from './api/app.js';
import { postgresCheck, redisCheck, type ReadinessCheck } from './api/health.js';
import type { AgentDesk } from './calls/agent-desk.js';
import { callControlCapability } from './calls/control/capability.js';
import { CallControlRegistry } from './calls/control/registry.js';
import { callControlRoutes } from './calls/control/routes.js';
import { CallDetailCache } from './calls/detail-cache.js';
import { campaignRoutes } from './campaigns/routes.js';
import { recordingRoutes } from './calls/recordings/routes.js';
import { transferRoutes } from './calls/transfers/routes.js';
import { callRoutes } from './calls/routes.js';
import { loadConfig, redactConfig, type Config } from './config.js';
import { migrate } from './db/migrate.js';
import { createPool, type Db } from './db/pool.js';
import { RetentionMaintenance } from './retention/maintenance.js';
import { startEventPipeline } from './events/pipeline.js';
import { RedisEventBus } from './events/redis-bus.js';
import { checkRedisDurability } from './events/redis-durability.js';
import { stuckAgents } from './acd/stuck.js';
import { webhookRoutes } from './events/webhook-routes.js';
import { journalRoutes } from './events/journal-routes.js';
import { deadLetterRoutes } from './events/deadletter-routes.js';
import { ConnectorRegistry } from './events/connectors/registry.js';
import { connectorRoutes } from './events/connectors/routes.js';
import { ivrRoutes } from './ivr/routes.js';
import { createLookups } from './ivr/http-lookup.js';
import { orderRoutes } from './orders/routes.js';
import { logisticsRoutes } from './orders/logistics-routes.js';
import { cdrRoutes } from './cdrs/routes.js';
import { asteriskCdrCapability } from './cdrs/asterisk-cdr.js';
import { createLogger, createServiceLogger, type Logger } from './log.js';
import { CommandBus, NoOwnerError } from './pbx/command-bus.js';
import { PbxNode } from './pbx/node.js';
import { planningRoutes } from './planning/routes.js';
import { ReportThread } from './reports/report-thread.js';
import { reportRoutes } from './reports/routes.js';
import { RollupWorker } from './reports/rollup-worker.js';
import { QueueStatsPublisher } from './wallboard/queue-stats.js';
import { Wallboard } from './wallboard/feed.js';
import { wallboardRoutes } from './wallboard/routes.js';
import { thresholdRoutes } from './wallboard/threshold-routes.js';
import { WallboardTokens } from './wallboard/token.js';
import { codeRoutes } from './acd/code-routes.js';
import { PanelLinks } from './agent-panel/links.js';
import { agentPanelRoutes } from './agent-panel/routes.js';
import { PanelSessions } from './agent-panel/sessions.js';
import { wrapUpRoutes } from './acd/wrap-up-routes.js';
import { registerPbxMetrics } from './pbx/metrics.js';
import { MISSING_RECORDINGS_COMMAND, missingOnPbx, recordingChecker, recordingNamesArg } from './pbx/stored-prompts.js';
import { registerAcdMetrics } from './acd/metrics.js';
import { registerEventMetrics, registerQueueMetrics } from './events/metrics.js';
import { faxCapability } from './fax/capability.js';
import { FaxSender, openFaxQueue } from './fax/queue.js';
import { ChannelTransferLedger } from './calls/transfers/channel-guard.js';
import { DialGate } from './fraud/gate.js';
import { fraudRoutes } from './fraud/routes.js';
import { FraudSignals } from './fraud/signals.js';
import { faxRoutes } from './fax/routes.js';
import { recordGreetingByPhone, voicemailCapability } from './voicemail/capability.js';
import { publishMwi } from './voicemail/mwi.js';
import { voicemailRoutes } from './voicemail/routes.js';
import { startTracing } from './tracing/setup.js';

export interface Service {
  app: FastifyInstance;
  /** The ACD; `acd.desk` is the AgentDesk call control uses. */
  acd: AcdCore;
  db: Db;
  nodes: PbxNode[];
  url: string;
  stop(): Promise<void>;
}

export interface ServiceExtras {
  /** The ACD's agents, for transfers to an agent; absent, such transfers are refused. */
  agentDesk?: AgentDesk;
}

export async function startService(config: Config, log: Logger = createLogger(config.logLevel), extras: ServiceExtras = {}): Promise<Service> {
  if (!config.databaseUrl) throw new Error('DATABASE_URL is required (the demo starts an embedded Postgres: npm run demo)');
  log.info({ config: redactConfig(config) }, 'starting cti-bridge');
  const stopTracing = startTracing(config.tracing, config.outbound, config.instanceId, log);

  const db = createPool(config.databaseUrl, config.databasePoolMax, { namedStatements: config.databaseNamedStatements });
  const applied = await migrate(db);
  if (applied.length) log.info({ applied }, 'migrations applied');
  // Serves call details from memory; reads go to Postgres until its LISTEN is active.
  const callCache = config.callCache ? new CallDetailCache({ url: config.databaseUrl, db, log }) : undefined;
  callCache?.start();

  // Request paths must fail fast when Redis is down instead of queueing commands.
  const redis = new Redis(config.redisUrl, { enableOfflineQueue: false, maxRetriesPerRequest: 1, lazyConnect: false });
  redis.on('error', (err) => log.debug({ err: err.message }, 'redis connection error'));
  redis.once('ready', () => void checkRedisDurability(redis, log));

  const bus = new RedisEventBus({ redisUrl: config.redisUrl, prefix: config.redisPrefix, log });
  // Commits to the outbox wake the relay where notifications cross connections (not PGlite's,
  // which is also why the call cache is off there).
  const notifyUrl = config.callCache ? config.databaseUrl : undefined;
  // The relay wakes the KPI rollups when it stamps journal positions (created below).
  let rollups: RollupWorker | undefined;
  const pipeline = await startEventPipeline({
    db, config, log, bus, connectors: config.connectors, ...(notifyUrl ? { notifyUrl } : {}), onJournalMoved: () => rollups?.wake(),
  });
  // Connectors created over the API join those of the environment, on every instance.
  const connectorRegistry = new ConnectorRegistry({ db, redis, prefix: config.redisPrefix, env: config.connectors, runtime: pipeline.connectors, log });
  await connectorRegistry.start();

  // Partitions ahead, old ones dropped, row tables trimmed: one instance at a time.
  const retention = new RetentionMaintenance({ db, days: config.retention.days, aheadDays: config.retention.aheadDays, intervalMs: config.retention.intervalMs, log });
  retention.start();

  // The ACD's live state (agents, waiting calls, reservations) is shared by every instance.
  const acd = new AcdCore({ db, redis, redisUrl: config.redisUrl, redisPrefix: config.redisPrefix, log });
  await acd.start();

  // Commands for a PBX node reach its owner whichever instance the request landed on.
  const commands = new CommandBus({ redis, redisUrl: config.redisUrl, prefix: config.redisPrefix, instanceId: config.instanceId, timeoutMs: config.commandTimeoutMs, log });
  await commands.start();
  const nodeIds = config.pbxNodes.map((n) => n.id);
  const callControl = new CallControlRegistry({ bus: commands, pbxNodes: nodeIds });
  const appFor = (pbxNode: string) => config.pbxNodes.find((n) => n.id === pbxNode)?.ari.app ?? 'cti-bridge';
  const capabilities = [callControlCapability({ registry: callControl, config: config.callControl, appFor, desk: extras.agentDesk ?? acd.desk })];

  // Every number any feature dials passes one gate: the key's or the configured policy, the
  // key's budgets, and a fraud signal for each refusal.
  const fraud = new FraudSignals({ db, redis, prefix: config.redisPrefix, config: config.fraud, log });
  const gate = new DialGate({ db, redis, prefix: config.redisPrefix, callControl: config.callControl, signals: fraud });

  const faxQueue = openFaxQueue(config.redisUrl, config.redisPrefix);
  const faxSender = new FaxSender(db, faxQueue, config.fax, gate);


  const lookups = createLookups({ secrets: config.ivr.secrets, policy: config.outbound });
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
        ivr: { lookups, sorryMedia: config.ivr.sorryMedia, promptMaxSeconds: config.ivr.promptMaxSeconds },
        capabilities: [
          asteriskCdrCapability,
          acd.capability,
          ...capabilities,
          voicemailCapability(config.voicemail),
          faxCapability({ config: config.fax, demand: config.faxOnDemand, sender: faxSender, redisUrl: config.redisUrl, redisPrefix: config.redisPrefix }),
        ],
      }),
  );
  // Voicemail's PBX work runs on a node's owner too: here, or forwarded like call control.
  const mwiThrough = async (pbxNode: string, mailboxId: string): Promise<void> => {
    const ari = nodes.find((n) => n.id === pbxNode && n.isOwner)?.ariClient;
    if (ari) await publishMwi(ari, db, mailboxId, config.voicemail.mwiContext, log);
  };
  commands.register('voicemail.recordGreeting', (pbxNode, a) => recordGreetingByPhone(pbxNode, (a as { mailboxId: string }).mailboxId, (a as { number: string }).number));
  commands.register(MISSING_RECORDINGS_COMMAND, async (pbxNode, a) => {
    const ari = nodes.find((n) => n.id === pbxNode && n.isOwner)?.ariClient;
    if (!ari) throw new NoOwnerError(pbxNode, `this instance no longer drives PBX node ${pbxNode}`);
    return missingOnPbx(ari, recordingNamesArg(a));
  });
  commands.register('voicemail.publishMwi', (pbxNode, a) => mwiThrough(pbxNode, (a as { mailboxId: string }).mailboxId));
  const recordGreeting = async (mailboxId: string, number: string): Promise<string | undefined> => {
    const owner = nodes.find((n) => n.isOwner && n.ariClient);
    if (owner) return recordGreetingByPhone(owner.id, mailboxId, number);
    return (await commands.sendToAny(nodeIds, 'voicemail.recordGreeting', { mailboxId, number })) as string;
  };
  /** A mailbox's lamp through one node's owner (an owner republishes all lamps when it connects). */
  const publishMailbox = async (mailboxId: string): Promise<void> => {
    const owner = nodes.find((n) => n.isOwner);
    if (owner) return mwiThrough(owner.id, mailboxId);
    await commands.sendToAny(nodeIds, 'voicemail.publishMwi', { mailboxId }).catch((err: unknown) => {
      if (!(err instanceof NoOwnerError)) throw err;
    });
  };

  // The API keeps serving history and webhooks while a PBX is away, so the PBX checks
  // are reported without taking the instance out of a load balancer.
  const readiness: Record<string, ReadinessCheck> = { postgres: postgresCheck(db), redis: redisCheck(redis) };
  for (const n of nodes) {
    readiness[`ami:${n.id}`] = async () => ({ ...n.amiReadiness(), required: false });
    readiness[`ari:${n.id}`] = async () => ({ ...n.ariReadiness(), required: false });
  }
  // Agents a fault left on a call that is over: reported, not a reason to take traffic away.
  readiness.agents = async () => {
    const stuck = await stuckAgents(db, acd.agentsLive);
    if (stuck.length === 0) return { ok: true, required: false };
    const named = stuck.slice(0, 10).join(', ') + (stuck.length > 10 ? ', …' : '');
    return { ok: false, required: false, detail: `${stuck.length} agents on a call that has ended (force them ready or logged out): ${named}` };
  };

  const wallboard = new Wallboard({ db, bus, log, live: { agents: acd.agentsLive, queues: acd.queuesLive }, refreshMs: config.wallboardRefreshMs, ...(notifyUrl ? { notifyUrl } : {}) });
  void wallboard.start();
  const queueStats = new QueueStatsPublisher({
    db,
    wallboard,
    log,
    intervalMs: config.queueStatsIntervalMs,
    view: { timeZone: config.reportsTimeZone, serviceLevelSeconds: 20, serviceLevelTarget: 0.8 },
  });
  queueStats.start();
  // KPI rollups follow the journal on every instance; the stored position's row lock
  // lets one fold at a time. Each instance's relay wakes its own worker when it stamps
  // events, so the poll is only a safety net (another instance's worker folds what that
  // instance stamped; a report catches up by itself): once a minute, since each pass is a
  // transaction of four round trips that wakes an idle instance for nothing (decision 90).
  rollups = new RollupWorker({ db, log, dayZones: ['UTC', config.reportsTimeZone], intervalMs: 60_000 });
  rollups.start();
  // KPI answers are read and encoded on a thread of their own, off the loop that drives
  // calls. Not over the embedded demo database: its one session would mix the thread's
  // cursor transaction with the service's statements.
  const reportThread = config.databaseNamedStatements ? new ReportThread({ url: config.databaseUrl }) : undefined;

  // Campaign contacts reach agents as ACD preview tasks; accepting one places the call
  // through click-to-dial on the node this instance drives.
  const previewTasks = new PreviewTasks({
    db,
    core: acd,
    log,
    offerSeconds: config.campaignOfferSeconds,
    // An accept may land on any instance: the dial runs where the PBX node is driven.
    place: async (input) => {
      await gate.check({ feature: 'campaign', apiKeyId: input.apiKeyId, number: input.to, spends: 'calls' });
      return callControl.runOnAny(undefined, 'dial', input);
    },
  });
  const campaignDispatcher = new CampaignDispatcher({
    db, redis, redisPrefix: config.redisPrefix, instanceId: config.instanceId, bus, tasks: previewTasks, log, intervalMs: config.campaignDispatchIntervalMs,
    ...(notifyUrl ? { notifyUrl } : {}),
  });
  campaignDispatcher.start();

  const panelLinks = new PanelLinks(db, config.streamTokenSecret);
  const panelSessions = new PanelSessions(db, panelLinks, config.streamTokenSecret);
  const app = await buildApp({
    sessions: panelSessions,
    config,
    db,
    redis,
    log,
    bus,
    readiness,
    streamTokenSecret: config.streamTokenSecret,
    routes: [
      { plugin: callRoutes, opts: { db, cache: callCache } },
      { plugin: webhookRoutes, opts: { db, config, queues: pipeline.queues, sweeper: pipeline.webhookSweeper } },
      { plugin: ivrRoutes, opts: { db, config, checkRecordings: recordingChecker(commands, nodeIds) } },
      { plugin: planningRoutes, opts: { db } },
      { plugin: reportRoutes, opts: { db, rollups, thread: reportThread } },
      { plugin: campaignRoutes, opts: { db, dialPolicy: (apiKeyId: string | null) => gate.policyOf(apiKeyId) } },
      { plugin: wallboardRoutes, opts: { wallboard, tokens: new WallboardTokens(db, config.streamTokenSecret) } },
      { plugin: thresholdRoutes, opts: { db, changed: () => wallboard.definitionsChanged() } },
      { plugin: orderRoutes, opts: { db } },
      { plugin: logisticsRoutes, opts: { db, secret: config.logisticsInboundSecret } },
      { plugin: journalRoutes, opts: { db } },
      { plugin: cdrRoutes, opts: { db } },
      { plugin: connectorRoutes, opts: { db, config, registry: connectorRegistry } },
      { plugin: deadLetterRoutes, opts: { db, config, queues: pipeline.queues, connectors: pipeline.connectors } },
      { plugin: callControlRoutes, opts: { db, registry: callControl, gate } },
      { plugin: transferRoutes, opts: { db, registry: callControl, gate, ledger: new ChannelTransferLedger(redis, config.redisPrefix) } },
      { plugin: recordingRoutes, opts: { db, registry: callControl } },
      {
        plugin: voicemailRoutes,
        opts: {
          db,
          publishMwi: publishMailbox,
          recordGreeting,
          checkExtension: (apiKeyId: string, extension: string) => gate.check({ feature: 'greeting', apiKeyId, number: extension, what: 'extension' }),
        },
      },
      { plugin: faxRoutes, opts: { db, config: config.fax, sender: faxSender } },
      { plugin: acdRoutes, opts: { db, redis, redisPrefix: config.redisPrefix } },
      { plugin: agentStreamRoutes, opts: { db, bus } },
      { plugin: taskRoutes, opts: { db, tasks: previewTasks } },
      { plugin: codeRoutes, opts: { db } },
      { plugin: wrapUpRoutes, opts: { db } },
      { plugin: agentPanelRoutes, opts: { db, links: panelLinks, sessions: panelSessions } },
      { plugin: fraudRoutes, opts: { db } },
    ],
  });
  registerPbxMetrics(nodes);
  registerEventMetrics(db);
  registerAcdMetrics(db, acd.agentsLive);
  registerQueueMetrics(() => [pipeline.queues.events, pipeline.queues.webhooks, ...pipeline.connectors.queues, faxQueue]);
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
      await commands.stop();
      await campaignDispatcher.stop();
      await acd.stop();
      await app.close();
      queueStats.stop();
      await rollups.stop();
      await reportThread?.close();
      await wallboard.stop();
      await callCache?.close();
      await retention.stop();
      await connectorRegistry.stop();
      await pipeline.stop();
      await faxQueue.close().catch(() => undefined);
      await lookups.close();
      await bus.close();
      redis.disconnect();
      leaseRedis.disconnect();
      await db.end();
      await stopTracing();
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
  const log = createServiceLogger(config.logLevel, config.logFlushMs);
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
