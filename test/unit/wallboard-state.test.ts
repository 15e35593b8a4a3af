import { describe, expect, it } from 'vitest';
import { emptySums } from '../../src/reports/rollup-fold.js';
import { addQuarter, applyEvent, emptyWallboard, pruneWallboard } from '../../src/wallboard/state.js';
import { wallboardView, type Directory, type DirectoryQueue } from '../../src/wallboard/view.js';

const T0 = Date.parse('2026-11-30T10:00:00Z');
const iso = (s: number) => new Date(T0 + s * 1000).toISOString();
const opts = { timeZone: 'UTC', serviceLevelSeconds: 20, serviceLevelTarget: 0.8 };
const noDir: Directory = { queues: new Map(), agents: new Map() };
const fig = (v: ReturnType<typeof wallboardView>, q: string, metric: string) =>
  v.queues.find((x) => x.id === q)!.figures.find((f) => f.metric === metric)!;

describe('wallboard state', () => {
  it('tracks waiting callers, today\'s figures and agents by state', () => {
    const s = emptyWallboard();
    applyEvent(s, { id: 'e1', type: 'call.queued', occurredAt: iso(0), callId: 'c1', data: { queue: { id: 'q' } } });
    applyEvent(s, { id: 'e2', type: 'call.queued', occurredAt: iso(10), callId: 'c2', data: { queue: { id: 'q' } } });
    applyEvent(s, { id: 'e3', type: 'call.queued', occurredAt: iso(12), callId: 'c3', data: { queue: { id: 'q' } } });
    expect(applyEvent(s, { id: 'e1', type: 'call.queued', occurredAt: iso(0), callId: 'c1', data: { queue: { id: 'q' } } })).toBe(false);
    let v = wallboardView(s, noDir, new Map(), T0 + 30_000, opts);
    expect(v.queues).toEqual([expect.objectContaining({ id: 'q', name: 'q', waiting: 3, longestWaitSeconds: 30, offeredToday: 3, serviceLevelToday: 0 })]);
    expect(fig(v, 'q', 'waiting')).toMatchObject({ value: 3, level: 'warning' });
    expect(fig(v, 'q', 'longestWait')).toMatchObject({ value: 30, level: 'warning' }); // 20 s target: alarm at 60 s
    applyEvent(s, { id: 'e4', type: 'call.connected', occurredAt: iso(40), callId: 'c1', data: { queueId: 'q', waitMs: 40_000, agent: { id: 'a' } } });
    applyEvent(s, { id: 'e5', type: 'call.connected', occurredAt: iso(41), callId: 'c2', data: { queueId: 'q', waitMs: 5_000, agent: { id: 'b' } } });
    applyEvent(s, { id: 'e6', type: 'call.abandoned', occurredAt: iso(42), callId: 'c3', data: { queue: { id: 'q' }, short: true } });
    applyEvent(s, { id: 'e7', type: 'agent.state_changed', occurredAt: iso(41), data: { agentId: 'b', from: 'ready', to: 'on_call', durationMs: 1000 } });
    applyEvent(s, { id: 'e8', type: 'agent.state_changed', occurredAt: iso(41), data: { agentId: 'z', from: 'ready', to: 'logged_out' } });
    // b talks 60 s, then wraps up for 20 s: the queue's handle time
    applyEvent(s, { id: 'e9', type: 'agent.state_changed', occurredAt: iso(101), data: { agentId: 'b', from: 'on_call', to: 'wrap_up', durationMs: 60_000, queueId: 'q' } });
    applyEvent(s, { id: 'e10', type: 'agent.state_changed', occurredAt: iso(121), data: { agentId: 'b', from: 'wrap_up', to: 'ready', durationMs: 20_000, queueId: 'q' } });
    v = wallboardView(s, noDir, new Map(), T0 + 130_000, opts);
    // 1 answered within 20 s over (3 offered − 1 short abandon)
    expect(v.queues[0]).toMatchObject({ waiting: 0, longestWaitSince: null, answeredToday: 2, serviceLevelToday: 0.5, meetsTarget: false });
    expect(fig(v, 'q', 'serviceLevel')).toMatchObject({ value: 50, level: 'alarm' });
    expect(fig(v, 'q', 'asa')).toMatchObject({ value: 23 }); // (40 + 5) / 2, rounded
    expect(fig(v, 'q', 'aht')).toMatchObject({ value: 40 }); // 80 s over 2 answered
    expect(fig(v, 'q', 'ready')).toMatchObject({ value: null, level: 'none' }); // no definition: nobody known to serve it
    expect(v.agentsByState).toMatchObject({ ready: 1, on_call: 0 });
    expect(v.agents.map((a) => a.id)).toEqual(['b']);
    // the next day starts from zero, and old sums are dropped
    expect(wallboardView(s, noDir, new Map(), T0 + 15 * 3_600_000, opts).queues[0]).toMatchObject({ offeredToday: 0, serviceLevelToday: null });
    pruneWallboard(s, T0 + 27 * 3_600_000);
    expect(wallboardView(s, noDir, new Map(), T0 + 27 * 3_600_000, opts).queues).toEqual([]);
  });

  it('shows names, the queue\'s own target and thresholds, and only the agents who serve a link\'s queues', () => {
    const s = emptyWallboard();
    addQuarter(s, 'sales', T0 - 900_000, { ...emptySums(), offered: 10, answered: 9, waits: { '5': 9 }, waitMsAnswered: 45_000 });
    for (const [id, to] of [['a1', 'ready'], ['a2', 'not_ready'], ['a3', 'ready']] as const)
      applyEvent(s, { id: `s-${id}`, type: 'agent.state_changed', occurredAt: iso(0), data: { agentId: id, from: 'logged_out', to } });
    const dir: Directory = {
      queues: new Map<string, DirectoryQueue>([
        ['sales', { name: 'Sales', serviceLevel: { percent: 90, seconds: 10 }, skills: { sales: 1 }, thresholds: { ready: { warning: 2, alarm: 1 } } }],
        ['help', { name: 'Help desk', serviceLevel: { percent: 80, seconds: 30 }, skills: { help: 1 }, thresholds: null }],
      ]),
      agents: new Map<string, { name: string; skills: Record<string, number> }>([
        ['a1', { name: 'Anna', skills: { sales: 2 } }],
        ['a2', { name: 'Ben', skills: { sales: 1, help: 1 } }],
        ['a3', { name: 'Cleo', skills: { help: 3 } }],
      ]),
    };
    const v = wallboardView(s, dir, new Map(), T0, opts);
    expect(v.queues.map((q) => q.name)).toEqual(['Sales', 'Help desk']); // the alarm first
    expect(fig(v, 'sales', 'ready')).toMatchObject({ value: 1, level: 'alarm' });
    expect(fig(v, 'sales', 'serviceLevel')).toMatchObject({ value: 90, level: 'warning', threshold: { warning: 90, alarm: 80 } });
    expect(fig(v, 'help', 'ready')).toMatchObject({ value: 1, level: 'ok' });
    expect(v.agents.map((a) => a.name)).toEqual(['Ben', 'Anna', 'Cleo']); // not ready first
    const salesOnly = wallboardView(s, dir, new Map(), T0, { ...opts, queues: ['sales'] });
    expect(salesOnly.agents.map((a) => a.name)).toEqual(['Ben', 'Anna']);
    expect(salesOnly.charts.map((c) => [c.title, c.queueId, c.totals.offered])).toEqual([['Sales', 'sales', 10]]);
    // Two queues: a chart each, in the queues' order, narrower so its text stays large.
    expect(v.charts.map((c) => [c.title, c.queueId, c.totals.offered, c.width])).toEqual([
      ['Sales', 'sales', 10, 800],
      ['Help desk', 'help', 0, 800],
    ]);
    expect(v.charts[0]!.targetY).not.toBeNull();
  });

  it('charts the centre once the board shows more queues than fit side by side', () => {
    const s = emptyWallboard();
    const ids = ['q1', 'q2', 'q3', 'q4'];
    for (const [i, id] of ids.entries()) addQuarter(s, id, T0 - 900_000, { ...emptySums(), offered: i + 1 });
    const dir: Directory = {
      queues: new Map(ids.map((id) => [id, { name: id.toUpperCase(), serviceLevel: { percent: 80, seconds: 20 }, skills: {}, thresholds: null }])),
      agents: new Map(),
    };
    const four = wallboardView(s, dir, new Map(), T0, opts);
    expect(four.charts.map((c) => [c.title, c.queueId, c.totals.offered, c.width])).toEqual([['All queues', null, 10, 1600]]);
    const three = wallboardView(s, dir, new Map(), T0, { ...opts, queues: ['q1', 'q2', 'q3'] });
    expect(three.charts.map((c) => [c.queueId, c.totals.offered, c.width])).toEqual([
      ['q1', 1, 600],
      ['q2', 2, 600],
      ['q3', 3, 600],
    ]);
    // Hour labels never crowd a narrow chart.
    for (const c of three.charts) expect(c.xTicks.length).toBeLessThanOrEqual(Math.floor((c.plot.right - c.plot.left) / 140) + 1);
  });
});
