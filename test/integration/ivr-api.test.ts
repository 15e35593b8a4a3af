// The IVR REST API over real HTTP on a real Postgres: flows, versions, publishing, numbers,
// scopes, publishedFlowForNumber and the database's own guard on published versions.
import type { Pool } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Flow } from '../../src/ivr/contract.js';
import { publishedFlowForNumber } from '../../src/ivr/repository.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { keyWith } from './api-fixtures.js';
import { startIvrApi, type ApiResponse, type IvrApi, type Method } from './ivr-fixtures.js';

let t: TestDatabase;
let api: IvrApi;
let http: Pool;
let writer: string;
let reader: string;

const call = (method: Method, path: string, body?: unknown, key = writer): Promise<ApiResponse> => api.call(method, path, body, key);

export function simpleFlow(id: string, goodbye = 'sound:goodbye'): Flow {
  return {
    id,
    version: 1,
    name: `Flow ${id}`,
    entry: 'main',
    nodes: {
      main: {
        type: 'menu',
        prompt: { media: ['sound:main-menu'] },
        options: { '1': 'thanks' },
        retries: 1,
        fallback: 'bye',
      },
      thanks: { type: 'play', prompt: { media: ['sound:thanks'] }, next: 'bye' },
      bye: { type: 'hangup', prompt: { media: [goodbye] } },
    },
  };
}

async function createPublished(id: string, doc: Flow = simpleFlow(id)): Promise<void> {
  expect((await call('POST', '/v1/flows', { document: doc })).status).toBe(201);
  expect((await call('POST', `/v1/flows/${id}/versions/1/publish`)).status).toBe(200);
}

beforeAll(async () => {
  t = await createTestDatabase();
  api = await startIvrApi(t.db);
  http = api.http;
  writer = await keyWith(t.db, 'flows:write', 'flows:read');
  reader = await keyWith(t.db, 'flows:read');
});
afterAll(async () => {
  await api?.close();
  await t?.drop();
});

describe('flows', () => {
  it('creates a flow with a first draft, gets it, lists it', async () => {
    const created = await call('POST', '/v1/flows', { document: { ...simpleFlow('create-me'), version: 42 } });
    expect(created.status).toBe(201);
    expect(created.headers.location).toBe('/v1/flows/create-me');
    expect(created.body).toMatchObject({ flowId: 'create-me', version: 1, status: 'draft', publishedAt: null });
    expect(created.body.document).toMatchObject({ id: 'create-me', version: 1, entry: 'main' });

    const got = await call('GET', '/v1/flows/create-me', undefined, reader);
    expect(got.status).toBe(200);
    expect(got.body).toMatchObject({ id: 'create-me', name: 'Flow create-me', publishedVersion: null, latestVersion: 1, published: null });
    expect(got.body.latestDraft).toMatchObject({ version: 1, status: 'draft' });

    const list = await call('GET', '/v1/flows?limit=200', undefined, reader);
    expect(list.body.items.map((f: { id: string }) => f.id)).toContain('create-me');
  });

  it('refuses a second flow with the same id', async () => {
    await call('POST', '/v1/flows', { document: simpleFlow('twice') });
    const again = await call('POST', '/v1/flows', { document: simpleFlow('twice') });
    expect(again.status).toBe(409);
    expect(again.headers['content-type']).toMatch(/application\/problem\+json/);
  });

  it('pages through flows with cursors, newest first, without repeats', async () => {
    for (const n of [1, 2, 3]) await call('POST', '/v1/flows', { document: simpleFlow(`page-${n}`) });
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res: ApiResponse = await call('GET', `/v1/flows?limit=2${cursor ? `&cursor=${cursor}` : ''}`, undefined, reader);
      expect(res.status).toBe(200);
      expect(res.body.items.length).toBeLessThanOrEqual(2);
      seen.push(...res.body.items.map((f: { id: string }) => f.id));
      cursor = res.body.nextCursor;
    } while (cursor);
    expect(new Set(seen).size).toBe(seen.length);
    const pages = seen.filter((id) => id.startsWith('page-'));
    expect(pages).toEqual(['page-3', 'page-2', 'page-1']);
    expect((await call('GET', '/v1/flows?cursor=bm90LWEtY3Vyc29y', undefined, reader)).status).toBe(400);
  });

  it('answers 422 listing every problem with its pointer, and stores nothing', async () => {
    const bad = {
      id: 'broken',
      version: 1,
      entry: 'main',
      nodes: {
        main: { type: 'menu', prompt: { media: ['sound:x'] }, options: {} },
        lost: { type: 'play', prompt: { media: ['sound:y'] }, next: 'nowhere' },
        vm: { type: 'goto', flow: 'no-such-flow' },
      },
    };
    const res = await call('POST', '/v1/flows', { document: bad });
    expect(res.status).toBe(422);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    const pointers = res.body.problems.map((p: { pointer: string }) => p.pointer);
    expect(pointers).toEqual(expect.arrayContaining(['/nodes/main/options', '/nodes/lost/next', '/nodes/vm/flow']));
    expect(res.body.problems.length).toBeGreaterThanOrEqual(4);
    expect(res.body.problems.find((p: { pointer: string }) => p.pointer === '/nodes/vm/flow').message).toMatch(/does not exist/);
    expect((await call('GET', '/v1/flows/broken', undefined, reader)).status).toBe(404);
  });

  it('reports schema violations inside the document as flow problems (422), not as a 400', async () => {
    const res = await call('POST', '/v1/flows', {
      document: { id: 'typo', version: 1, entry: 'a', nodes: { a: { type: 'hangup', promt: {} }, b: { type: 'nope' } } },
    });
    expect(res.status).toBe(422);
    const pointers = res.body.problems.map((p: { pointer: string }) => p.pointer);
    expect(pointers).toEqual(expect.arrayContaining(['/nodes/b/type']));
    expect(pointers.some((p: string) => p.startsWith('/nodes/a'))).toBe(true);
  });

  it('answers 400 for a malformed envelope and 422 for an unknown secret', async () => {
    expect((await call('POST', '/v1/flows', { document: simpleFlow('env'), extra: 1 })).status).toBe(400);
    expect((await call('POST', '/v1/flows', {})).status).toBe(400);
    const withSecret: Flow = {
      id: 'secrets',
      version: 1,
      entry: 'crm',
      nodes: {
        crm: { type: 'http', method: 'GET', url: 'https://crm.example/x', secretHeaders: { authorization: 'nope' }, next: 'bye', onError: 'bye' },
        bye: { type: 'hangup' },
      },
    };
    const res = await call('POST', '/v1/flows', { document: withSecret });
    expect(res.status).toBe(422);
    expect(res.body.problems[0].pointer).toMatch(/^\/nodes\/crm\/secretHeaders/);
    const ok = await call('POST', '/v1/flows', {
      document: { ...withSecret, nodes: { ...withSecret.nodes, crm: { ...withSecret.nodes.crm, secretHeaders: { authorization: 'crm-token' } } } },
    });
    expect(ok.status).toBe(201);
    // A secret's value never appears in a response.
    expect(JSON.stringify(ok.body)).not.toContain('s3cret');
  });

  it('soft-deletes a flow, refusing while a number maps to it', async () => {
    await createPublished('to-delete');
    expect((await call('PUT', '/v1/numbers/4930555', { flowId: 'to-delete' })).status).toBe(201);
    const refused = await call('DELETE', '/v1/flows/to-delete');
    expect(refused.status).toBe(409);
    expect(refused.body.detail).toContain('4930555');
    expect((await call('DELETE', '/v1/numbers/4930555')).status).toBe(204);
    expect((await call('DELETE', '/v1/flows/to-delete')).status).toBe(204);
    expect((await call('GET', '/v1/flows/to-delete')).status).toBe(404);
    expect((await call('DELETE', '/v1/flows/to-delete')).status).toBe(404);
    // The versions stay in the database for the calls that ran them.
    const { rows } = await t.db.query("SELECT count(*)::int AS n FROM ivr_flow_versions WHERE flow_id = 'to-delete'");
    expect(rows[0].n).toBe(1);
    // And the id is not reused.
    expect((await call('POST', '/v1/flows', { document: simpleFlow('to-delete') })).status).toBe(409);
  });
});

describe('versions and publishing', () => {
  it('publishes, retires the previous version, and is idempotent', async () => {
    await call('POST', '/v1/flows', { document: simpleFlow('pub') });
    const p1 = await call('POST', '/v1/flows/pub/versions/1/publish');
    expect(p1.status).toBe(200);
    expect(p1.body).toMatchObject({ flowId: 'pub', version: 1, status: 'published', changed: true });
    const again = await call('POST', '/v1/flows/pub/versions/1/publish');
    expect(again.body).toMatchObject({ version: 1, status: 'published', changed: false, publishedAt: p1.body.publishedAt });

    const v2 = await call('POST', '/v1/flows/pub/versions', { document: simpleFlow('pub', 'sound:bye-v2') });
    expect(v2.status).toBe(201);
    expect(v2.body).toMatchObject({ version: 2, status: 'draft' });
    expect(v2.headers.location).toBe('/v1/flows/pub/versions/2');

    const detail = await call('GET', '/v1/flows/pub', undefined, reader);
    expect(detail.body).toMatchObject({ publishedVersion: 1, latestVersion: 2 });
    expect(detail.body.published).toMatchObject({ version: 1, status: 'published' });
    expect(detail.body.latestDraft).toMatchObject({ version: 2, status: 'draft' });

    expect((await call('POST', '/v1/flows/pub/versions/2/publish')).body).toMatchObject({ version: 2, changed: true });
    const versions = await call('GET', '/v1/flows/pub/versions', undefined, reader);
    expect(versions.body.items.map((v: { version: number; status: string }) => [v.version, v.status])).toEqual([
      [2, 'published'],
      [1, 'retired'],
    ]);
    expect(versions.body.items[0].document).toBeUndefined();
    const one = await call('GET', '/v1/flows/pub/versions/1', undefined, reader);
    expect(one.body.document.nodes.bye.prompt.media).toEqual(['sound:goodbye']);

    // Rolling back: the retired version is published again.
    expect((await call('POST', '/v1/flows/pub/versions/1/publish')).body).toMatchObject({ version: 1, changed: true });
    expect((await call('GET', '/v1/flows/pub', undefined, reader)).body.publishedVersion).toBe(1);
  });

  it('never changes a published version: the database refuses it too', async () => {
    await createPublished('frozen');
    await expect(
      t.db.query(`UPDATE ivr_flow_versions SET document = '{}' WHERE flow_id = 'frozen' AND version = 1`),
    ).rejects.toThrow(/immutable/);
    await expect(
      t.db.query(`UPDATE ivr_flow_versions SET status = 'draft', published_at = NULL WHERE flow_id = 'frozen' AND version = 1`),
    ).rejects.toThrow(/immutable/);
    await expect(t.db.query(`DELETE FROM ivr_flow_versions WHERE flow_id = 'frozen'`)).rejects.toThrow(/cannot be deleted/);
    // A change is a new version.
    const v2 = await call('POST', '/v1/flows/frozen/versions', { document: { ...simpleFlow('frozen', 'sound:new') } });
    expect(v2.body.version).toBe(2);
    const v1 = await call('GET', '/v1/flows/frozen/versions/1', undefined, reader);
    expect(v1.body.document.nodes.bye.prompt.media).toEqual(['sound:goodbye']);
  });

  it('validates a new version (422 with pointers) and refuses a document naming another flow', async () => {
    await call('POST', '/v1/flows', { document: simpleFlow('vers') });
    const bad = await call('POST', '/v1/flows/vers/versions', { document: { ...simpleFlow('vers'), entry: 'ghost' } });
    expect(bad.status).toBe(422);
    expect(bad.body.problems.map((p: { pointer: string }) => p.pointer)).toContain('/entry');
    const other = await call('POST', '/v1/flows/vers/versions', { document: simpleFlow('someone-else') });
    expect(other.status).toBe(422);
    expect(other.body.problems).toEqual([{ pointer: '/id', message: expect.stringContaining('someone-else') }]);
    const { id: _id, version: _version, ...bare } = simpleFlow('vers');
    const stamped = await call('POST', '/v1/flows/vers/versions', { document: bare });
    expect(stamped.status).toBe(201);
    expect(stamped.body.document).toMatchObject({ id: 'vers', version: stamped.body.version });
    expect((await call('POST', '/v1/flows/missing/versions', { document: simpleFlow('missing') })).status).toBe(404);
    expect((await call('GET', '/v1/flows/vers/versions/9')).status).toBe(404);
    expect((await call('POST', '/v1/flows/vers/versions/9/publish')).status).toBe(404);
  });

  it('publishes a flow entering a sub-flow only once the sub-flow is published', async () => {
    await call('POST', '/v1/flows', { document: simpleFlow('sub') });
    const parent: Flow = {
      id: 'parent',
      version: 1,
      entry: 'hello',
      nodes: {
        hello: { type: 'play', prompt: { media: ['sound:hello'] }, next: 'into' },
        into: { type: 'goto', flow: 'sub' },
      },
    };
    expect((await call('POST', '/v1/flows', { document: parent })).status).toBe(201);
    const refused = await call('POST', '/v1/flows/parent/versions/1/publish');
    expect(refused.status).toBe(422);
    expect(refused.body.problems).toEqual([{ pointer: '/nodes/into/flow', message: expect.stringMatching(/not published|no published/) }]);
    expect((await call('POST', '/v1/flows/sub/versions/1/publish')).status).toBe(200);
    expect((await call('POST', '/v1/flows/parent/versions/1/publish')).status).toBe(200);

    expect((await call('PUT', '/v1/numbers/+498001000', { flowId: 'parent' })).status).toBe(201);
    const flow = await publishedFlowForNumber(t.db, '+498001000');
    expect(flow?.id).toBe('parent');
    // The sub-flow is linked in: no goto naming a flow is left.
    const gotos = Object.values(flow!.nodes).filter((n) => n.type === 'goto' && n.flow !== undefined);
    expect(gotos).toEqual([]);
    expect(Object.keys(flow!.nodes).some((k) => k.startsWith('sub/'))).toBe(true);

    const sim = await call('POST', '/v1/flows/parent/simulate', { script: [{ dtmf: '1' }] });
    expect(sim.status).toBe(200);
    expect(sim.body.prompts.flatMap((p: { media: string[] }) => p.media)).toEqual([
      'sound:hello',
      'sound:main-menu',
      'sound:thanks',
      'sound:goodbye',
    ]);
  });
});

describe('numbers', () => {
  it('maps DIDs to published flows only', async () => {
    await call('POST', '/v1/flows', { document: simpleFlow('draft-only') });
    const unpublished = await call('PUT', '/v1/numbers/+4930100', { flowId: 'draft-only' });
    expect(unpublished.status).toBe(409);
    expect(unpublished.body.detail).toMatch(/no published version/);
    const missing = await call('PUT', '/v1/numbers/+4930100', { flowId: 'no-such-flow' });
    expect(missing.status).toBe(422);
    expect(missing.body.detail).toMatch(/no-such-flow/);
    expect(await publishedFlowForNumber(t.db, '+4930100')).toBeUndefined();

    await call('POST', '/v1/flows/draft-only/versions/1/publish');
    const created = await call('PUT', '/v1/numbers/+4930100', { flowId: 'draft-only', description: 'Berlin office' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ did: '+4930100', flowId: 'draft-only', description: 'Berlin office' });
    const updated = await call('PUT', '/v1/numbers/+4930100', { flowId: 'draft-only' });
    expect(updated.status).toBe(200);
    expect(updated.body.description).toBeNull();

    expect((await call('GET', '/v1/numbers/+4930100', undefined, reader)).body.flowId).toBe('draft-only');
    expect((await call('GET', '/v1/numbers/+4930199', undefined, reader)).status).toBe(404);
    expect((await call('PUT', '/v1/numbers/not-a-number', { flowId: 'draft-only' })).status).toBe(400);
  });

  it('publishedFlowForNumber follows the published version, not the latest draft', async () => {
    await createPublished('follow');
    await call('PUT', '/v1/numbers/+4940200', { flowId: 'follow' });
    await call('POST', '/v1/flows/follow/versions', { document: simpleFlow('follow', 'sound:v2') });
    const v1 = await publishedFlowForNumber(t.db, '+4940200');
    expect(v1).toMatchObject({ id: 'follow', version: 1 });
    expect((v1!.nodes.bye as { prompt: { media: string[] } }).prompt.media).toEqual(['sound:goodbye']);
    await call('POST', '/v1/flows/follow/versions/2/publish');
    const v2 = await publishedFlowForNumber(t.db, '+4940200');
    expect(v2).toMatchObject({ id: 'follow', version: 2 });
    expect(await publishedFlowForNumber(t.db, '+4940999')).toBeUndefined();
  });

  it('lists numbers by DID with cursors and a flow filter', async () => {
    await createPublished('many');
    for (const d of ['+4970001', '+4970002', '+4970003']) await call('PUT', `/v1/numbers/${encodeURIComponent(d)}`, { flowId: 'many' });
    const first = await call('GET', '/v1/numbers?flowId=many&limit=2', undefined, reader);
    expect(first.body.items.map((n: { did: string }) => n.did)).toEqual(['+4970001', '+4970002']);
    const second = await call('GET', `/v1/numbers?flowId=many&limit=2&cursor=${first.body.nextCursor}`, undefined, reader);
    expect(second.body).toMatchObject({ items: [{ did: '+4970003' }], nextCursor: null });
    expect((await call('DELETE', '/v1/numbers/+4970003')).status).toBe(204);
    expect((await call('DELETE', '/v1/numbers/+4970003')).status).toBe(404);
  });
});

describe('scopes and docs', () => {
  it('answers 401 without a key and 403 without the scope', async () => {
    const noKey = await http.request({ method: 'GET', path: '/v1/flows' });
    expect(noKey.statusCode).toBe(401);
    await noKey.body.text();
    const callsOnly = await keyWith(t.db, 'calls:read');
    expect((await call('GET', '/v1/flows', undefined, callsOnly)).status).toBe(403);
    expect((await call('GET', '/v1/numbers', undefined, callsOnly)).status).toBe(403);
    expect((await call('POST', '/v1/flows', { document: simpleFlow('ro') }, reader)).status).toBe(403);
    expect((await call('PUT', '/v1/numbers/+4911', { flowId: 'x' }, reader)).status).toBe(403);
    expect((await call('DELETE', '/v1/flows/x', undefined, reader)).status).toBe(403);
    expect((await call('POST', '/v1/flows/x/versions/1/publish', undefined, reader)).status).toBe(403);
  });

  it('publishes the Flow document schema in the OpenAPI', async () => {
    const res = await http.request({ method: 'GET', path: '/docs/json' });
    const doc = JSON.parse(await res.body.text());
    const text = JSON.stringify(doc);
    expect(doc.paths['/v1/flows']).toBeDefined();
    expect(doc.paths['/v1/flows/{id}/simulate']).toBeDefined();
    expect(doc.paths['/v1/numbers/{did}']).toBeDefined();
    expect(doc.components.schemas.Flow).toMatchObject({ description: 'A declarative IVR call flow' });
    expect(doc.paths['/v1/flows'].post.requestBody.content['application/json'].schema.properties.document).toEqual({
      $ref: '#/components/schemas/Flow',
    });
    expect(text).toContain('Requires scope: flows:write');
  });
});
