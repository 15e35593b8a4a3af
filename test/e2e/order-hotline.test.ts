// The order hotline through the whole service, configured as an operator would: a call
// comes in, an order is taken in it and audited; the approved order reaches the logistics
// connector, whose signed updates move it on; the CRM connector hears every step and the
// call's CDR; the order shows on its call.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../src/api/keys.js';
import { loadConfig } from '../../src/config.js';
import { generateSecret, sign } from '../../src/events/signing.js';
import { createLogger } from '../../src/log.js';
import { startService, type Service } from '../../src/main.js';
import { startSimulator, type Simulator } from '../../src/sim/index.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { validOrder } from '../helpers/orders.js';
import { startReceiver, type Receiver } from '../helpers/receiver.js';
import { uniquePrefix } from '../helpers/redis.js';
import { serviceEnv, simControl } from '../helpers/service.js';
import { waitFor, waitUntil } from '../helpers/wait.js';

// Every event this file's flows make the service write is checked against /v1/events/schemas.
process.env.EVENT_SCHEMA_CHECK = '1';

describe('order hotline end to end', () => {
  let t: TestDatabase;
  let sim: Simulator;
  let service: Service;
  let crm: Receiver;
  let wms: Receiver;
  let key: string;
  const inbound = generateSecret();

  const api = async (method: string, path: string, body?: unknown, headers: Record<string, string> = { authorization: `Bearer ${key}` }) => {
    const res = await fetch(`${service.url}${path}`, {
      method,
      headers: { ...headers, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
    });
    return { status: res.status, body: (await res.json()) as any };
  };

  beforeAll(async () => {
    t = await createTestDatabase();
    sim = await startSimulator({});
    [crm, wms] = await Promise.all([startReceiver(), startReceiver()]);
    const connectors = [
      { id: 'crm', url: crm.url, events: ['cdr.created', 'order.*'] },
      { id: 'logistics', url: wms.url, events: ['order.status_changed'], when: { '/data/to': 'approved' }, template: { order: '{{/data/orderId}}', items: '{{/data/items}}' } },
    ];
    service = await startService(
      loadConfig(serviceEnv(sim, t.url, uniquePrefix('hotline'), { CONNECTORS: JSON.stringify(connectors), LOGISTICS_INBOUND_SECRET: inbound })),
      createLogger('warn'),
    );
    key = (await createApiKey(service.db, { name: 'agent-desk', scopes: ['orders:write', 'orders:read', 'calls:read'] })).key;
    await waitUntil(() => service.nodes[0]!.ariClient?.state === 'connected', 'ARI connected');
  });

  afterAll(async () => {
    await service?.stop();
    await sim?.close();
    await Promise.all([crm?.close(), wms?.close()]);
    await t?.drop();
  });

  it('takes, audits, ships and delivers an order, telling the CRM and logistics', async () => {
    await simControl(sim, '/calls', { from: '+351912345678', callerName: 'Ana Pereira', to: '100' });
    const { call_id: callId } = await waitFor('the call', async () => (await t.db.query('SELECT call_id FROM cdrs')).rows[0]);

    const created = await api('POST', '/v1/orders', { ...validOrder(), callId }, { authorization: `Bearer ${key}`, 'idempotency-key': `call-${callId}` });
    expect(created.status).toBe(201);
    const id = created.body.id;
    for (const a of ['submit', 'approve', 'pick']) expect((await api('POST', `/v1/orders/${id}/${a}`, {})).status).toBe(200);

    await wms.waitFor((all) => all.length === 1);
    expect(wms.received[0]!.json).toEqual({ order: id, items: created.body.items });

    const update = JSON.stringify({ orderId: id, status: 'shipped', carrier: 'CTT', trackingNumber: 'RR1PT' });
    const shipped = await api('POST', '/v1/logistics/updates', update, sign(inbound, 'wms-update-1', update));
    expect(shipped.status).toBe(200);
    expect(shipped.body.state).toBe('shipped');

    await crm.waitFor((all) => all.filter((r) => r.json.type === 'order.status_changed').length === 4);
    expect(crm.received.some((r) => r.json.type === 'cdr.created' && r.json.callId === callId)).toBe(true);
    expect(crm.received.filter((r) => r.json.type === 'order.status_changed').map((r) => r.json.data.to)).toEqual(
      expect.arrayContaining(['submitted', 'approved', 'picking', 'shipped']),
    );
    const call = await api('GET', `/v1/calls/${callId}`);
    expect(call.body.orderIds).toEqual([id]);
  });
});
