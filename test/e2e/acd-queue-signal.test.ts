// A queue whose definition reached Postgres but whose change signal this instance never
// heard (written by another instance during a Redis blip, or a moment ago): a caller
// handed to it is queued and served, not refused.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { saveQueue } from '../../src/acd/repository.js';
import { queueDef } from '../helpers/acd.js';
import { phone, placeCall, queueFlow, readyAgent, startAcdWorld, waitEvent, type AcdWorld } from './acd-fixture.js';

let w: AcdWorld;
beforeAll(async () => {
  w = await startAcdWorld('acd-signal');
});
afterAll(async () => {
  await w?.close();
});

it('reads a queue it has not heard of from Postgres before refusing a hand-over to it', async () => {
  // Straight into the table: no API, so no signal to the runtime.
  expect(await saveQueue(w.service.db, queueDef({ id: 'quiet' }), 'create')).toBe('created');
  await phone(w, '1107', 'answer', 50);
  await readyAgent(w, 'quinn', '1107', {});
  await queueFlow(w, '207', 'quiet');
  const { callId } = await placeCall(w, '207');
  await waitEvent(w, { callId, type: 'call.queued' });
  const offered = await waitEvent(w, { callId, type: 'call.offered' });
  expect(offered.data.offer).toMatchObject({ agentId: 'quinn', queueId: 'quiet' });
});
