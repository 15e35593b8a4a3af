// Click-to-dial while Redis is away: the node's owner keeps driving it on its Postgres
// lease row, so a request that lands there places the call (limits, Idempotency-Key and the
// key's daily budget all judged in Postgres), and a replay of the same Idempotency-Key
// answers the same call before, during and after the blink.
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { freePort, startRedis, stopRedis } from '../helpers/redis-server.js';
import { waitFor, waitUntil } from '../helpers/wait.js';
import { AGENT_A, alive, callState, CUSTOMER, noBridgesLeft, startCallCtlWorld, type CallCtlWorld } from './callctl-fixture.js';

let w: CallCtlWorld;
let redis: ChildProcess;
let port: number;

beforeAll(async () => {
  port = await freePort();
  redis = await startRedis(port);
  // A budget of three calls a day per key, so the test can spend it.
  w = await startCallCtlWorld('dial-blink', { REDIS_URL: `redis://127.0.0.1:${port}`, CALLS_PER_KEY_DAY: '3' });
});

afterAll(async () => {
  // A test that failed half-way may have left Redis down.
  if (redis.exitCode !== null || redis.signalCode !== null) redis = await startRedis(port);
  await w?.close();
  if (redis) await stopRedis(redis);
});

type Answer = { status: number; body: { id?: string; detail?: string } };
const dial = (key: string, to = CUSTOMER): Promise<Answer> => w.api('POST', '/v1/calls', { extension: AGENT_A, to }, { 'idempotency-key': key });

async function hangUp(callId: string): Promise<void> {
  await waitFor(`call ${callId} connected`, async () => (await callState(w, callId)) === 'connected', 30_000);
  expect((await w.api('POST', `/v1/calls/${callId}/hangup`)).status).toBe(204);
  await waitFor(`call ${callId} ended`, async () => (await callState(w, callId)) === 'ended', 30_000);
}

it('places and replays click-to-dial calls while Redis is away, and after it is back', async () => {
  const before = await dial('blink-before');
  expect(before.status).toBe(201);

  await stopRedis(redis);
  // Replayed during the outage: the same call.
  const replayedDown = await dial('blink-before');
  expect(replayedDown).toMatchObject({ status: 200, body: { id: before.body.id } });
  await hangUp(before.body.id!);

  const during = await dial('blink-during', '0611111111');
  expect(during.status).toBe(201);
  expect((await dial('blink-during', '0611111111')).body.id).toBe(during.body.id);
  // The key reused for another request is refused as always.
  expect((await dial('blink-during', '0622222222')).status).toBe(422);
  const call = during.body.id!;
  await hangUp(call);
  const legs = await w.t.db.query<{ channel_id: string }>('SELECT channel_id FROM call_legs WHERE call_id = $1', [call]);
  expect(legs.rows).toHaveLength(2);
  await waitUntil(() => legs.rows.every((l) => !alive(w, l.channel_id)), 'both legs gone');
  await waitUntil(() => noBridgesLeft(w, call), 'no bridge left');

  // The daily budget (3) is counted in Postgres while Redis is away: this was the third call.
  const third = await dial('blink-third', '0633333333');
  expect(third.status).toBe(201);
  await hangUp(third.body.id!);
  const spent = await dial('blink-fourth', '0644444444');
  expect(spent.status).toBe(429);
  expect(spent.body.detail).toMatch(/daily budget/);

  redis = await startRedis(port);
  // Back: every earlier key still answers its own call, and the budget stays spent.
  for (const [key, id, to] of [['blink-before', before.body.id, CUSTOMER], ['blink-during', call, '0611111111'], ['blink-third', third.body.id, '0633333333']] as const) {
    await waitUntil(async () => (await dial(key, to)).status === 200, `the replay of ${key}`, 30_000);
    expect((await dial(key, to)).body.id).toBe(id);
  }
  expect((await dial('blink-fifth', '0655555555')).status).toBe(429);
  const { rows } = await w.t.db.query('SELECT count(*)::int AS n FROM call_originations');
  expect(rows[0].n).toBe(3);
}, 180_000);
