// A campaign preview task on the agent panel in Chromium, through the simulator: the task
// pops with the customer, the agent accepts it from the panel, their phone rings and then
// the customer's, and the panel follows the call.
import type { BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../src/api/keys.js';
import { launchChromium } from '../helpers/chromium.js';
import { must, phone, readyAgent, startAcdWorld, type AcdWorld } from './acd-fixture.js';

/** A loaded machine answers slowly: wait for what the panel shows, with room. */
const poll = <T>(probe: () => T | Promise<T>) => expect.poll(probe, { timeout: 30_000 });

let w: AcdWorld;
let browser: BrowserContext;
let closeBrowser: (() => Promise<void>) | undefined;
const NUMBER = '0612345201';

beforeAll(async () => {
  w = await startAcdWorld('agent-panel-preview', { CAMPAIGN_DISPATCH_INTERVAL_MS: '300', CAMPAIGN_OFFER_SECONDS: '60' });
  await must(w, 'PUT', '/v1/skills/outbound', {});
  await must(w, 'POST', '/v1/queues', { id: 'followup', name: 'Follow-up', skills: { outbound: 1 } });
  ({ browser, close: closeBrowser } = await launchChromium({ width: 1400, height: 900 }));
}, 60_000);

afterAll(async () => {
  await closeBrowser?.();
  await w?.close();
});

describe('agent panel preview tasks', () => {
  it('pops a campaign contact and dials it when the agent accepts', async () => {
    await readyAgent(w, 'ada', '1001', { outbound: 1 }, { name: 'Ada Lovelace', wrapUpSeconds: 60 });
    await phone(w, '1001', 'answer', 300);
    const key = (await createApiKey(w.service.db, { name: 'crm-desk', scopes: ['agents:read', 'agents:write', 'calls:read', 'calls:write', 'queues:read', 'events:read'] })).key;
    const res = await fetch(`${w.service.url}/v1/agent-panel/links`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify({ agentId: 'ada' }) });
    const { url } = (await res.json()) as { url: string };
    const page = await browser.newPage();
    await page.goto(`${w.service.url}${url}`);
    await poll(() => page.locator('#link').getAttribute('data-status')).toBe('live');

    const always = [{ days: [1, 2, 3, 4, 5, 6, 7], from: '00:00', to: '24:00' }];
    const campaign = await must(w, 'POST', '/v1/campaigns', { name: 'Win-back', source: { type: 'csv' }, timeZone: 'UTC', callingHours: always, maxAttempts: 1, retryMinutes: 0, queueId: 'followup' });
    const csv = await fetch(`${w.service.url}/v1/campaigns/${campaign.id}/contacts`, { method: 'POST', headers: { authorization: `Bearer ${w.key}`, 'content-type': 'text/csv' }, body: `number,name,reference\n${NUMBER},Max Muster,T-9\n` });
    expect(csv.status).toBeLessThan(300);

    await poll(() => page.locator('#pop-h').textContent()).toBe('Preview task: call Max Muster?');
    expect(await page.locator('#pop-found').textContent()).toContain('Max Muster · T-9');
    expect(await page.locator('#pop-facts').textContent()).toContain('Follow-up');
    await page.getByRole('button', { name: 'Accept and call' }).click();
    await poll(() => page.locator('#state').getAttribute('data-state')).toBe('on_call');
    await poll(async () => (await page.locator('#problem').isHidden()) || (await page.locator('#problem').textContent())).toBe(true);
    await poll(() => page.locator('#pop-h').textContent()).toBe('On call: Max Muster');
    await poll(() => page.getByRole('button', { name: 'Hang up' }).isVisible()).toBe(true);
    expect(await page.locator('#problem').isHidden()).toBe(true);
    await page.close();
  }, 90_000);
});
