// Random journals as the ACD and call control write them: agents moving through their
// states (spans of minutes to hours, crossing quarter hours, days, a month end and a DST
// change), calls queued, overflowed, abandoned or answered, held, transferred and rated,
// from a small pool of callers so that some call again.
import fc from 'fast-check';
import { randomUUID } from 'node:crypto';
import type { Db } from '../../src/db/pool.js';
import type { JournalEvent } from '../../src/reports/kpi.js';

/** Berlin moves to summer time on 29 March 2026 01:00 UTC; April starts two days later. */
export const BASE = Date.parse('2026-03-28T20:00:00Z');
export const SPAN_MS = 4 * 86_400_000;
const QUEUES = ['sales', 'support'];
const AGENTS = ['a1', 'a2', 'a3'];
const CALLERS = ['+111', '+222', '+333', '+444', ''];
const STATES = ['ready', 'reserved', 'not_ready', 'on_call', 'wrap_up', 'logged_out'];

const iso = (t: number) => new Date(t).toISOString();
const ev = (type: string, at: number, data: Record<string, unknown>, callId?: string): JournalEvent => ({
  type, occurredAt: iso(at), ...(callId ? { callId } : {}), data,
});

const agentTrack = fc.record({
  agentId: fc.constantFrom(...AGENTS),
  start: fc.integer({ min: 0, max: SPAN_MS / 2 }),
  steps: fc.array(
    fc.record({
      to: fc.constantFrom(...STATES),
      ms: fc.integer({ min: 1_000, max: 3 * 3_600_000 }),
      reason: fc.constantFrom('break', 'lunch', null),
      queueId: fc.constantFrom(...QUEUES, null),
    }),
    { maxLength: 12 },
  ),
});

const callTrack = fc.record({
  at: fc.integer({ min: 0, max: SPAN_MS - 3_600_000 }),
  caller: fc.constantFrom(...CALLERS),
  queueId: fc.constantFrom(...QUEUES),
  waitMs: fc.integer({ min: 0, max: 120_000 }),
  outcome: fc.constantFrom('answered', 'answered', 'answered', 'abandoned', 'short', 'overflowed'),
  agentId: fc.constantFrom(...AGENTS),
  holdMs: fc.constantFrom(0, 0, 45_000, 1_200_000),
  transfer: fc.constantFrom('none', 'none', 'from', 'bare'),
  survey: fc.constantFrom('none', 'unrated', '1', '2', '3', '5'),
});

function agentEvents(t: { agentId: string; start: number; steps: Array<{ to: string; ms: number; reason: string | null; queueId: string | null }> }): JournalEvent[] {
  let at = BASE + t.start;
  let from = 'logged_out';
  const out = [ev('agent.state_changed', at, { agentId: t.agentId, from, to: 'ready', durationMs: 0, reason: null, queueId: null })];
  from = 'ready';
  for (const s of t.steps) {
    if (s.to === from) continue;
    at += s.ms;
    out.push(ev('agent.state_changed', at, { agentId: t.agentId, from, to: s.to, durationMs: s.ms, reason: s.to === 'not_ready' ? s.reason : null, queueId: s.queueId }));
    from = s.to;
  }
  return out;
}

type CallTrack = typeof callTrack extends fc.Arbitrary<infer T> ? T : never;

function callEvents(c: CallTrack, n: number): JournalEvent[] {
  const id = `c${n}`;
  const at = BASE + c.at;
  const caller = { callId: id, caller: { number: c.caller, name: null }, direction: 'inbound' };
  const out = [ev('call.queued', at, { ...caller, queue: { id: c.queueId, priority: 0, position: 1 } }, id)];
  const end = at + c.waitMs;
  if (c.outcome === 'abandoned' || c.outcome === 'short') {
    out.push(ev('call.abandoned', end, { ...caller, queue: { id: c.queueId, position: 1 }, waitMs: c.waitMs, short: c.outcome === 'short' }, id));
    return out;
  }
  let queueId = c.queueId;
  if (c.outcome === 'overflowed') {
    const other = QUEUES.find((q) => q !== c.queueId)!;
    out.push(ev('call.overflowed', end, { ...caller, queue: { id: c.queueId }, waitMs: c.waitMs, to: { type: 'queue', id: other } }, id));
    out.push(ev('call.queued', end, { ...caller, queue: { id: other, priority: 0, position: 1, overflowFrom: c.queueId } }, id));
    queueId = other;
  }
  const answered = end + 5_000;
  out.push(ev('call.connected', answered, { ...caller, agent: { id: c.agentId }, queueId, waitMs: answered - at }, id));
  let t = answered + 60_000;
  if (c.holdMs) {
    out.push(ev('call.held', t, { ...caller, agentId: c.agentId }, id));
    t += c.holdMs;
    out.push(ev('call.resumed', t, { ...caller, agentId: c.agentId, holdMs: c.holdMs }, id));
  }
  if (c.transfer !== 'none') {
    t += 30_000;
    const transfer = { id: `t${n}`, mode: 'blind', to: { number: '+4930' }, state: 'completed', ...(c.transfer === 'from' ? { fromAgentId: c.agentId } : {}) };
    out.push(ev('call.transfer_completed', t, { ...caller, transfer }, id));
  }
  if (c.survey !== 'none') {
    t += 120_000;
    const survey = c.survey === 'unrated' ? { rating: null, rated: false } : { rating: c.survey, rated: true };
    out.push(ev('survey.completed', t, { ...caller, survey }, id));
  }
  return out;
}

/** A journal in time order (ties keep the order written). */
export const journalArb = fc
  .record({ agents: fc.array(agentTrack, { maxLength: 5 }), calls: fc.array(callTrack, { maxLength: 40 }) })
  .map(({ agents, calls }) => {
    const events = [...agents.flatMap(agentEvents), ...calls.flatMap((c, i) => callEvents(c, i))];
    return events
      .map((e, i) => ({ e, i, at: Date.parse(e.occurredAt) }))
      .sort((a, b) => a.at - b.at || a.i - b.i)
      .map((x) => x.e);
  });

/** Journal rows as the outbox holds them, in the given order. */
export async function writeJournal(db: Db, events: JournalEvent[]): Promise<void> {
  if (!events.length) return;
  const ids = events.map(() => randomUUID());
  await db.query(
    `INSERT INTO outbox (event_id, type, payload, created_at, published_at)
     SELECT id, type, payload, at, now() FROM unnest($1::uuid[], $2::text[], $3::jsonb[], $4::timestamptz[]) WITH ORDINALITY AS x(id, type, payload, at, n)
      ORDER BY n`,
    [ids, events.map((e) => e.type), events.map((e, i) => JSON.stringify({ id: ids[i], version: 1, ...e })), events.map((e) => e.occurredAt)],
  );
}
