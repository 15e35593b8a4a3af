// Redis goes away for longer than the PBX lease's TTL while calls come in: the owner keeps
// driving the node on its Postgres lease row, so every call is taken by the service and
// recorded, with one CDR each, instead of falling to the dialplan with no app in Stasis.
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Flow } from '../../src/ivr/contract.js';
import { publishFlowDocument, putNumber } from '../../src/ivr/repository.js';
import { freePort, startRedis, stopRedis } from '../helpers/redis-server.js';
import { waitUntil } from '../helpers/wait.js';
import { placeCall, startAcdWorld, type AcdWorld } from './acd-fixture.js';

const ttlMs = 1_500;
let w: AcdWorld;
let redis: ChildProcess;
let port: number;

beforeAll(async () => {
  port = await freePort();
  redis = await startRedis(port);
  w = await startAcdWorld('lease-outage', { REDIS_URL: `redis://127.0.0.1:${port}`, LEASE_TTL_MS: String(ttlMs) });
  const flow = {
    id: 'f-hello',
    version: 1,
    name: 'hello',
    entry: 'hello',
    nodes: {
      hello: { type: 'play', prompt: { media: ['sound:cti/thanks'] }, next: 'bye' },
      bye: { type: 'hangup' },
    },
  } as Flow;
  await publishFlowDocument(w.t.db, flow);
  await putNumber(w.t.db, { did: '401', flowId: 'f-hello' });
});

afterAll(async () => {
  await w?.close();
  if (redis) await stopRedis(redis);
});

const callState = async (callId: string) => (await w.t.db.query('SELECT state FROM calls WHERE id = $1', [callId])).rows[0]?.state as string | undefined;

it('records every call placed while Redis is away for longer than the lease TTL', async () => {
  const node = w.service.nodes[0]!;
  expect(node.isOwner).toBe(true);
  const lost: string[] = [];
  const watch = setInterval(() => !node.isOwner && lost.push(new Date().toISOString()), 20);
  try {
    await stopRedis(redis);
    const downAt = Date.now();
    const calls: Array<{ channelId: string; callId: string }> = [];
    // Calls keep coming for three TTLs, the later ones long after a Redis-only lease lapsed.
    for (let i = 0; Date.now() - downAt <= 3 * ttlMs || calls.length < 4; i++) {
      calls.push(await placeCall(w, '401', `+1555000410${i % 10}`));
    }
    expect(Date.now() - downAt).toBeGreaterThan(3 * ttlMs);
    expect(node.isOwner).toBe(true);
    for (const c of calls) await waitUntil(async () => (await callState(c.callId)) === 'ended', `call ${c.callId} ended`, 30_000);
    redis = await startRedis(port);
    for (const c of calls) {
      await waitUntil(
        async () => (await w.t.db.query('SELECT count(*)::int AS n FROM cdrs WHERE call_id = $1', [c.callId])).rows[0].n > 0,
        `the CDR of ${c.callId}`,
        30_000,
      );
    }
    const { rows } = await w.t.db.query('SELECT call_id, count(*)::int AS n FROM cdrs WHERE call_id = ANY($1) GROUP BY call_id', [calls.map((c) => c.callId)]);
    expect(rows).toHaveLength(calls.length);
    expect(rows.every((r) => r.n === 1)).toBe(true);
    expect(lost).toEqual([]);
  } finally {
    clearInterval(watch);
  }
}, 120_000);
