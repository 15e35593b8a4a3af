// The CSV export answers 200 only after its first page was read, so what fails later can
// no longer change the status: the body must then say it is incomplete, and the failure
// must be logged. Here the oldest CDR has a detail the CSV writer cannot render (its
// agents are not a list), so the second page fails after the first was sent.
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cdrRoutes } from '../../src/cdrs/routes.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { bearer, keyWith, testApp } from './api-fixtures.js';

let t: TestDatabase;
let app: FastifyInstance;
let logs: () => string;
let key: string;

/** One page of the export is 500 rows; the first page reads one more to know a next one exists. */
const ORDINARY = 501;

beforeAll(async () => {
  t = await createTestDatabase();
  ({ app, logs } = await testApp(t.db, { routes: [{ plugin: cdrRoutes, opts: { db: t.db } }] }));
  key = await keyWith(t.db, 'cdrs:read');
  await t.db.query(
    `WITH c AS (
       INSERT INTO calls (id, pbx_node, channel_id, direction, state, created_at)
       SELECT gen_random_uuid(), 'pbx1', '1700000000.' || n, 'inbound', 'ended', now() - n * interval '1 minute'
       FROM generate_series(1, $1::int) n RETURNING id, created_at
     )
     INSERT INTO cdrs (id, call_id, pbx_node, direction, caller_number, started_at, ended_at, duration_ms, talk_ms, disposition)
     SELECT gen_random_uuid(), id, 'pbx1', 'inbound', '0301234567', created_at, created_at, 0, 0, 'answered' FROM c`,
    [ORDINARY],
  );
  const broken = randomUUID();
  await t.db.query("INSERT INTO calls (id, pbx_node, channel_id, direction, state) VALUES ($1, 'pbx1', '1700000000.0', 'inbound', 'ended')", [broken]);
  await t.db.query(
    `INSERT INTO cdrs (id, call_id, pbx_node, direction, started_at, ended_at, duration_ms, talk_ms, disposition, detail)
     VALUES ($1, $2, 'pbx1', 'inbound', now() - interval '2 days', now() - interval '2 days', 0, 0, 'answered', '{"agents": 5}')`,
    [randomUUID(), broken],
  );
});

afterAll(async () => {
  await app?.close();
  await t?.drop();
});

describe('CSV export', () => {
  it('a failure after the 200 ends the body with a visible line saying it is incomplete, and is logged', async () => {
    const res = await app.inject({ method: 'GET', url: '/v1/cdrs/export.csv', headers: bearer(key) });
    expect(res.statusCode).toBe(200);
    const lines = res.body.trimEnd().split('\r\n');
    expect(lines[0]!.startsWith('id,callId,')).toBe(true);
    // The first page's rows arrived, then the line that says the export stopped short.
    expect(lines.slice(1, -1)).toHaveLength(500);
    expect(lines.at(-1)).toMatch(/^# export failed after the rows above; it is incomplete \(request id \S+\)$/);
    expect(logs()).toContain('CDR export failed mid-stream');
  });

  it('an export that does not fail has no such line', async () => {
    const res = await app.inject({ method: 'GET', url: '/v1/cdrs/export.csv?limit=400', headers: bearer(key) });
    expect(res.statusCode).toBe(200);
    const lines = res.body.trimEnd().split('\r\n');
    expect(lines).toHaveLength(401);
    expect(res.body).not.toContain('# export failed');
  });
});
