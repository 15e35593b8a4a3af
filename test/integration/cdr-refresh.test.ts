// Completing a CDR after the call ended (an agent's wrap-up ends later): the refresh reads
// the CDR and its timeline in one statement; what it derives must be what the rows give.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { advanceCall, createCall, endCall, noteCallEvent } from '../../src/calls/repository.js';
import { buildCdrDetail } from '../../src/cdrs/detail.js';
import { refreshCdrDetail } from '../../src/cdrs/refresh.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';

describe('refreshing a CDR', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(async () => t.drop());

  it('derives the detail from the CDR and its whole timeline, oldest first, and stores it', async () => {
    const start = new Date('2026-12-07T10:00:00.000Z');
    const at = (s: number) => new Date(start.getTime() + s * 1000);
    const { call } = await createCall(t.db, {
      pbxNode: 'pbx1', channelId: '1795384500.1', linkedid: '1795384500.1', direction: 'inbound',
      callerNumber: '+15551230001', callerName: null, dnis: '800', at: start,
    });
    await advanceCall(t.db, call, [{ to: 'answered' }], at(1));
    await noteCallEvent(t.db, call.id, 'acd.queued', { queueId: 'support' }, at(2));
    await noteCallEvent(t.db, call.id, 'acd.connected', { queueId: 'support', agentId: 'alice', channelId: 'agent-1' }, at(5));
    const ended = await endCall(t.db, call.id, { cause: 16, reason: 'completed', at: at(20) });
    // Later than the end, as a wrap-up is: the same instant twice, so only the id orders them.
    await noteCallEvent(t.db, call.id, 'acd.wrap_up_ended', { agentId: 'alice' }, at(30));
    await noteCallEvent(t.db, call.id, 'acd.agent_note', { agentId: 'alice', n: 1 }, at(30));

    const detail = await refreshCdrDetail(t.db, ended!.cdr.id);

    const { rows: timeline } = await t.db.query('SELECT type, at, data FROM call_events WHERE call_id = $1 ORDER BY id', [call.id]);
    const expected = buildCdrDetail({ createdAt: start, answeredAt: at(1), endedAt: at(20), hangupCause: 16, endReason: 'completed' }, timeline);
    expect(timeline.length).toBeGreaterThanOrEqual(6);
    expect(detail).toEqual(expected);
    const { rows } = await t.db.query('SELECT detail FROM cdrs WHERE id = $1', [ended!.cdr.id]);
    expect(rows[0].detail).toEqual(JSON.parse(JSON.stringify(expected)));
  });

  it('finds nothing to refresh for an unknown CDR', async () => {
    expect(await refreshCdrDetail(t.db, '00000000-0000-7000-8000-000000000000')).toBeUndefined();
  });
});
