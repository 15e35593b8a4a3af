// Small builders for ACD definitions in tests: a queue with sensible defaults, an agent.
import { completeQueue } from '../../src/acd/definitions.js';
import type { AgentRouting, QueueDefinition } from '../../src/acd/model.js';

export function queueDef(over: Partial<QueueDefinition> & { id: string }): QueueDefinition {
  // No aging unless a test asks for it: routing order is then arrival order alone.
  return completeQueue({ name: over.id, agingSecondsPerLevel: 0, ...over });
}

export function agentRouting(over: Partial<AgentRouting> & { id: string }): AgentRouting {
  return { skills: {}, state: 'ready', idleSinceMs: 0, callsTaken: 0, ...over };
}
