// Every read operation of the OpenAPI document, walked as a careless integrator would:
// a query parameter the operation does not know, and a value outside a parameter's enum,
// answer 400 problem+json naming the parameter, never a quiet 200 that ignored the filter.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../src/api/keys.js';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/log.js';
import { startService, type Service } from '../../src/main.js';
import { startSimulator, type Simulator } from '../../src/sim/index.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { uniquePrefix } from '../helpers/redis.js';
import { serviceEnv } from '../helpers/service.js';
import { insertCall } from '../integration/api-fixtures.js';

interface Param {
  name: string;
  in: string;
  schema?: Schema;
}
interface Schema {
  default?: unknown;
  enum?: unknown[];
  const?: unknown;
  anyOf?: Schema[];
  type?: string;
  format?: string;
  pattern?: string;
  items?: Schema;
}

/** A parameter whose values are a closed set: an enum, a union of constants, a boolean. */
const closed = (s: Schema | undefined): boolean =>
  !!s && (!!s.enum || s.type === 'boolean' || (!!s.anyOf && s.anyOf.every((x) => x.const !== undefined || x.enum !== undefined)) || closed(s.items));

let t: TestDatabase;
let sim: Simulator;
let service: Service;
let key: string;
let reads: Array<{ path: string; params: Param[] }> = [];

beforeAll(async () => {
  t = await createTestDatabase();
  sim = await startSimulator({});
  service = await startService(loadConfig(serviceEnv(sim, t.url, uniquePrefix('lists'), { LOG_LEVEL: 'silent' })), createLogger('silent'));
  key = (await createApiKey(service.db, { name: 'integrator', scopes: ['admin'] })).key;
  const doc = (await (await fetch(`${service.url}/docs/json`)).json()) as { paths: Record<string, Record<string, { parameters?: Param[] }>> };
  reads = Object.entries(doc.paths)
    .filter(([path, ops]) => path.startsWith('/v1/') && ops.get)
    .map(([path, ops]) => ({ path, params: ops.get!.parameters ?? [] }));
}, 60_000);

afterAll(async () => {
  await service?.stop();
  await sim?.close();
  await t?.drop();
});

/** A path with every parameter filled by a value its schema accepts, so only the query can be wrong. */
function concrete(path: string, params: Param[]): string {
  return path.replace(/\{(\w+)\}/g, (_, name: string) => {
    const s = params.find((p) => p.in === 'path' && p.name === name)?.schema ?? {};
    if (s.format === 'uuid') return '00000000-0000-4000-8000-000000000000';
    if (s.type === 'integer' || s.type === 'number') return '1';
    const fits = ['a1', '100', 'A1', 'abc'].find((v) => !s.pattern || new RegExp(s.pattern).test(v));
    if (!fits) throw new Error(`no sample value for path parameter ${name} (${s.pattern})`);
    return fits;
  });
}

async function get(url: string): Promise<{ status: number; type: string; body: any }> {
  const res = await fetch(`${service.url}${url}`, { headers: { authorization: `Bearer ${key}` } });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // a non-JSON answer: the assertions say what was wrong
  }
  return { status: res.status, type: res.headers.get('content-type') ?? '', body };
}

describe('read operations and their query parameters', () => {
  it('finds the lists to check', () => {
    expect(reads.map((r) => r.path)).toEqual(expect.arrayContaining(['/v1/calls', '/v1/cdrs', '/v1/orders', '/v1/agents', '/v1/connectors']));
  });

  it('answer an unknown query parameter with a 400 naming it', async () => {
    const quiet: string[] = [];
    for (const { path, params } of reads) {
      const res = await get(`${concrete(path, params)}?colour=blue`);
      if (res.status !== 400 || !res.type.includes('problem+json') || !JSON.stringify(res.body).includes('colour')) quiet.push(`${path}: ${res.status}`);
    }
    expect(quiet, 'operations that ignored ?colour=blue').toEqual([]);
  }, 60_000);

  it('answer a value outside a parameter’s closed set (enum, constants, boolean) with a 400 naming the parameter', async () => {
    const quiet: string[] = [];
    let checked = 0;
    for (const { path, params } of reads) {
      for (const p of params.filter((x) => x.in === 'query' && closed(x.schema))) {
        checked++;
        const res = await get(`${concrete(path, params)}?${p.name}=bogus`);
        if (res.status !== 400 || !JSON.stringify(res.body).includes(p.name)) quiet.push(`${path}?${p.name}=bogus: ${res.status}`);
      }
    }
    expect(checked).toBeGreaterThan(5);
    expect(quiet, 'filters that took an unknown value').toEqual([]);
  }, 60_000);
});

describe('the page size a list takes when none is asked for', () => {
  it('is the default its OpenAPI document declares', async () => {
    const declared = (path: string) => reads.find((r) => r.path === path)?.params.find((p) => p.in === 'query' && p.name === 'limit')?.schema?.default;
    const cases: Record<string, () => Promise<unknown>> = {
      '/v1/calls': () => insertCall(service.db, { state: 'ended' }),
      '/v1/api-keys': () => createApiKey(service.db, { name: 'filler', scopes: ['calls:read'] }),
    };
    for (const [path, add] of Object.entries(cases)) {
      const size = declared(path);
      expect(size, `${path} declares a default limit`).toEqual(expect.any(Number));
      for (let i = 0; i <= (size as number); i++) await add();
      const page = await get(path);
      expect(page.status).toBe(200);
      expect(page.body.items, path).toHaveLength(size as number);
      expect(page.body.nextCursor, path).toBeTruthy();
    }
  }, 60_000);
});
