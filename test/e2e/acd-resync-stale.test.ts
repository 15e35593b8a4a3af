// A waiting call whose queue was deleted while nobody owned the PBX node: the owner's
// resync lets it go instead of failing, and the other capabilities still resync.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { simControl } from '../helpers/service.js';
import { waitUntil } from '../helpers/wait.js';
import { startAcdWorld, type AcdWorld } from './acd-fixture.js';

let w: AcdWorld;
beforeAll(async () => {
  w = await startAcdWorld('acd-stale');
});
afterAll(async () => {
  await w?.close();
});

it('drops a waiting call of a queue that no longer exists at resync, without failing the resync', async () => {
  const node = w.service.nodes[0]!;
  const callId = randomUUID();
  await w.service.acd.queuesLive.put({
    callId,
    queueId: 'deleted-queue',
    priority: 0,
    enteredMs: Date.now(),
    skills: {},
    pbxNode: node.id,
    channelId: 'channel-that-left',
    bridgeId: `queue-${callId}`,
    survey: null,
    overflowFrom: null,
    attempts: 0,
  });
  const errorsBefore = node.handlerErrors;
  await simControl(w.sim, '/faults/ari-drop');
  await waitUntil(() => node.ariClient?.state !== 'connected', 'ARI dropped');
  await waitUntil(() => node.ariClient?.state === 'connected', 'ARI back', 30_000);
  await waitUntil(async () => !(await w.service.acd.queuesLive.all()).some((e) => e.callId === callId), 'the stale call dropped');
  await node.idle();
  expect(node.handlerErrors).toBe(errorsBefore);
});
