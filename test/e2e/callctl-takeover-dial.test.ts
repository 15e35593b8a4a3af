// A connected click-to-dial whose owner goes away: the client's hang-up, sent again while
// no instance can take it, is answered 503 until the new owner has rebuilt the call, never
// with a final 409; then the new owner ends it with one CDR and leaves no bridge behind.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../src/api/keys.js';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/log.js';
import { startService, type Service } from '../../src/main.js';
import { startSimulator, type Simulator } from '../../src/sim/index.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { uniquePrefix } from '../helpers/redis.js';
import { serviceEnv } from '../helpers/service.js';
import { waitFor, waitUntil } from '../helpers/wait.js';

const AGENT = '1001';
const CUSTOMER = '0612345678';

describe('a connected click-to-dial across a take-over', () => {
  let t: TestDatabase;
  let sim: Simulator;
  let a: Service | undefined;
  let b: Service | undefined;
  let key = '';
  const prefix = uniquePrefix('callctl-takeover-dial');
  const env = (instance: string) => serviceEnv(sim, t.url, prefix, { INSTANCE_ID: instance, LOG_LEVEL: 'silent' });

  beforeAll(async () => {
    t = await createTestDatabase();
    sim = await startSimulator({ speed: 20 });
    a = await startService(loadConfig(env('instance-a')), createLogger('silent'));
    await waitUntil(() => a!.nodes[0]!.ariClient?.state === 'connected', 'A drives the node');
    b = await startService(loadConfig(env('instance-b')), createLogger('silent'));
    key = (await createApiKey(a.db, { name: 'takeover-dial', scopes: ['admin'] })).key;
  });

  afterAll(async () => {
    await a?.stop();
    await b?.stop();
    await sim?.close();
    await t?.drop();
  });

  const api = async (s: Service, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(`${s.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, ...(body ? { 'content-type': 'application/json' } : {}), ...headers },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    return { status: res.status, retryAfter: res.headers.get('retry-after'), body: (text ? JSON.parse(text) : undefined) as Record<string, unknown> };
  };
  const state = async (callId: string) => (await t.db.query('SELECT state FROM calls WHERE id = $1', [callId])).rows[0]?.state as string;

  it('ends it on the hang-up the client sends again, with one CDR and no bridge left', async () => {
    // Sent again on 503 (the node's first resync may still run), as a client does, with one key.
    const placed = await waitFor('the call placed', async () => {
      const res = await api(a!, 'POST', '/v1/calls', { extension: AGENT, to: CUSTOMER }, { 'idempotency-key': 'takeover-dial-1' });
      return res.status === 503 ? undefined : res;
    });
    expect(placed.status).toBe(201);
    const callId = placed.body['id'] as string;
    await waitFor('connected', async () => (await state(callId)) === 'connected');
    const legs = sim.world.channels().filter((c) => c.linkedid === sim.world.channels().find((x) => x.name.startsWith(`PJSIP/${AGENT}-`))?.linkedid);
    expect(legs.length).toBe(2);
    expect(sim.world.bridges().some((x) => x.id === callId)).toBe(true);

    // A goes away without ending its calls, as a crash leaves them (the call stays up on the PBX).
    await a!.stop();
    a = undefined;
    // The client hangs up now and sends it again, as a client does, while it is not taken.
    const answers: number[] = [];
    let done: { status: number; retryAfter: string | null } | undefined;
    const until = Date.now() + 20_000;
    while (!done && Date.now() < until) {
      const res = await api(b!, 'POST', `/v1/calls/${callId}/hangup`);
      answers.push(res.status);
      if (res.status < 500) done = res;
      else {
        expect(res.status).toBe(503);
        expect(Number(res.retryAfter)).toBeGreaterThan(0);
        await new Promise((r) => setTimeout(r, 5));
      }
    }
    expect(done?.status, `answers: ${answers.join(',')}`).toBe(204);
    expect(b!.nodes[0]!.isOwner).toBe(true);

    await waitFor('ended', async () => (await state(callId)) === 'ended');
    await waitUntil(() => legs.every((l) => !sim.world.channel(l.id)), 'both legs hung up');
    await waitUntil(() => !sim.world.bridges().some((x) => x.id.startsWith(callId)), 'the bridge removed');
    const cdrs = await waitFor('its CDR', async () => {
      const { rows } = await t.db.query('SELECT count(*)::int AS n FROM cdrs WHERE call_id = $1', [callId]);
      return rows[0].n > 0 ? (rows[0].n as number) : undefined;
    });
    expect(cdrs).toBe(1);
  }, 60_000);
});
