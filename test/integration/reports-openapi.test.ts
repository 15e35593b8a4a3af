// The OpenAPI document builds with the report, planning, wallboard and campaign routes and
// lists their paths with the scopes' error responses.
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { campaignRoutes } from '../../src/campaigns/routes.js';
import { LocalEventBus } from '../../src/events/bus.js';
import { createLogger } from '../../src/log.js';
import { planningRoutes } from '../../src/planning/routes.js';
import { reportRoutes } from '../../src/reports/routes.js';
import { Wallboard } from '../../src/wallboard/feed.js';
import { wallboardRoutes } from '../../src/wallboard/routes.js';
import { WallboardTokens } from '../../src/wallboard/token.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { testApp } from './api-fixtures.js';

let t: TestDatabase;
let app: FastifyInstance;

beforeAll(async () => {
  t = await createTestDatabase();
  const bus = new LocalEventBus();
  const wallboard = new Wallboard({ db: t.db, bus, log: createLogger('silent') });
  ({ app } = await testApp(t.db, {
    bus,
    routes: [
      { plugin: reportRoutes, opts: { db: t.db } },
      { plugin: planningRoutes, opts: { db: t.db } },
      { plugin: campaignRoutes, opts: { db: t.db } },
      { plugin: wallboardRoutes, opts: { wallboard, tokens: new WallboardTokens(t.db) } },
    ],
  }));
});
afterAll(async () => {
  await app?.close();
  await t?.drop();
});

it('documents every new route, hides the wallboard page', async () => {
  const res = await app.inject({ method: 'GET', url: '/docs/json' });
  expect(res.statusCode).toBe(200);
  const paths = Object.keys(res.json().paths);
  for (const p of [
    '/v1/reports/queues', '/v1/reports/agents', '/v1/reports/quality', '/v1/planning/staffing', '/v1/planning/forecast',
    '/v1/wallboard/tokens', '/v1/campaigns', '/v1/campaigns/{id}', '/v1/campaigns/{id}/contacts', '/v1/campaigns/{id}/contacts/import',
    '/v1/campaigns/{id}/due', '/v1/campaigns/{id}/contacts/{contactId}/outcome', '/v1/do-not-call', '/v1/do-not-call/{number}',
  ]) expect(paths).toContain(p);
  expect(paths.some((p) => p.startsWith('/wallboard'))).toBe(false);
  expect(res.json().paths['/v1/reports/queues'].get.responses).toHaveProperty('422');
});
