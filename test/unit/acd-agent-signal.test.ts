import { describe, expect, it } from 'vitest';
import { readAgentSignal, STATE_SIGNAL } from '../../src/acd/agents-service.js';

describe('the agent signal', () => {
  it('tells a live state change from a change that may touch the definition', () => {
    expect(readAgentSignal(`${STATE_SIGNAL}agent-7`)).toEqual({ agentId: 'agent-7', definitionChanged: false });
    expect(readAgentSignal('agent-7')).toEqual({ agentId: 'agent-7', definitionChanged: true });
    // Queues keep their own prefix and always mean their definition.
    expect(readAgentSignal('queue:sales')).toEqual({ agentId: 'queue:sales', definitionChanged: true });
  });

  it('carries the version the sender wrote, when it sends one', () => {
    expect(readAgentSignal(`${STATE_SIGNAL}agent-7 42`)).toEqual({ agentId: 'agent-7', definitionChanged: false, version: '42' });
  });
});
