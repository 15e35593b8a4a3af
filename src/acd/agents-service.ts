// Agent definitions joined with their live status, and the state changes the API and
// the PBX side ask for. A change and its agent.state_changed event are written to Redis
// in one script (compare-and-set); the event is then drained into the outbox at once (the
// relay of every instance catches what a crash left behind), and every instance is told
// over Redis so the one routing calls can offer a just-ready agent at once.
import type { Redis } from 'ioredis';
import type { Db } from '../db/pool.js';
import type { AgentCommand } from './agent-state.js';
import { StateEventDrain } from './state-relay.js';
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

/**
 * Before an agent id on the signal channel: only its live state changed. Ids hold no ':'
 * and no space; after a space comes the version the sender wrote (or last saw), so the
 * instance that wrote it takes the status it holds instead of reading it back from Redis.
 */
export const STATE_SIGNAL = 'state:';

/** A message on the signal channel: whom it names, whether their definition may have changed, the version sent. */
export function readAgentSignal(message: string): { agentId: string; definitionChanged: boolean; version?: string } {
  if (!message.startsWith(STATE_SIGNAL)) return { agentId: message, definitionChanged: true };
  const rest = message.slice(STATE_SIGNAL.length);
  const space = rest.indexOf(' ');
  return space < 0 ? { agentId: rest, definitionChanged: false } : { agentId: rest.slice(0, space), definitionChanged: false, version: rest.slice(space + 1) };
}

export interface ChangeOptions {
  offerId?: string;
  queueId?: string | null;
  callId?: string | null;
}

export class AgentsService {
  private readonly drainer: StateEventDrain;

  constructor(
    private readonly db: Db,
    private readonly live: AgentLiveStore,
    private readonly redis: Redis,
    private readonly prefix: string,
    /** The instance's drain (shared with its state relay); one of its own when not given. */
    drainer?: StateEventDrain,
  ) {
    this.drainer = drainer ?? new StateEventDrain(db, redis, prefix);
  }

  async change(agentId: string, cmd: AgentCommand, options: ChangeOptions = {}): Promise<ChangeResult> {
    const { result, journaled } = await this.changeNow(agentId, cmd, options);
    await journaled;
    return result;
  }

  /**
   * The change as soon as Redis took it. `journaled` settles (it never rejects) once its
   * event is in the outbox and its signal sent, as `change` waits for: the call flow's
   * PBX requests need not wait for the journal, only its next commit does.
   */
  async changeNow(agentId: string, cmd: AgentCommand, options: ChangeOptions = {}): Promise<{ result: ChangeResult; journaled: Promise<void> }> {
    const now = Date.now();
    if (cmd.type === 'login') await this.live.ensure(agentId, now);
    const result = await this.live.apply(agentId, cmd, now, options.offerId, { callId: options.callId ?? null, queueId: options.queueId ?? null });
    // A change that found nothing to do may still have swept a lapsed reservation first.
    const journaled = result.ok ? (result.change.changed ? this.announce(agentId) : this.drain(agentId)) : Promise.resolve();
    return { result, journaled };
  }

  /** Starts from the list head the agent's change script returned, when it kept one. */
  private async drain(agentId: string): Promise<void> {
    await this.drainer.request(this.live.takePendingHead(agentId)).catch(() => 0);
  }

  /**
   * After a change (its event already pending in Redis): the event into the outbox now,
   * so it is there when the request answers; a failure here is left to the relay. The
   * state signal leaves in the script that removes the journaled entries from Redis (one
   * round trip for both); when the drain failed, on its own.
   */
  async announce(agentId: string): Promise<void> {
    const signal = { channel: agentSignalChannel(this.prefix), message: this.stateSignal(agentId) };
    const drained = await this.drainer.request(this.live.takePendingHead(agentId), signal).then(
      () => true,
      () => false,
    );
    if (!drained) await this.redis.publish(signal.channel, signal.message).catch(() => 0);
  }

  private stateSignal(agentId: string): string {
    const version = this.live.rememberedVersion(agentId);
    return `${STATE_SIGNAL}${agentId}${version ? ` ${version}` : ''}`;
  }

  /**
   * Tells every instance the agent (or `queue:<id>`) changed. `state`: only the live
   * state did, so a receiver that knows the agent's definition keeps it instead of
   * reading it from Postgres again (every offer, answer and wrap-up sends one).
   */
  async signal(agentId: string, what: 'definition' | 'state' = 'definition'): Promise<void> {
    const message = what === 'state' ? this.stateSignal(agentId) : agentId;
    await this.redis.publish(agentSignalChannel(this.prefix), message).catch(() => 0);
  }

  async exists(agentId: string): Promise<boolean> {
    return (await getAgent(this.db, agentId)) !== undefined;
  }
}
