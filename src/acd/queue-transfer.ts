// A call transferred to a queue while an agent talks with it. A consultation asks the
// queue who it would offer the call to now: the same order the queue itself uses, with
// the call's own data (priority rules, skills the IVR asked for), on a fresh snapshot.
import { getCall } from '../calls/repository.js';
import type { Db } from '../db/pool.js';
import type { AgentLiveStore } from './live-store.js';
import { entryPriority, skillsFromData } from './priority.js';
import type { QueueLiveStore } from './queue-live.js';
import { takeSnapshot } from './snapshot.js';

/** The agents this queue would offer the call to now, best first; undefined for an unknown queue. */
export async function queueOfferOrder(db: Db, agentsLive: AgentLiveStore, queuesLive: QueueLiveStore, queueId: string, callId: string): Promise<string[] | undefined> {
  const snap = await takeSnapshot(db, agentsLive, queuesLive);
  const queue = snap.queues.get(queueId);
  if (!queue) return undefined;
  const data = (await getCall(db, callId))?.data ?? {};
  const now = Date.now();
  const probe = { callId: `~transfer:${callId}`, queueId, priority: entryPriority(queue, data), enteredMs: now, skills: skillsFromData(data) };
  snap.engine.enqueue(probe);
  return snap.engine.offerOrder(probe, now).map((a) => a.id);
}
