// What an agent panel session may reach, and its signed tokens (pure parts).
import { describe, expect, it } from 'vitest';
import { accessTo, isSessionClaims, sessionScopes } from '../../src/agent-panel/access.js';
import { Signer } from '../../src/api/signer.js';

describe('agent panel access', () => {
  it('opens the agent desk routes and nothing else', () => {
    expect(accessTo('GET', '/v1/agents')).toBe('open');
    expect(accessTo('POST', '/v1/agents/:id/state')).toBe('own');
    expect(accessTo('PUT', '/v1/agents/:id/calls/:callId/wrap-up')).toBe('own');
    expect(accessTo('GET', '/v1/agents/:id/stream')).toBe('own');
    expect(accessTo('POST', '/v1/calls/:id/hold')).toBe('call');
    expect(accessTo('POST', '/v1/calls/:id/transfers')).toBe('call');
    expect(accessTo('POST', '/v1/transfers/:id/complete')).toBe('transfer');
    for (const [method, url] of [
      ['POST', '/v1/calls'], // click-to-dial to any number
      ['GET', '/v1/calls'],
      ['GET', '/v1/cdrs'],
      ['GET', '/v1/events/stream'],
      ['POST', '/v1/calls/:id/recordings'],
      ['PUT', '/v1/agents/:id'],
      ['DELETE', '/v1/agents/:id'],
      ['POST', '/v1/agent-panel/links'],
      ['POST', '/v1/api-keys'],
      ['GET', undefined],
    ] as const) expect(accessTo(method, url), `${method} ${url}`).toBeUndefined();
  });

  it("gives a session no scope its link's key lacks", () => {
    expect(sessionScopes(['admin'])).toEqual(['agents:read', 'agents:write', 'calls:read', 'calls:write', 'queues:read', 'events:read']);
    expect(sessionScopes(['agents:write', 'cdrs:read', 'webhooks:write'])).toEqual(['agents:write']);
  });

  it('reads only well-signed, unexpired session claims', () => {
    const signer = new Signer('secret', 'agent-panel-session');
    const claims = { l: 'link', a: 'ada', k: 'key', p: 'prefix', e: 2_000 };
    const token = signer.sign(claims);
    expect(isSessionClaims(signer.read(token), 1_000)).toBe(true);
    expect(isSessionClaims(signer.read(token), 2_000)).toBe(false); // expired
    expect(new Signer('secret', 'agent-panel-link').read(token)).toBeNull(); // another kind of token
    expect(new Signer('other', 'agent-panel-session').read(token)).toBeNull();
    const [body, mac] = token.split('.');
    const forged = Buffer.from(JSON.stringify({ ...claims, a: 'grace' })).toString('base64url');
    expect(signer.read(`${forged}.${mac}`)).toBeNull();
    expect(signer.read(`${body}.`)).toBeNull();
    expect(signer.read('no-dot')).toBeNull();
    expect(isSessionClaims(signer.read(signer.sign({ l: 'link', a: 7, k: 'key', p: 'p', e: 2_000 })), 1_000)).toBe(false);
  });
});
