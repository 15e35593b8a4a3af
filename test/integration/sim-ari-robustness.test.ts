// Garbage in, an Asterisk-style answer out: random requests never crash the simulator or
// leave a connection without an answer.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../src/sim/index.js';

const AUTH = `Basic ${Buffer.from('cti:cti-secret').toString('base64')}`;

describe('simulator ARI with arbitrary requests', () => {
  let sim: Simulator;
  let channelId = '';
  let bridgeId = '';

  beforeAll(async () => {
    sim = await startSimulator({ speed: 100, withoutAmi: true });
    sim.world.registerApp('fuzz');
    channelId = sim.world.inboundCall({ from: '+1555', to: '100', app: 'fuzz' }).id;
    bridgeId = sim.world.createBridge({ type: 'mixing' }).id;
  });
  afterAll(async () => {
    await sim?.close();
  });

  it('answers every request with a JSON error or success, and keeps serving', async () => {
    const segment = fc.oneof(
      fc.constantFrom('channels', 'bridges', 'playbacks', 'recordings', 'live', 'stored', 'asterisk', 'variable', 'play', 'record', 'dtmf', 'dial', 'addChannel', 'moh', 'hold', 'continue', 'redirect', 'create', 'events', 'user'),
      fc.constant('{channel}'),
      fc.constant('{bridge}'),
      fc.string({ maxLength: 8 }),
    );
    const param = fc.tuple(
      fc.constantFrom('endpoint', 'app', 'media', 'name', 'format', 'channel', 'variable', 'value', 'dtmf', 'timeout', 'type', 'reason', 'direction', 'ifExists', 'maxDurationSeconds'),
      fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('Local/1001@agents', 'PJSIP/1001', 'sound:beep', 'wav', '{channel}', '-1', '99999999999')),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('GET', 'POST', 'PUT', 'DELETE'),
        fc.array(segment, { minLength: 1, maxLength: 4 }),
        fc.array(param, { maxLength: 4 }),
        fc.option(fc.string({ maxLength: 40 })),
        async (method, segments, params, body) => {
          const fill = (s: string) => s.replace('{channel}', channelId).replace('{bridge}', bridgeId);
          const path = segments.map((s) => encodeURIComponent(fill(s))).join('/');
          const qs = new URLSearchParams(params.map(([k, v]) => [k, fill(v)])).toString();
          const res = await fetch(`${sim.ari.url}/${path}${qs ? `?${qs}` : ''}`, {
            method,
            headers: { authorization: AUTH, 'content-type': 'application/json' },
            body: method === 'GET' || body === null ? undefined : body,
          });
          const text = await res.text();
          expect(res.status).toBeGreaterThanOrEqual(200);
          expect(res.status).toBeLessThan(600);
          if (res.status >= 400) {
            const { message } = JSON.parse(text) as { message: string };
            expect(typeof message).toBe('string');
            // The catch-all answer means a handler threw something other than a WorldError.
            expect(message).not.toBe('Internal Server Error');
          }
        },
      ),
      { numRuns: 300 },
    );
    const ping = await fetch(`${sim.ari.url}/asterisk/ping`, { headers: { authorization: AUTH } });
    expect(ping.status).toBe(200);
  });
});
