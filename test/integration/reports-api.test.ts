// The report API on a real Postgres: the scripted day written into the outbox (the journal)
// and read back through GET /v1/reports/... as JSON and CSV, the quality lists, bad ranges.
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/pool.js';
import { ReportThread } from '../../src/reports/report-thread.js';
import { reportRoutes } from '../../src/reports/routes.js';
import { queueReport } from '../../src/reports/rollup-query.js';
import type { JournalEvent } from '../../src/reports/kpi.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { D, call, day, ev } from '../helpers/report-day.js';
import { bearer, keyWith, testApp } from './api-fixtures.js';

let t: TestDatabase;
let app: FastifyInstance;
/** The same routes answering KPIs from the report thread, as the service runs them. */
let threaded: FastifyInstance;
let thread: ReportThread;
let key: string;
let logs: () => string;

/** Journal rows as the outbox holds them: created when they happened. */
async function journal(db: Db, events: JournalEvent[]): Promise<void> {
  for (const e of events) {
    const id = randomUUID();
    await db.query('INSERT INTO outbox (event_id, type, payload, created_at, published_at) VALUES ($1, $2, $3, $4, now())', [
      id, e.type, { id, version: 1, ...e }, e.occurredAt,
    ]);
  }
}

beforeAll(async () => {
  t = await createTestDatabase();
  ({ app, logs } = await testApp(t.db, { routes: [{ plugin: reportRoutes, opts: { db: t.db } }] }));
  thread = new ReportThread({ url: t.url });
  ({ app: threaded } = await testApp(t.db, { routes: [{ plugin: reportRoutes, opts: { db: t.db, thread } }] }));
  key = await keyWith(t.db, 'reports:read');
  await journal(t.db, [
    ...day,
    // a satisfied caller is on neither list; c2's survey carries a recording link
    ev('call.connected', '12:00:00', { ...call('c6', '+555'), agent: { id: 'a2' }, queueId: 'sales', waitMs: 1000 }, 'c6'),
    ev('survey.completed', '12:05:00', { ...call('c6', '+555'), survey: { rating: '5', rated: true } }, 'c6'),
  ]);
  await t.db.query(`UPDATE outbox SET payload = jsonb_set(payload, '{data,data}', '{"recordingUrl":"https://rec.example/c2.wav"}') WHERE type = 'survey.completed' AND payload->>'callId' = 'c2'`);
});
afterAll(async () => {
  await app?.close();
  await threaded?.close();
  await thread?.close();
  await t?.drop();
});

const get = (url: string, headers: Record<string, string> = {}, k = key) => app.inject({ method: 'GET', url, headers: { ...bearer(k), ...headers } });
const range = `from=${D}T00:00:00Z&to=2026-12-01T00:00:00Z`;

describe('GET /v1/reports/queues and /agents', () => {
  it('reports the scripted day per hour from the journal', async () => {
    const res = await get(`/v1/reports/queues?${range}&interval=60m&queueId=sales`);
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ interval: '60m', timeZone: 'UTC' });
    const nine = body.items.find((x: { interval: string }) => x.interval === `${D}T09:00`);
    expect(nine).toMatchObject({ offered: 2, answered: 2, serviceLevel: 0.5, asaSeconds: 22.5, avgHandleSeconds: 360, firstCallResolution: 0.5 });
    expect(body.items.every((x: { queueId: string }) => x.queueId === 'sales')).toBe(true);

    const agents = (await get(`/v1/reports/agents?${range}&interval=day&agentId=a1`)).json();
    expect(agents.items).toEqual([expect.objectContaining({ agentId: 'a1', interval: D, loggedInSeconds: 9000, occupancy: 0.04, logouts: 1 })]);
  });

  it('answers CSV by format or Accept header', async () => {
    const res = await get(`/v1/reports/queues?${range}&interval=day&format=csv`);
    expect(res.statusCode, logs()).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/csv/);
    const lines = res.body.trim().split('\r\n');
    const header = lines[0]!.split(',');
    const sales = lines.find((l) => l.startsWith(`${D},sales,`))!.split(',');
    expect(sales[header.indexOf('offered')]).toBe('5');
    // c6 at 12:00 was answered in 1 s: 2 within T over (5 offered − 1 short abandon)
    expect(sales[header.indexOf('serviceLevel')]).toBe('0.5');
    const byAccept = await get(`/v1/reports/agents?${range}&interval=day`, { accept: 'text/csv' });
    expect(byAccept.headers['content-type']).toMatch(/^text\/csv/);
    expect(byAccept.body.split('\r\n')[0]).toMatch(/^interval,agentId,answered,/);
  });

  it('refuses inverted and too long ranges with 422', async () => {
    const inverted = await get(`/v1/reports/queues?from=2026-12-01T00:00:00Z&to=${D}T00:00:00Z`);
    expect(inverted.statusCode).toBe(422);
    expect(inverted.json().detail).toMatch(/inverted/);
    const long = await get(`/v1/reports/agents?from=2026-01-01T00:00:00Z&to=2026-03-01T00:00:00Z&interval=15m`);
    expect(long.statusCode).toBe(422);
    expect(long.json()).toMatchObject({ maxDays: 31 });
    expect((await get(`/v1/reports/queues?${range}&timeZone=Nowhere/Land`)).statusCode).toBe(422);
    const offQuarter = await get(`/v1/reports/queues?from=${D}T09:10:00Z&to=2026-12-01T00:00:00Z`);
    expect(offQuarter.statusCode).toBe(422);
    expect(offQuarter.json().detail).toMatch(/not on a quarter hour/);
    expect((await get(`/v1/reports/queues?from=yesterday&to=today`)).statusCode).toBe(400);
    const noScope = await keyWith(t.db, 'calls:read');
    expect((await get(`/v1/reports/queues?${range}`, {}, noScope)).statusCode).toBe(403);
  });
});

describe('KPI answers from the report thread', () => {
  it('are byte for byte the answers made on the event loop, JSON and CSV', async () => {
    // A week of one queue's quarter hours: an answer of many pieces, each asked for in turn.
    await t.db.query(`INSERT INTO kpi_rollups (kind, subject, bucket, offered, answered, waits, talk_ms)
      SELECT 'q', 'bulk', b, 2, 1, '{"7": 1}', 60000 FROM generate_series(timestamptz '2025-01-01', timestamptz '2025-01-07 23:45', interval '15 minutes') b`);
    const urls = [
      '/v1/reports/queues?from=2025-01-01T00:00:00Z&to=2025-01-08T00:00:00Z&interval=15m&queueId=bulk',
      '/v1/reports/queues?from=2025-01-01T00:00:00Z&to=2025-01-08T00:00:00Z&interval=15m&queueId=bulk&format=csv',
      `/v1/reports/queues?${range}&interval=60m&queueId=sales`,
      `/v1/reports/queues?${range}&interval=15m`,
      `/v1/reports/agents?${range}&interval=day`,
      `/v1/reports/agents?from=2026-11-01T00:00:00Z&to=2026-12-01T00:00:00Z&interval=month&timeZone=Pacific/Auckland`,
      `/v1/reports/queues?${range}&interval=day&format=csv`,
    ];
    for (const url of urls) {
      const [here, there] = await Promise.all([get(url), threaded.inject({ method: 'GET', url, headers: bearer(key) })]);
      expect(here.statusCode, here.body).toBe(200);
      expect(there.statusCode, there.body).toBe(200);
      expect(there.headers['content-type']).toBe(here.headers['content-type']);
      expect(there.body).toBe(here.body);
    }
    expect(JSON.parse((await threaded.inject({ method: 'GET', url: urls[0]!, headers: bearer(key) })).body).items).toHaveLength(7 * 96);
  });

  it('still answers after a client left half-way, and a query that fails is an error, not a cut-off body', async () => {
    const query = { from: new Date(`${D}T00:00:00Z`), to: new Date('2026-12-01T00:00:00Z'), granularity: '15m' as const, timeZone: 'UTC', serviceLevelSeconds: 20, fcrHours: 24, dissatisfiedAtOrBelow: 2 };
    const body = await thread.answer({ kind: 'q', query, format: { json: {} } });
    for await (const _piece of body) break;
    const again = await thread.answer({ kind: 'q', query, format: { json: {} } });
    let text = '';
    for await (const piece of again) text += Buffer.from(piece as Uint8Array).toString();
    expect(JSON.parse(text).items).toEqual(JSON.parse(JSON.stringify(await queueReport(t.db, query))));

    const gone = new ReportThread({ url: t.url.replace(/\/[^/?]+(\?|$)/, '/cti_no_such_database$1') });
    try {
      await expect(gone.answer({ kind: 'q', query, format: { json: {} } })).rejects.toThrow(/cti_no_such_database/);
    } finally {
      await gone.close();
    }
  });
});

describe('GET /v1/reports/quality', () => {
  it('lists the dissatisfied and the unrated callers of the day with agent, queue and recording', async () => {
    const res = await get(`/v1/reports/quality?date=${D}`);
    expect(res.statusCode).toBe(200);
    expect(res.json().items).toEqual([
      { callId: 'c1', at: `${D}T09:06:00.000Z`, list: 'dissatisfied', rating: 2, caller: { number: '+111', name: null }, agentId: 'a1', queueId: 'sales', recordingUrl: null },
      { callId: 'c2', at: `${D}T09:20:00.000Z`, list: 'unrated', rating: null, caller: { number: '+222', name: null }, agentId: 'a2', queueId: 'sales', recordingUrl: 'https://rec.example/c2.wav' },
    ]);
    const unrated = (await get(`/v1/reports/quality?date=${D}&list=unrated`)).json();
    expect(unrated.items.map((x: { callId: string }) => x.callId)).toEqual(['c2']);
    // 30 November in Auckland (UTC+13) runs from 29 Nov 11:00Z to 30 Nov 11:00Z: c1 and c2 fall in it
    const csv = await get(`/v1/reports/quality?date=2026-11-30&timeZone=Pacific/Auckland&format=csv`);
    const lines = csv.body.trim().split('\r\n');
    expect(lines[0]).toBe('list,at,callId,rating,caller.number,caller.name,agentId,queueId,recordingUrl');
    expect(lines[1]).toBe('dissatisfied,2026-11-30T09:06:00.000Z,c1,2,+111,,a1,sales,');
    expect(lines).toHaveLength(3);
    const nextDay = await get(`/v1/reports/quality?date=2026-12-01&timeZone=Pacific/Auckland&format=csv`);
    expect(nextDay.body.trim().split('\r\n')).toHaveLength(1);
  });
});
