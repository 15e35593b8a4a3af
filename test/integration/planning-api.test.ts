// The planning API on a real Postgres: staffing vectors over HTTP, the unstable-queue
// message, and a forecast built from inbound calls inserted as history.
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planningRoutes } from '../../src/planning/routes.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { bearer, insertCall, keyWith, testApp } from './api-fixtures.js';

let t: TestDatabase;
let app: FastifyInstance;
let key: string;

beforeAll(async () => {
  t = await createTestDatabase();
  ({ app } = await testApp(t.db, { routes: [{ plugin: planningRoutes, opts: { db: t.db } }] }));
  key = await keyWith(t.db, 'reports:read');
});
afterAll(async () => {
  await app?.close();
  await t?.drop();
});

const post = (url: string, payload: object, k = key) => app.inject({ method: 'POST', url, payload, headers: bearer(k) });

describe('POST /v1/planning/staffing', () => {
  it('answers the Erlang C and Erlang A vectors', async () => {
    const res = await post('/v1/planning/staffing', {
      calls: 100, intervalMinutes: 30, ahtSeconds: 180, serviceLevel: 0.8, targetSeconds: 20, shrinkage: 0.3, patienceSeconds: 300,
    });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.erlangC).toMatchObject({ agents: 14, scheduled: 20, serviceLevel: 0.8884, occupancy: 0.7143, waitProbability: 0.1741 });
    expect(body.erlangA.agents).toBe(13);
    expect(body.erlangA.serviceLevel).toBeCloseTo(0.858, 3);
    expect(body.erlangA.abandonRate).toBeCloseTo(0.025, 3);
  });

  it('explains an unstable queue with a 422, never NaN', async () => {
    const res = await post('/v1/planning/staffing', { calls: 100, intervalMinutes: 30, ahtSeconds: 180, serviceLevel: 0.8, targetSeconds: 20, agents: 10 });
    expect(res.statusCode).toBe(422);
    expect(res.headers['content-type']).toMatch(/problem\+json/);
    expect(res.json().detail).toMatch(/unstable.*10 Erlangs/);
    expect(res.body).not.toMatch(/NaN/);
  });

  it('rejects bad input and needs a key with reports:read', async () => {
    expect((await post('/v1/planning/staffing', { calls: -1, ahtSeconds: 180, serviceLevel: 0.8, targetSeconds: 20 })).statusCode).toBe(400);
    expect((await post('/v1/planning/staffing', { calls: 10, ahtSeconds: 180, serviceLevel: 0.8, targetSeconds: 20, shrinkage: 1 })).statusCode).toBe(400);
    const other = await keyWith(t.db, 'calls:read');
    expect((await post('/v1/planning/staffing', { calls: 10, ahtSeconds: 180, serviceLevel: 0.8, targetSeconds: 20 }, other)).statusCode).toBe(403);
  });
});

describe('POST /v1/planning/forecast', () => {
  it('forecasts per local half hour from the same weekday of past weeks', async () => {
    // Mondays 2026-11-16 and 2026-11-23, 10:00-10:30 in Berlin (09:00Z): 4 and 2 calls.
    for (const [day, n] of [['2026-11-16', 4], ['2026-11-23', 2]] as const) {
      for (let i = 0; i < n; i++) await insertCall(t.db, { createdAt: `${day}T09:0${i}:00Z` });
    }
    await insertCall(t.db, { createdAt: '2026-11-24T09:00:00Z' }); // a Tuesday: not used
    await insertCall(t.db, { createdAt: '2026-11-23T09:10:00Z', direction: 'outbound' }); // not offered
    const res = await post('/v1/planning/forecast', {
      date: '2026-11-30', timeZone: 'Europe/Berlin', lookbackDays: 14, ahtSeconds: 180, serviceLevel: 0.8, targetSeconds: 20,
    });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.basis).toBe('same-weekday');
    expect(body.daysUsed).toEqual(['2026-11-16', '2026-11-23']);
    expect(body.slots).toHaveLength(48);
    expect(body.slots[20]).toMatchObject({ start: '10:00', calls: 3 });
    expect(body.slots[20].erlangC.agents).toBeGreaterThanOrEqual(1);
    expect(body.slots.filter((s: { calls: number }) => s.calls > 0)).toHaveLength(1);
  });

  it('forecasts a queue from its quarter-hour rollups, not from calls or the journal', async () => {
    // Mondays 2026-11-16 and 2026-11-23, 08:00-08:30 UTC: 5 then 3 calls offered to sales over two quarter hours.
    for (const [bucket, n] of [['2026-11-16T08:00:00Z', 2], ['2026-11-16T08:15:00Z', 3], ['2026-11-23T08:15:00Z', 3]] as const)
      await t.db.query(`INSERT INTO kpi_rollups (kind, subject, bucket, offered) VALUES ('q', 'sales', $1, $2)`, [bucket, n]);
    await t.db.query(`INSERT INTO kpi_rollups (kind, subject, bucket, offered) VALUES ('q', 'support', '2026-11-23T08:00:00Z', 9)`);
    const res = await post('/v1/planning/forecast', {
      date: '2026-11-30', timeZone: 'UTC', lookbackDays: 14, ahtSeconds: 180, serviceLevel: 0.8, targetSeconds: 20, queueId: 'sales',
    });
    expect(res.statusCode).toBe(200);
    const slots = res.json().slots as Array<{ start: string; calls: number }>;
    expect(slots[16]).toMatchObject({ start: '08:00', calls: 4 });
    expect(slots.filter((s) => s.calls > 0)).toHaveLength(1);
  });

  it('asks for a handle time when the history has none, and refuses unknown zones', async () => {
    const base = { date: '2026-11-30', lookbackDays: 7, serviceLevel: 0.8, targetSeconds: 20 };
    const noAht = await post('/v1/planning/forecast', { ...base, timeZone: 'UTC' });
    expect(noAht.statusCode).toBe(422);
    expect(noAht.json().detail).toMatch(/ahtSeconds/);
    expect((await post('/v1/planning/forecast', { ...base, timeZone: 'Mars/Olympus', ahtSeconds: 100 })).statusCode).toBe(422);
  });
});
