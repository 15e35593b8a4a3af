// The campaign API on a real Postgres: create, upload a CSV with bad rows, import callers
// gone silent from the calls table, what is due now, outcomes, do-not-call, and the
// dispatcher handing due contacts to an ACD port.
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CampaignTask } from '../../src/campaigns/acd-seam.js';
import { getCampaign } from '../../src/campaigns/repository.js';
import { campaignRoutes } from '../../src/campaigns/routes.js';
import { dispatchDue } from '../../src/campaigns/service.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { bearer, insertCall, keyWith, testApp } from './api-fixtures.js';

let t: TestDatabase;
let app: FastifyInstance;
let writer: string;
let reader: string;

beforeAll(async () => {
  t = await createTestDatabase();
  ({ app } = await testApp(t.db, { routes: [{ plugin: campaignRoutes, opts: { db: t.db } }] }));
  writer = await keyWith(t.db, 'campaigns:write', 'campaigns:read');
  reader = await keyWith(t.db, 'campaigns:read');
});
afterAll(async () => {
  await app?.close();
  await t?.drop();
});

const send = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: object | string, key = writer, type?: string) =>
  app.inject({ method, url, payload, headers: { ...bearer(key), ...(type ? { 'content-type': type } : {}) } });

// Every day, all day: the tests do not depend on the hour they run at.
const always = [{ days: [1, 2, 3, 4, 5, 6, 7], from: '00:00', to: '24:00' }];

async function campaign(body: object = {}): Promise<string> {
  const res = await send('POST', '/v1/campaigns', { name: 'Follow-up', source: { type: 'csv' }, timeZone: 'Europe/Berlin', callingHours: always, maxAttempts: 2, retryMinutes: 60, ...body });
  expect(res.statusCode, res.body).toBe(201);
  return res.json().id;
}

describe('campaigns', () => {
  it('sets and clears the queue whose agents take the contacts', async () => {
    const id = await campaign();
    expect((await send('PATCH', `/v1/campaigns/${id}`, { queueId: 'nowhere' })).statusCode).toBe(422);
    await t.db.query(`INSERT INTO acd_queues (id, name, definition) VALUES ('outbound', 'Outbound', '{}')`);
    const set = await send('PATCH', `/v1/campaigns/${id}`, { queueId: 'outbound' });
    expect(set.statusCode).toBe(200);
    expect(set.json()).toMatchObject({ queueId: 'outbound', status: 'active' });
    expect((await send('PATCH', `/v1/campaigns/${id}`, { queueId: null, status: 'paused' })).json()).toMatchObject({ queueId: null, status: 'paused' });
    expect((await send('PATCH', `/v1/campaigns/${id}`, {})).statusCode).toBe(400);
  });

  it('creates campaigns and refuses bad settings', async () => {
    const id = await campaign();
    expect((await send('GET', `/v1/campaigns/${id}`, undefined, writer)).json()).toMatchObject({ id, maxAttempts: 2, contacts: { pending: 0 } });
    expect((await send('POST', '/v1/campaigns', { name: 'x', source: { type: 'csv' }, timeZone: 'Nowhere', callingHours: always, maxAttempts: 1, retryMinutes: 0 })).statusCode).toBe(422);
    const orders = await send('POST', '/v1/campaigns', { name: 'x', source: { type: 'orders_after_delivery', days: 2 }, timeZone: 'UTC', callingHours: always, maxAttempts: 1, retryMinutes: 0 });
    expect(orders.statusCode).toBe(201);
    expect(orders.json()).toMatchObject({ source: { type: 'orders_after_delivery', days: 2 }, queueId: null });
    const noQueue = await send('POST', '/v1/campaigns', { name: 'x', source: { type: 'csv' }, timeZone: 'UTC', callingHours: always, maxAttempts: 1, retryMinutes: 0, queueId: 'no-such-queue' });
    expect(noQueue.statusCode).toBe(422);
    expect(noQueue.json().detail).toMatch(/no-such-queue/);
    expect((await send('POST', '/v1/campaigns', { name: 'x', source: { type: 'csv' }, timeZone: 'UTC', callingHours: [{ days: [1], from: '18:00', to: '09:00' }], maxAttempts: 1, retryMinutes: 0 })).statusCode).toBe(422);
    expect((await send('POST', '/v1/campaigns', { name: 'x' }, reader)).statusCode).toBe(403);
    // Another key, even one that may read campaigns, does not see this one: it is the writer's.
    expect((await send('GET', `/v1/campaigns/${id}`, undefined, reader)).statusCode).toBe(404);
  });

  it('keeps the good CSV rows, lists the bad ones, and works through attempts to the end', async () => {
    const id = await campaign();
    const csv = 'number,name,order\n0301111111,Anna,A-1\nhello,Bob,A-2\n0302222222,Carl,A-3\n0900123456,Premium,A-4\n';
    const up = await send('POST', `/v1/campaigns/${id}/contacts`, csv, writer, 'text/csv');
    expect(up.statusCode, up.body).toBe(200);
    expect(up.json()).toMatchObject({ received: 4, added: 2, alreadyInCampaign: 0 });
    expect(up.json().rejected.map((x: { line: number }) => x.line)).toEqual([3, 5]);
    // the same file again adds nothing
    expect((await send('POST', `/v1/campaigns/${id}/contacts`, csv, writer, 'text/csv')).json()).toMatchObject({ added: 0, alreadyInCampaign: 2 });
    expect((await send('POST', `/v1/campaigns/${id}/contacts`, 'phone\n1\n', writer, 'text/csv')).statusCode).toBe(422);

    let due = (await send('GET', `/v1/campaigns/${id}/due`, undefined, writer)).json();
    expect(due.items.map((x: { contact: { number: string } }) => x.contact.number)).toEqual(['0301111111', '0302222222']);
    expect(due.items[0].contact.data).toEqual({ order: 'A-1' });
    const [anna, carl] = due.items.map((x: { contact: { id: string } }) => x.contact.id);

    // Anna is reached; Carl does not answer and is not due again within the hour
    expect((await send('POST', `/v1/campaigns/${id}/contacts/${anna}/outcome`, { outcome: 'reached', agentId: 'a1' })).json()).toMatchObject({ status: 'reached', attempts: 1 });
    expect((await send('POST', `/v1/campaigns/${id}/contacts/${carl}/outcome`, { outcome: 'no_answer' })).json()).toMatchObject({ status: 'pending', attempts: 1 });
    due = (await send('GET', `/v1/campaigns/${id}/due`, undefined, writer)).json();
    expect(due.items).toEqual([]);
    const later = new Date(Date.now() + 61 * 60_000).toISOString();
    due = (await send('GET', `/v1/campaigns/${id}/due?at=${encodeURIComponent(later)}`, undefined, writer)).json();
    expect(due.items).toEqual([expect.objectContaining({ reason: 'retry' })]);
    // second no-answer uses up the attempts
    expect((await send('POST', `/v1/campaigns/${id}/contacts/${carl}/outcome`, { outcome: 'busy' })).json()).toMatchObject({ status: 'exhausted', attempts: 2 });
    expect((await send('POST', `/v1/campaigns/${id}/contacts/${carl}/outcome`, { outcome: 'busy' })).statusCode).toBe(409);
    expect((await send('GET', `/v1/campaigns/${id}`, undefined, writer)).json().contacts).toMatchObject({ reached: 1, exhausted: 1, pending: 0 });
  });

  it('schedules call-backs, honours the do-not-call list, and records do-not-call outcomes', async () => {
    const id = await campaign({ maxAttempts: 5 });
    await send('POST', `/v1/campaigns/${id}/contacts`, 'number\n0303333333\n0304444444\n0305555555\n', writer, 'text/csv');
    expect((await send('POST', '/v1/do-not-call', { numbers: ['030 444 4444', 'nope'], reason: 'asked by letter' })).json()).toMatchObject({ added: 1, rejected: [{ number: 'nope' }] });
    let due = (await send('GET', `/v1/campaigns/${id}/due`, undefined, writer)).json();
    expect(due.items.map((x: { contact: { number: string } }) => x.contact.number)).toEqual(['0303333333', '0305555555']);
    const [first, second] = due.items.map((x: { contact: { id: string } }) => x.contact.id);

    expect((await send('POST', `/v1/campaigns/${id}/contacts/${first}/outcome`, { outcome: 'callback' })).statusCode).toBe(422);
    const at = new Date(Date.now() + 2 * 3_600_000).toISOString();
    expect((await send('POST', `/v1/campaigns/${id}/contacts/${first}/outcome`, { outcome: 'callback', callbackAt: at })).json()).toMatchObject({ status: 'pending', callbackAt: at });
    expect((await send('POST', `/v1/campaigns/${id}/contacts/${second}/outcome`, { outcome: 'do_not_call' })).json()).toMatchObject({ status: 'do_not_call' });
    expect((await send('GET', '/v1/do-not-call', undefined, reader)).json().items.map((x: { number: string }) => x.number)).toEqual(
      expect.arrayContaining(['0304444444', '0305555555']),
    );
    due = (await send('GET', `/v1/campaigns/${id}/due?at=${encodeURIComponent(new Date(Date.now() + 3 * 3_600_000).toISOString())}`, undefined, writer)).json();
    expect(due.items.map((x: { reason: string; contact: { id: string } }) => [x.reason, x.contact.id])).toEqual([['callback', first]]);
    expect((await send('DELETE', '/v1/do-not-call/0304444444')).statusCode).toBe(204);
    expect((await send('DELETE', '/v1/do-not-call/0304444444')).statusCode).toBe(404);
  });

  it('imports callers silent for six months from the calls table', async () => {
    const old = new Date(Date.now() - 200 * 86_400_000).toISOString();
    await insertCall(t.db, { callerNumber: '0306666666', callerName: 'Old Customer', createdAt: old });
    await insertCall(t.db, { callerNumber: '0307777777', createdAt: old });
    await insertCall(t.db, { callerNumber: '0307777777' }); // called again recently: not silent
    await insertCall(t.db, { callerNumber: '+4930888888', createdAt: old }); // international: refused by the dial policy
    const id = await campaign({ source: { type: 'silent_callers', months: 6 } });
    const res = await send('POST', `/v1/campaigns/${id}/contacts/import`);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ received: 2, added: 1 });
    expect(res.json().rejected).toHaveLength(1);
    const contacts = (await send('GET', `/v1/campaigns/${id}/contacts`, undefined, writer)).json().items;
    expect(contacts).toEqual([expect.objectContaining({ number: '0306666666', name: 'Old Customer', status: 'pending' })]);
  });

  it('hands due contacts to the ACD port once, and takes them back when nobody is free', async () => {
    const id = await campaign();
    await send('POST', `/v1/campaigns/${id}/contacts`, 'number\n0308111111\n0308222222\n', writer, 'text/csv');
    const c = (await getCampaign(t.db, id))!;
    const offered: CampaignTask[] = [];
    let free = 1;
    const port = { offer: async (task: CampaignTask) => (free-- > 0 ? (offered.push(task), true) : false) };
    expect(await dispatchDue(t.db, c, port, new Date(), 10)).toBe(1);
    expect(offered.map((x) => [x.contact.number, x.reason])).toEqual([['0308111111', 'first_attempt']]);
    const counts = (await send('GET', `/v1/campaigns/${id}`, undefined, writer)).json().contacts;
    expect(counts).toMatchObject({ offered: 1, pending: 1 });
    // the offered contact is not offered again while an agent has it
    free = 5;
    expect(await dispatchDue(t.db, c, port, new Date(), 10)).toBe(1);
    expect(offered.map((x) => x.contact.number)).toEqual(['0308111111', '0308222222']);
  });
});
