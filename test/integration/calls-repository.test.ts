import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { advanceCall, createCall, endCall, findCallByChannel, transitionCall, transitionCallIn, transitionCallThrough } from '../../src/calls/repository.js';
import { withTransaction } from '../../src/db/pool.js';
import { IllegalTransitionError } from '../../src/calls/state.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';

describe('call repository', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(async () => t.drop());

  const newCall = (channelId: string) => ({
    pbxNode: 'pbx1', channelId, linkedid: channelId, direction: 'inbound' as const,
    callerNumber: '+15551230001', callerName: 'Alice Caller', dnis: '100',
  });

  async function outboxTypes(callId: string): Promise<string[]> {
    const { rows } = await t.db.query("SELECT type FROM outbox WHERE payload->>'callId' = $1 ORDER BY id", [callId]);
    return rows.map((r) => r.type);
  }

  it('creates a call once per channel, with its event, even when the event repeats', async () => {
    const first = await createCall(t.db, newCall('1795384317.33'));
    const again = await createCall(t.db, newCall('1795384317.33'));
    expect(first.created).toBe(true);
    expect(again.created).toBe(false);
    expect(again.call.id).toBe(first.call.id);
    expect(await outboxTypes(first.call.id)).toEqual(['call.created']);
    expect((await findCallByChannel(t.db, 'pbx1', '1795384317.33'))?.id).toBe(first.call.id);
  });

  it('moves through several states in one transaction as it would one by one, skipping a step already taken', async () => {
    const { call } = await createCall(t.db, newCall('1795384600.3'));
    const moved = await transitionCallThrough(t.db, call.id, [{ to: 'answered' }, { to: 'ivr', data: { flowId: 'f1', flowVersion: 2 } }]);
    expect(moved?.state).toBe('ivr');
    expect(moved?.answeredAt).toBeInstanceOf(Date);
    const { rows } = await t.db.query('SELECT type, data FROM call_events WHERE call_id = $1 ORDER BY id', [call.id]);
    expect(rows).toEqual([
      { type: 'call.created', data: expect.any(Object) },
      { type: 'call.answered', data: { from: 'ringing' } },
      { type: 'call.ivr', data: { from: 'answered', flowId: 'f1', flowVersion: 2 } },
    ]);
    expect(await outboxTypes(call.id)).toEqual(['call.created', 'call.answered']);
    // Already there: nothing changes, nothing is announced again.
    expect(await transitionCallThrough(t.db, call.id, [{ to: 'ivr' }])).toBeUndefined();

    const other = (await createCall(t.db, newCall('1795384600.4'))).call;
    await transitionCall(t.db, other.id, 'answered');
    expect((await transitionCallThrough(t.db, other.id, [{ to: 'answered' }, { to: 'ivr' }]))?.state).toBe('ivr');
    const timeline = await t.db.query('SELECT type FROM call_events WHERE call_id = $1 ORDER BY id', [other.id]);
    expect(timeline.rows.map((r) => r.type)).toEqual(['call.created', 'call.answered', 'call.ivr']);
    expect(await outboxTypes(other.id)).toEqual(['call.created', 'call.answered']);
  });

  it('advances a call it knows in one statement, and decides on the locked row when the call moved on', async () => {
    const { call } = await createCall(t.db, newCall('1795384700.1'));
    const statements: string[] = [];
    const counted = new Proxy(t.db, {
      get(target, prop, receiver) {
        if (prop !== 'query') return Reflect.get(target, prop, receiver);
        return (q: unknown, ...rest: unknown[]) => {
          statements.push(typeof q === 'string' ? q : String((q as { text: string }).text));
          return (target.query as (...a: unknown[]) => unknown).call(target, q, ...rest);
        };
      },
    });
    const moved = await advanceCall(counted, call, [{ to: 'answered' }, { to: 'ivr', data: { flowId: 'f1', flowVersion: 3 } }]);
    expect(statements).toHaveLength(1);
    expect(moved?.state).toBe('ivr');
    expect(moved?.answeredAt).toBeInstanceOf(Date);
    const { rows } = await t.db.query('SELECT type, data FROM call_events WHERE call_id = $1 ORDER BY id', [call.id]);
    expect(rows).toEqual([
      { type: 'call.created', data: expect.any(Object) },
      { type: 'call.answered', data: { from: 'ringing' } },
      { type: 'call.ivr', data: { from: 'answered', flowId: 'f1', flowVersion: 3 } },
    ]);
    const { rows: events } = await t.db.query("SELECT payload FROM outbox WHERE payload->>'callId' = $1 ORDER BY id", [call.id]);
    expect(events.map((r) => r.payload.type)).toEqual(['call.created', 'call.answered']);
    expect(events[1].payload.data).toMatchObject({ callId: call.id, state: 'answered', caller: { number: '+15551230001', name: 'Alice Caller' } });

    // The copy in hand still says ringing; the row says ivr already: nothing is written twice.
    expect(await advanceCall(t.db, call, [{ to: 'ivr' }])).toBeUndefined();
    // And a move the stale copy forbids but the row allows goes through the locked read.
    const stale = { ...moved!, state: 'ringing' as const };
    expect((await advanceCall(t.db, stale, [{ to: 'queued' }]))?.state).toBe('queued');
    await endCall(t.db, call.id, { cause: 16, reason: 'completed' });
    expect(await advanceCall(t.db, moved!, [{ to: 'queued' }])).toBeUndefined();
    const timeline = await t.db.query('SELECT type FROM call_events WHERE call_id = $1 ORDER BY id', [call.id]);
    expect(timeline.rows.map((r) => r.type)).toEqual(['call.created', 'call.answered', 'call.ivr', 'call.queued', 'call.ended']);
  });

  it('takes a step inside a transaction with its lock, check and writes in one statement', async () => {
    const { call } = await createCall(t.db, newCall('1795384800.1'));
    await transitionCallThrough(t.db, call.id, [{ to: 'answered' }, { to: 'ivr' }]);
    const step = (to: 'queued' | 'connected' | 'held', skipIllegal = false) =>
      withTransaction(t.db, async (tx) => {
        let n = 0;
        const counted = { query: (...a: unknown[]) => (n++, (tx.query as (...x: unknown[]) => unknown)(...a)) } as unknown as typeof tx;
        const result = await transitionCallIn(counted, call.id, [{ to, data: { queueId: 'q1' } }], new Date(), { skipIllegal });
        return { ...result, statements: n };
      });
    const queued = await step('queued');
    expect(queued).toMatchObject({ statements: 1, current: { state: 'queued' }, changed: { state: 'queued' } });
    const again = await step('queued');
    expect(again).toMatchObject({ statements: 1, current: { state: 'queued' }, changed: undefined });
    await expect(step('held')).rejects.toBeInstanceOf(IllegalTransitionError);
    expect(await step('held', true)).toMatchObject({ current: { state: 'queued' }, changed: undefined });
    expect((await step('connected')).changed?.state).toBe('connected');
    const { rows } = await t.db.query('SELECT type, data FROM call_events WHERE call_id = $1 ORDER BY id', [call.id]);
    expect(rows.slice(3)).toEqual([
      { type: 'call.queued', data: { from: 'ivr', queueId: 'q1' } },
      { type: 'call.connected', data: { from: 'queued', queueId: 'q1' } },
    ]);
    expect(await outboxTypes(call.id)).toEqual(['call.created', 'call.answered']);
    const missing = await withTransaction(t.db, (tx) => transitionCallIn(tx, '00000000-0000-7000-8000-000000000000', [{ to: 'queued' }]));
    expect(missing).toEqual({ current: undefined, changed: undefined });
  });

  it('answers, ends, writes one CDR and announces each step exactly once', async () => {
    const { call } = await createCall(t.db, newCall('1795384400.1'));
    const answered = await transitionCall(t.db, call.id, 'answered');
    expect(answered?.answeredAt).toBeInstanceOf(Date);
    expect(await transitionCall(t.db, call.id, 'answered')).toBeUndefined();
    const ended = await endCall(t.db, call.id, { cause: 16, reason: 'caller hung up' });
    expect(ended?.cdr.disposition).toBe('answered');
    expect(await endCall(t.db, call.id, { cause: 16, reason: 'again' })).toBeUndefined();
    expect(await outboxTypes(call.id)).toEqual(['call.created', 'call.answered', 'call.ended', 'cdr.created']);
    const cdrs = await t.db.query('SELECT * FROM cdrs WHERE call_id = $1', [call.id]);
    expect(cdrs.rowCount).toBe(1);
    expect(cdrs.rows[0].hangup_cause).toBe(16);
    const timeline = await t.db.query('SELECT type FROM call_events WHERE call_id = $1 ORDER BY id', [call.id]);
    expect(timeline.rows.map((r) => r.type)).toEqual(['call.created', 'call.answered', 'call.ended']);
  });

  it('refuses an illegal transition and changes nothing', async () => {
    const { call } = await createCall(t.db, newCall('1795384500.7'));
    await expect(transitionCall(t.db, call.id, 'held')).rejects.toThrow(IllegalTransitionError);
    const { rows } = await t.db.query('SELECT state FROM calls WHERE id = $1', [call.id]);
    expect(rows[0].state).toBe('ringing');
    expect(await outboxTypes(call.id)).toEqual(['call.created']);
  });

  it('ends a never-answered call as no_answer', async () => {
    const { call } = await createCall(t.db, newCall('1795384600.9'));
    const ended = await endCall(t.db, call.id, { cause: 19, reason: 'no answer' });
    expect(ended?.cdr.disposition).toBe('no_answer');
    expect(ended?.cdr.talkMs).toBe(0);
  });
});
