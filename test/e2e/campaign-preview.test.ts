// Campaign contacts offered to agents through the ACD as preview tasks, end to end through
// the simulator: the task (customer and order) on the agent's own stream, accept, the
// agent's phone rings first and then the customer's, the outcome on the contact; calling
// hours, do-not-call, decline and timeout, max attempts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createApiKey } from '../../src/api/keys.js';
import { waitFor, waitUntil } from '../helpers/wait.js';
import { agentState, events, must, phone, readyAgent, startAcdWorld, type AcdWorld, type OutboxEvent } from './acd-fixture.js';

let w: AcdWorld;
const always = [{ days: [1, 2, 3, 4, 5, 6, 7], from: '00:00', to: '24:00' }];
const ORDER_NUMBER = '0612345101';
const CSV_NUMBER = '0612345102';
const DNC_NUMBER = '0612345103';
const LATE_NUMBER = '0612345104';

beforeAll(async () => {
  w = await startAcdWorld('campaign-preview', { CAMPAIGN_DISPATCH_INTERVAL_MS: '300', CAMPAIGN_OFFER_SECONDS: '4', LOG_LEVEL: process.env.TEST_LOG ?? 'silent' });
  await must(w, 'PUT', '/v1/skills/outbound', {});
  await must(w, 'POST', '/v1/queues', { id: 'followup', name: 'Follow-up', skills: { outbound: 1 } });
});

afterAll(async () => {
  await w?.close();
});

async function tasksFor(contactId: string, type = 'campaign.task_offered'): Promise<OutboxEvent[]> {
  return (await events(w, { type })).filter((e) => e.data.task.contactId === contactId || e.data.task.contact?.id === contactId);
}

async function contact(campaignId: string, number: string): Promise<Record<string, any>> {
  const list = await must(w, 'GET', `/v1/campaigns/${campaignId}/contacts`);
  return (list.items as Array<Record<string, any>>).find((c) => c.number === number)!;
}

/** A delivered order, as the orders capability leaves it: the order row and its transitions. */
async function deliveredOrder(daysAgo: number): Promise<string> {
  const id = '6f1c2d3e-4a5b-4c6d-8e7f-000000000101';
  const at = new Date(Date.now() - daysAgo * 86_400_000 - 3_600_000);
  await w.t.db.query(
    `INSERT INTO orders (id, state, customer, items, currency, total_minor, created_at, updated_at) VALUES ($1, 'delivered', $2, $3, 'EUR', 4990, $4, $4)`,
    [id, JSON.stringify({ name: 'Erika Muster', phone: ORDER_NUMBER, address: { street: 'Hauptstr. 1', city: 'Berlin', postalCode: '10115', country: 'DE' } }), JSON.stringify([{ sku: 'TEA-1', name: 'Tea', quantity: 2, unitPriceMinor: 2495 }]), at],
  );
  for (const [action, from, to] of [['ship', 'approved', 'shipped'], ['deliver', 'shipped', 'delivered']]) {
    await w.t.db.query('INSERT INTO order_transitions (order_id, action, from_state, to_state, at) VALUES ($1, $2, $3, $4, $5)', [id, action, from, to, at]);
  }
  return id;
}

async function uploadCsv(campaignId: string, csv: string): Promise<void> {
  const res = await fetch(`${w.service.url}/v1/campaigns/${campaignId}/contacts`, { method: 'POST', headers: { authorization: `Bearer ${w.key}`, 'content-type': 'text/csv' }, body: csv });
  if (res.status >= 300) throw new Error(`csv upload: ${res.status} ${await res.text()}`);
}

/** The customer's channel of a click-to-dial call in the simulator. */
function customerChannel(number: string) {
  return w.sim.world.channels().find((c) => c.name.startsWith(`PJSIP/${number}@`));
}

describe('campaign preview tasks through the ACD', () => {
  it('offers a CSV contact and a delivered order to a ready agent on their stream; accept dials agent-first; outcomes recorded', async () => {
    // A campaign whose calling hours are closed now: its contact is never offered.
    const hour = (new Date().getUTCHours() + 12) % 24;
    const closed = { days: [1, 2, 3, 4, 5, 6, 7], from: `${String(hour).padStart(2, '0')}:00`, to: `${String(hour).padStart(2, '0')}:30` };
    const late = await must(w, 'POST', '/v1/campaigns', { name: 'Closed now', source: { type: 'csv' }, timeZone: 'UTC', callingHours: [closed], maxAttempts: 3, retryMinutes: 0, queueId: 'followup' });
    await uploadCsv(late.id, `number,name\n${LATE_NUMBER},Late Larry\n`);

    const orderId = await deliveredOrder(2);
    await must(w, 'POST', '/v1/do-not-call', { numbers: [DNC_NUMBER], reason: 'asked us' });
    const campaign = await must(w, 'POST', '/v1/campaigns', { name: 'After delivery', source: { type: 'orders_after_delivery', days: 2 }, timeZone: 'UTC', callingHours: always, maxAttempts: 1, retryMinutes: 0, queueId: 'followup' });
    expect(campaign.queueId).toBe('followup');
    const imported = await must(w, 'POST', `/v1/campaigns/${campaign.id}/contacts/import`);
    expect(imported).toMatchObject({ added: 1 });
    await uploadCsv(campaign.id, `number,name,reference\n${CSV_NUMBER},Max Muster,T-9\n${DNC_NUMBER},Never Call,T-10\n`);
    const orderContact = await contact(campaign.id, ORDER_NUMBER);
    const csvContact = await contact(campaign.id, CSV_NUMBER);
    const dncContact = await contact(campaign.id, DNC_NUMBER);

    // The CSV customer's line is busy; the order's customer answers.
    const busy = await fetch(`${w.sim.control.url}/endpoints/PJSIP/${CSV_NUMBER}@trunk`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ behaviour: 'busy' }) });
    expect(busy.status).toBe(200);
    await phone(w, '1201', 'answer', 50);
    await must(w, 'POST', '/v1/agents', { id: 'olga', name: 'olga', endpoint: 'PJSIP/1201', skills: { outbound: 1 }, ringSeconds: 5, wrapUpSeconds: 1 });
    const stream = new WebSocket(`${w.service.url.replace('http', 'ws')}/v1/agents/olga/stream`, { headers: { authorization: `Bearer ${w.key}` } });
    const onStream: Array<Record<string, any>> = [];
    stream.on('message', (m) => onStream.push(JSON.parse(String(m))));
    await new Promise((resolve, reject) => stream.once('open', resolve).once('error', reject));
    await must(w, 'POST', '/v1/agents/olga/state', { action: 'login' });
    await must(w, 'POST', '/v1/agents/olga/state', { action: 'ready' });

    const seen = new Set<string>();
    for (let round = 0; round < 2; round++) {
      const offered = await waitFor('a task offered to olga', async () => (await events(w, { type: 'campaign.task_offered' })).find((e) => e.data.agentId === 'olga' && !seen.has(e.data.task.id)));
      const task = offered.data.task;
      seen.add(task.id);
      expect(await agentState(w, 'olga')).toBe('reserved');
      // The same task on olga's own stream.
      await waitUntil(() => onStream.some((e) => e.type === 'campaign.task_offered' && e.data.task.id === task.id), `the task on the agent stream (${onStream.map((e) => e.type).join()})`);
      const isOrder = task.contact.id === orderContact.id;
      if (isOrder) {
        expect(task.contact).toMatchObject({ number: ORDER_NUMBER, name: 'Erika Muster', reference: orderId });
        expect(task.order).toMatchObject({ id: orderId, state: 'delivered', currency: 'EUR', totalMinor: 4990, customer: { name: 'Erika Muster' } });
      } else {
        expect(task.contact).toMatchObject({ id: csvContact.id, number: CSV_NUMBER, name: 'Max Muster', reference: 'T-9' });
        expect(task.order).toBeNull();
      }
      const accepted = await must(w, 'POST', `/v1/agents/olga/tasks/${task.id}/accept`);
      expect(accepted).toMatchObject({ id: task.id, state: 'dialing', callId: expect.any(String) });
      expect(await agentState(w, 'olga')).toBe('on_call');
      const callId = accepted.callId as string;
      if (isOrder) {
        await waitUntil(async () => (await must(w, 'GET', `/v1/calls/${callId}`)).state === 'connected', 'the customer to answer');
        const { rows } = await w.t.db.query('SELECT role FROM call_legs WHERE call_id = $1 ORDER BY created_at', [callId]);
        expect(rows.map((r) => r.role)).toEqual(['agent', 'customer']);
        expect(customerChannel(ORDER_NUMBER)).toBeDefined();
        await must(w, 'POST', `/v1/calls/${callId}/hangup`);
      }
      const ended = await waitFor('the task to end', async () => (await events(w, { type: 'campaign.task_ended' })).find((e) => e.data.task.id === task.id));
      expect(ended.data.task).toMatchObject({ state: 'done', outcome: isOrder ? 'reached' : 'busy', callId });
      const after = await contact(campaign.id, isOrder ? ORDER_NUMBER : CSV_NUMBER);
      // maxAttempts 1: the busy contact is used up.
      expect(after).toMatchObject(isOrder ? { status: 'reached', attempts: 1, lastOutcome: 'reached' } : { status: 'exhausted', attempts: 1, lastOutcome: 'busy' });
      await waitUntil(async () => (await agentState(w, 'olga')) === 'ready', 'olga ready after wrap-up');
    }
    // The state is written first and announced right after: wait for the last announcement.
    const changes: string[] = [];
    await waitUntil(async () => {
      changes.splice(0, changes.length, ...(await events(w, { type: 'agent.state_changed', agentId: 'olga' })).map((e) => `${e.data.from}>${e.data.to}`));
      return changes.length >= 10;
    }, "olga's state changes to be announced");
    expect(changes.slice(2)).toEqual(['ready>reserved', 'reserved>on_call', 'on_call>wrap_up', 'wrap_up>ready', 'ready>reserved', 'reserved>on_call', 'on_call>wrap_up', 'wrap_up>ready']);

    // Every dispatch round that offered the two tasks also looked at the do-not-call
    // number and the closed campaign: never offered. Nothing more is due.
    expect((await must(w, 'GET', `/v1/campaigns/${campaign.id}/due`)).items).toEqual([]);
    expect(await tasksFor(dncContact.id)).toEqual([]);
    expect(await tasksFor((await contact(late.id, LATE_NUMBER)).id)).toEqual([]);
    expect(await contact(late.id, LATE_NUMBER)).toMatchObject({ status: 'pending', attempts: 0 });
    expect(await agentState(w, 'olga')).toBe('ready');
    stream.close();
    await must(w, 'POST', '/v1/agents/olga/state', { action: 'logout' });
  });

  it('keeps the outcome the agent records during the call (call back at a time)', async () => {
    const campaign = await must(w, 'POST', '/v1/campaigns', { name: 'Agent outcome', source: { type: 'csv' }, timeZone: 'UTC', callingHours: always, maxAttempts: 3, retryMinutes: 0, queueId: 'followup' });
    await phone(w, '1203', 'answer', 50);
    await readyAgent(w, 'quinn', '1203', { outbound: 1 });
    await uploadCsv(campaign.id, `number,name\n0612345301,Carla Callback\n`);
    const c = await contact(campaign.id, '0612345301');
    const offered = await waitFor('the offer', async () => (await tasksFor(c.id))[0]);
    expect(offered.data.agentId).toBe('quinn');
    const accepted = await must(w, 'POST', `/v1/agents/quinn/tasks/${offered.data.task.id}/accept`);
    await waitUntil(async () => (await must(w, 'GET', `/v1/calls/${accepted.callId}`)).state === 'connected', 'the customer to answer');
    const at = new Date(Date.now() + 86_400_000).toISOString();
    await must(w, 'POST', `/v1/campaigns/${campaign.id}/contacts/${c.id}/outcome`, { outcome: 'callback', callbackAt: at, agentId: 'quinn' });
    await must(w, 'POST', `/v1/calls/${accepted.callId}/hangup`);
    const ended = await waitFor('the task to end', async () => (await tasksFor(c.id, 'campaign.task_ended'))[0]);
    expect(ended.data.task).toMatchObject({ state: 'done', callId: accepted.callId });
    // One attempt, the one the agent recorded; the call-back time stands.
    expect(await contact(campaign.id, '0612345301')).toMatchObject({ status: 'pending', attempts: 1, lastOutcome: 'callback', callbackAt: at });
    await waitUntil(async () => (await agentState(w, 'quinn')) === 'ready', 'quinn ready after wrap-up');
    await must(w, 'POST', '/v1/agents/quinn/state', { action: 'logout' });
  });

  it('closes a contact the dial gate refuses at accept as refused, with the rule, and never offers it again', async () => {
    const campaign = await must(w, 'POST', '/v1/campaigns', { name: 'Refused', source: { type: 'csv' }, timeZone: 'UTC', callingHours: always, maxAttempts: 3, retryMinutes: 0, queueId: 'followup' });
    await phone(w, '1204', 'answer', 50);
    await readyAgent(w, 'rita', '1204', { outbound: 1 });
    // The list was imported under the default policy; the key of rita's desk may not dial this number.
    const desk = await createApiKey(w.service.db, { name: 'rita-desk', scopes: ['agents:write', 'calls:write'] });
    await must(w, 'PUT', `/v1/api-keys/${desk.id}/dial-policy`, { allow: ['_0.'], deny: ['0612345401'] });
    await uploadCsv(campaign.id, `number,name\n0612345401,Rolf Refused\n`);
    const refused = await contact(campaign.id, '0612345401');
    const offered = await waitFor('the offer', async () => (await tasksFor(refused.id))[0]);
    expect(offered.data.agentId).toBe('rita');
    const accept = await fetch(`${w.service.url}/v1/agents/rita/tasks/${offered.data.task.id}/accept`, { method: 'POST', headers: { authorization: `Bearer ${desk.key}` } });
    expect(accept.status).toBe(422);
    expect(await accept.json()).toMatchObject({ rule: 'denied' });
    const ended = await waitFor('the task to end', async () => (await tasksFor(refused.id, 'campaign.task_ended'))[0]);
    expect(ended.data.task).toMatchObject({ state: 'failed', outcome: 'refused', callId: null });
    expect(await contact(campaign.id, '0612345401')).toMatchObject({ status: 'refused', refusedRule: 'denied', lastOutcome: 'refused', attempts: 0 });
    expect((await must(w, 'GET', `/v1/campaigns/${campaign.id}`)).contacts).toMatchObject({ refused: 1, pending: 0, offered: 0 });
    expect((await must(w, 'GET', `/v1/campaigns/${campaign.id}/contacts?status=refused`)).items.map((c: { id: string }) => c.id)).toEqual([refused.id]);
    // rita is ready again and the dispatcher keeps running: the next contact is offered, the refused one never again.
    await waitUntil(async () => (await agentState(w, 'rita')) === 'ready', 'rita ready again');
    await uploadCsv(campaign.id, `number,name\n0612345402,Nora Next\n`);
    const next = await contact(campaign.id, '0612345402');
    const nextOffer = await waitFor('the next contact offered', async () => (await tasksFor(next.id))[0]);
    expect(nextOffer.data.agentId).toBe('rita');
    expect(await tasksFor(refused.id)).toHaveLength(1);
    await must(w, 'PATCH', `/v1/campaigns/${campaign.id}`, { status: 'paused' });
    await must(w, 'POST', `/v1/agents/rita/tasks/${nextOffer.data.task.id}/decline`);
    await must(w, 'POST', '/v1/agents/rita/state', { action: 'logout' });
  });

  it('returns a declined or timed-out task to the campaign; a timed-out agent goes not ready', async () => {
    const campaign = await must(w, 'POST', '/v1/campaigns', { name: 'Decline', source: { type: 'csv' }, timeZone: 'UTC', callingHours: always, maxAttempts: 2, retryMinutes: 0, queueId: 'followup' });
    await phone(w, '1202', 'answer', 50);
    await readyAgent(w, 'pete', '1202', { outbound: 2 });
    await uploadCsv(campaign.id, `number,name\n0612345201,Dora Decline\n`);
    const c = await contact(campaign.id, '0612345201');

    const first = await waitFor('the first offer', async () => (await tasksFor(c.id))[0]);
    expect(first.data.agentId).toBe('pete');
    // Another agent cannot take it.
    expect((await w.api('POST', `/v1/agents/olga/tasks/${first.data.task.id}/accept`)).status).toBe(404);
    const declined = await must(w, 'POST', `/v1/agents/pete/tasks/${first.data.task.id}/decline`);
    expect(declined.state).toBe('declined');
    expect((await w.api('POST', `/v1/agents/pete/tasks/${first.data.task.id}/accept`)).status).toBe(409);

    // Back in the campaign, untouched, and offered again; this time nobody answers the screen.
    const second = await waitFor('the offer again', async () => (await tasksFor(c.id))[1]);
    expect(second.data.task.contact).toMatchObject({ id: c.id, attempts: 0 });
    const expired = await waitFor('the offer to time out', async () => (await tasksFor(c.id, 'campaign.task_ended')).find((e) => e.data.task.id === second.data.task.id));
    expect(expired.data.task).toMatchObject({ state: 'expired', outcome: 'expired' });
    expect(await agentState(w, 'pete')).toBe('not_ready');
    // Nobody is ready now, so the contact stays back in the campaign.
    expect(await contact(campaign.id, '0612345201')).toMatchObject({ status: 'pending', attempts: 0 });
    // The state is in Redis first; its event reaches the journal through the state relay.
    const toNotReady = await waitFor('the pause in the journal', async () => {
      const last = (await events(w, { type: 'agent.state_changed', agentId: 'pete' })).at(-1);
      return last?.data.to === 'not_ready' ? last : undefined;
    });
    expect(toNotReady.data).toMatchObject({ from: 'reserved', to: 'not_ready', reason: 'no answer' });
    await must(w, 'POST', '/v1/agents/pete/state', { action: 'logout' });
  });
});

