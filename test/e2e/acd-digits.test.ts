// Keys a caller presses while the queue owns the call, through the simulator: the IVR that
// handed the call over never acts on them; a key the queue maps takes the caller on, any
// other key is ignored, also while the caller talks to an agent.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/wait.js';
import { events, hangUp, must, phone, placeCall, press, queueFlow, readyAgent, startAcdWorld, waitEvent, type AcdWorld } from './acd-fixture.js';

let w: AcdWorld;
const heard = new Map<string, string[]>();

beforeAll(async () => {
  w = await startAcdWorld('acd-digits');
  // Which digits the PBX has delivered on each channel, so a test knows a key went by.
  w.sim.world.subscribe((e) => {
    if (e.type === 'DtmfEnd' && e.direction === 'Received') heard.set(e.channel.id, [...(heard.get(e.channel.id) ?? []), e.digit]);
  });
  await must(w, 'PUT', '/v1/skills/french', {});
  await must(w, 'PUT', '/v1/skills/operator', {});
});

afterAll(async () => {
  await w?.close();
});

async function cdrOf(callId: string): Promise<Record<string, unknown> | undefined> {
  const { rows } = await w.t.db.query('SELECT * FROM cdrs WHERE call_id = $1', [callId]);
  return rows[0];
}

describe('digits in the queue', () => {
  it('refuses a key that is not a phone key and a key whose target does not exist', async () => {
    const bad = await w.api('POST', '/v1/queues', { id: 'bad-keys', name: 'x', digitActions: { x: { type: 'queue', id: 'nowhere' } } });
    expect(bad.status).toBe(400);
    const unknown = await w.api('POST', '/v1/queues', { id: 'bad-keys', name: 'x', digitActions: { '0': { type: 'queue', id: 'nowhere' } } });
    expect(unknown.status).toBe(422);
    expect(unknown.body.unknown).toEqual({ queue: ['nowhere'] });
  });

  it('ignores a key the queue does not map and sends the caller on with one it does', async () => {
    await phone(w, '3101', 'answer');
    await readyAgent(w, 'op-1', '3101', { operator: 1 });
    await must(w, 'POST', '/v1/queues', { id: 'operators', name: 'Operators', skills: { operator: 1 } });
    // Nobody speaks French: the caller waits until they press 0.
    await must(w, 'POST', '/v1/queues', { id: 'french', name: 'French', skills: { french: 3 }, digitActions: { '0': { type: 'queue', id: 'operators' } } });
    await queueFlow(w, '501', 'french');
    const { callId, channelId } = await placeCall(w, '501', '+15550005011');
    await waitEvent(w, { callId, type: 'call.queued' });

    await press(w, channelId, '5');
    await waitFor('the 5 to reach the PBX', () => heard.get(channelId)?.includes('5') || undefined);
    // Events of one channel are handled in order: the 0 is seen after whatever the 5 did.
    await press(w, channelId, '0');
    const overflowed = await waitEvent(w, { callId, type: 'call.overflowed' });
    expect(overflowed.data).toMatchObject({ queue: { id: 'french' }, to: { type: 'queue', id: 'operators' }, reason: 'digit', digit: '0' });
    const connected = await waitEvent(w, { callId, type: 'call.connected' });
    expect(connected.data).toMatchObject({ agent: { id: 'op-1' }, queueId: 'operators' });
    expect(await cdrOf(callId)).toBeUndefined();

    // Keys while talking to the agent do nothing either.
    await press(w, channelId, '9');
    await waitFor('the 9 to reach the PBX', () => heard.get(channelId)?.includes('9') || undefined);
    await press(w, channelId, '#');
    await waitFor('the # to reach the PBX', () => heard.get(channelId)?.includes('#') || undefined);
    expect(w.sim.world.channel(channelId)?.state).toBe('Up');
    await hangUp(w, channelId);
    const cdr = await waitFor('the CDR', () => cdrOf(callId));
    expect(cdr.disposition).toBe('answered');
    const types = (await events(w, { callId })).map((e) => e.type);
    expect(types.filter((t) => t === 'call.abandoned')).toEqual([]);
  });
});
