// Small builders for ACD definitions in tests: a queue with sensible defaults, an agent.
import type { AgentRouting, QueueDefinition } from '../../src/acd/model.js';

export function queueDef(over: Partial<QueueDefinition> & { id: string }): QueueDefinition {
  return {
    name: over.id,
    skills: {},
    strategy: 'longest_idle',
    priority: 0,
    priorityRules: [],
    agingSecondsPerLevel: 0,
    wideningSteps: [],
    serviceLevel: { percent: 90, seconds: 10 },
    maxWaitSeconds: null,
    maxLength: null,
    overflow: null,
    announceEverySeconds: null,
    musicOnHold: 'default',
    shortAbandonSeconds: 5,
    ...over,
  };
}

export function agentRouting(over: Partial<AgentRouting> & { id: string }): AgentRouting {
  return { skills: {}, state: 'ready', idleSinceMs: 0, callsTaken: 0, ...over };
}
