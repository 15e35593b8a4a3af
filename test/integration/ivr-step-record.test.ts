import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callSummary, createCall, endCall, getCall, transitionCallThrough } from '../../src/calls/repository.js';
import { recordIvrStep, recordIvrSteps } from '../../src/ivr/call-store.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';

// An IVR step's call.ivr_step is composed in SQL from the locked call row: it must be
// exactly the payload every other call.* event carries (callSummary) plus the step.
describe('an IVR step as one statement', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(async () => t.drop());

  const newCall = (channelId: string) => ({
    pbxNode: 'pbx1', channelId, linkedid: `link-${channelId}`, direction: 'inbound' as const,
    callerNumber: '+15551230001', callerName: null, dnis: '800', data: { crm: { tier: 'gold' }, note: 'x' },
  });

  it('writes the timeline entry and an event shaped as callSummary plus the step', async () => {
    const { call } = await createCall(t.db, newCall('1795384400.1'));
    await transitionCallThrough(t.db, call.id, [{ to: 'answered' }, { to: 'ivr', data: { flowId: 'f', flowVersion: 3 } }]);
    const at = new Date('2026-12-07T10:00:00.123Z');
    await recordIvrStep(t.db, call.id, { id: 'f', version: 3 }, { type: 'step', node: 'menu', nodeType: 'menu', outcome: 'matched', input: '1' } as never, at);

    const step = { flowId: 'f', flowVersion: 3, node: 'menu', nodeType: 'menu', outcome: 'matched', input: '1' };
    const now = (await getCall(t.db, call.id))!;
    const { rows } = await t.db.query("SELECT event_id, payload FROM outbox WHERE type = 'call.ivr_step' AND payload->>'callId' = $1", [call.id]);
    expect(rows).toHaveLength(1);
    expect(rows[0].payload).toEqual({
      id: rows[0].event_id,
      type: 'call.ivr_step',
      version: 1,
      occurredAt: at.toISOString(),
      callId: call.id,
      pbxNode: 'pbx1',
      data: JSON.parse(JSON.stringify({ ...callSummary(now), step })),
    });
    const timeline = await t.db.query("SELECT at, data FROM call_events WHERE call_id = $1 AND type = 'ivr.step'", [call.id]);
    expect(timeline.rows.map((r) => [r.at.toISOString(), r.data])).toEqual([[at.toISOString(), step]]);
  });

  it('writes the steps of one event in order, each with its own event, in one statement', async () => {
    const { call } = await createCall(t.db, newCall('1795384400.3'));
    await transitionCallThrough(t.db, call.id, [{ to: 'answered' }, { to: 'ivr', data: { flowId: 'f', flowVersion: 2 } }]);
    const at = new Date('2026-12-07T10:00:01.000Z');
    await recordIvrSteps(t.db, call.id, { id: 'f', version: 2 }, [
      { type: 'step', node: 'menu', nodeType: 'menu', outcome: 'option', input: '0' },
      { type: 'step', node: 'operator', nodeType: 'queue', outcome: 'handover' },
      { type: 'step', node: 'pin', nodeType: 'collect', outcome: 'done', input: '1234' },
    ] as never, at);

    const steps = [
      { flowId: 'f', flowVersion: 2, node: 'menu', nodeType: 'menu', outcome: 'option', input: '0' },
      { flowId: 'f', flowVersion: 2, node: 'operator', nodeType: 'queue', outcome: 'handover' },
      { flowId: 'f', flowVersion: 2, node: 'pin', nodeType: 'collect', outcome: 'done', inputLength: 4 },
    ];
    const timeline = await t.db.query("SELECT data FROM call_events WHERE call_id = $1 AND type = 'ivr.step' ORDER BY id", [call.id]);
    expect(timeline.rows.map((r) => r.data)).toEqual(steps);
    const now = (await getCall(t.db, call.id))!;
    const { rows } = await t.db.query("SELECT event_id, payload FROM outbox WHERE type = 'call.ivr_step' AND payload->>'callId' = $1 ORDER BY id", [call.id]);
    expect(rows.map((r) => r.payload.data)).toEqual(steps.map((step) => JSON.parse(JSON.stringify({ ...callSummary(now), step }))));
    expect(new Set(rows.map((r) => r.event_id)).size).toBe(3);
    expect(rows.every((r) => r.payload.id === r.event_id)).toBe(true);
  });

  it('drops a step of a call that has ended', async () => {
    const { call } = await createCall(t.db, newCall('1795384400.2'));
    await endCall(t.db, call.id, { cause: 16, reason: 'normal' });
    await recordIvrStep(t.db, call.id, { id: 'f', version: 1 }, { type: 'step', node: 'welcome', nodeType: 'play', outcome: 'done' } as never);
    const { rows } = await t.db.query("SELECT count(*)::int AS n FROM call_events WHERE call_id = $1 AND type = 'ivr.step'", [call.id]);
    expect(rows[0].n).toBe(0);
    expect((await t.db.query("SELECT count(*)::int AS n FROM outbox WHERE type = 'call.ivr_step' AND payload->>'callId' = $1", [call.id])).rows[0].n).toBe(0);
  });
});
