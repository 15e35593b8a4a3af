// `PUT /applications/{app}/eventFilter` on the PBX simulator, over real HTTP and the
// events WebSocket, as Asterisk's res/stasis/app.c keeps and applies it; and the ARI client
// setting its disallowed list after every connect.
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { AriClient } from '../../src/ari/client.js';
import type { AriEvent } from '../../src/ari/types.js';
import { createLogger } from '../../src/log.js';
import { startSimulator, type Simulator } from '../../src/sim/index.js';

const log = createLogger('silent');
const APP = 'cti-bridge';
const waitFor = <T>(check: () => T) => vi.waitFor(check, { timeout: 15_000, interval: 5 });

let sim: Simulator;
let client: AriClient;
const seen: AriEvent[] = [];

function newClient(disallowedEvents?: string[]): AriClient {
  return new AriClient({
    url: sim.ari.url,
    user: 'cti',
    password: 'cti-secret',
    app: APP,
    log,
    requestTimeoutMs: 5_000,
    reconnect: { minMs: 20, maxMs: 100 },
    ...(disallowedEvents ? { disallowedEvents } : {}),
  });
}

/** A raw PUT, so the bodies Asterisk rejects can be sent too. */
async function putFilter(body?: string, app = APP): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${sim.ari.url}/applications/${app}/eventFilter`, {
    method: 'PUT',
    headers: { authorization: `Basic ${Buffer.from('cti:cti-secret').toString('base64')}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body } : {}),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

const current = async () => {
  const app = await client.applications.get(APP);
  return { allowed: app.events_allowed, disallowed: app.events_disallowed };
};

/**
 * One call in the app that sets a variable (a ChannelVarset) and hangs up. Events come in
 * order on the socket, so once its StasisEnd is in, its ChannelVarset came or never will.
 */
async function callTypes(id: string): Promise<string[]> {
  const from = seen.length;
  sim.world.inboundCall({ from: '+15551230001', to: '100', channelId: id });
  await waitFor(() => expect(seen.slice(from).some((e) => e.type === 'StasisStart')).toBe(true));
  await client.channels.setVariable(id, 'WHATEVER', '1');
  await client.channels.hangup(id);
  await waitFor(() => expect(seen.slice(from).some((e) => e.type === 'StasisEnd')).toBe(true));
  return seen.slice(from).map((e) => e.type);
}

beforeAll(async () => {
  sim = await startSimulator({ speed: 100, withoutAmi: true });
  client = newClient();
  client.on('event', (e) => seen.push(e));
  const ready = once(client, 'ready');
  client.start();
  await ready;
});

afterAll(async () => {
  await client?.stop();
  await sim?.close();
});

describe('the simulated eventFilter resource', () => {
  it('starts empty, and a disallowed type stops reaching the socket while others still do', async () => {
    expect(await current()).toEqual({ allowed: [], disallowed: [] });
    expect(await callTypes('flt-1')).toEqual(['StasisStart', 'ChannelVarset', 'ChannelHangupRequest', 'StasisEnd']);

    const r = await putFilter(JSON.stringify({ disallowed: [{ type: 'ChannelVarset' }] }));
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ name: APP, events_allowed: [], events_disallowed: [{ type: 'ChannelVarset' }] });
    expect(await callTypes('flt-2')).toEqual(['StasisStart', 'ChannelHangupRequest', 'StasisEnd']);
  });

  it('a non-empty allowed list sends only its types, and disallowed wins over allowed', async () => {
    expect((await putFilter(JSON.stringify({ allowed: [{ type: 'StasisStart' }, { type: 'StasisEnd' }, { type: 'ChannelVarset' }] }))).status).toBe(200);
    // Only `allowed` was given: `disallowed` keeps ChannelVarset.
    expect(await current()).toEqual({
      allowed: [{ type: 'StasisStart' }, { type: 'StasisEnd' }, { type: 'ChannelVarset' }],
      disallowed: [{ type: 'ChannelVarset' }],
    });
    expect(await callTypes('flt-3')).toEqual(['StasisStart', 'StasisEnd']);
  });

  it('no body or {} empties both lists; an array sets both; the stored objects come back as given', async () => {
    expect((await putFilter()).status).toBe(200);
    expect(await current()).toEqual({ allowed: [], disallowed: [] });
    expect((await putFilter(JSON.stringify([{ type: 'BridgeCreated', note: 'x' }]))).status).toBe(200);
    expect(await current()).toEqual({ allowed: [{ type: 'BridgeCreated', note: 'x' }], disallowed: [{ type: 'BridgeCreated', note: 'x' }] });
    expect((await putFilter('{}')).status).toBe(200);
    expect(await current()).toEqual({ allowed: [], disallowed: [] });
  });

  it('answers 400 for lists that are not arrays of typed objects, keeping a valid disallowed list set first', async () => {
    for (const bad of ['{"allowed":"StasisStart"}', '{"disallowed":[{"type":""}]}', '{"disallowed":[{}]}', '{"allowed":["StasisStart"]}', '"x"', 'null']) {
      const r = await putFilter(bad);
      expect(r, bad).toEqual({ status: 400, json: { message: 'Invalid format definition' } });
    }
    expect(await current()).toEqual({ allowed: [], disallowed: [] });
    // Asterisk sets `disallowed` before it checks `allowed`: the 400 leaves it changed.
    expect((await putFilter(JSON.stringify({ disallowed: [{ type: 'ChannelVarset' }], allowed: 7 }))).status).toBe(400);
    expect(await current()).toEqual({ allowed: [], disallowed: [{ type: 'ChannelVarset' }] });
  });

  it('answers 404 for an app without a socket', async () => {
    expect(await putFilter('{}', 'nobody-here')).toEqual({ status: 404, json: { message: 'Application not found' } });
  });

  it('drops the filter with the app when its socket goes', async () => {
    expect((await current()).disallowed).toEqual([{ type: 'ChannelVarset' }]);
    const ready = once(client, 'ready');
    sim.dropAri();
    await ready;
    expect(await current()).toEqual({ allowed: [], disallowed: [] });
  });
});

describe('the ARI client with a disallowed list', () => {
  it('sets it after the first connect and again after a reconnect', async () => {
    await client.stop();
    const filtered = newClient(['ChannelVarset', 'BridgeDestroyed']);
    try {
      let ready = once(filtered, 'ready');
      filtered.start();
      await ready;
      const want = { allowed: [], disallowed: [{ type: 'ChannelVarset' }, { type: 'BridgeDestroyed' }] };
      expect(filtered.eventFilterSet).toBe(true);
      expect(await current()).toEqual(want);
      ready = once(filtered, 'ready');
      sim.dropAri();
      await ready;
      expect(filtered.eventFilterSet).toBe(true);
      expect(await current()).toEqual(want);
    } finally {
      await filtered.stop();
    }
  });
});

describe('the ARI client against an Asterisk without the eventFilter resource', () => {
  let old: Simulator;
  afterAll(async () => {
    await old?.close();
  });

  it('runs unfiltered, every event still delivered, and says so once over reconnects', async () => {
    old = await startSimulator({ speed: 100, withoutAmi: true, ariEventFilter: false });
    const lines: { msg?: string; reason?: string }[] = [];
    const warnLog = createLogger('warn', { write: (line: string) => void lines.push(JSON.parse(line) as { msg?: string }) });
    const c = new AriClient({ url: old.ari.url, user: 'cti', password: 'cti-secret', app: APP, log: warnLog, reconnect: { minMs: 20, maxMs: 100 }, disallowedEvents: ['ChannelVarset'] });
    const got: string[] = [];
    c.on('event', (e) => got.push(e.type));
    try {
      let ready = once(c, 'ready');
      c.start();
      await ready;
      expect(c.eventFilterSet).toBe(false);
      ready = once(c, 'ready');
      old.dropAri();
      await ready;
      expect(c.eventFilterSet).toBe(false);
      const refusals = lines.filter((l) => l.msg?.startsWith('ARI event filter not set'));
      expect(refusals).toHaveLength(1);
      expect(refusals[0]?.reason).toContain('404');

      old.world.inboundCall({ from: '+15551230001', to: '100', channelId: 'old-1' });
      await waitFor(() => expect(got).toContain('StasisStart'));
      await c.channels.setVariable('old-1', 'WHATEVER', '1');
      await c.channels.hangup('old-1');
      await waitFor(() => expect(got).toContain('StasisEnd'));
      expect(got).toContain('ChannelVarset');
    } finally {
      await c.stop();
    }
  });
});
