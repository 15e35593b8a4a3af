// Parameter merging, credentials and error mapping of the simulated ARI.
import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { authorised, buildParams, fromWorldError, httpDate } from '../../src/sim/ari-http.js';
import { WorldError } from '../../src/sim/world-errors.js';

const creds = { user: 'cti', password: 'cti-secret' };
const req = (authorization?: string) => ({ headers: authorization ? { authorization } : {} }) as IncomingMessage;

describe('simulated ARI HTTP helpers', () => {
  it('takes parameters from the query first and fills the rest from the JSON body', () => {
    const { params, variables } = buildParams(new URLSearchParams('endpoint=PJSIP/1001&timeout=30'), {
      endpoint: 'ignored',
      app: 'cti-bridge',
      timeout: 10,
      variables: { TALKTIME: '60', N: 5 },
      nested: { no: 'objects' },
    });
    expect(Object.fromEntries(params)).toEqual({ endpoint: 'PJSIP/1001', timeout: '30', app: 'cti-bridge' });
    expect(variables).toEqual({ TALKTIME: '60', N: '5' });
  });

  it('accepts Basic auth or api_key, and nothing else', () => {
    const basic = `Basic ${Buffer.from('cti:cti-secret').toString('base64')}`;
    expect(authorised(req(basic), new URLSearchParams(), creds)).toBe(true);
    expect(authorised(req(), new URLSearchParams('api_key=cti:cti-secret'), creds)).toBe(true);
    expect(authorised(req(basic), new URLSearchParams('api_key=cti:wrong'), creds)).toBe(false);
    expect(authorised(req(`Basic ${Buffer.from('cti:nope').toString('base64')}`), new URLSearchParams(), creds)).toBe(false);
    expect(authorised(req('Bearer cti:cti-secret'), new URLSearchParams(), creds)).toBe(false);
    expect(authorised(req(), new URLSearchParams(), creds)).toBe(false);
  });

  it('maps world refusals to the status lines Asterisk uses', () => {
    expect(fromWorldError(new WorldError('bridge-not-found', 'Bridge not found'))).toMatchObject({ status: 404, reason: 'Not found' });
    expect(fromWorldError(new WorldError('internal-error', 'x'))).toMatchObject({ status: 500, reason: 'Internal Error' });
    expect(fromWorldError(new WorldError('internal', 'x'))).toMatchObject({ status: 500, reason: 'Internal Server Error' });
    expect(fromWorldError(new WorldError('invalid-state', 'Channel in invalid state'))).toEqual({
      status: 412,
      reason: 'Precondition Failed',
      body: { message: 'Channel in invalid state' },
    });
  });

  it('prints dates like Asterisk (RFC 1123, GMT)', () => {
    expect(httpDate(new Date(Date.UTC(2026, 10, 22, 21, 51, 57)))).toBe('Sun, 22 Nov 2026 21:51:57 GMT');
  });
});
