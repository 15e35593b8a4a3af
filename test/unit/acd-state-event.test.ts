// The agent.state_changed event built before the Redis write: its payload as docs/events.md
// agrees it, with a fresh id each time (the id is what makes the relay insert it once).
import { describe, expect, it } from 'vitest';
import { stateChangedEvent } from '../../src/acd/events.js';

describe('agent.state_changed event', () => {
  it('carries the time spent in the old state and the context of the change', () => {
    const e = stateChangedEvent('a1', { state: 'ready', sinceMs: 1_000, callId: null }, { state: 'reserved', reason: null, callId: 'c1' }, 4_500, { queueId: 'q1' });
    expect(e).toMatchObject({
      type: 'agent.state_changed',
      version: 1,
      occurredAt: new Date(4_500).toISOString(),
      data: { agentId: 'a1', from: 'ready', to: 'reserved', reason: null, durationMs: 3_500, callId: 'c1', queueId: 'q1' },
    });
  });

  it("falls back to the old state's call, and never reports a negative duration", () => {
    const e = stateChangedEvent('a1', { state: 'on_call', sinceMs: 9_000, callId: 'c7' }, { state: 'wrap_up', reason: null, callId: null }, 8_000);
    expect(e.data).toMatchObject({ callId: 'c7', queueId: null, durationMs: 0 });
  });

  it('gives every event its own id', () => {
    const make = () => stateChangedEvent('a1', { state: 'ready', sinceMs: 0, callId: null }, { state: 'not_ready', reason: 'coffee', callId: null }, 1);
    expect(make().id).not.toBe(make().id);
  });
});
