// Toll fraud through the API, as an attacker with one key would try it: click-to-dial to
// emergency, directory, international and premium numbers; a campaign list and a greeting
// call that dial what the site refuses; a burst of refused numbers; more calls than a day's
// budget. Each is refused with a problem naming the rule, and a burst raises security.alert
// and suspends the key.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../src/api/keys.js';
import { publishFlowDocument, putNumber } from '../../src/ivr/repository.js';
import { simControl } from '../helpers/service.js';
import { waitFor } from '../helpers/wait.js';
import { AGENT_A, CUSTOMER, alive, callState, startCallCtlWorld, type CallCtlWorld } from './callctl-fixture.js';

let w: CallCtlWorld;

async function as(key: string, method: string, path: string, body?: unknown, type = 'application/json') {
  const res = await fetch(`${w.service.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body !== undefined ? { 'content-type': type } : {}) },
    ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, type: res.headers.get('content-type') ?? '', body: (text && res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text) as Record<string, unknown> };
}

const outbound = () => w.sim.world.channels().filter((c) => c.name.includes('@trunk')).length;

beforeAll(async () => {
  w = await startCallCtlWorld('dial-fraud', {
    CALLS_DIAL_DENY: 'default,_0309.,_1009',
    // A flow author's transfer node names a destination; two of these are numbers the
    // centre must not pay for.
    TRANSFER_DESTINATIONS: JSON.stringify({ 'agent-a': AGENT_A, premium: '09001234567', 'site-refused': '0309123456' }),
    SECURITY_REFUSAL_BURST: '12',
    CALLS_PER_KEY_DAY: '2',
  });
});

afterAll(async () => {
  await w?.close();
});

describe('click-to-dial destinations', () => {
  it('refuses emergency, directory, international and premium numbers by default, naming the rule', async () => {
    const before = outbound();
    for (const [to, rule] of [
      ['112', 'emergency'],
      ['110', 'emergency'],
      ['911', 'emergency'],
      ['11833', 'denied'],
      ['011442071234567', 'denied'],
      ['01180012345', 'denied'],
      ['01801234567', 'denied'],
      ['07001234567', 'denied'],
      ['0309123456', 'denied'],
    ] as const) {
      const res = await w.api('POST', '/v1/calls', { extension: AGENT_A, to });
      expect(res.status, to).toBe(422);
      expect(res.body, to).toMatchObject({ rule, detail: expect.stringContaining('destination refused') });
    }
    expect(outbound()).toBe(before);
    expect(w.sim.world.channels().filter((c) => c.name.startsWith(`PJSIP/${AGENT_A}-`))).toEqual([]);
  });
});

describe('a PBX node that is not configured', () => {
  it('is a 422 naming the field, not a 503 to retry', async () => {
    for (const [path, body] of [
      ['/v1/calls', { extension: AGENT_A, to: CUSTOMER, pbxNode: 'nowhere' }],
      ['/v1/channel-transfers', { channel: 'PJSIP/1001-00000001', to: { extension: '1002' }, pbxNode: 'nowhere' }],
    ] as const) {
      const res = await w.api('POST', path, body);
      expect(res.status, path).toBe(422);
      expect(res.body, path).toMatchObject({ detail: "body 'pbxNode' is not a configured PBX node" });
    }
  });
});

describe('the IVR transfer node', () => {
  it('rings only what the configured policy allows: a refused destination is never dialled and the caller is let go', async () => {
    const dialled = () => w.sim.world.channels().filter((c) => /^PJSIP\/(112|11833|09001234567@|0309123456@)/.test(c.name)).length;
    for (const [did, to] of [['301', 'premium'], ['302', 'site-refused'], ['303', '11833'], ['304', '112']] as const) {
      const flow = { id: `transfer-${did}`, version: 1, entry: 'go', nodes: { go: { type: 'transfer', to } } };
      await publishFlowDocument(w.service.db, flow as never, `Transfer to ${to}`);
      await putNumber(w.service.db, { did, flowId: flow.id });
      const { channelId } = await simControl<{ channelId: string }>(w.sim, '/calls', { from: '0301230001', to: did });
      const callId = await waitFor('the inbound call', async () => (await w.t.db.query<{ id: string }>('SELECT id FROM calls WHERE channel_id = $1', [channelId])).rows[0]?.id);
      await waitFor(`the caller of ${to} let go`, () => !alive(w, channelId));
      expect(dialled(), to).toBe(0);
      const legs = await w.t.db.query("SELECT 1 FROM call_legs WHERE call_id = $1 AND role = 'agent'", [callId]);
      expect(legs.rowCount, to).toBe(0);
    }
    const metrics = await (await fetch(`${w.service.url}/metrics`)).text();
    expect(metrics).toMatch(/cti_refused_destinations_total\{feature="ivr_transfer",rule="denied"\} 3/);
    expect(metrics).toMatch(/cti_refused_destinations_total\{feature="ivr_transfer",rule="emergency"\} 1/);
  });
});

describe('campaign contacts and greeting calls', () => {
  it('a campaign import refuses what the configured policy refuses', async () => {
    const always = [{ days: [1, 2, 3, 4, 5, 6, 7], from: '00:00', to: '24:00' }];
    const created = await w.api<{ id: string }>('POST', '/v1/campaigns', { name: 'x', source: { type: 'csv' }, timeZone: 'Europe/Berlin', callingHours: always, maxAttempts: 1, retryMinutes: 0 });
    expect(created.status).toBe(201);
    const csv = 'number,name\n0301234567,ok\n0309123456,site-refused\n11833,directory\n';
    const up = await as(w.key, 'POST', `/v1/campaigns/${created.body.id}/contacts`, csv, 'text/csv');
    expect(up.status).toBe(200);
    expect(up.body).toMatchObject({ added: 1 });
    expect((up.body.rejected as Array<{ line: number; reason: string }>).map((r) => r.line)).toEqual([3, 4]);
    expect((up.body.rejected as Array<{ reason: string }>)[0]!.reason).toContain('_0309.');
  });

  it('a greeting is recorded only from a phone the policy allows', async () => {
    expect((await w.api('POST', '/v1/mailboxes', { id: 'sales', name: 'Sales', kind: 'queue' })).status).toBe(201);
    const refused = await w.api('POST', '/v1/mailboxes/sales/greeting/record', { extension: '1009' });
    expect(refused.status).toBe(422);
    expect(refused.body).toMatchObject({ rule: 'denied', detail: expect.stringContaining('_1009') });
    expect(w.sim.world.channels().filter((c) => c.name.startsWith('PJSIP/1009-'))).toEqual([]);
  });
});

describe('fraud signals', () => {
  it('a burst of refused numbers raises security.alert, counts in /metrics and suspends the key', async () => {
    const { id, key } = await createApiKey(w.service.db, { name: 'intruder', scopes: ['calls:write', 'calls:read'] });
    for (let i = 0; i < 12; i++) {
      const res = await as(key, 'POST', '/v1/calls', { extension: AGENT_A, to: `0900${1000000 + i}` });
      expect(res.status).toBe(422);
    }
    const { rows } = await w.t.db.query("SELECT payload FROM outbox WHERE type = 'security.alert'");
    expect(rows).toHaveLength(1);
    expect(rows[0].payload.data).toMatchObject({ reason: 'refused_destinations', apiKeyId: id, feature: 'call', refusals: 12, keySuspended: true, lastRule: 'denied' });
    // Even a number it may dial is refused now, and so is everything else the key asks.
    const next = await as(key, 'POST', '/v1/calls', { extension: AGENT_A, to: CUSTOMER });
    expect(next.status).toBe(403);
    expect(next.type).toMatch(/application\/problem\+json/);
    expect(next.body).toMatchObject({ suspended: true, detail: expect.stringContaining('suspended') });
    const metrics = await (await fetch(`${w.service.url}/metrics`)).text();
    expect(metrics).toMatch(/cti_security_alerts_total\{reason="refused_destinations"\} [1-9]/);
    expect(metrics).toMatch(/cti_refused_destinations_total\{feature="call",rule="denied"\} [1-9]/);
    // An admin lifts the suspension.
    expect((await w.api('DELETE', `/v1/api-keys/${id}/suspension`)).status).toBe(204);
    expect((await w.t.db.query('SELECT suspended_at FROM api_keys WHERE id = $1', [id])).rows[0].suspended_at).toBeNull();
    expect((await w.api('DELETE', `/v1/api-keys/${id}/suspension`)).status).toBe(404);
  });

  it('a key gets at most its daily budget of calls', async () => {
    const { key } = await createApiKey(w.service.db, { name: 'budget', scopes: ['calls:write', 'calls:read'] });
    for (let i = 0; i < 2; i++) {
      const res = await as(key, 'POST', '/v1/calls', { extension: AGENT_A, to: CUSTOMER });
      expect(res.status).toBe(201);
      const callId = res.body.id as string;
      expect((await as(key, 'POST', `/v1/calls/${callId}/hangup`)).status).toBeLessThan(500);
      await waitFor('ended', async () => (await callState(w, callId)) === 'ended');
    }
    const third = await as(key, 'POST', '/v1/calls', { extension: AGENT_A, to: CUSTOMER });
    expect(third.status).toBe(429);
    expect(third.body).toMatchObject({ rule: 'budget:key_calls_day' });
  });

  it('a retry with the same Idempotency-Key returns the first call and spends the budget once', async () => {
    const { key } = await createApiKey(w.service.db, { name: 'retrying', scopes: ['calls:write', 'calls:read'] });
    const dial = (idempotencyKey: string, to = CUSTOMER) =>
      fetch(`${w.service.url}/v1/calls`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'idempotency-key': idempotencyKey },
        body: JSON.stringify({ extension: AGENT_A, to }),
      }).then(async (res) => ({ status: res.status, body: (await res.json()) as Record<string, unknown> }));
    const first = await dial('order-77');
    expect(first.status).toBe(201);
    // The client did not hear the answer and retries, three times.
    for (let i = 0; i < 3; i++) {
      const again = await dial('order-77');
      expect(again.status).toBe(200);
      expect(again.body.id).toBe(first.body.id);
    }
    // The same key with another body is refused, and spends nothing either.
    expect((await dial('order-77', '0301234568')).status).toBe(422);
    expect((await as(key, 'POST', `/v1/calls/${first.body.id as string}/hangup`)).status).toBeLessThan(500);
    await waitFor('ended', async () => (await callState(w, first.body.id as string)) === 'ended');
    // The budget of 2 a day still has one call in it.
    const second = await dial('order-78');
    expect(second.status).toBe(201);
    expect((await as(key, 'POST', `/v1/calls/${second.body.id as string}/hangup`)).status).toBeLessThan(500);
    await waitFor('ended', async () => (await callState(w, second.body.id as string)) === 'ended');
    const third = await dial('order-79');
    expect(third.status).toBe(429);
    expect(third.body).toMatchObject({ rule: 'budget:key_calls_day' });
  });
});
