// The event catalogue as JSON Schema: served at /v1/events/schemas and as OpenAPI webhooks,
// and enforced in the outbox write path with EVENT_SCHEMA_CHECK=1, which the end-to-end
// tests that drive whole flows set.
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withTransaction } from '../../src/db/pool.js';
import { EVENT_TYPES } from '../../src/events/catalogue.js';
import { appendOutbox } from '../../src/events/outbox.js';
import { EventSchemaError, eventSchemaProblems } from '../../src/events/schema-check.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { keyWith, testApp } from './api-fixtures.js';

let t: TestDatabase;
let app: FastifyInstance;

beforeAll(async () => {
  process.env.EVENT_SCHEMA_CHECK = '1';
  t = await createTestDatabase();
  ({ app } = await testApp(t.db));
});
afterAll(async () => {
  delete process.env.EVENT_SCHEMA_CHECK;
  await app?.close();
  await t?.drop();
});

const fax = { faxId: '5b0e2f4c-8d1a-4c47-9c57-0c1f5e0b2a11', destination: '+351210000000', documentCode: 'price-list', pages: 2, attempts: 1 };

describe('GET /v1/events/schemas', () => {
  it('publishes every catalogue type with its envelope, payload and version, behind events:read', async () => {
    const key = await keyWith(t.db, 'events:read');
    const res = await app.inject({ method: 'GET', url: '/v1/events/schemas', headers: { authorization: `Bearer ${key}` } });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.version).toBe(1);
    expect(Object.keys(body.events).sort()).toEqual([...EVENT_TYPES].sort());
    const ended = body.events['call.ended'].schema;
    expect(ended.properties.type.const).toBe('call.ended');
    expect(ended.properties.data.required).toEqual(expect.arrayContaining(['callId', 'state', 'cause', 'reason']));

    const other = await keyWith(t.db, 'calls:read');
    const denied = await app.inject({ method: 'GET', url: '/v1/events/schemas', headers: { authorization: `Bearer ${other}` } });
    expect(denied.statusCode).toBe(403);
    expect(denied.headers['content-type']).toMatch(/problem\+json/);
  });

  it('puts the same schemas into the OpenAPI document as webhooks', async () => {
    const doc = (await app.inject({ method: 'GET', url: '/docs/json' })).json();
    expect(Object.keys(doc.webhooks).sort()).toEqual([...EVENT_TYPES].sort());
    const sent = doc.webhooks['fax.sent'].post.requestBody.content['application/json'].schema;
    expect(sent.properties.data.required).toEqual(expect.arrayContaining(['faxId', 'pages', 'attempts']));
    expect(doc.paths['/v1/events/schemas'].get).toBeDefined();
  });
});

describe('the schema check', () => {
  it('accepts an event that matches and names what is wrong in one that does not', () => {
    const event = { id: 'b0d7b0b4-5b2e-4a5e-9d3c-3f1d9c1e2a10', type: 'fax.sent', version: 1, occurredAt: new Date().toISOString(), data: fax };
    expect(eventSchemaProblems(event)).toEqual([]);
    expect(eventSchemaProblems({ ...event, data: { ...fax, pages: 'two' } }).join()).toMatch(/\/data\/pages/);
    expect(eventSchemaProblems({ ...event, type: 'fax.lost' })).toEqual(['unknown event type fax.lost']);
  });

  it('refuses to write an event that breaks its schema while the check is on, and writes one that matches', async () => {
    await expect(withTransaction(t.db, (tx) => appendOutbox(tx, { type: 'fax.sent', data: { faxId: fax.faxId } }))).rejects.toBeInstanceOf(EventSchemaError);
    const written = await withTransaction(t.db, (tx) => appendOutbox(tx, { type: 'fax.sent', data: fax }));
    const { rows } = await t.db.query('SELECT type FROM outbox WHERE event_id = $1', [written.id]);
    expect(rows).toEqual([{ type: 'fax.sent' }]);
  });
});
