// The ACD runtime's state on the instance that owns a PBX node: the routing engine, the
// calls waiting and ringing here, the agents' definitions, and the timers and per-call
// serial chains every change runs in. The layers above add waiting callers, offers and
// takeover; AcdRuntime (runtime.ts) is the capability the node runs.
import { AriHttpError } from '../ari/errors.js';
import type { Logger } from '../log.js';
import type { NodeContext } from '../pbx/capability.js';
import { isStoreOutage } from '../pbx/outage.js';
import type { AcdCore } from './core.js';
import type { LiveAgent } from './live-store.js';
import type { AgentDefinition } from './model.js';
import type { LiveWaitingCall } from './queue-live.js';
import type { OfferReason } from './records.js';
import { KeyedSerial, KeyedTimers } from './keyed.js';
import { RoutingEngine } from './router.js';

export const AGENT_CHANNEL = 'acd-agent-';
export const HOLD_BRIDGE = 'acd-hold-';
export const MIX_BRIDGE = 'acd-mix-';

/** The mixing bridge where the ACD connects a call's caller and agent. */
export const mixingBridgeOf = (callId: string) => `${MIX_BRIDGE}${callId}`;
/** A phone that was busy or unreachable is not offered the same call again for this long. */
export const RETRY_FAILED_PHONE_MS = 5_000;
/** How often a waiting call is routed again behind the events (see armRecheck). */
export const RECHECK_WAITING_MS = 3_000;
/** Reservations outlive the ring time by this much, then lapse if nobody cleans up. */
export const RESERVATION_MARGIN_MS = 5_000;

export interface Leg {
  offerId: string;
  agentId: string;
  callId: string;
  channelId: string;
  queueId: string | null;
  reason: OfferReason;
  answered: boolean;
  /** Queue calls: the caller's channel and how long they had waited when offered. */
  callerChannelId: string | null;
  waitMs: number;
  survey: string | null;
  /** Legs call control originated: observed, never driven. */
  observed: boolean;
  /** Ring-all round this leg rings in, or null for a one-agent offer. */
  groupId?: string | null;
  /** A connected call's caller hung up: the leg's end has no caller to hang up or survey. */
  callerLeft?: boolean;
}

export abstract class AcdRuntimeState {
  /** Offers a waiting call to the best agent(s) free for it. */
  protected abstract routeWaiting(callId: string): Promise<void>;

  readonly engine = new RoutingEngine();
  protected readonly log: Logger;
  protected readonly waiting = new Map<string, LiveWaitingCall>();
  protected readonly offering = new Map<string, Leg[]>(); // callId -> legs ringing for it (several with ring-all)
  protected readonly legs = new Map<string, Leg>(); // agent channel id -> leg
  protected readonly callerChannels = new Map<string, string>(); // caller channel -> call id
  protected readonly connected = new Map<string, Leg>(); // call id -> answered queue leg
  /** call id -> agent -> until when their phone is not tried again for this call (it failed). */
  protected readonly tried = new Map<string, Map<string, number>>();
  protected readonly timers = new KeyedTimers((err, key) => this.log.error({ err: err.message, timer: key }, 'ACD timer failed'));
  protected readonly chains = new KeyedSerial();
  protected agentDefs = new Map<string, AgentDefinition>();
  protected stopped = false;
  readonly ready: Promise<void>;

  constructor(
    protected readonly core: AcdCore,
    protected readonly ctx: NodeContext,
  ) {
    this.log = ctx.log.child({ component: 'acd' });
    this.ready = this.load().catch((err: Error) => this.log.error({ err: err.message }, 'ACD could not load its definitions'));
  }

  protected async load(): Promise<void> {
    const { queues, agents } = await this.core.definitions();
    for (const q of queues) this.engine.putQueue(q);
    this.agentDefs = new Map(agents.map((a) => [a.id, a]));
    const live = await this.core.agentsLive.getMany(agents.map((a) => a.id));
    for (const a of agents) this.putAgent(a, live.get(a.id));
  }

  protected putAgent(def: AgentDefinition, live: LiveAgent | undefined): void {
    const state = live?.state === 'reserved' && !live.reservationLive ? 'ready' : (live?.state ?? 'logged_out');
    const old = this.engine.agent(def.id);
    this.engine.putAgent({ id: def.id, skills: def.skills, state, idleSinceMs: live?.sinceMs ?? 0, callsTaken: old?.callsTaken ?? 0 });
  }

  /**
   * An agent's definition or live state changed somewhere: refresh and route. When only
   * the live state changed, a definition already held here is kept (no Postgres read).
   */
  async agentChanged(agentId: string, definitionChanged = true, version?: string): Promise<void> {
    await this.ready;
    if (this.stopped) return;
    // Signals of one agent (or queue) are read one after the other: two reads racing
    // could otherwise leave the older state in the engine (login read, then ready read,
    // login written last).
    if (agentId.startsWith('queue:')) {
      const id = agentId.slice(6);
      await this.serial(`signal:${agentId}`, async () => {
        const q = await this.core.queue(id);
        if (q) this.engine.putQueue(q);
        else this.engine.removeQueue(id);
      });
      return;
    }
    const known = await this.serial(`signal:${agentId}`, async () => {
      const def = (!definitionChanged && this.agentDefs.get(agentId)) || (await this.core.agent(agentId));
      if (!def) {
        this.engine.removeAgent(agentId);
        this.agentDefs.delete(agentId);
        return false;
      }
      this.agentDefs.set(agentId, def);
      // The status this instance wrote itself is the one named: no read back.
      const live = (version !== undefined ? this.core.agentsLive.remembered(agentId, version) : undefined) ?? (await this.core.agentsLive.get(agentId));
      this.putAgent(def, live);
      if (live?.state === 'wrap_up' && !this.timers.has(`wrap:${agentId}`)) this.scheduleWrapUp(agentId, live.sinceMs);
      return true;
    });
    if (!known || this.engine.agent(agentId)?.state !== 'ready') return;
    const call = this.engine.callFor(agentId, Date.now());
    if (call) await this.serial(call.callId, () => this.routeWaiting(call.callId));
  }

  protected scheduleWrapUp(agentId: string, sinceMs: number): void {
    const seconds = this.agentDefs.get(agentId)?.wrapUpSeconds ?? 0;
    this.timer(`wrap:${agentId}`, sinceMs + seconds * 1000 - Date.now(), async () => {
      // Held while Redis is away: applied (and the agent routed) when it answers.
      const res = await this.core.changes.change(agentId, { type: 'wrap_up_done' });
      if (res.ok) await this.agentChanged(agentId, false, this.core.agentsLive.rememberedVersion(agentId));
    });
  }

  /** The engine takes the agent's live state; while Redis is away it keeps what it had. */
  protected async refreshAgent(agentId: string): Promise<LiveAgent | undefined> {
    const def = this.agentDefs.get(agentId);
    try {
      const live = await this.core.agentsLive.get(agentId);
      if (def) this.putAgent(def, live);
      return live;
    } catch (err) {
      if (!isStoreOutage(err)) throw err;
      return undefined;
    }
  }

  /**
   * Routes a waiting call where a Redis outage must not end the caller's wait: the call
   * stays on hold and the recheck timer routes it again once Redis answers.
   */
  protected async routeHeld(callId: string): Promise<void> {
    try {
      await this.routeWaiting(callId);
    } catch (err) {
      if (!isStoreOutage(err)) throw err;
      this.log.warn({ callId, err: (err as Error).message }, 'routing held until Redis answers; the caller stays on hold');
    }
  }

  /** False only when the PBX says the channel does not exist. */
  protected async channelExists(channelId: string): Promise<boolean> {
    try {
      await this.ctx.ari.channels.get(channelId);
      return true;
    } catch (err) {
      return !(err instanceof AriHttpError && err.status === 404);
    }
  }

  protected excluded(callId: string, now: number): Set<string> | undefined {
    const map = this.tried.get(callId);
    if (!map) return undefined;
    const out = new Set<string>();
    for (const [agentId, until] of map) {
      if (until > now) out.add(agentId);
      else map.delete(agentId);
    }
    return out;
  }

  protected timer(key: string, ms: number, fn: () => unknown): void {
    this.timers.set(key, ms, fn);
  }

  protected clear(key: string): void {
    this.timers.clear(key);
  }

  protected serial<T>(key: string, fn: () => Promise<T>): Promise<T> {
    return this.chains.run(key, fn);
  }
}
