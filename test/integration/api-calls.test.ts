// The calls read API over real HTTP against rows written straight into Postgres.
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { Value } from 'typebox/value';
import { Pool } from 'undici';
import { CallDetail, CallPage } from '../../src/calls/schemas.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { bearer, insertCall, keyWith, testApp } from './api-fixtures.js';

let t: TestDatabase;
let app: FastifyInstance;
let http: Pool;
let key: string;
let logs: () => string;

async function get(path: string, k = key): Promise<{ status: number; body: any; headers: Record<string, unknown> }> {
  const res = await http.request({ method: 'GET', path, headers: bearer(k) });
  const text = await res.body.text();
  return { status: res.statusCode, body: text ? JSON.parse(text) : undefined, headers: res.headers };
}

beforeAll(async () => {
  t = await createTestDatabase();
  ({ app, logs } = await testApp(t.db));
  const address = await app.listen({ host: '127.0.0.1', port: 0 });
  http = new Pool(address);
  key = await keyWith(t.db, 'calls:read');
});
afterAll(async () => {
  await http?.close();
  await app?.close();
  await t?.drop();
});

describe('GET /v1/calls/{id}', () => {
  it('returns the call in camelCase with its legs and its timeline in order', async () => {
    const id = await insertCall(t.db, {
      pbxNode: 'pbx-east',
      channelId: '1732312345.42',
      linkedid: '1732312345.42',
      callerNumber: '+4930123456',
      callerName: 'Ada Lovelace',
      dnis: '+498001234',
      state: 'answered',
      data: { ivr: { menu: '2' } },
    });
    await t.db.query(
      "UPDATE calls SET answered_at = created_at + interval '3 seconds', ended_at = created_at + interval '60 seconds', hangup_cause = 16 WHERE id = $1",
      [id],
    );
    await t.db.query("INSERT INTO call_legs (call_id, channel_id, role) VALUES ($1, '1732312345.42', 'caller'), ($1, '1732312345.43', 'agent')", [id]);
    // Inserted out of time order on purpose: the timeline is the order of recording.
    const types = ['call.created', 'call.ivr_step', 'call.queued', 'call.answered'];
    for (const [i, type] of types.entries()) {
      await t.db.query('INSERT INTO call_events (call_id, type, at, data) VALUES ($1, $2, now() + $3 * interval \'1 second\', $4)', [
        id,
        type,
        i,
        JSON.stringify({ step: i }),
      ]);
    }

    const { status, body, headers } = await get(`/v1/calls/${id}`);
    expect(status).toBe(200);
    expect(headers['content-type']).toMatch(/^application\/json/);
    // Postgres renders this JSON: it must keep to the documented schema.
    expect([...Value.Errors(CallDetail, body)]).toEqual([]);
    expect(body).toMatchObject({
      id,
      pbxNode: 'pbx-east',
      channelId: '1732312345.42',
      linkedid: '1732312345.42',
      direction: 'inbound',
      state: 'answered',
      caller: { number: '+4930123456', name: 'Ada Lovelace' },
      dnis: '+498001234',
      data: { ivr: { menu: '2' } },
      hangupCause: 16,
    });
    expect(new Date(body.answeredAt).getTime() - new Date(body.createdAt).getTime()).toBe(3000);
    expect(body.endedAt).toMatch(/Z$/);
    expect(body.legs.map((l: any) => [l.channelId, l.role])).toEqual([
      ['1732312345.42', 'caller'],
      ['1732312345.43', 'agent'],
    ]);
    expect(body.legs[0].endedAt).toBeNull();
    expect(body.timeline.map((e: any) => e.type)).toEqual(types);
    expect(body.timeline.map((e: any) => e.data.step)).toEqual([0, 1, 2, 3]);
    expect(body.timeline[0].at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  it('a call with no events has empty legs and timeline', async () => {
    const id = await insertCall(t.db);
    const { body } = await get(`/v1/calls/${id}`);
    expect([...Value.Errors(CallDetail, body)]).toEqual([]);
    expect(body.answeredAt).toBeNull();
    expect(body.data).toEqual({});
    expect(body.legs).toEqual([]);
    expect(body.timeline).toEqual([]);
    expect(body.caller).toEqual({ number: null, name: null });
  });

  it('an unknown id is a 404 problem', async () => {
    const id = randomUUID();
    const res = await get(`/v1/calls/${id}`);
    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body.detail).toBe(`call ${id} does not exist`);
  });
});

describe('GET /v1/calls', () => {
  let base: number;
  const ids = { a: '', b: '', c: '', d: '' };
  beforeAll(async () => {
    await t.db.query('TRUNCATE calls CASCADE');
    base = Date.parse('2026-03-01T10:00:00Z');
    const at = (min: number) => new Date(base + min * 60_000).toISOString();
    ids.a = await insertCall(t.db, { createdAt: at(0), direction: 'inbound', state: 'ended', callerNumber: '+111', dnis: '800', pbxNode: 'pbx1', linkedid: 'L1' });
    ids.b = await insertCall(t.db, { createdAt: at(1), direction: 'outbound', state: 'answered', callerNumber: '+222', dnis: '801', pbxNode: 'pbx2', linkedid: 'L2' });
    ids.c = await insertCall(t.db, { createdAt: at(2), direction: 'inbound', state: 'answered', callerNumber: '+111', dnis: '801', pbxNode: 'pbx1', linkedid: 'L3' });
    ids.d = await insertCall(t.db, { createdAt: at(3), direction: 'internal', state: 'ringing', callerNumber: '+333', dnis: '800', pbxNode: 'pbx2', linkedid: 'L1' });
  });

  const list = async (qs: string) => {
    const r = await get(`/v1/calls${qs}`);
    expect(r.status).toBe(200);
    expect([...Value.Errors(CallPage, r.body)]).toEqual([]);
    return r.body.items.map((i: any) => i.id) as string[];
  };

  it('lists newest first', async () => {
    expect(await list('')).toEqual([ids.d, ids.c, ids.b, ids.a]);
  });

  it('filters by each field, combined with AND', async () => {
    expect(await list('?state=answered')).toEqual([ids.c, ids.b]);
    expect(await list('?live=true')).toEqual([ids.d, ids.c, ids.b]);
    expect(await list('?live=false')).toEqual([ids.a]);
    expect(await list('?live=true&direction=inbound')).toEqual([ids.c]);
    expect(await list('?direction=inbound')).toEqual([ids.c, ids.a]);
    expect(await list('?pbxNode=pbx2')).toEqual([ids.d, ids.b]);
    expect(await list(`?callerNumber=${encodeURIComponent('+111')}`)).toEqual([ids.c, ids.a]);
    expect(await list('?dnis=801')).toEqual([ids.c, ids.b]);
    expect(await list('?linkedid=L1')).toEqual([ids.d, ids.a]);
    expect(await list('?direction=inbound&dnis=801')).toEqual([ids.c]);
    const from = new Date(base + 60_000).toISOString();
    const to = new Date(base + 3 * 60_000).toISOString();
    // from is inclusive, to exclusive
    expect(await list(`?from=${from}&to=${to}`)).toEqual([ids.c, ids.b]);
  });

  it('rejects a bad filter value', async () => {
    expect((await get('/v1/calls?direction=sideways')).status).toBe(400);
    expect((await get('/v1/calls?from=yesterday')).status).toBe(400);
    const bogus = await get('/v1/calls?state=bogus');
    expect(bogus.status).toBe(400);
    expect(JSON.stringify(bogus.body)).toMatch(/state/);
    expect((await get('/v1/calls?live=maybe')).status).toBe(400);
  });
});

describe('cursor pagination', () => {
  it('walks every call exactly once, even with identical timestamps and inserts between pages', async () => {
    await t.db.query('TRUNCATE calls CASCADE');
    const expected = new Set<string>();
    // 25 calls share one timestamp (ties broken by id), 20 more at microsecond steps.
    const same = '2026-04-01T12:00:00.123456Z';
    for (let i = 0; i < 25; i++) expected.add(await insertCall(t.db, { createdAt: same }));
    for (let i = 0; i < 20; i++) {
      expected.add(await insertCall(t.db, { createdAt: `2026-04-01T12:00:00.1234${String(57 + i).padStart(2, '0')}Z` }));
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const r: { status: number; body: any } = await get(`/v1/calls?limit=7${cursor ? `&cursor=${cursor}` : ''}`);
      expect(r.status).toBe(200);
      expect(r.body.items.length).toBeLessThanOrEqual(7);
      seen.push(...r.body.items.map((i: any) => i.id));
      cursor = r.body.nextCursor;
      pages++;
      // A call arriving while the client pages is newer than the cursor: not in later pages.
      if (pages === 2) await insertCall(t.db);
    } while (cursor);
    expect(pages).toBe(7);
    expect(seen.length).toBe(45);
    expect(new Set(seen)).toEqual(expected);
  });

  it('the last page has a null nextCursor and limit defaults to 50', async () => {
    const r = await get('/v1/calls');
    expect(r.body.items.length).toBe(46);
    expect(r.body.nextCursor).toBeNull();
    const one = await get('/v1/calls?limit=1');
    expect(one.body.nextCursor).toEqual(expect.any(String));
  });
});

describe('metrics and logs after listing', () => {
  it('carry route patterns, never phone numbers or ids', async () => {
    const id = await insertCall(t.db, { callerNumber: '+4917612345678' });
    await get(`/v1/calls?callerNumber=${encodeURIComponent('+4917612345678')}`);
    await get(`/v1/calls/${id}`);
    await get(`/v1/calls/${randomUUID()}`);
    const res = await http.request({ method: 'GET', path: '/metrics' });
    const text = await res.body.text();
    expect(res.statusCode).toBe(200);
    expect(text).toMatch(/cti_http_request_duration_seconds_count\{[^}]*route="\/v1\/calls\/:id"[^}]*status_code="404"/);
    expect(text).toMatch(/route="\/v1\/calls"/);
    expect(text).not.toContain('4917612345678');
    expect(text).not.toContain(id);
    const logText = logs();
    expect(logText).toContain('"route":"/v1/calls/:id"');
    expect(logText).not.toContain('4917612345678');
    expect(logText).not.toContain(key);
  });
});
