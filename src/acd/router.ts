// The routing engine: waiting calls per queue in service order, ready agents indexed by
// skill, and the two decisions routing is made of — which agent for this call (a call
// arrived or widened) and which call for this agent (the agent became ready). It holds
// data only and never waits or polls: the ACD service feeds it events and acts on what
// it answers.
import type { AgentRouting, AgentState, QueueDefinition, WaitingCall } from './model.js';
import { compareKeys, orderKey, qualifies, requiredSkills, widestQueueSkills } from './priority.js';
import { SkillIndex } from './skill-index.js';
import { best, rank, type StrategyContext } from './strategies.js';

interface Queued {
  call: WaitingCall;
  key: [number, number];
}

export class RoutingEngine {
  private readonly queues = new Map<string, QueueDefinition>();
  private readonly agents = new Map<string, AgentRouting>();
  private readonly waiting = new Map<string, Queued[]>();
  private readonly calls = new Map<string, WaitingCall>();
  private readonly index = new SkillIndex();
  /** skill -> queues requiring it; queues requiring nothing are in `openQueues`. */
  private readonly queuesBySkill = new Map<string, Set<string>>();
  private readonly openQueues = new Set<string>();
  private readonly lastOffered = new Map<string, string>();
  private readonly widest = new Map<string, Record<string, number>>();
  random: () => number = Math.random;

  // --- definitions

  putQueue(queue: QueueDefinition): void {
    const old = this.queues.get(queue.id);
    if (old) this.unindexQueue(old);
    this.queues.set(queue.id, queue);
    this.widest.set(queue.id, widestQueueSkills(queue));
    const skills = Object.keys(queue.skills);
    if (skills.length === 0) this.openQueues.add(queue.id);
    for (const s of skills) {
      let set = this.queuesBySkill.get(s);
      if (!set) this.queuesBySkill.set(s, (set = new Set()));
      set.add(queue.id);
    }
    // Aging may have changed: the queue's order key with it.
    const list = this.waiting.get(queue.id);
    if (list) {
      for (const q of list) q.key = orderKey(q.call, queue.agingSecondsPerLevel);
      list.sort(compareQueued);
    }
  }

  removeQueue(id: string): void {
    const old = this.queues.get(id);
    if (old) this.unindexQueue(old);
    this.queues.delete(id);
  }

  queue(id: string): QueueDefinition | undefined {
    return this.queues.get(id);
  }

  private unindexQueue(q: QueueDefinition): void {
    this.openQueues.delete(q.id);
    for (const s of Object.keys(q.skills)) this.queuesBySkill.get(s)?.delete(q.id);
  }

  /** Adds or replaces an agent (skills or state changed). Costs O(agent's skills). */
  putAgent(agent: AgentRouting): void {
    const old = this.agents.get(agent.id);
    if (old) this.index.remove(old);
    const copy = { ...agent, skills: { ...agent.skills } };
    this.agents.set(agent.id, copy);
    if (copy.state === 'ready') this.index.add(copy);
  }

  setAgentState(id: string, state: AgentState, idleSinceMs?: number): void {
    const a = this.agents.get(id);
    if (!a) return;
    this.putAgent({ ...a, state, idleSinceMs: idleSinceMs ?? a.idleSinceMs });
  }

  removeAgent(id: string): void {
    const old = this.agents.get(id);
    if (old) this.index.remove(old);
    this.agents.delete(id);
  }

  agent(id: string): AgentRouting | undefined {
    return this.agents.get(id);
  }

  allAgents(): Iterable<AgentRouting> {
    return this.agents.values();
  }

  // --- waiting calls

  enqueue(call: WaitingCall): void {
    const queue = this.queues.get(call.queueId);
    if (!queue) throw new Error(`unknown queue ${call.queueId}`);
    this.dequeue(call.callId);
    const entry: Queued = { call, key: orderKey(call, queue.agingSecondsPerLevel) };
    let list = this.waiting.get(call.queueId);
    if (!list) this.waiting.set(call.queueId, (list = []));
    // Binary search: insertion after every call that is served before or with it.
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (compareQueued(list[mid]!, entry) <= 0) lo = mid + 1;
      else hi = mid;
    }
    list.splice(lo, 0, entry);
    this.calls.set(call.callId, call);
  }

  dequeue(callId: string): WaitingCall | undefined {
    const call = this.calls.get(callId);
    if (!call) return undefined;
    this.calls.delete(callId);
    const list = this.waiting.get(call.queueId);
    const i = list?.findIndex((q) => q.call.callId === callId) ?? -1;
    if (list && i >= 0) list.splice(i, 1);
    return call;
  }

  waitingCall(callId: string): WaitingCall | undefined {
    return this.calls.get(callId);
  }

  /** The queue's calls in service order. */
  waitingIn(queueId: string): WaitingCall[] {
    return (this.waiting.get(queueId) ?? []).map((q) => q.call);
  }

  position(callId: string): number | undefined {
    const call = this.calls.get(callId);
    if (!call) return undefined;
    const i = (this.waiting.get(call.queueId) ?? []).findIndex((q) => q.call.callId === callId);
    return i < 0 ? undefined : i + 1;
  }

  // --- decisions

  private context(queueId: string): StrategyContext {
    return { lastOffered: this.lastOffered.get(queueId), random: this.random };
  }

  private *candidates(call: WaitingCall, queue: QueueDefinition, nowMs: number, exclude?: ReadonlySet<string>) {
    const required = requiredSkills(queue, call, nowMs);
    for (const id of this.index.narrowest(required)) {
      if (exclude?.has(id)) continue;
      const a = this.agents.get(id)!;
      if (qualifies(a.skills, required)) yield a;
    }
  }

  /** The agent to offer this call to now, or undefined when nobody ready qualifies. */
  agentFor(call: WaitingCall, nowMs: number, exclude?: ReadonlySet<string>): AgentRouting | undefined {
    const queue = this.queues.get(call.queueId);
    if (!queue) return undefined;
    return best(queue.strategy, this.candidates(call, queue, nowMs, exclude), requiredSkills(queue, call, nowMs), this.context(queue.id));
  }

  /** Every ready agent that qualifies, in the order the queue would offer them. */
  offerOrder(call: WaitingCall, nowMs: number, exclude?: ReadonlySet<string>): AgentRouting[] {
    const queue = this.queues.get(call.queueId);
    if (!queue) return [];
    return rank(queue.strategy, [...this.candidates(call, queue, nowMs, exclude)], requiredSkills(queue, call, nowMs), this.context(queue.id));
  }

  /**
   * The call a just-ready agent should take: across the queues the agent can serve, the
   * first qualifying call of each, and of those the highest effective priority, then the
   * longest waiting. Costs the agent's skills plus those queues' heads, not agents × queues.
   */
  callFor(agentId: string, nowMs: number): WaitingCall | undefined {
    const agent = this.agents.get(agentId);
    if (!agent) return undefined;
    const seen = new Set<string>();
    let top: { call: WaitingCall; score: number } | undefined;
    const consider = (queueId: string) => {
      if (seen.has(queueId)) return;
      seen.add(queueId);
      const queue = this.queues.get(queueId);
      const list = this.waiting.get(queueId);
      if (!queue || !list?.length) return;
      if (!qualifies(agent.skills, this.widest.get(queueId)!)) return;
      for (const { call, key } of list) {
        if (!qualifies(agent.skills, requiredSkills(queue, call, nowMs))) continue;
        const score = servedScore(queue, key, call, nowMs);
        if (!top || before(call, score, top.call, top.score)) top = { call, score };
        return;
      }
    };
    for (const q of this.openQueues) consider(q);
    for (const s of Object.keys(agent.skills)) for (const q of this.queuesBySkill.get(s) ?? []) consider(q);
    return top?.call;
  }

  /** Round robin remembers whom each queue offered last. */
  noteOffered(queueId: string, agentId: string): void {
    this.lastOffered.set(queueId, agentId);
  }
}

function compareQueued(a: Queued, b: Queued): number {
  return compareKeys(a.key, b.key) || (a.call.callId < b.call.callId ? -1 : a.call.callId > b.call.callId ? 1 : 0);
}

/** Effective priority, computed from the order key so it agrees with the queue's order exactly. */
export function servedScore(queue: QueueDefinition, key: readonly [number, number], call: WaitingCall, nowMs: number): number {
  return queue.agingSecondsPerLevel > 0 ? (nowMs - key[0]) / (queue.agingSecondsPerLevel * 1000) : call.priority;
}

/** Higher score first, then longer waiting, then call id (a total order). */
export function before(a: WaitingCall, aScore: number, b: WaitingCall, bScore: number): boolean {
  if (aScore !== bScore) return aScore > bScore;
  if (a.enteredMs !== b.enteredMs) return a.enteredMs < b.enteredMs;
  return a.callId < b.callId;
}
