// The ACD of one service instance: shared stores, the agent desk for call control, and
// the runtime of each PBX node this instance owns. Changes made anywhere (the API of
// another instance, a wrap-up ending) arrive over Redis and are handed to the runtimes.
import { Redis } from 'ioredis';
import type { Db } from '../db/pool.js';
import type { Logger } from '../log.js';
import type { CapabilityFactory } from '../pbx/capability.js';
import { AgentsService, agentSignalChannel, readAgentSignal } from './agents-service.js';
import { AcdDesk } from './desk.js';
import { Eventually } from './eventually.js';
import { HeldChanges } from './held-changes.js';
import { LiveEpoch } from './live-epoch.js';
import { rebuildAgents } from './live-rebuild.js';
import { AgentLiveStore } from './live-store.js';
import type { AgentDefinition, QueueDefinition } from './model.js';
import { QueueLiveStore } from './queue-live.js';
import { queueOfferOrder } from './queue-transfer.js';
import { getAgent, getQueue, listAgents, listQueues } from './repository.js';
import { AcdRuntime } from './runtime.js';
import { StateEventDrain, StateEventRelay } from './state-relay.js';

export interface AcdCoreOptions {
  db: Db;
  redis: Redis;
  redisUrl: string;
  redisPrefix: string;
  log: Logger;
  /** How often the relay looks for agent state events a crash left in Redis. */
  stateRelayIntervalMs?: number;
  /** How often Redis is checked for lost ACD live state (see live-epoch.ts). */
  epochIntervalMs?: number;
}

export class AcdCore {
  readonly agentsLive: AgentLiveStore;
  readonly queuesLive: QueueLiveStore;
  readonly agents: AgentsService;
  readonly desk: AcdDesk;
  /** State changes of the call flow, held while Redis is away (see held-changes.ts). */
  readonly changes: HeldChanges;
  /** Live-entry writes that may wait for Redis (see eventually.ts). */
  readonly eventually: Eventually;
  private readonly runtimes = new Set<AcdRuntime>();
  private subscriber: Redis | undefined;
  private readonly relay: StateEventRelay;
  /** Whether Redis still holds the live state; rebuilds the agents when it does not. */
  readonly epoch: LiveEpoch;
  private epochTimer: NodeJS.Timeout | undefined;

  constructor(private readonly opts: AcdCoreOptions) {
    this.agentsLive = new AgentLiveStore(opts.redis, opts.redisPrefix);
    this.queuesLive = new QueueLiveStore(opts.redis, opts.redisPrefix);
    const drain = new StateEventDrain(opts.db, opts.redis, opts.redisPrefix, opts.log);
    this.agents = new AgentsService(opts.db, this.agentsLive, opts.redis, opts.redisPrefix, drain);
    this.desk = new AcdDesk(opts.db, this.agentsLive, this.agents, {
      follow: (leg) => {
        for (const r of this.runtimes) r.observe(leg);
      },
      handOver: async (callId) => {
        for (const r of this.runtimes) {
          const taken = r.handOver(callId);
          if (taken) return taken;
        }
        return undefined;
      },
      takeBack: async (callId, channelId) => {
        for (const r of this.runtimes) if (await r.takeBack(callId, channelId)) return true;
        return false;
      },
      requeue: async (callId, channelId, queueId) => {
        for (const r of this.runtimes) if (await r.requeue(callId, channelId, queueId)) return true;
        return false;
      },
      offerOrder: (queueId, callId) => queueOfferOrder(opts.db, this.agentsLive, this.queuesLive, queueId, callId),
      phoneCallJoined: async (channelId, callId) => {
        for (const r of this.runtimes) {
          const agentId = await r.phoneCallJoined(channelId, callId);
          if (agentId) return agentId;
        }
        return undefined;
      },
    });
    this.changes = new HeldChanges(this.agents, opts.log.child({ component: 'acd' }), (agentId) => this.agentChanged(agentId, false));
    this.eventually = new Eventually(opts.log.child({ component: 'acd' }));
    this.epoch = new LiveEpoch({
      db: opts.db,
      redis: opts.redis,
      prefix: opts.redisPrefix,
      log: opts.log.child({ component: 'acd' }),
      rebuild: async (overwrite) => {
        const ids = await rebuildAgents(opts.db, this.agentsLive, overwrite);
        for (const id of ids) await this.agents.signal(id);
        // The rebuild's own events reach the journal now, not at the relay's next round.
        void this.relay.kick();
        return ids.length;
      },
    });
    this.relay = new StateEventRelay({ db: opts.db, redis: opts.redis, prefix: opts.redisPrefix, log: opts.log, intervalMs: opts.stateRelayIntervalMs, drain });
  }

  /** The PBX node capability: one runtime per node this instance owns. */
  readonly capability: CapabilityFactory = (ctx) => {
    const runtime = new AcdRuntime(this, ctx);
    this.runtimes.add(runtime);
    return runtime;
  };

  async start(): Promise<void> {
    const sub = new Redis(this.opts.redisUrl, { maxRetriesPerRequest: null });
    sub.on('error', (err) => this.opts.log.debug({ err: err.message }, 'ACD subscriber error'));
    sub.on('message', (_channel, message: string) => {
      const { agentId, definitionChanged, version } = readAgentSignal(message);
      this.agentChanged(agentId, definitionChanged, version);
    });
    await sub.subscribe(agentSignalChannel(this.opts.redisPrefix));
    this.subscriber = sub;
    this.relay.start();
    this.watchEpoch();
  }

  private watchEpoch(): void {
    const every = this.opts.epochIntervalMs ?? 5_000;
    this.epochTimer = setTimeout(() => {
      this.epoch
        .ensure()
        .catch((err: Error) => this.opts.log.debug({ err: err.message }, 'ACD live state check failed; next time'))
        .finally(() => {
          if (this.epochTimer) this.watchEpoch();
        });
    }, every);
    this.epochTimer.unref();
  }

  /**
   * Every runtime here refreshes the agent (or `queue:<id>`) and routes; with
   * `definitionChanged` false only the agent's live state is read again, unless `version`
   * is the one this instance last wrote or read.
   */
  agentChanged(agentId: string, definitionChanged = true, version?: string): void {
    for (const r of this.runtimes) {
      r.agentChanged(agentId, definitionChanged, version).catch((err: Error) => this.opts.log.error({ err: err.message, agentId }, 'ACD routing after an agent change failed'));
    }
  }

  async stop(): Promise<void> {
    clearTimeout(this.epochTimer);
    this.epochTimer = undefined;
    this.changes.stop();
    this.eventually.stop();
    await this.relay.stop();
    this.subscriber?.disconnect();
    this.subscriber = undefined;
  }

  detach(runtime: AcdRuntime): void {
    this.runtimes.delete(runtime);
  }

  async definitions(): Promise<{ queues: QueueDefinition[]; agents: AgentDefinition[] }> {
    const [queues, agents] = await Promise.all([listQueues(this.opts.db), listAgents(this.opts.db)]);
    return { queues, agents };
  }

  queue(id: string): Promise<QueueDefinition | undefined> {
    return getQueue(this.opts.db, id);
  }

  agent(id: string): Promise<AgentDefinition | undefined> {
    return getAgent(this.opts.db, id);
  }
}
