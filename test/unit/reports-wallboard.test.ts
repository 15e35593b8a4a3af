import { describe, expect, it } from 'vitest';
import { applyEvent, emptyWallboard, pruneWallboard, wallboardView } from '../../src/wallboard/state.js';

const T0 = Date.parse('2026-11-30T10:00:00Z');
const iso = (s: number) => new Date(T0 + s * 1000).toISOString();
const opts = { timeZone: 'UTC', serviceLevelSeconds: 20, serviceLevelTarget: 0.8 };

describe('wallboard state', () => {
  it('tracks waiting callers, today\'s service level and agents by state', () => {
    const s = emptyWallboard();
    applyEvent(s, { id: 'e1', type: 'call.queued', occurredAt: iso(0), callId: 'c1', data: { queue: { id: 'q' } } });
    applyEvent(s, { id: 'e2', type: 'call.queued', occurredAt: iso(10), callId: 'c2', data: { queue: { id: 'q' } } });
    applyEvent(s, { id: 'e3', type: 'call.queued', occurredAt: iso(12), callId: 'c3', data: { queue: { id: 'q' } } });
    expect(applyEvent(s, { id: 'e1', type: 'call.queued', occurredAt: iso(0), callId: 'c1', data: { queue: { id: 'q' } } })).toBe(false);
    let v = wallboardView(s, T0 + 30_000, opts);
    expect(v.queues).toEqual([expect.objectContaining({ id: 'q', waiting: 3, longestWaitSeconds: 30, offeredToday: 3, serviceLevelToday: 0 })]);
    applyEvent(s, { id: 'e4', type: 'call.connected', occurredAt: iso(40), callId: 'c1', data: { queueId: 'q', waitMs: 40_000, agent: { id: 'a' } } });
    applyEvent(s, { id: 'e5', type: 'call.connected', occurredAt: iso(41), callId: 'c2', data: { queueId: 'q', waitMs: 5_000, agent: { id: 'b' } } });
    applyEvent(s, { id: 'e6', type: 'call.abandoned', occurredAt: iso(42), callId: 'c3', data: { queue: { id: 'q' }, short: true } });
    applyEvent(s, { id: 'e7', type: 'agent.state_changed', occurredAt: iso(41), data: { agentId: 'b', from: 'ready', to: 'on_call' } });
    applyEvent(s, { id: 'e8', type: 'agent.state_changed', occurredAt: iso(41), data: { agentId: 'z', from: 'ready', to: 'logged_out' } });
    v = wallboardView(s, T0 + 60_000, opts);
    // 1 answered within 20 s over (3 offered − 1 short abandon)
    expect(v.queues[0]).toMatchObject({ waiting: 0, longestWaitSince: null, answeredToday: 2, serviceLevelToday: 0.5, meetsTarget: false });
    expect(v.agentsByState).toMatchObject({ on_call: 1, ready: 0 });
    expect(v.agents.map((a) => a.id)).toEqual(['b']);
    // the next day starts from zero, and old outcomes are dropped
    expect(wallboardView(s, T0 + 15 * 3_600_000, opts).queues[0]).toMatchObject({ offeredToday: 0, serviceLevelToday: null });
    pruneWallboard(s, T0 + 27 * 3_600_000);
    expect(wallboardView(s, T0 + 27 * 3_600_000, opts).queues).toEqual([]);
  });
});
