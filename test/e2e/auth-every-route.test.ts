// Every operation of the OpenAPI document under /v1, called as a stranger would: with no
// credentials and with a made-up key. Each answers 401 problem+json before it reads a
// parameter or touches a store. Authentication is attached to each route as it is declared,
// so a route declared where that does not happen would be open: this walk finds it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/log.js';
import { startService, type Service } from '../../src/main.js';
import { startSimulator, type Simulator } from '../../src/sim/index.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { uniquePrefix } from '../helpers/redis.js';
import { serviceEnv } from '../helpers/service.js';

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

let t: TestDatabase;
let sim: Simulator;
let service: Service;
let operations: Array<{ method: string; path: string }> = [];

beforeAll(async () => {
  t = await createTestDatabase();
  sim = await startSimulator({});
  // A high failure budget: this walk fails authentication hundreds of times from one address.
  const env = serviceEnv(sim, t.url, uniquePrefix('auth-walk'), {
    LOG_LEVEL: 'silent',
    AUTH_FAILURES_PER_MINUTE: '100000',
    // The partner's signed callback is walked too: it must refuse an unsigned request.
    LOGISTICS_INBOUND_SECRET: 'whsec_' + Buffer.from('logistics partner secret, test only').toString('base64'),
  });
  service = await startService(loadConfig(env), createLogger('silent'));
  const doc = (await (await fetch(`${service.url}/docs/json`)).json()) as { paths: Record<string, Record<string, unknown>> };
  operations = Object.entries(doc.paths)
    .filter(([path]) => path.startsWith('/v1/'))
    .flatMap(([path, ops]) => METHODS.filter((m) => ops[m]).map((method) => ({ method: method.toUpperCase(), path })));
}, 60_000);

afterAll(async () => {
  await service?.stop();
  await sim?.close();
  await t?.drop();
});

/** Path parameters filled with values of the right look: a stranger's guess at an id. */
const concrete = (path: string) => path.replace(/\{(\w+)\}/g, () => '00000000-0000-4000-8000-000000000000');

async function call(method: string, path: string, headers: Record<string, string>): Promise<{ status: number; type: string }> {
  const body = method === 'GET' || method === 'DELETE' ? undefined : '{}';
  const res = await fetch(`${service.url}${concrete(path)}`, {
    method,
    headers: { ...headers, ...(body ? { 'content-type': 'application/json' } : {}) },
    body,
  });
  await res.arrayBuffer();
  return { status: res.status, type: res.headers.get('content-type') ?? '' };
}

describe('every /v1 operation refuses a caller who is not an integrator', () => {
  it('finds the operations to walk', () => {
    // The API has well over a hundred operations; a handful would mean the document is wrong.
    expect(operations.length).toBeGreaterThan(100);
  });

  it('answers 401 problem+json without credentials and with a made-up key', async () => {
    const open: string[] = [];
    for (const { method, path } of operations) {
      const tries: Array<Record<string, string>> = [{}, { authorization: 'Bearer ctib_not-a-key-at-all' }];
      for (const headers of tries) {
        const res = await call(method, path, headers);
        if (res.status !== 401 || !res.type.startsWith('application/problem+json')) {
          open.push(`${method} ${path} ${'authorization' in headers ? 'with a made-up key' : 'without a key'}: ${res.status} ${res.type}`);
        }
      }
    }
    expect(open).toEqual([]);
  });
});
