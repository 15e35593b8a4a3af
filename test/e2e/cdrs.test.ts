// CDRs end to end against the simulator: a call ends, its CDR is served by the API with
// Asterisk's own Cdr record of the same channel (stored from AMI for reconciliation),
// orders taken in the call show on it, the CSV export streams it, and the journal has it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../src/api/keys.js';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/log.js';
import { startService, type Service } from '../../src/main.js';
import { startSimulator, type Simulator } from '../../src/sim/index.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { validOrder } from '../helpers/orders.js';
import { uniquePrefix } from '../helpers/redis.js';
import { serviceEnv, simControl } from '../helpers/service.js';
import { waitFor, waitUntil } from '../helpers/wait.js';

// Every event this file's flows make the service write is checked against /v1/events/schemas.
process.env.EVENT_SCHEMA_CHECK = '1';

describe('CDR API with Asterisk reconciliation', () => {
  let t: TestDatabase;
  let sim: Simulator;
  let service: Service;
  let key: string;

  const api = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${service.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    return { status: res.status, headers: res.headers, text, json: () => JSON.parse(text) };
  };

  beforeAll(async () => {
    t = await createTestDatabase();
    sim = await startSimulator({});
    service = await startService(loadConfig(serviceEnv(sim, t.url, uniquePrefix('cdrs'))), createLogger('warn'));
    key = (await createApiKey(service.db, { name: 'cdrs', scopes: ['cdrs:read', 'orders:write', 'orders:read', 'events:read'] })).key;
    await waitUntil(() => service.nodes[0]!.ariClient?.state === 'connected', 'ARI connected');
    await waitUntil(() => service.nodes[0]!.amiReadiness().ok === true, 'AMI connected');
  });

  afterAll(async () => {
    await service?.stop();
    await sim?.close();
    await t?.drop();
  });

  it('serves the CDR of a finished call with its Asterisk Cdr, its orders, in CSV and in the journal', async () => {
    await simControl(sim, '/calls', { from: '+15551230001', callerName: 'Alice Caller', to: '100' });
    const row = await waitFor('the CDR', async () => (await t.db.query('SELECT id, call_id FROM cdrs')).rows[0]);
    const legs = (await t.db.query('SELECT channel_id FROM call_legs WHERE call_id = $1', [row.call_id])).rows.map((r) => r.channel_id);
    await waitFor('the Asterisk Cdr of the caller channel', async () =>
      (await t.db.query('SELECT 1 FROM asterisk_cdrs WHERE unique_id = ANY($1)', [legs])).rowCount);

    const order = await api('POST', '/v1/orders', { ...validOrder(), callId: row.call_id });
    expect(order.status).toBe(201);

    const one = await api('GET', `/v1/cdrs/${row.id}`);
    expect(one.status).toBe(200);
    const cdr = one.json();
    expect(cdr).toMatchObject({ id: row.id, callId: row.call_id, disposition: 'answered', caller: { number: '+15551230001' }, complete: true });
    expect(cdr.orderIds).toEqual([order.json().id]);
    expect(cdr.legs[0]).toMatchObject({ role: 'caller' });
    expect(cdr.asterisk.length).toBeGreaterThanOrEqual(1);
    expect(cdr.asterisk.map((a: Record<string, string>) => a.UniqueID)).toEqual(expect.arrayContaining([expect.stringMatching(new RegExp(legs.join('|').replace(/\./g, '\\.')))]));
    expect(cdr.asterisk[0]).toMatchObject({ Disposition: 'ANSWERED', Source: '+15551230001' });

    const list = await api('GET', '/v1/cdrs?callerNumber=%2B15551230001&disposition=answered');
    expect(list.json().items.map((c: { id: string }) => c.id)).toEqual([row.id]);
    expect((await api('GET', '/v1/cdrs?disposition=abandoned')).json().items).toEqual([]);

    const csv = await api('GET', '/v1/cdrs/export.csv');
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toContain('text/csv');
    const lines = csv.text.trim().split('\r\n');
    expect(lines[0]!.split(',').slice(0, 3)).toEqual(['id', 'callId', 'pbxNode']);
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain(row.id);
    expect(lines[1]).toContain('+15551230001');
    // A bad cursor is refused before the 200, not after a header line and a cut connection.
    const badCursor = await api('GET', '/v1/cdrs/export.csv?cursor=xxx');
    expect(badCursor.status).toBe(400);
    expect(badCursor.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(badCursor.json().detail).toMatch(/cursor/);

    const journal = await waitFor('cdr.created in the journal', async () =>
      (await api('GET', '/v1/events?types=cdr.created')).json().items[0]);
    expect(journal.data).toMatchObject({ cdrId: row.id, disposition: 'answered', legs: [{ role: 'caller' }] });
    expect((await api('GET', '/v1/cdrs/00000000-0000-4000-8000-000000000000')).status).toBe(404);
  });
});
