// Click-to-dial calls and a Postgres outage: a request that needs Postgres while it is away
// answers 503 with Retry-After (the client sends it again), and a call whose customer hangs
// up during the outage is still ended, with its one CDR and the true reason, once Postgres
// answers: call control marks the leg gone at once but waits to write its end.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../src/api/keys.js';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/log.js';
import { startService, type Service } from '../../src/main.js';
import { startSimulator } from '../../src/sim/index.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { uniquePrefix } from '../helpers/redis.js';
import { serviceEnv, simControl } from '../helpers/service.js';
import { startTcpProxy, viaProxy, type TcpProxy } from '../helpers/tcp-proxy.js';
import { waitUntil } from '../helpers/wait.js';

describe('click-to-dial through a Postgres outage', () => {
  let t: TestDatabase;
  let proxy: TcpProxy;
  let sim: Awaited<ReturnType<typeof startSimulator>>;
  let service: Service;
  let key: string;

  beforeAll(async () => {
    t = await createTestDatabase();
    const target = new URL(t.url);
    proxy = await startTcpProxy(target.hostname, Number(target.port || 5432));
    // Phones ring 2 simulated seconds before they answer: 100 ms here.
    sim = await startSimulator({ speed: 20 });
    service = await startService(loadConfig(serviceEnv(sim, viaProxy(t.url, proxy), uniquePrefix('pgout-dial'))), createLogger('silent'));
    key = (await createApiKey(t.db, { name: 'pgout-dial', scopes: ['admin'] })).key;
    await waitUntil(() => service.nodes[0]!.ariClient?.state === 'connected', 'ARI connected');
  });

  afterAll(async () => {
    proxy?.restore();
    await service?.stop();
    await sim?.close();
    await proxy?.close();
    await t?.drop();
  });

  const api = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${service.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
  };
  const state = async (callId: string) => (await t.db.query('SELECT state FROM calls WHERE id = $1', [callId])).rows[0]?.state as string | undefined;

  it('answers 503 while Postgres is away and ends the call the customer left during the outage', async () => {
    const placed = await api('POST', '/v1/calls', { extension: '1001', to: '0612345678' });
    expect(placed.status).toBe(201);
    const callId = placed.body.id as string;
    await waitUntil(async () => (await state(callId)) === 'connected', 'the call connected', 60_000);
    const customer = sim.world.channels().find((c) => c.name.startsWith('PJSIP/0612345678@'))!;

    proxy.cut();
    const refused = await api('POST', `/v1/calls/${callId}/hold`);
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('2');
    expect(refused.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    await simControl(sim, `/channels/${customer.id}/hangup`, { cause: 16 });
    // The hang-up reaches call control while Postgres is still away.
    await waitUntil(() => sim.world.channels().every((c) => !c.name.startsWith('PJSIP/1001-')), 'the agent leg hung up by call control', 30_000);
    proxy.restore();

    await waitUntil(async () => (await state(callId)) === 'ended', 'the call ended once Postgres answers', 60_000);
    const cdrs = await t.db.query('SELECT count(*)::int AS n FROM cdrs WHERE call_id = $1', [callId]);
    expect(cdrs.rows[0].n).toBe(1);
    const ended = await t.db.query("SELECT data->>'reason' AS reason FROM call_events WHERE call_id = $1 AND type = 'call.ended'", [callId]);
    expect(ended.rows.map((r) => r.reason)).toEqual(['customer hung up']);
    const legs = await t.db.query('SELECT count(*)::int AS n FROM call_legs WHERE call_id = $1 AND ended_at IS NULL', [callId]);
    expect(legs.rows[0].n).toBe(0);
  }, 180_000);
});
