// A routing engine built from the stored definitions and the live state of this moment:
// what the routing simulation and the queue views reason about.
import type { Db } from '../db/pool.js';
import type { AgentLiveStore } from './live-store.js';
import type { AgentDefinition, QueueDefinition } from './model.js';
import type { QueueLiveStore } from './queue-live.js';
import { listAgents, listQueues } from './repository.js';
import { RoutingEngine } from './router.js';

export interface Snapshot {
  engine: RoutingEngine;
  agents: Map<string, AgentDefinition>;
  queues: Map<string, QueueDefinition>;
}

export async function takeSnapshot(db: Db, agentsLive: AgentLiveStore, queuesLive: QueueLiveStore, options: { withCalls?: boolean } = {}): Promise<Snapshot> {
  const [defs, queueDefs] = await Promise.all([listAgents(db), listQueues(db)]);
  const live = await agentsLive.getMany(defs.map((a) => a.id));
  const engine = new RoutingEngine();
  for (const q of queueDefs) engine.putQueue(q);
  for (const a of defs) {
    const l = live.get(a.id);
    const state = l?.state === 'reserved' && !l.reservationLive ? 'ready' : (l?.state ?? 'logged_out');
    engine.putAgent({ id: a.id, skills: a.skills, state, idleSinceMs: l?.sinceMs ?? 0, callsTaken: 0 });
  }
  if (options.withCalls) {
    for (const c of await queuesLive.all()) if (engine.queue(c.queueId)) engine.enqueue(c);
  }
  return { engine, agents: new Map(defs.map((a) => [a.id, a])), queues: new Map(queueDefs.map((q) => [q.id, q])) };
}
