// The CDR of each of the ten CTI acceptance cases (requirements §6), built from call
// timelines shaped as the real run writes them (call_events): an outside caller passes the
// IVR, waits in a queue and reaches agent A; B is an ACD agent reached by a transfer. The
// ACD adds its call events and the agents' state changes naming the call; call control
// adds the transfer events (state ringback / answered / conference / completed /
// cancelled, and the reason it ended) and puts the caller on hold for a consultation
// without a call.held of its own. test/e2e/cti-acceptance.test.ts checks the same cases
// end to end.
import { describe, expect, it } from 'vitest';
import { buildCdrDetail, type CdrDetail, type TimelineItem } from '../../src/cdrs/detail.js';

const T0 = Date.parse('2026-11-29T10:00:00.000Z');
const at = (s: number) => new Date(T0 + s * 1000);
const iso = (s: number) => at(s).toISOString();
const e = (s: number, type: string, data: Record<string, unknown> = {}): TimelineItem => ({ type, at: at(s), data });
const agentState = (s: number, agentId: string, from: string, to: string, durationMs?: number) =>
  e(s, 'agent.state_changed', { agentId, from, to, reason: null, callId: 'c1', queueId: null, ...(durationMs !== undefined ? { durationMs } : {}) });

/** Created at 0, IVR 1-2, queued at 3, offered to A at 10, A answers at 12 (waited 9 s). */
const reachA = (): TimelineItem[] => [
  e(0, 'call.created'),
  e(1, 'ivr.step', { node: 'main', nodeType: 'menu', outcome: 'option' }),
  e(2, 'ivr.step', { node: 'sales', nodeType: 'queue', outcome: 'handover' }),
  e(3, 'call.queued', { queue: { id: 'sales', priority: 0, position: 1 } }),
  agentState(10, 'A', 'ready', 'reserved'),
  e(10, 'call.offered', { offer: { id: 'o1', agentId: 'A', queueId: 'sales', attempt: 1, waitMs: 7000, reason: 'queue' } }),
  agentState(12, 'A', 'reserved', 'on_call'),
  e(12, 'call.connected', { agent: { id: 'A' }, queueId: 'sales', waitMs: 9000 }),
];
const transfer = (type: string, s: number, mode: string, state: string, extra: Record<string, unknown> = {}) =>
  e(s, `call.transfer_${type}`, { transfer: { id: 'x1', mode, fromAgentId: 'A', to: { agentId: 'B' }, state, reason: null, answeredAt: null, ...extra } });
/** A reserves B and starts the consultation (or blind transfer) at `s`; B's phone rings. */
const startTransfer = (s: number, mode = 'attended'): TimelineItem[] => [
  agentState(s, 'B', 'ready', 'reserved'),
  transfer('started', s, mode, 'ringback'),
  e(s, 'call.offered', { offer: { id: 'o2', agentId: 'B', queueId: null, attempt: 1, waitMs: 0, reason: mode === 'blind' ? 'transfer' : 'consult' } }),
];

function cdr(timeline: TimelineItem[], endS: number): CdrDetail {
  return buildCdrDetail({ createdAt: at(0), answeredAt: at(1), endedAt: at(endS), hangupCause: 16, endReason: 'completed' }, timeline);
}
const leg = (d: CdrDetail, agentId: string | null) => d.legs.filter((l) => l.agentId === agentId);
const agent = (d: CdrDetail, agentId: string) => d.agents.find((a) => a.agentId === agentId)!;

describe('CDR of the ten transfer cases', () => {
  it('1. A consults B, B ends the consultation, A continues; caller hangs up, then A', () => {
    const d = cdr([
      ...reachA(),
      ...startTransfer(20),
      agentState(25, 'B', 'reserved', 'on_call'),
      transfer('cancelled', 40, 'attended', 'cancelled', { reason: 'the target ended the consultation', answeredAt: iso(25) }),
      agentState(40, 'B', 'on_call', 'wrap_up', 15000),
      agentState(41, 'B', 'wrap_up', 'ready', 1000),
      agentState(60, 'A', 'on_call', 'wrap_up', 48000),
      agentState(70, 'A', 'wrap_up', 'ready', 10000),
    ], 60);
    expect(d.ivrPath).toEqual(['main', 'sales']);
    expect(d).toMatchObject({ queue: { id: 'sales' }, waitMs: 9000, disposition: 'answered', holdMs: 20000, holdCount: 1, complete: true });
    expect(d.legs.map((l) => [l.role, l.agentId])).toEqual([['caller', null], ['agent', 'A'], ['consult', 'B']]);
    // The caller waited on hold from the start of the consultation until B ended it.
    expect(leg(d, 'A')[0]).toMatchObject({ startedAt: iso(12), answeredAt: iso(12), endedAt: iso(60), holdMs: 20000, talkMs: 28000 });
    expect(leg(d, 'B')[0]).toMatchObject({ startedAt: iso(20), answeredAt: iso(25), endedAt: iso(40), talkMs: 15000, endReason: 'consultation_ended' });
    expect(d.transfers).toMatchObject([{ id: 'x1', mode: 'attended', outcome: 'consulted', answeredAt: iso(25), endedAt: iso(40) }]);
    expect(agent(d, 'A')).toMatchObject({ roles: ['agent'], offeredAt: iso(10), talkMs: 28000, holdMs: 20000, wrapUpMs: 10000 });
    expect(agent(d, 'B')).toMatchObject({ roles: ['consult'], offeredAt: iso(20), talkMs: 15000, holdMs: 0, wrapUpMs: 1000 });
  });

  it('2. A consults B, A ends the consultation; A hangs up, then the caller', () => {
    const d = cdr([
      ...reachA(),
      ...startTransfer(20),
      agentState(24, 'B', 'reserved', 'on_call'),
      transfer('cancelled', 35, 'attended', 'cancelled', { reason: 'the initiator ended the consultation', answeredAt: iso(24) }),
      agentState(35, 'B', 'on_call', 'wrap_up', 11000),
      agentState(36, 'B', 'wrap_up', 'ready', 1000),
      // A's hang-up ends the call.
      agentState(55, 'A', 'on_call', 'wrap_up', 43000),
      agentState(56, 'A', 'wrap_up', 'ready', 1000),
    ], 55);
    expect(leg(d, 'A')[0]).toMatchObject({ endedAt: iso(55), endReason: 'agent_hangup', holdMs: 15000, talkMs: 55000 - 12000 - 15000 });
    expect(leg(d, 'B')[0]).toMatchObject({ answeredAt: iso(24), endedAt: iso(35), talkMs: 11000, endReason: 'consultation_ended' });
    expect(leg(d, null)[0]).toMatchObject({ role: 'caller', endedAt: iso(55), talkMs: 54000 });
    expect(d.transfers[0]!.outcome).toBe('consulted');
  });

  it('3. caller hangs up; A goes into after-call work (open until it ends)', () => {
    // At the hang-up A is still on the call: the wrap-up has not even started yet.
    const atHangUp = cdr(reachA(), 60);
    expect(atHangUp.complete).toBe(false);
    expect(agent(atHangUp, 'A')).toMatchObject({ talkMs: 48000, wrapUpMs: null });
    const wrapping = cdr([...reachA(), agentState(60, 'A', 'on_call', 'wrap_up', 48000)], 60);
    expect(wrapping.complete).toBe(false);
    expect(agent(wrapping, 'A')).toMatchObject({ talkMs: 48000, wrapUpMs: null });
    const later = cdr([...reachA(), agentState(60, 'A', 'on_call', 'wrap_up', 48000), agentState(75, 'A', 'wrap_up', 'ready', 15000)], 60);
    expect(later.complete).toBe(true);
    expect(agent(later, 'A')).toMatchObject({ talkMs: 48000, holdMs: 0, wrapUpMs: 15000 });
    expect(later.legs).toHaveLength(2);
    expect(later.transfers).toEqual([]);
    expect(later).toMatchObject({ holdMs: 0, holdCount: 0 });
  });

  it('4. A consults B; B is ringing; A cancels and talks with the caller', () => {
    const d = cdr([
      ...reachA(),
      ...startTransfer(20),
      transfer('cancelled', 28, 'attended', 'cancelled', { reason: 'cancelled by the initiator' }),
      agentState(28, 'B', 'reserved', 'ready'),
      agentState(60, 'A', 'on_call', 'wrap_up'),
      agentState(61, 'A', 'wrap_up', 'ready', 1000),
    ], 60);
    expect(leg(d, 'B')[0]).toMatchObject({ role: 'consult', answeredAt: null, talkMs: 0, endedAt: iso(28), endReason: 'cancelled' });
    expect(d.transfers[0]).toMatchObject({ outcome: 'cancelled', answeredAt: null });
    expect(agent(d, 'A')).toMatchObject({ talkMs: 40000, holdMs: 8000 });
    expect(agent(d, 'B')).toMatchObject({ answeredAt: null, talkMs: 0, wrapUpMs: 0 });
    expect(d.complete).toBe(true);
  });

  it('5. A consults B; B does not answer (ring timeout); A stays with the caller', () => {
    const d = cdr([
      ...reachA(),
      ...startTransfer(20),
      transfer('cancelled', 40, 'attended', 'cancelled', { reason: 'target did not answer in time' }),
      agentState(40, 'B', 'reserved', 'not_ready'),
    ], 60);
    expect(d.transfers[0]).toMatchObject({ outcome: 'no_answer', endedAt: iso(40) });
    expect(leg(d, 'B')[0]).toMatchObject({ talkMs: 0, endReason: 'no_answer' });
    expect(leg(d, 'A')[0]).toMatchObject({ endedAt: iso(60), holdMs: 20000, talkMs: 28000 });
    // The PBX's own no answer (the phone rang out before our timer) reads the same.
    const pbx = cdr([...reachA(), ...startTransfer(20), transfer('cancelled', 40, 'attended', 'cancelled', { reason: 'target no answer' })], 60);
    expect(pbx.transfers[0]!.outcome).toBe('no_answer');
    const busy = cdr([...reachA(), ...startTransfer(20), transfer('cancelled', 21, 'attended', 'cancelled', { reason: 'target busy' })], 60);
    expect(busy.transfers[0]!.outcome).toBe('cancelled');
  });

  const consultThenTransfer = (): TimelineItem[] => [
    ...reachA(),
    ...startTransfer(20),
    agentState(25, 'B', 'reserved', 'on_call'),
    transfer('completed', 35, 'attended', 'completed', { reason: 'completed by the initiator', answeredAt: iso(25) }),
    // A leaves the call: wrap-up.
    agentState(35, 'A', 'on_call', 'wrap_up', 23000),
    agentState(36, 'A', 'wrap_up', 'ready', 1000),
  ];

  it('6. A consults B, then transfers; B talks with the caller; caller hangs up, then B', () => {
    const d = cdr([...consultThenTransfer(), agentState(60, 'B', 'on_call', 'wrap_up', 35000)], 60);
    expect(leg(d, 'A')[0]).toMatchObject({ endedAt: iso(35), endReason: 'transferred', holdMs: 15000, talkMs: 8000 });
    expect(leg(d, 'B')[0]).toMatchObject({ role: 'agent', startedAt: iso(20), answeredAt: iso(25), endedAt: iso(60), talkMs: 35000 });
    expect(agent(d, 'A')).toMatchObject({ wrapUpMs: 1000 });
    expect(agent(d, 'B')).toMatchObject({ roles: ['consult', 'agent'], wrapUpMs: null });
    expect(d.transfers[0]).toMatchObject({ outcome: 'transferred', endedAt: iso(35) });
    expect(d.complete).toBe(false);
  });

  it('7. same, but B hangs up first, then the caller', () => {
    // B's hang-up ends the call.
    const d = cdr([...consultThenTransfer(), agentState(50, 'B', 'on_call', 'wrap_up'), agentState(58, 'B', 'wrap_up', 'ready', 8000)], 50);
    expect(leg(d, 'B')[0]).toMatchObject({ endedAt: iso(50), endReason: 'agent_hangup', talkMs: 25000 });
    expect(leg(d, null)[0]).toMatchObject({ endedAt: iso(50) });
    expect(agent(d, 'B').wrapUpMs).toBe(8000);
    expect(d.complete).toBe(true);
  });

  it('8. blind transfer A to B with the business data; caller hangs up; B goes into after-call work', () => {
    const d = cdr([
      ...reachA(),
      ...startTransfer(30, 'blind'),
      agentState(34, 'B', 'reserved', 'on_call'),
      transfer('completed', 34, 'blind', 'completed', { reason: 'target answered', answeredAt: iso(34) }),
      // A is left alone from the start of a blind transfer; the ACD frees A when B answers.
      agentState(34, 'A', 'on_call', 'wrap_up', 22000),
      agentState(35, 'A', 'wrap_up', 'ready', 1000),
      agentState(60, 'B', 'on_call', 'wrap_up'),
      agentState(80, 'B', 'wrap_up', 'ready', 20000),
    ], 60);
    expect(leg(d, 'A')[0]).toMatchObject({ endedAt: iso(30), endReason: 'transferred', talkMs: 18000, holdMs: 0 });
    expect(leg(d, 'B')[0]).toMatchObject({ role: 'agent', startedAt: iso(34), answeredAt: iso(34), endedAt: iso(60), talkMs: 26000, transferId: 'x1' });
    expect(agent(d, 'B')).toMatchObject({ offeredAt: iso(30), wrapUpMs: 20000 });
    expect(d.transfers[0]).toMatchObject({ mode: 'blind', outcome: 'transferred', answeredAt: iso(34) });
    expect(d.waitMs).toBe(9000);
    expect(d.complete).toBe(true);
    // The same when the transfer's completion is written before B's answer.
    const swapped = cdr([
      ...reachA(),
      ...startTransfer(30, 'blind'),
      transfer('completed', 34, 'blind', 'completed', { reason: 'target answered', answeredAt: iso(34) }),
      agentState(34, 'B', 'reserved', 'on_call'),
    ], 60);
    expect(leg(swapped, 'B')).toMatchObject([{ role: 'agent', answeredAt: iso(34), endedAt: iso(60), talkMs: 26000 }]);
  });

  it('9. during the consultation the caller is on hold; after B wraps up, A and the caller talk again', () => {
    const d = cdr([
      ...reachA(),
      ...startTransfer(20),
      agentState(24, 'B', 'reserved', 'on_call'),
      transfer('cancelled', 40, 'attended', 'cancelled', { reason: 'the target ended the consultation', answeredAt: iso(24) }),
      agentState(40, 'B', 'on_call', 'wrap_up'),
      agentState(50, 'B', 'wrap_up', 'ready', 10000),
      agentState(70, 'A', 'on_call', 'wrap_up'),
      agentState(71, 'A', 'wrap_up', 'ready', 1000),
    ], 70);
    expect(leg(d, 'A')[0]).toMatchObject({ holdMs: 20000, talkMs: 70000 - 12000 - 20000 });
    expect(agent(d, 'B')).toMatchObject({ roles: ['consult'], talkMs: 16000, wrapUpMs: 10000 });
    expect(d).toMatchObject({ holdMs: 20000, holdCount: 1 });
  });

  it('10. A consults B and joins a three-way conference; caller hangs up; B goes into after-call work', () => {
    const d = cdr([
      ...reachA(),
      ...startTransfer(20),
      agentState(25, 'B', 'reserved', 'on_call'),
      e(30, 'call.conference_started', {
        conference: { transferId: 'x1', agentIds: ['A', 'B'] },
        transfer: { id: 'x1', mode: 'attended', fromAgentId: 'A', to: { agentId: 'B' }, state: 'conference', reason: 'conference', answeredAt: iso(25) },
      }),
      agentState(60, 'A', 'on_call', 'wrap_up'),
      agentState(60, 'B', 'on_call', 'wrap_up'),
      agentState(61, 'A', 'wrap_up', 'ready', 1000),
      agentState(72, 'B', 'wrap_up', 'ready', 12000),
    ], 60);
    expect(d.conferences).toEqual([{ at: iso(30), agentIds: ['A', 'B'] }]);
    expect(leg(d, 'A')[0]).toMatchObject({ role: 'conference', endedAt: iso(60), holdMs: 10000, talkMs: 38000 });
    expect(leg(d, 'B')[0]).toMatchObject({ role: 'conference', answeredAt: iso(25), endedAt: iso(60), talkMs: 35000 });
    expect(agent(d, 'A')).toMatchObject({ roles: ['agent', 'conference'], wrapUpMs: 1000 });
    expect(agent(d, 'B')).toMatchObject({ roles: ['consult', 'conference'], wrapUpMs: 12000 });
    expect(d.transfers[0]!.outcome).toBe('conference');
    expect(d).toMatchObject({ holdMs: 10000, holdCount: 1, complete: true });
  });

  it('an API hold during the call counts once, next to a consultation hold', () => {
    const d = cdr([
      ...reachA(),
      e(15, 'call.held', { agentId: 'A' }),
      e(18, 'call.resumed', { agentId: 'A', holdMs: 3000 }),
      ...startTransfer(20),
      transfer('cancelled', 28, 'attended', 'cancelled', { reason: 'cancelled by the initiator' }),
    ], 60);
    expect(agent(d, 'A')).toMatchObject({ holdMs: 11000, talkMs: 48000 - 11000 });
    expect(d).toMatchObject({ holdMs: 11000, holdCount: 2 });
  });
});

describe('CDR disposition', () => {
  const call = (end: number, answered: boolean, reason = 'completed', cause: number | null = 16) =>
    ({ createdAt: at(0), answeredAt: answered ? at(1) : null, endedAt: at(end), hangupCause: cause, endReason: reason });
  it('abandoned and short abandon in a queue, voicemail, fax, PBX restart, survey and recordings', () => {
    const queued = [e(0, 'call.created'), e(3, 'call.queued', { queue: { id: 'sales', position: 1 } })];
    expect(buildCdrDetail(call(40, true), [...queued, e(40, 'call.abandoned', { queue: { id: 'sales' }, waitMs: 37000, short: false })]))
      .toMatchObject({ disposition: 'abandoned', waitMs: 37000 });
    expect(buildCdrDetail(call(5, true), [...queued, e(5, 'call.abandoned', { queue: { id: 'sales' }, waitMs: 2000, short: true })]).disposition)
      .toBe('short_abandon');
    expect(buildCdrDetail(call(90, true), [...queued, e(60, 'call.overflowed', { queue: { id: 'sales' }, waitMs: 57000, to: { type: 'voicemail', id: 'mb1' } })]).disposition)
      .toBe('voicemail');
    expect(buildCdrDetail(call(30, true), [e(2, 'ivr.step', { node: 'fax-in', nodeType: 'fax' })]).disposition).toBe('fax');
    expect(buildCdrDetail(call(30, true, 'channel gone during disconnect', null), reachA()).disposition).toBe('pbx_restart');
    expect(buildCdrDetail(call(30, false, 'completed', 17), []).disposition).toBe('busy');
    const rated = buildCdrDetail(call(80, true), [
      ...reachA(),
      e(13, 'recording.started', { name: 'rec-1' }),
      e(70, 'survey.completed', { rating: '5', rated: true }),
    ]);
    expect(rated).toMatchObject({ survey: { rating: '5', rated: true }, recordings: [{ event: 'started', name: 'rec-1' }] });
  });
});

describe('transfer targets in the CDR', () => {
  it('keeps an extension or number target as asked, not an empty object', () => {
    const toExtension = (s: number, state: string) =>
      e(s, `call.transfer_${state === 'ringback' ? 'started' : 'completed'}`, {
        transfer: { id: 'x9', mode: 'blind', fromAgentId: 'A', to: { extension: '2001' }, state, reason: null, answeredAt: null },
      });
    const detail = cdr([...reachA(), toExtension(20, 'ringback'), toExtension(25, 'completed')], 40);
    expect(detail.transfers.map((t) => t.to)).toEqual([{ extension: '2001' }]);
  });

  it('the wrap-up an agent records lands on their entry: the last one counts', () => {
    const wrapUp = (s: number, code: string, note: string | null) => e(s, 'call.wrap_up_recorded', { wrapUp: { agentId: 'A', code, label: code.toUpperCase(), note } });
    const d = cdr([...reachA(), agentState(60, 'A', 'on_call', 'wrap_up', 48000), wrapUp(62, 'callback', null), wrapUp(64, 'sale', 'two boxes'), agentState(75, 'A', 'wrap_up', 'ready', 15000)], 60);
    expect(agent(d, 'A').wrapUp).toEqual({ code: 'sale', label: 'SALE', note: 'two boxes', at: iso(64) });
    expect(agent(cdr(reachA(), 60), 'A').wrapUp).toBeNull();
  });
});
