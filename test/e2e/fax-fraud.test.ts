// Fax toll fraud as an attacker tries it: a caller whose caller id is a directory,
// international or emergency number asks fax-on-demand to fax "them"; a caller asks again
// and again; an integrator faxes a number the site's own CALLS_DIAL_DENY refuses. Each is
// refused, the caller hears the flow's refusal, and fax.refused tells the integrators.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../src/api/keys.js';
import { makeTiff } from '../helpers/fax-files.js';
import { waitFor } from '../helpers/wait.js';
import { placeCall, press, publishFlow, startIvrWorld, waitAt, waitEnded, type IvrWorld } from './ivr-fixture.js';

let w: IvrWorld;
let key: string;

async function api(method: string, path: string, body?: unknown, type = 'application/json'): Promise<Response> {
  return fetch(`${w.service.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body !== undefined ? { 'content-type': type } : {}) },
    body: body === undefined ? undefined : Buffer.isBuffer(body) ? new Uint8Array(body) : JSON.stringify(body),
  });
}

type Received = { type: string; callId?: string; data: Record<string, unknown> };
const received = (type: string): Received[] => w.receiver.received.map((r) => r.json as Received).filter((e) => e.type === type);

/** The first event of a type that matches, once it arrived. */
async function eventWhere(type: string, pred: (e: Received) => boolean): Promise<Received> {
  await w.receiver.waitFor(() => received(type).some(pred));
  return received(type).find(pred)!;
}

async function faxesOfCall(callId: string): Promise<number> {
  const { rows } = await w.t.db.query('SELECT count(*)::int AS n FROM faxes WHERE call_id = $1', [callId]);
  return rows[0].n as number;
}

/** A caller with this caller id keys document 101 and waits for the outcome. */
async function askForFax(from: string): Promise<{ channelId: string; callId: string }> {
  const placed = await placeCall(w, '410', from);
  await waitAt(w, placed.channelId, 'code', 'collecting');
  await press(w, placed.channelId, '101');
  await waitEnded(w, placed.callId);
  return placed;
}

beforeAll(async () => {
  w = await startIvrWorld(
    'fax-fraud',
    {
      // The site refuses its 0309 range on top of the built-in refusals.
      CALLS_DIAL_DENY: 'default,_0309.',
      FAX_DEMAND_PER_CALLER_DAY: '2',
      FAX_DEMAND_PER_DESTINATION_DAY: '5',
      FAX_RETRY_DELAY_MS: '50',
      SECURITY_REFUSAL_BURST: '0',
    },
    { speed: 100 },
  );
  key = (await createApiKey(w.service.db, { name: 'fax', scopes: ['fax:read', 'fax:write', 'webhooks:write'] })).key;
  expect((await api('POST', '/v1/webhooks', { url: w.receiver.url, eventTypes: ['fax.queued', 'fax.refused'] })).status).toBe(201);
  expect((await api('PUT', '/v1/fax-documents/101?title=Terms', makeTiff([{}]), 'image/tiff')).status).toBe(201);
  await publishFlow(
    w,
    {
      id: 'fax-back',
      entry: 'code',
      nodes: {
        code: { type: 'collect', prompt: { media: ['sound:cti/enter-order'] }, variable: 'documentCode', minDigits: 3, maxDigits: 3, next: 'send', fallback: 'bye' },
        send: { type: 'fax', documentVar: 'documentCode', next: 'bye', invalidPrompt: { media: ['sound:cti/invalid'] }, onInvalid: 'bye' },
        bye: { type: 'hangup', prompt: { media: ['sound:cti/goodbye'] } },
      },
    },
    '410',
  );
});

afterAll(async () => {
  await w?.close();
});

describe('fax-on-demand to the caller id', () => {
  it('refuses directory, international and emergency caller ids: the caller hears the refusal, fax.refused names the rule', async () => {
    for (const [from, rule] of [
      ['11833', 'denied'],
      ['011442071234567', 'denied'],
      ['112', 'emergency'],
    ] as const) {
      const { channelId, callId } = await askForFax(from);
      expect(w.heard.get(channelId)).toContain('sound:cti/invalid');
      expect(await faxesOfCall(callId)).toBe(0);
      const event = await eventWhere('fax.refused', (e) => e.callId === callId);
      expect(event.data).toMatchObject({ destination: from, documentCode: '101', rule, apiKeyId: null, callerNumber: from });
    }
  });

  it('never faxes a withheld or invalid caller id', async () => {
    for (const from of ['anonymous', '']) {
      const { channelId, callId } = await askForFax(from);
      expect(w.heard.get(channelId)).toContain('sound:cti/invalid');
      expect(await faxesOfCall(callId)).toBe(0);
      const event = await eventWhere('fax.refused', (e) => e.callId === callId);
      expect(event.data.rule).toBe('withheld_caller');
    }
  });

  it('a caller gets at most their daily budget; the next request is refused', async () => {
    w.sim.world.setFaxReceiver('0307770001', { behaviour: 'fax', pages: 1 });
    const first = await askForFax('0307770001');
    const second = await askForFax('0307770001');
    expect(await faxesOfCall(first.callId)).toBe(1);
    expect(await faxesOfCall(second.callId)).toBe(1);
    const third = await askForFax('0307770001');
    expect(await faxesOfCall(third.callId)).toBe(0);
    expect(w.heard.get(third.channelId)).toContain('sound:cti/invalid');
    const event = await eventWhere('fax.refused', (e) => e.callId === third.callId);
    expect(event.data.rule).toBe('budget:fax_demand_caller_day');
  });

  it('a site-refused range is refused for callers too', async () => {
    const { callId } = await askForFax('0309123456');
    expect(await faxesOfCall(callId)).toBe(0);
    const event = await eventWhere('fax.refused', (e) => e.callId === callId);
    expect(event.data).toMatchObject({ rule: 'denied', reason: expect.stringContaining('_0309.') });
  });
});

describe('fax-on-demand to a number the caller keys', () => {
  it('the keyed number passes the same policy: a directory number is refused, a national one is faxed', async () => {
    await publishFlow(
      w,
      {
        id: 'fax-keyed',
        entry: 'doc',
        nodes: {
          doc: { type: 'set', values: { doc: '101' }, next: 'number' },
          number: { type: 'collect', prompt: { media: ['sound:cti/enter-order'] }, variable: 'faxNumber', minDigits: 3, maxDigits: 15, next: 'send', fallback: 'bye' },
          send: { type: 'fax', documentVar: 'doc', destinationVar: 'faxNumber', next: 'bye', invalidPrompt: { media: ['sound:cti/invalid'] }, onInvalid: 'bye' },
          bye: { type: 'hangup', prompt: { media: ['sound:cti/goodbye'] } },
        },
      },
      '411',
    );
    const keyed = async (digits: string) => {
      const placed = await placeCall(w, '411', '0307770002');
      await waitAt(w, placed.channelId, 'number', 'collecting');
      await press(w, placed.channelId, `${digits}#`);
      await waitEnded(w, placed.callId);
      return placed;
    };
    const refused = await keyed('11833');
    expect(await faxesOfCall(refused.callId)).toBe(0);
    expect((await eventWhere('fax.refused', (e) => e.callId === refused.callId)).data).toMatchObject({ destination: '11833', rule: 'denied', callerNumber: '0307770002' });
    w.sim.world.setFaxReceiver('0301112222', { behaviour: 'fax', pages: 1 });
    const sent = await keyed('0301112222');
    const { rows } = await w.t.db.query('SELECT destination FROM faxes WHERE call_id = $1', [sent.callId]);
    expect(rows).toEqual([{ destination: '0301112222' }]);
  });
});

describe('POST /v1/faxes', () => {
  it('honours CALLS_DIAL_DENY and the built-in refusals, naming the rule, and records the key, whose fax no other key sees', async () => {
    for (const [destination, rule] of [
      ['0309123456', 'denied'],
      ['11833', 'denied'],
      ['112', 'emergency'],
      ['+4930123456', 'denied'],
    ] as const) {
      const res = await api('POST', '/v1/faxes', { destination, documentCode: '101' });
      expect(res.status).toBe(422);
      expect(res.headers.get('content-type')).toMatch(/application\/problem\+json/);
      expect(await res.json()).toMatchObject({ rule, detail: expect.stringContaining('fax destination refused') });
      await eventWhere('fax.refused', (e) => e.data.destination === destination && e.data.apiKeyId !== null);
    }
    w.sim.world.setFaxReceiver('0301111111', { behaviour: 'fax', pages: 1 });
    const ok = await api('POST', '/v1/faxes', { destination: '0301111111', documentCode: '101' });
    expect(ok.status).toBe(202);
    const { id } = (await ok.json()) as { id: string };
    const { rows } = await w.t.db.query('SELECT k.name FROM faxes f JOIN api_keys k ON k.id = f.api_key_id WHERE f.id = $1', [id]);
    expect(rows[0]?.name).toBe('fax');
    await waitFor('the fax sent', async () => (await w.t.db.query("SELECT 1 FROM faxes WHERE id = $1 AND status = 'sent'", [id])).rowCount === 1);

    // Another integrator's key with the same scopes neither reads nor lists it (it still sees
    // the centre's own fax-on-demand faxes); an admin does.
    const as = async (k: string, path: string) => {
      const res = await fetch(`${w.service.url}${path}`, { headers: { authorization: `Bearer ${k}` } });
      return { status: res.status, body: (await res.json()) as { items?: Array<{ id: string }> } };
    };
    const other = (await createApiKey(w.service.db, { name: 'other', scopes: ['fax:read', 'fax:write'] })).key;
    expect((await as(other, `/v1/faxes/${id}`)).status).toBe(404);
    expect((await as(other, '/v1/faxes')).body.items!.map((f) => f.id)).not.toContain(id);
    expect((await as(key, '/v1/faxes')).body.items!.map((f) => f.id)).toContain(id);
    const admin = (await createApiKey(w.service.db, { name: 'root', scopes: ['admin'] })).key;
    expect((await as(admin, `/v1/faxes/${id}`)).status).toBe(200);
  });
});
