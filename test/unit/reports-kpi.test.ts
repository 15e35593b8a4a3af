// The KPI engine on a scripted day of events (test/helpers/report-day.ts). Every expected
// value below is computed by hand in the comments, not by the code.
import { describe, expect, it } from 'vitest';
import { bucketOf, splitSpan } from '../../src/reports/buckets.js';
import { computeKpis, type KpiOptions } from '../../src/reports/kpi.js';
import { D, call, day, ev, state } from '../helpers/report-day.js';

const options = (o: Partial<KpiOptions> = {}): KpiOptions => ({
  from: new Date(`${D}T00:00:00Z`), to: new Date('2026-12-01T00:00:00Z'), granularity: '60m', timeZone: 'UTC',
  serviceLevelSeconds: 20, fcrHours: 24, dissatisfiedAtOrBelow: 2, ...o,
});

describe('KPIs per hour over a scripted day', () => {
  const r = computeKpis([...day].reverse(), options()); // order of the input must not matter
  const q = (interval: string, id: string) => r.queues.find((x) => x.interval === `${D}T${interval}` && x.queueId === id);
  const a = (interval: string, id: string) => r.agents.find((x) => x.interval === `${D}T${interval}` && x.agentId === id);

  it('counts sales 09:00: 2 offered, 2 answered, 1 within 20 s', () => {
    expect(q('09:00', 'sales')).toMatchObject({
      offered: 2, answered: 2, answeredWithinTarget: 1, abandoned: 0, shortAbandoned: 0,
      serviceLevel: 0.5, // 1 / (2 − 0)
      asaSeconds: 22.5, // (5 + 40) / 2
      talkSeconds: 540, // on_call 300 + 300, minus 60 on hold
      holdSeconds: 60,
      wrapUpSeconds: 120, // 60 + 60
      avgHandleSeconds: 360, // (540 + 60 + 120) / 2
      avgTalkSeconds: 270,
      transfers: 1, transferRate: 0.5,
      firstCallResolution: 0.5, // +111 called back at 11:00, +222 did not
      surveys: 2, satisfaction: 2, notRatedShare: 0.5, dissatisfied: 1,
    });
  });

  it('excludes short abandons from the service level and separates overflow', () => {
    expect(q('11:00', 'sales')).toMatchObject({
      offered: 3, answered: 0, abandoned: 1, shortAbandoned: 1, overflowedOut: 1,
      serviceLevel: 0, // 0 / (3 − 1)
      abandonRate: 0.5, // 1 / (3 − 1)
      asaSeconds: null,
    });
    expect(q('11:00', 'support')).toMatchObject({ offered: 0, overflowedIn: 1, abandoned: 1, serviceLevel: null });
    expect(r.queues.some((x) => x.interval.startsWith('2026-11-29'))).toBe(false);
  });

  it('measures agent a1: occupancy, not-ready by reason, hold, log-outs', () => {
    expect(a('08:00', 'a1')).toMatchObject({ loggedInSeconds: 3600, readySeconds: 3600, occupancy: 0, answered: 0, callsPerHour: 0 });
    expect(a('09:00', 'a1')).toMatchObject({
      loggedInSeconds: 3600, // 5 + 300 + 60 + 1435 + 1800
      readySeconds: 1440, // 5 + 1435
      onCallSeconds: 300, talkSeconds: 240, holdSeconds: 60, wrapUpSeconds: 60,
      notReadySeconds: 1800, notReadyByReason: { break: 1800 },
      occupancy: 0.1, // (300 + 60) / 3600
      notReadyRate: 0.5,
      answered: 1, callsPerHour: 1, avgHandleSeconds: 360,
      firstCallResolution: 0, satisfaction: 2, notRatedShare: 0, dissatisfied: 1,
    });
    expect(a('10:00', 'a1')).toMatchObject({
      loggedInSeconds: 1800, notReadyByReason: { break: 600 }, readySeconds: 1200,
      notReadyRate: 0.3333, logouts: 1, logoutsPerDay: 1,
    });
  });

  it('measures agent a2 with its transfer and unrated survey', () => {
    expect(a('09:00', 'a2')).toMatchObject({
      loggedInSeconds: 3600, readySeconds: 3240, occupancy: 0.1, answered: 1, transfers: 1, transferRate: 1,
      firstCallResolution: 1, surveys: 1, satisfaction: null, notRatedShare: 1, talkSeconds: 300,
    });
    expect(a('10:00', 'a2')).toMatchObject({ logouts: 1, loggedInSeconds: 0 });
  });

  it('clips spans at the start of the range', () => {
    expect(a('00:00', 'a3')).toMatchObject({ loggedInSeconds: 1800, readySeconds: 1800 });
  });
});

describe('KPIs per day and in a time zone', () => {
  it('adds the day up', () => {
    const r = computeKpis(day, options({ granularity: 'day' }));
    expect(r.queues.find((x) => x.queueId === 'sales')).toMatchObject({
      interval: D, offered: 5, answered: 2, answeredWithinTarget: 1, shortAbandoned: 1, abandoned: 1,
      serviceLevel: 0.25, // 1 / (5 − 1)
      abandonRate: 0.25,
    });
    expect(r.agents.find((x) => x.agentId === 'a1')).toMatchObject({
      loggedInSeconds: 9000, occupancy: 0.04, notReadySeconds: 2400, notReadyRate: 0.2667, callsPerHour: 0.4, logouts: 1, logoutsPerDay: 1,
    });
  });

  it('counts agent-days within a month', () => {
    const next = [
      state('2026-12-01T09:00:00.000Z', 'a1', 'logged_out', 'ready', 0),
      state('2026-12-01T10:00:00.000Z', 'a1', 'ready', 'logged_out', 3_600_000),
    ];
    const r = computeKpis([...day, ...next], options({ granularity: 'month', to: new Date('2027-01-01T00:00:00Z') }));
    expect(r.agents.find((x) => x.agentId === 'a1' && x.interval === '2026-12')).toMatchObject({ logouts: 1, logoutsPerDay: 1 });
    expect(r.agents.find((x) => x.agentId === 'a1' && x.interval === '2026-11')).toMatchObject({ logouts: 1, logoutsPerDay: 1, loggedInSeconds: 9000 });
  });

  it('uses the local clock of the centre', () => {
    // 09:00Z is 10:00 in Berlin in winter
    const r = computeKpis(day, options({ timeZone: 'Europe/Berlin', granularity: '30m' }));
    expect(r.queues.find((x) => x.interval === `${D}T10:00` && x.queueId === 'sales')).toMatchObject({ offered: 2, answered: 2 });
    expect(bucketOf(Date.parse('2026-11-30T23:30:00Z'), 'day', 'Europe/Berlin').key).toBe('2026-12-01');
    const kolkata = bucketOf(Date.parse('2026-11-30T04:40:00Z'), '30m', 'Asia/Kolkata');
    expect(kolkata.key).toBe('2026-11-30T10:00');
    expect(new Date(kolkata.start).toISOString()).toBe('2026-11-30T04:30:00.000Z');
    // 2026-10-25 has 25 hours in Berlin
    const dst = bucketOf(Date.parse('2026-10-25T12:00:00Z'), 'day', 'Europe/Berlin');
    expect(dst.end - dst.start).toBe(25 * 3_600_000);
    const pieces = splitSpan(Date.parse('2026-11-30T09:50:00Z'), Date.parse('2026-11-30T10:20:00Z'), 0, Infinity, '15m', 'UTC');
    expect(pieces.map(([b, ms]) => [b.key, ms / 60_000])).toEqual([['2026-11-30T09:45', 10], ['2026-11-30T10:00', 15], ['2026-11-30T10:15', 5]]);
  });
});

describe('transfers', () => {
  it('credit the survey to the last agent and the queue the call came through; resolution only once', () => {
    const events = [
      ev('call.queued', '09:00:00', { ...call('t1', '+700'), queue: { id: 'sales', priority: 0, position: 1 } }, 't1'),
      ev('call.connected', '09:00:10', { ...call('t1', '+700'), agent: { id: 'a1' }, queueId: 'sales', waitMs: 10_000 }, 't1'),
      ev('call.transfer_completed', '09:02:00', { ...call('t1', '+700'), transfer: { id: 'x', mode: 'attended', fromAgentId: 'a1', to: { agentId: 'a2' }, state: 'completed' } }, 't1'),
      ev('call.connected', '09:02:00', { ...call('t1', '+700'), agent: { id: 'a2' }, queueId: null, waitMs: 0 }, 't1'),
      ev('survey.completed', '09:05:00', { ...call('t1', '+700'), survey: { rating: '4', rated: true } }, 't1'),
    ];
    const r = computeKpis(events, options());
    expect(r.queues).toEqual([expect.objectContaining({ queueId: 'sales', answered: 1, transfers: 1, transferRate: 1, satisfaction: 4, firstCallResolution: 1 })]);
    const byAgent = Object.fromEntries(r.agents.map((a) => [a.agentId, a]));
    expect(byAgent.a1).toMatchObject({ answered: 1, transfers: 1, surveys: 0, firstCallResolution: 1 });
    expect(byAgent.a2).toMatchObject({ answered: 1, transfers: 0, surveys: 1, satisfaction: 4, firstCallResolution: null });
  });
});

