// Agent definitions joined with their live status, and the state changes the API and
// the PBX side ask for. A change is written to Redis (compare-and-set), then announced
// through the outbox; every instance is told over Redis so the one routing calls can
// offer a just-ready agent at once.
import type { Redis } from 'ioredis';
import type { Db } from '../db/pool.js';
import type { AgentCommand } from './agent-state.js';
import { announceStateChange } from './events.js';
import type { AgentLiveStore, ChangeResult, LiveAgent } from './live-store.js';
import type { AgentDefinition } from './model.js';
import { getAgent } from './repository.js';

export interface AgentView extends AgentDefinition {
  state: LiveAgent['state'];
  reason: string | null;
  since: string;
  callId: string | null;
}

export function agentView(def: AgentDefinition, live: LiveAgent | undefined): AgentView {
  return {
    ...def,
    state: live?.state === 'reserved' && !live.reservationLive ? 'ready' : (live?.state ?? 'logged_out'),
    reason: live?.reason ?? null,
    since: new Date(live?.sinceMs ?? 0).toISOString(),
    callId: live?.callId ?? null,
  };
}

/** Redis channel telling every instance that an agent's routing inputs changed. */
export const agentSignalChannel = (prefix: string) => `${prefix}:acd:agent-changed`;

export class AgentsService {
  constructor(
    private readonly db: Db,
    private readonly live: AgentLiveStore,
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  async change(
    agentId: string,
    cmd: AgentCommand,
    options: { offerId?: string; queueId?: string | null; callId?: string | null } = {},
  ): Promise<ChangeResult> {
    const now = Date.now();
    if (cmd.type === 'login') await this.live.ensure(agentId, now);
    const result = await this.live.apply(agentId, cmd, now, options.offerId);
    if (result.ok) await this.announce(result.change, new Date(now), options);
    return result;
  }

  async announce(change: Parameters<typeof announceStateChange>[1], at: Date, ctx: { queueId?: string | null; callId?: string | null } = {}) {
    if (!change.changed) return;
    await announceStateChange(this.db, change, at, ctx);
    await this.signal(change.agentId);
  }

  async signal(agentId: string): Promise<void> {
    await this.redis.publish(agentSignalChannel(this.prefix), agentId).catch(() => 0);
  }

  async exists(agentId: string): Promise<boolean> {
    return (await getAgent(this.db, agentId)) !== undefined;
  }
}
