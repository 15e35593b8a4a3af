// Redis goes away for a few seconds and comes back (AOF on, as docs/operations.md asks)
// while callers talk to agents and one waits: the service holds, nobody is hung up
// because of it, the waiting caller is still served, agents end in their true state and
// every call has one CDR.
import type { ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { freePort, redisDir, startRedis, stopRedis } from '../helpers/redis-server.js';
import { waitFor, waitUntil } from '../helpers/wait.js';
import { agentLegs, agentState, events, hangUp, must, phone, placeCall, queueFlow, readyAgent, startAcdWorld, type AcdWorld } from './acd-fixture.js';

let w: AcdWorld;
let redis: ChildProcess;
let port: number;
const dir = redisDir();

beforeAll(async () => {
  port = await freePort();
  redis = await startRedis(port, { appendonly: true, dir });
  w = await startAcdWorld('acd-blink', { REDIS_URL: `redis://127.0.0.1:${port}` });
  await must(w, 'PUT', '/v1/skills/sales', {});
  await must(w, 'POST', '/v1/queues', { id: 'blink', name: 'Blink', skills: { sales: 1 } });
  for (const [id, ext] of [['b1', '1301'], ['b2', '1302']] as const) {
    await phone(w, ext, 'answer', 50);
    await readyAgent(w, id, ext, { sales: 1 }, { wrapUpSeconds: 1 });
  }
  await queueFlow(w, '301', 'blink');
});

afterAll(async () => {
  await w?.close();
  if (redis) await stopRedis(redis);
  rmSync(dir, { recursive: true, force: true });
});

const callState = async (callId: string) => (await w.t.db.query('SELECT state FROM calls WHERE id = $1', [callId])).rows[0]?.state as string | undefined;
const connectedTo = async (callId: string) => (await events(w, { callId, type: 'call.connected' }))[0]?.data.agent.id as string | undefined;

it('holds every call through a Redis restart and ends with agents in their true state', async () => {
  const first = await placeCall(w, '301', '+15550003001');
  const second = await placeCall(w, '301', '+15550003002');
  await waitUntil(async () => !!(await connectedTo(first.callId)) && !!(await connectedTo(second.callId)), 'two callers talking to agents');
  const waiting = await placeCall(w, '301', '+15550003003');
  await waitUntil(async () => (await callState(waiting.callId)) === 'queued', 'the third caller waiting');

  await stopRedis(redis);
  // The first caller's agent hangs up while Redis is away.
  const [firstLeg] = await agentLegs(w, first.callId);
  await hangUp(w, firstLeg!.channel_id);
  await new Promise((r) => setTimeout(r, 4_000));
  redis = await startRedis(port, { appendonly: true, dir });

  // The waiting caller was never hung up and reaches the agent who became free.
  const agent = await waitFor('the waiting caller to be connected', () => connectedTo(waiting.callId), 60_000);
  expect(agent).toBe(await connectedTo(first.callId));
  expect(await callState(second.callId)).toBe('connected');

  await hangUp(w, second.channelId);
  await hangUp(w, waiting.channelId);
  for (const c of [first, second, waiting]) await waitUntil(async () => (await callState(c.callId)) === 'ended', `call ${c.callId} ended`, 30_000);
  for (const id of ['b1', 'b2']) await waitUntil(async () => (await agentState(w, id)) === 'ready', `${id} ready after wrap-up`, 30_000);

  for (const c of [first, second, waiting]) {
    const { rows } = await w.t.db.query('SELECT count(*)::int AS n FROM cdrs WHERE call_id = $1', [c.callId]);
    expect(rows[0].n).toBe(1);
    const ended = await w.t.db.query("SELECT data FROM call_events WHERE type = 'call.ended' AND call_id = $1", [c.callId]);
    // Callers hung up themselves or were released by their agent, never by the service on its own.
    expect(ended.rows[0].data.reason ?? '').not.toMatch(/error|gone during|restart/);
  }
  // Only the first call's agent leg and its connected one took part: no caller was abandoned.
  expect(await events(w, { type: 'call.abandoned' })).toEqual([]);
  const open = await w.t.db.query('SELECT count(*)::int AS n FROM acd_agent_legs WHERE ended_at IS NULL');
  expect(open.rows[0].n).toBe(0);
}, 150_000);
