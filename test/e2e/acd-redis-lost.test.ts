// Redis loses everything (FLUSHALL on a private Redis) while callers wait and agents
// talk: the ACD sees its live state gone, rebuilds agents from Postgres and waiting calls
// from Postgres and the PBX; the waiting callers are still offered in the order they came,
// agents on a call are not offered anything, and an idle agent is ready again.
import type { ChildProcess } from 'node:child_process';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { freePort, startRedis, stopRedis } from '../helpers/redis-server.js';
import { waitFor, waitUntil } from '../helpers/wait.js';
import { agentLegs, agentState, events, hangUp, must, phone, placeCall, queueFlow, readyAgent, startAcdWorld, type AcdWorld } from './acd-fixture.js';

let w: AcdWorld;
let redis: ChildProcess;
let port: number;

beforeAll(async () => {
  port = await freePort();
  redis = await startRedis(port);
  w = await startAcdWorld('acd-lost', { REDIS_URL: `redis://127.0.0.1:${port}` });
  for (const s of ['sales', 'other']) await must(w, 'PUT', `/v1/skills/${s}`, {});
  await must(w, 'POST', '/v1/queues', { id: 'lost', name: 'Lost', skills: { sales: 1 } });
  for (const [id, ext] of [['l1', '1401'], ['l2', '1402'], ['idle', '1403']] as const) await phone(w, ext, 'answer', 50);
  await readyAgent(w, 'l1', '1401', { sales: 1 });
  await readyAgent(w, 'l2', '1402', { sales: 1 });
  // Ready, but for another queue: idle through the whole test.
  await readyAgent(w, 'idle', '1403', { other: 1 });
  await queueFlow(w, '401', 'lost');
});

afterAll(async () => {
  await w?.close();
  if (redis) await stopRedis(redis);
});

const callState = async (callId: string) => (await w.t.db.query('SELECT state FROM calls WHERE id = $1', [callId])).rows[0]?.state as string | undefined;
const connectedTo = async (callId: string) => (await events(w, { callId, type: 'call.connected' }))[0]?.data.agent.id as string | undefined;

it('rebuilds agents and waiting calls after Redis lost its data', async () => {
  const talking = [await placeCall(w, '401', '+15550004001'), await placeCall(w, '401', '+15550004002')];
  for (const c of talking) await waitUntil(async () => !!(await connectedTo(c.callId)), 'callers talking to agents');
  const firstWaiting = await placeCall(w, '401', '+15550004003');
  await waitUntil(async () => (await callState(firstWaiting.callId)) === 'queued', 'a caller waiting');
  const secondWaiting = await placeCall(w, '401', '+15550004004');
  await waitUntil(async () => (await callState(secondWaiting.callId)) === 'queued', 'a second caller waiting');
  // The agents' state events are in Postgres before Redis loses them.
  await waitUntil(async () => (await events(w, { type: 'agent.state_changed', agentId: 'l2' })).some((e) => e.data.to === 'on_call'), 'on-call events relayed');

  const rebuildsBefore = w.service.acd.epoch.rebuilds;
  const admin = new Redis(`redis://127.0.0.1:${port}`);
  await admin.flushall();
  await admin.quit();

  await waitUntil(() => w.service.acd.epoch.rebuilds > rebuildsBefore, 'the ACD to rebuild', 30_000);
  await waitUntil(async () => (await w.service.acd.queuesLive.list('lost')).length === 2, 'both waiting callers listed again', 30_000);
  expect(await agentState(w, 'l1')).toBe('on_call');
  expect(await agentState(w, 'l2')).toBe('on_call');
  expect(await agentState(w, 'idle')).toBe('ready');
  // Nobody on a call was offered another one, and both callers still wait.
  expect(await events(w, { callId: firstWaiting.callId, type: 'call.offered' })).toEqual([]);
  expect(await callState(firstWaiting.callId)).toBe('queued');
  expect(await callState(secondWaiting.callId)).toBe('queued');

  // The first agent to be free takes the caller who came first, the next one the second.
  const [firstTalk] = talking;
  await hangUp(w, firstTalk!.channelId);
  const first = await waitFor('the first waiting caller connected', () => connectedTo(firstWaiting.callId), 30_000);
  expect(first).toBe(await connectedTo(firstTalk!.callId));
  expect(await connectedTo(secondWaiting.callId)).toBeUndefined();
  await hangUp(w, talking[1]!.channelId);
  await waitFor('the second waiting caller connected', () => connectedTo(secondWaiting.callId), 30_000);

  for (const c of [firstWaiting, secondWaiting]) await hangUp(w, c.channelId);
  const all = [...talking, firstWaiting, secondWaiting];
  for (const c of all) await waitUntil(async () => (await callState(c.callId)) === 'ended', `call ${c.callId} ended`, 30_000);
  for (const id of ['l1', 'l2', 'idle']) await waitUntil(async () => (await agentState(w, id)) === 'ready', `${id} ready`, 30_000);
  for (const c of all) {
    const { rows } = await w.t.db.query('SELECT count(*)::int AS n FROM cdrs WHERE call_id = $1', [c.callId]);
    expect(rows[0].n).toBe(1);
    expect((await agentLegs(w, c.callId)).filter((l) => !l.ended_at)).toEqual([]);
  }
  expect(await events(w, { type: 'call.abandoned' })).toEqual([]);
}, 150_000);
