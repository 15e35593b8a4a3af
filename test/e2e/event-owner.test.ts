// Events of owned objects reach only their owner and admin keys: two integrators with the
// same scopes, one faxes through the API; the other's journal, streams (live and resumed)
// and webhook subscription never carry that fax's events, the owner's and an admin's do.
// A security alert about a key reaches admin keys only.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createApiKey } from '../../src/api/keys.js';
import { makeTiff } from '../helpers/fax-files.js';
import { startReceiver, type Receiver } from '../helpers/receiver.js';
import { waitFor } from '../helpers/wait.js';
import { startIvrWorld, type IvrWorld } from './ivr-fixture.js';

type Seen = { id: string; type: string; ownerKeyId?: string; data: Record<string, unknown> };
const TYPES = ['fax.queued', 'fax.sent', 'fax.failed', 'fax.refused', 'security.alert'];

interface Reader {
  name: string;
  key: string;
  receiver: Receiver;
  live: Seen[];
  resumed: Seen[];
  journal(): Promise<Seen[]>;
  /** Everything this key's journal, both streams and subscription have received. */
  all(): Promise<Seen[][]>;
}

let w: IvrWorld;
const sockets: WebSocket[] = [];
const receivers: Receiver[] = [];

async function call(key: string, method: string, path: string, body?: unknown, type = 'application/json'): Promise<Response> {
  return fetch(`${w.service.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body !== undefined ? { 'content-type': type } : {}) },
    body: body === undefined ? undefined : Buffer.isBuffer(body) ? new Uint8Array(body) : JSON.stringify(body),
  });
}

function stream(key: string, query: string): Promise<Seen[]> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${w.service.url.replace('http', 'ws')}/v1/events/stream?types=fax.*,security.alert${query}`, {
      headers: { authorization: `Bearer ${key}` },
    });
    sockets.push(ws);
    const got: Seen[] = [];
    ws.on('message', (m) => got.push(JSON.parse(String(m)) as Seen));
    ws.once('open', () => resolve(got));
    ws.once('error', reject);
  });
}

async function reader(name: string, scopes: string[]): Promise<Reader> {
  const key = (await createApiKey(w.service.db, { name, scopes: scopes as never })).key;
  const receiver = await startReceiver();
  receivers.push(receiver);
  expect((await call(key, 'POST', '/v1/webhooks', { url: receiver.url, eventTypes: TYPES })).status).toBe(201);
  const live = await stream(key, '');
  const resumed = await stream(key, '&after=0');
  const journal = async () => {
    const res = await call(key, 'GET', '/v1/events?after=0&limit=1000&types=fax.*,security.alert');
    expect(res.status).toBe(200);
    return ((await res.json()) as { items: Seen[] }).items;
  };
  return {
    name,
    key,
    receiver,
    live,
    resumed,
    journal,
    all: async () => [await journal(), live, resumed, receiver.received.map((r) => r.json as Seen)],
  };
}

const integrator = ['fax:read', 'fax:write', 'webhooks:write', 'events:read'];
let alice: Reader;
let bob: Reader;
let admin: Reader;
let faxId: string;

beforeAll(async () => {
  w = await startIvrWorld('event-owner', { FAX_RETRY_DELAY_MS: '50', SECURITY_REFUSAL_BURST: '2' }, { speed: 100 });
  alice = await reader('alice', integrator);
  bob = await reader('bob', integrator);
  admin = await reader('root', ['admin']);
  expect((await call(admin.key, 'PUT', '/v1/fax-documents/101?title=Terms', makeTiff([{}]), 'image/tiff')).status).toBe(201);

  // Alice faxes; a third key's refused numbers raise a security alert about it.
  w.sim.world.setFaxReceiver('0301111111', { behaviour: 'fax', pages: 1 });
  const sent = await call(alice.key, 'POST', '/v1/faxes', { destination: '0301111111', documentCode: '101' });
  expect(sent.status).toBe(202);
  faxId = ((await sent.json()) as { id: string }).id;
  await waitFor('the fax sent', async () => (await w.t.db.query("SELECT 1 FROM faxes WHERE id = $1 AND status = 'sent'", [faxId])).rowCount === 1);
  const mallory = (await createApiKey(w.service.db, { name: 'mallory', scopes: ['fax:write'] })).key;
  for (const destination of ['11833', '11880']) expect((await call(mallory, 'POST', '/v1/faxes', { destination, documentCode: '101' })).status).toBe(422);

  // Written last: once each of Bob's channels has his own refusal, everything before it
  // in the journal was either served to him or skipped.
  expect((await call(bob.key, 'POST', '/v1/faxes', { destination: '112', documentCode: '101' })).status).toBe(422);
  const bobsOwn = (e: Seen) => e.type === 'fax.refused' && e.data.destination === '112';
  const has = (seen: Seen[], type: string) => seen.some((e) => e.type === type);
  const settled: Array<[Reader, (seen: Seen[]) => boolean]> = [
    [alice, (seen) => has(seen, 'fax.sent')],
    [bob, (seen) => seen.some(bobsOwn)],
    [admin, (seen) => seen.some(bobsOwn) && has(seen, 'fax.sent') && has(seen, 'security.alert')],
  ];
  for (const [r, done] of settled) await waitFor(`${r.name} received what is meant for it`, async () => (await r.all()).every(done));
}, 60_000);

afterAll(async () => {
  for (const ws of sockets) ws.terminate();
  for (const r of receivers) await r.close();
  await w?.close();
});

const ofFax = (seen: Seen[]) => seen.filter((e) => e.type.startsWith('fax.') && e.data.faxId === faxId).map((e) => e.type);

describe('events of an API fax', () => {
  it("reach the owner's journal, live and resumed streams and subscription, carrying the owner", async () => {
    for (const seen of await alice.all()) {
      expect(ofFax(seen)).toEqual(expect.arrayContaining(['fax.queued', 'fax.sent']));
      expect(seen.find((e) => e.type === 'fax.sent')!.ownerKeyId).toMatch(/^[0-9a-f-]{36}$/);
    }
  });

  it("never reach another integrator key's journal, streams or subscription", async () => {
    const all = await bob.all();
    for (const seen of all) {
      expect(seen.some((e) => e.type === 'fax.refused' && e.data.destination === '112')).toBe(true);
      expect(ofFax(seen)).toEqual([]);
      expect(seen.every((e) => e.data.destination === '112')).toBe(true);
    }
    // And the other way round: Bob's refusal is not Alice's.
    for (const seen of await alice.all()) expect(seen.some((e) => e.data.destination === '112')).toBe(false);
  });

  it('reach an admin key everywhere', async () => {
    for (const seen of await admin.all()) {
      expect(ofFax(seen)).toEqual(expect.arrayContaining(['fax.queued', 'fax.sent']));
      expect(seen.some((e) => e.data.destination === '112')).toBe(true);
    }
  });
});

describe('security.alert about a key', () => {
  it('reaches admin keys only', async () => {
    for (const seen of await admin.all()) {
      const alert = seen.find((e) => e.type === 'security.alert');
      expect(alert?.data).toMatchObject({ reason: 'refused_destinations', feature: 'fax' });
      expect(alert?.ownerKeyId).toBe('00000000-0000-0000-0000-000000000000');
    }
    for (const r of [alice, bob]) for (const seen of await r.all()) expect(seen.some((e) => e.type === 'security.alert')).toBe(false);
  });
});
