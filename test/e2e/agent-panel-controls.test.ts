// The agent panel's remaining buttons in Chromium, through the simulator: Ada opens her
// panel with an API key (no link), consults the billing queue and cancels, consults Grace
// and turns it into a conference she then leaves, and sends a second caller into the
// billing queue, where Grace's panel pops the call. Grace's panel is opened with a link.
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../src/api/keys.js';
import { launchChromium } from '../helpers/chromium.js';
import { waitFor } from '../helpers/wait.js';
import { must, phone, placeCall, queueFlow, startAcdWorld, type AcdWorld } from './acd-fixture.js';

process.env.EVENT_SCHEMA_CHECK = '1';

/** A loaded machine answers slowly: wait for what the panel shows, with room. */
const poll = <T>(probe: () => T | Promise<T>) => expect.poll(probe, { timeout: 30_000 });

const PANEL_SCOPES = ['agents:read', 'agents:write', 'calls:read', 'calls:write', 'queues:read', 'events:read'];

let w: AcdWorld;
let browser: BrowserContext;
let closeBrowser: (() => Promise<void>) | undefined;
let adaKey: string;
let graceLink: string;

beforeAll(async () => {
  w = await startAcdWorld('agent-panel-controls');
  for (const skill of ['orders', 'billing']) await must(w, 'PUT', `/v1/skills/${skill}`, {});
  await must(w, 'POST', '/v1/queues', { id: 'sales', name: 'Sales', skills: { orders: 1 } });
  await must(w, 'POST', '/v1/queues', { id: 'billing', name: 'Billing', skills: { billing: 1 } });
  // Ada alone serves sales, where callers arrive; Grace alone serves billing.
  await must(w, 'POST', '/v1/agents', { id: 'ada', name: 'Ada Lovelace', endpoint: 'PJSIP/1001', skills: { orders: 3 }, ringSeconds: 20, wrapUpSeconds: 1 });
  await must(w, 'POST', '/v1/agents', { id: 'grace', name: 'Grace Hopper', endpoint: 'PJSIP/1002', skills: { billing: 3 }, ringSeconds: 20, wrapUpSeconds: 1 });
  for (const ext of ['1001', '1002']) await phone(w, ext, 'answer', 1500);
  await queueFlow(w, '200', 'sales');
  adaKey = (await createApiKey(w.service.db, { name: 'ada desk', scopes: PANEL_SCOPES as never })).key;
  const integrator = (await createApiKey(w.service.db, { name: 'crm', scopes: PANEL_SCOPES as never })).key;
  const res = await fetch(`${w.service.url}/v1/agent-panel/links`, {
    method: 'POST',
    headers: { authorization: `Bearer ${integrator}`, 'content-type': 'application/json' },
    body: JSON.stringify({ agentId: 'grace' }),
  });
  expect(res.status).toBe(201);
  graceLink = ((await res.json()) as { url: string }).url;
  ({ browser, close: closeBrowser } = await launchChromium({ width: 1600, height: 1000 }));
}, 60_000);

afterAll(async () => {
  await closeBrowser?.();
  await w?.close();
});

const stateOf = (page: Page) => page.locator('#state').getAttribute('data-state');

async function goReady(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Log in' }).click();
  await poll(() => stateOf(page)).toBe('not_ready');
  await page.getByRole('button', { name: 'Ready', exact: true }).click();
  await poll(() => stateOf(page)).toBe('ready');
}

async function callReachesAda(ada: Page, from: string): Promise<string> {
  await poll(() => stateOf(ada)).toBe('ready');
  const { callId } = await placeCall(w, '200', from);
  await poll(() => stateOf(ada)).toBe('on_call');
  await poll(() => ada.locator('#pop-h').textContent()).toBe(`On call: ${from}`);
  return callId;
}

describe('agent panel: consult, cancel, conference, transfer to a queue; signed in with a key', () => {
  it('drives every transfer button', async () => {
    // Ada signs in with her key: the page keeps it in memory, the address stays bare.
    const ada = await browser.newPage();
    await ada.goto(`${w.service.url}/agent`);
    await ada.getByLabel('Agent id').fill('ada');
    await ada.getByLabel('API key').fill(adaKey);
    await ada.getByRole('button', { name: 'Open' }).click();
    await poll(() => ada.locator('#link').getAttribute('data-status')).toBe('live');
    expect(await ada.locator('#who').textContent()).toContain('Ada Lovelace');
    expect(await ada.locator('#signin').isHidden()).toBe(true);
    expect(ada.url()).toBe(`${w.service.url}/agent`);
    const grace = await browser.newPage();
    await grace.goto(`${w.service.url}${graceLink}`);
    await poll(() => grace.locator('#link').getAttribute('data-status')).toBe('live');
    await goReady(ada);
    await goReady(grace);

    // 1. Consult the billing queue: its agent (Grace) picks up; Ada cancels and has the caller back.
    const first = await callReachesAda(ada, '+15551230011');
    await ada.getByLabel('a queue').check();
    await ada.locator('#to-queue').selectOption('billing');
    await ada.getByRole('button', { name: 'Consult' }).click();
    await poll(() => grace.locator('#pop-h').textContent()).toBe('Incoming: +15551230011');
    await poll(() => ada.locator('#xfer-status').textContent()).toBe('Talking with Grace Hopper; the caller is on hold.');
    await ada.getByRole('button', { name: 'Cancel, back to caller' }).click();
    await poll(() => ada.locator('#xfer').isHidden()).toBe(true);
    await poll(() => ada.locator('#timeline').textContent()).toContain('Transfer ended');
    expect(await stateOf(ada)).toBe('on_call');
    await poll(() => stateOf(grace)).toBe('ready');

    // 2. Consult Grace, then all three talk; Ada leaves the conference and Grace keeps the caller.
    await poll(() => ada.locator('#to-agent option').allTextContents()).toContain('Grace Hopper — Ready');
    await ada.getByLabel('an agent').check();
    await ada.locator('#to-agent').selectOption('grace');
    await ada.getByRole('button', { name: 'Consult' }).click();
    await poll(() => ada.locator('#xfer-status').textContent()).toBe('Talking with Grace Hopper; the caller is on hold.');
    await ada.getByRole('button', { name: 'Conference', exact: true }).click();
    await poll(() => ada.locator('#xfer-status').textContent()).toBe('In conference with Grace Hopper and the caller.');
    await poll(() => ada.locator('#timeline').textContent()).toContain('Conference');
    expect(await ada.locator('#btn-conference').isHidden()).toBe(true);
    await ada.getByRole('button', { name: 'Leave conference' }).click();
    await poll(() => stateOf(ada)).not.toBe('on_call');
    await poll(() => grace.locator('#pop-h').textContent()).toBe('On call: +15551230011');
    await grace.getByRole('button', { name: 'Hang up' }).click();
    await poll(() => stateOf(grace)).not.toBe('on_call');
    expect(await ada.locator('#problem').isHidden()).toBe(true);
    const cdr1 = await waitFor('the first call’s CDR', async () => (await must(w, 'GET', `/v1/cdrs?callId=${first}`)).items[0]);
    expect(cdr1.transfers).toMatchObject([
      { mode: 'attended', to: { queueId: 'billing', agentId: 'grace' }, outcome: 'consulted' },
      { mode: 'attended', to: { agentId: 'grace' }, outcome: 'transferred' },
    ]);
    expect(cdr1.conferences).toHaveLength(1);

    // 3. A second caller goes into the billing queue: Ada wraps up, Grace's panel pops the call.
    await poll(() => stateOf(grace)).toBe('ready');
    await callReachesAda(ada, '+15551230012');
    await ada.getByLabel('a queue').check();
    await ada.locator('#to-queue').selectOption('billing');
    await ada.getByRole('button', { name: 'Transfer now' }).click();
    await poll(() => grace.locator('#pop-h').textContent()).toBe('Incoming: +15551230012');
    expect(await grace.locator('#pop-facts').textContent()).toContain('Billing');
    await poll(() => stateOf(grace)).toBe('on_call');
    expect(['wrap_up', 'ready']).toContain(await stateOf(ada));
    await poll(() => ada.locator('#timeline').textContent()).toContain('Transferred');
    await grace.getByRole('button', { name: 'Hang up' }).click();
    await poll(() => stateOf(grace)).not.toBe('on_call');
    expect(await ada.locator('#problem').isHidden()).toBe(true);
    await ada.close();
    await grace.close();
  }, 180_000);
});
