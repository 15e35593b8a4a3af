// A scripted day of journal events (payloads as the ACD and call control emit them),
// shared by the KPI engine's unit test and the report API's integration test.
import type { JournalEvent } from '../../src/reports/kpi.js';

export const D = '2026-11-30';
const at = (hms: string) => `${D}T${hms}.000Z`;
export const call = (callId: string, number: string) => ({ callId, caller: { number, name: null }, direction: 'inbound' });
export const ev = (type: string, time: string, data: Record<string, unknown>, callId?: string): JournalEvent => ({
  type, occurredAt: time.includes('T') ? time : at(time), ...(callId ? { callId } : {}), data,
});
export const state = (time: string, agentId: string, from: string, to: string, durationMs: number, extra: Record<string, unknown> = {}) =>
  ev('agent.state_changed', time, { agentId, from, to, durationMs, reason: null, callId: null, queueId: null, ...extra });

// The day: queue sales (T = 20 s), agents a1 and a2, an overflow queue support.
export const day: JournalEvent[] = [
  // outside the range: must not count; a3's ready span straddles midnight (half counts)
  ev('call.queued', '2026-11-29T23:59:00.000Z', { ...call('c0', '+999'), queue: { id: 'sales', priority: 0, position: 1 } }, 'c0'),
  state('00:30:00', 'a3', 'ready', 'logged_out', 3_600_000),
  // a1: ready 08:00 → on c1 09:00:05 (hold 09:02–09:03) → wrap-up 09:05:05 → ready 09:06:05
  //     → break 09:30 → ready 10:10 → logged out 10:30
  state('08:00:00', 'a1', 'logged_out', 'ready', 0),
  ev('call.queued', '09:00:00', { ...call('c1', '+111'), queue: { id: 'sales', priority: 0, position: 1 } }, 'c1'),
  ev('call.connected', '09:00:05', { ...call('c1', '+111'), agent: { id: 'a1' }, queueId: 'sales', waitMs: 5000 }, 'c1'),
  state('09:00:05', 'a1', 'ready', 'on_call', 3_605_000, { callId: 'c1', queueId: 'sales' }),
  ev('call.held', '09:02:00', { ...call('c1', '+111'), agentId: 'a1' }, 'c1'),
  ev('call.resumed', '09:03:00', { ...call('c1', '+111'), agentId: 'a1', holdMs: 60_000 }, 'c1'),
  state('09:05:05', 'a1', 'on_call', 'wrap_up', 300_000, { callId: 'c1', queueId: 'sales' }),
  ev('survey.completed', '09:06:00', { ...call('c1', '+111'), survey: { rating: '2', rated: true } }, 'c1'),
  state('09:06:05', 'a1', 'wrap_up', 'ready', 60_000, { callId: 'c1', queueId: 'sales' }),
  state('09:30:00', 'a1', 'ready', 'not_ready', 1_435_000, { reason: 'break' }),
  state('10:10:00', 'a1', 'not_ready', 'ready', 2_400_000),
  state('10:30:00', 'a1', 'ready', 'logged_out', 1_200_000),
  // a2: ready 09:00 → on c2 09:10:40 (transferred away at 09:15) → wrap-up 09:15:40 → ready 09:16:40 → out 10:00
  state('09:00:00', 'a2', 'logged_out', 'ready', 0),
  ev('call.queued', '09:10:00', { ...call('c2', '+222'), queue: { id: 'sales', priority: 0, position: 1 } }, 'c2'),
  ev('call.connected', '09:10:40', { ...call('c2', '+222'), agent: { id: 'a2' }, queueId: 'sales', waitMs: 40_000 }, 'c2'),
  state('09:10:40', 'a2', 'ready', 'on_call', 640_000, { callId: 'c2', queueId: 'sales' }),
  ev('call.transfer_completed', '09:15:00', { ...call('c2', '+222'), transfer: { id: 't1', mode: 'blind', fromAgentId: 'a2', to: { number: '+4930' }, state: 'completed' } }, 'c2'),
  state('09:15:40', 'a2', 'on_call', 'wrap_up', 300_000, { callId: 'c2', queueId: 'sales' }),
  state('09:16:40', 'a2', 'wrap_up', 'ready', 60_000, { callId: 'c2', queueId: 'sales' }),
  ev('survey.completed', '09:20:00', { ...call('c2', '+222'), survey: { rating: null, rated: false } }, 'c2'),
  state('10:00:00', 'a2', 'ready', 'logged_out', 2_600_000),
  // 11:00: +111 calls again (so c1 was not resolved first time) and hangs up at once (short);
  // c4 gives up after a minute; c5 overflows to support and gives up there.
  ev('call.queued', '11:00:00', { ...call('c3', '+111'), queue: { id: 'sales', priority: 0, position: 1 } }, 'c3'),
  ev('call.abandoned', '11:00:03', { ...call('c3', '+111'), queue: { id: 'sales', position: 1 }, waitMs: 3000, short: true }, 'c3'),
  ev('call.queued', '11:05:00', { ...call('c4', '+333'), queue: { id: 'sales', priority: 0, position: 1 } }, 'c4'),
  ev('call.abandoned', '11:06:00', { ...call('c4', '+333'), queue: { id: 'sales', position: 1 }, waitMs: 60_000, short: false }, 'c4'),
  ev('call.queued', '11:10:00', { ...call('c5', '+444'), queue: { id: 'sales', priority: 0, position: 1 } }, 'c5'),
  ev('call.overflowed', '11:12:00', { ...call('c5', '+444'), queue: { id: 'sales' }, waitMs: 120_000, to: { type: 'queue', id: 'support' } }, 'c5'),
  ev('call.queued', '11:12:00', { ...call('c5', '+444'), queue: { id: 'support', priority: 0, position: 1, overflowFrom: 'sales' } }, 'c5'),
  ev('call.abandoned', '11:13:00', { ...call('c5', '+444'), queue: { id: 'support', position: 1 }, waitMs: 60_000, short: false }, 'c5'),
];

