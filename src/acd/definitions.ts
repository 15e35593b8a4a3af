// A queue as the API gives it (most fields optional) made whole with the defaults.
import type { QueueDefinition } from './model.js';

export type QueueInput = Partial<Omit<QueueDefinition, 'id' | 'name'>> & { id: string; name: string };

export function completeQueue(q: QueueInput): QueueDefinition {
  return {
    id: q.id,
    name: q.name,
    skills: q.skills ?? {},
    strategy: q.strategy ?? 'longest_idle',
    priority: q.priority ?? 0,
    priorityRules: q.priorityRules ?? [],
    agingSecondsPerLevel: q.agingSecondsPerLevel ?? 60,
    wideningSteps: [...(q.wideningSteps ?? [])].sort((a, b) => a.afterSeconds - b.afterSeconds),
    serviceLevel: q.serviceLevel ?? { percent: 90, seconds: 10 },
    maxWaitSeconds: q.maxWaitSeconds ?? null,
    maxLength: q.maxLength ?? null,
    overflow: q.overflow ?? null,
    digitActions: q.digitActions ?? {},
    announceEverySeconds: q.announceEverySeconds ?? null,
    musicOnHold: q.musicOnHold ?? 'default',
    shortAbandonSeconds: q.shortAbandonSeconds ?? 5,
  };
}
