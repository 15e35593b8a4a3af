// The agent panel in a real headless Chromium, against the whole service and the PBX
// simulator: the demo's order hotline flow (with its stand-in CRM) queues a caller for
// sales; Ada's panel shows the screen pop with the customer the IVR found, she holds the
// caller, consults Grace (whose panel pops the same call) and hands the call over; both
// record their wrap-up, which the CDR shows. Panels are opened with signed links issued
// by an integrator's key; a session reaches only its own agent, and a revoked link stops.
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../src/api/keys.js';
import { startDemoCrm } from '../../src/demo/crm.js';
import { demoFlow } from '../../src/ivr/demo-flow.js';
import { publishFlowDocument, putNumber } from '../../src/ivr/repository.js';
import { launchChromium } from '../helpers/chromium.js';
import { waitFor, waitUntil } from '../helpers/wait.js';
import { must, phone, placeCall, press, startAcdWorld, type AcdWorld } from './acd-fixture.js';

// Every event the panel makes the service write is checked against its published schema.
process.env.EVENT_SCHEMA_CHECK = '1';

/** A loaded machine answers slowly: wait for what the panel shows, with room. */
const poll = <T>(probe: () => T | Promise<T>) => expect.poll(probe, { timeout: 30_000 });

let w: AcdWorld;
let crm: Awaited<ReturnType<typeof startDemoCrm>>;
let browser: BrowserContext;
let closeBrowser: (() => Promise<void>) | undefined;
let deskKey: string;
const links: Record<string, { id: string; url: string; token: string }> = {};

const asDesk = async (method: string, path: string, body?: unknown, auth = `Bearer ${deskKey}`) => {
  const res = await fetch(`${w.service.url}${path}`, {
    method,
    headers: { authorization: auth, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    body: body !== undefined ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
};

beforeAll(async () => {
  const crmToken = 'Bearer panel-crm-token';
  crm = await startDemoCrm(crmToken);
  w = await startAcdWorld('agent-panel', { IVR_SECRETS: JSON.stringify({ 'crm-token': { value: crmToken, hosts: ['127.0.0.1'] } }) });
  const hotline = demoFlow(crm.url);
  const allDay = Object.fromEntries(['0', '1', '2', '3', '4', '5', '6'].map((d) => [d, ['00:00-24:00']]));
  await publishFlowDocument(w.t.db, { ...hotline, calendars: { hotline: { timeZone: 'UTC', weekly: allDay } } });
  await putNumber(w.t.db, { did: '100', flowId: hotline.id });
  await must(w, 'PUT', '/v1/skills/orders', {});
  await must(w, 'POST', '/v1/queues', { id: 'sales', name: 'Sales', skills: { orders: 1 } });
  for (const [id, name, ext] of [['ada', 'Ada Lovelace', '1001'], ['grace', 'Grace Hopper', '1002']] as const) {
    await must(w, 'POST', '/v1/agents', { id, name, endpoint: `PJSIP/${ext}`, skills: { orders: 3 }, ringSeconds: 20, wrapUpSeconds: 120 });
    // Long enough to see the offer on the panel before the phone is picked up.
    await phone(w, ext, 'answer', 2500);
  }
  await must(w, 'PUT', '/v1/not-ready-reasons', { items: [{ code: 'lunch', label: 'Lunch' }, { code: 'training', label: 'Training' }] });
  await must(w, 'PUT', '/v1/disposition-codes', { items: [{ code: 'sale', label: 'Sale' }, { code: 'callback', label: 'Call back' }] });
  // The CRM's key, as an integrator would hold it: it issues the links and owns them.
  deskKey = (await createApiKey(w.service.db, { name: 'crm-desk', scopes: ['agents:read', 'agents:write', 'calls:read', 'calls:write', 'queues:read', 'events:read'] })).key;
  for (const agentId of ['ada', 'grace']) {
    const res = await asDesk('POST', '/v1/agent-panel/links', { agentId, label: `CRM desk of ${agentId}` });
    expect(res.status).toBe(201);
    links[agentId] = res.body;
  }
  ({ browser, close: closeBrowser } = await launchChromium({ width: 1600, height: 1000 }));
}, 60_000);

afterAll(async () => {
  await closeBrowser?.();
  await w?.close();
  await crm?.close();
});

const open = async (agentId: string): Promise<Page> => {
  const page = await browser.newPage();
  const res = await page.goto(`${w.service.url}${links[agentId]!.url}`);
  expect(res!.status()).toBe(200);
  await poll(() => page.locator('#link').getAttribute('data-status')).toBe('live');
  return page;
};
const stateOf = (page: Page) => page.locator('#state').getAttribute('data-state');

describe('agent panel', () => {
  it('takes a call from the order hotline, holds, consults and transfers to another agent, and records the wrap-up on the CDR', async () => {
    const ada = await open('ada');
    const grace = await open('grace');
    expect(await ada.locator('#who').textContent()).toContain('Ada Lovelace');
    expect(await ada.locator('#reason option').allTextContents()).toEqual(['Lunch', 'Training']);

    // Both log in from their panels; Grace goes to lunch, Ada is ready.
    await ada.getByRole('button', { name: 'Log in' }).click();
    await poll(() => stateOf(ada)).toBe('not_ready');
    await ada.getByRole('button', { name: 'Ready', exact: true }).click();
    await poll(() => stateOf(ada)).toBe('ready');
    await grace.getByRole('button', { name: 'Log in' }).click();
    await poll(() => stateOf(grace)).toBe('not_ready');
    await grace.locator('#reason').selectOption('lunch');
    await grace.getByRole('button', { name: 'Not ready' }).click();
    await poll(() => grace.locator('#state-name').textContent()).toBe('Not ready (lunch)');

    // A VIP customer (the stand-in CRM says so for numbers ending in 7) calls and presses 1.
    const { channelId, callId } = await placeCall(w, '100', '+15551230007');
    // The simulated PBX has none of the hotline's recordings: its prompts fail at once and
    // the flow goes on, so once the main menu's step is in the timeline the menu listens.
    await waitFor('the main menu listening', async () => {
      const { rowCount } = await w.t.db.query("SELECT 1 FROM call_events WHERE call_id = $1 AND type = 'ivr.step' AND data->>'node' = 'main-menu'", [callId]);
      return rowCount === 1 || undefined;
    }, 60_000);
    await press(w, channelId, '1');

    // The screen pop while Ada's phone rings: caller, queue, and the customer the IVR found.
    await poll(() => ada.locator('#pop-h').textContent()).toBe('Incoming: +15551230007');
    expect(await ada.locator('#pop-facts').textContent()).toContain('Sales');
    expect(await ada.locator('#pop-found').textContent()).toContain('Customer 0007');
    await poll(() => stateOf(ada)).toBe('on_call');
    await poll(() => ada.locator('#pop-h').textContent()).toBe('On call: +15551230007');

    // Hold and resume from the panel; the timeline says so.
    await ada.getByRole('button', { name: 'Hold' }).click();
    await poll(() => ada.locator('#btn-hold').textContent()).toBe('Resume');
    await poll(() => ada.locator('#timeline').textContent()).toContain('On hold');
    await ada.getByRole('button', { name: 'Resume' }).click();
    await poll(() => ada.locator('#timeline').textContent()).toContain('Off hold');
    // Mute toggles; digits go to the caller (the simulator hears them on the caller's channel).
    await ada.getByRole('button', { name: 'Mute' }).click();
    await poll(() => ada.locator('#btn-mute').getAttribute('aria-pressed')).toBe('true');
    await ada.getByRole('button', { name: 'Unmute' }).click();
    await poll(() => ada.locator('#btn-mute').getAttribute('aria-pressed')).toBe('false');
    await ada.locator('#dtmf-digits').fill('42');
    await ada.getByRole('button', { name: 'Send' }).click();
    await poll(() => ada.locator('#dtmf-digits').inputValue()).toBe('');
    expect(await ada.locator('#problem').isHidden()).toBe(true);

    // Grace is back; the directory shows her ready, and Ada consults her.
    await grace.getByRole('button', { name: 'Ready', exact: true }).click();
    await poll(() => ada.locator('#to-agent option').allTextContents()).toContain('Grace Hopper — Ready');
    await ada.locator('#to-agent').selectOption('grace');
    await ada.getByRole('button', { name: 'Consult' }).click();
    await poll(() => grace.locator('#pop-h').textContent()).toBe('Incoming: +15551230007');
    expect(await grace.locator('#pop-found').textContent()).toContain('Customer 0007');
    await poll(() => ada.locator('#xfer-status').textContent()).toBe('Talking with Grace Hopper; the caller is on hold.');
    await poll(() => stateOf(grace)).toBe('on_call');

    // Ada hands the caller over and goes into wrap-up; Grace has the call.
    await ada.getByRole('button', { name: 'Complete transfer' }).click();
    await poll(() => stateOf(ada)).toBe('wrap_up');
    await poll(() => grace.locator('#pop-h').textContent()).toBe('On call: +15551230007');
    await ada.locator('#disposition').selectOption('sale');
    await ada.locator('#note').fill('VIP wants two boxes');
    await ada.getByRole('button', { name: 'Save wrap-up' }).click();
    await poll(() => ada.locator('#wrap-saved').textContent()).toBe('Saved: Sale');

    // Grace ends the call and records hers.
    await grace.getByRole('button', { name: 'Hang up' }).click();
    await poll(() => stateOf(grace)).toBe('wrap_up');
    await grace.locator('#disposition').selectOption('callback');
    await grace.getByRole('button', { name: 'Save wrap-up' }).click();
    await poll(() => grace.locator('#wrap-saved').textContent()).toBe('Saved: Call back');

    const cdr = await waitFor('the CDR with both wrap-ups', async () => {
      const page = await must(w, 'GET', `/v1/cdrs?callId=${callId}`);
      const c = page.items[0];
      return c?.agents.filter((a: any) => a.wrapUp).length === 2 ? c : undefined;
    });
    const byAgent = Object.fromEntries(cdr.agents.map((a: any) => [a.agentId, a]));
    expect(byAgent.ada.wrapUp).toMatchObject({ code: 'sale', label: 'Sale', note: 'VIP wants two boxes' });
    expect(byAgent.grace.wrapUp).toMatchObject({ code: 'callback', label: 'Call back', note: null });
    expect(cdr.transfers).toMatchObject([{ to: { agentId: 'grace' }, outcome: 'transferred' }]);
    expect(await ada.locator('#timeline').textContent()).toContain('Wrap-up by Ada Lovelace: Sale');
    await ada.close();
    await grace.close();
  }, 120_000);

  it('a session acts for its own agent only, and a revoked link stops the panel', async () => {
    const exchanged = await fetch(`${w.service.url}/agent/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: links.ada!.token }) });
    expect(exchanged.status).toBe(200);
    const { session, agentId } = (await exchanged.json()) as { session: string; agentId: string };
    expect(agentId).toBe('ada');
    const as = (method: string, path: string, body?: unknown) => asDesk(method, path, body, `Bearer ${session}`);
    expect((await as('GET', '/v1/agents/ada')).status).toBe(200);
    expect((await as('GET', '/v1/agents')).status).toBe(200);
    const other = await as('POST', '/v1/agents/grace/state', { action: 'logout' });
    expect(other.status).toBe(403);
    expect(other.body.detail).toBe('this agent panel session acts for agent ada only');
    expect((await as('GET', '/v1/cdrs')).status).toBe(403);
    expect((await as('POST', '/v1/agent-panel/links', { agentId: 'grace' })).status).toBe(403);
    // A call Ada never took part in is as good as missing.
    const { callId } = await placeCall(w, '999');
    expect((await as('POST', `/v1/calls/${callId}/hangup`)).status).toBe(404);
    // Bad input is a 4xx naming the field, also through a session.
    const bad = await as('PUT', `/v1/agents/ada/calls/${callId}/wrap-up`, { code: 'nonsense' });
    expect(bad.status).toBe(422);
    expect(bad.body.allowed).toEqual(['sale', 'callback']);

    // The configuration and wrap-up API refuse bad input with a problem naming it.
    const dup = await w.api('PUT', '/v1/disposition-codes', { items: [{ code: 'sale', label: 'Sale' }, { code: 'sale', label: 'Again' }] });
    expect([dup.status, dup.body.duplicate]).toEqual([422, 'sale']);
    const coffee = await w.api('POST', '/v1/agents/grace/state', { action: 'not_ready', reason: 'coffee' });
    expect([coffee.status, coffee.body.allowed]).toEqual([422, ['lunch', 'training']]);
    expect((await w.api('PUT', `/v1/agents/ada/calls/${crypto.randomUUID()}/wrap-up`, { code: 'sale' })).status).toBe(404);
    const long = await w.api('PUT', `/v1/agents/ada/calls/${callId}/wrap-up`, { code: 'sale', note: 'x'.repeat(2001) });
    expect([long.status, long.body.errors?.[0]?.instancePath]).toEqual([400, '/body/note']);

    // An open panel is signed out when its link is revoked.
    const page = await open('ada');
    expect((await asDesk('DELETE', `/v1/agent-panel/links/${links.ada!.id}`)).status).toBe(204);
    await poll(() => page.locator('#link').textContent()).toContain('revoked');
    await waitUntil(async () => (await as('GET', '/v1/agents/ada')).status === 401, 'the session refused');
    expect((await fetch(`${w.service.url}${links.ada!.url}`)).status).toBe(401);
    const again = await fetch(`${w.service.url}/agent/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: links.ada!.token }) });
    expect(again.status).toBe(401);
    expect((await asDesk('GET', '/v1/agent-panel/links?includeEnded=true')).body.items.map((l: any) => [l.agentId, l.revokedAt !== null]).sort()).toEqual([
      ['ada', true],
      ['grace', false],
    ]);
    await page.close();
  }, 60_000);
});
