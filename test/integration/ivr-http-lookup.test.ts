// The IVR's CRM lookup against a real HTTP server on loopback: every way a CRM can
// answer badly becomes an error or timeout outcome, secrets go out as headers by name.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLookups, MAX_LOOKUP_BYTES, UNREACHABLE, type CrmLookups, type HttpCommand } from '../../src/ivr/http-lookup.js';
import { refusedUrl, startCrm, type Crm } from '../helpers/crm.js';

const secrets = { 'crm-token': { value: 'Bearer crm-s3cret', hosts: ['127.0.0.1'] } };
// The CRM listens on loopback: allowed by name, as an operator allows an internal CRM.
const lookups = createLookups({ secrets, policy: { allowHosts: ['127.0.0.1'] } });
const runLookup = (command: HttpCommand, opts: { signal?: AbortSignal } = {}) => lookups.run(command, opts.signal);

function cmd(url: string, extra: Partial<HttpCommand> = {}): HttpCommand {
  return { type: 'http', requestId: 'r1', method: 'GET', url, secretHeaders: {}, timeoutMs: 2000, ...extra };
}

describe('IVR http lookup', () => {
  let crm: Crm;
  beforeAll(async () => {
    crm = await startCrm();
  });
  afterAll(async () => {
    await crm?.close();
    await lookups.close();
  });

  it('returns the JSON answer and sends the configured secret under the header the flow names', async () => {
    crm.answer = () => ({ body: { order: { status: 'shipped' } } });
    const ev = await runLookup(cmd(`${crm.url}/orders/123`, { secretHeaders: { Authorization: 'crm-token' } }));
    expect(ev).toEqual({ type: 'http_result', requestId: 'r1', outcome: 'ok', status: 200, body: { order: { status: 'shipped' } } });
    const req = crm.requests.at(-1)!;
    expect(req).toMatchObject({ method: 'GET', path: '/orders/123' });
    expect(req.headers.authorization).toBe('Bearer crm-s3cret');
  });

  it('POSTs the body variables as JSON', async () => {
    crm.answer = () => ({ status: 201, body: { ok: true } });
    const ev = await runLookup(cmd(`${crm.url}/callers`, { method: 'POST', body: { caller: '+1555' } }));
    expect(ev).toMatchObject({ outcome: 'ok', status: 201 });
    const req = crm.requests.at(-1)!;
    expect(req.method).toBe('POST');
    expect(req.headers['content-type']).toBe('application/json');
    expect(JSON.parse(req.body)).toEqual({ caller: '+1555' });
  });

  it('turns a status of 400 and more into an error', async () => {
    crm.answer = () => ({ status: 500, body: { error: 'boom' } });
    expect(await runLookup(cmd(`${crm.url}/x`))).toEqual({ type: 'http_result', requestId: 'r1', outcome: 'error', detail: 'status 500' });
  });

  it('does not follow redirects', async () => {
    crm.answer = (r) => (r.path === '/moved' ? { status: 302, headers: { location: `${crm.url}/target` }, body: '' } : { body: { reached: true } });
    const before = crm.requests.length;
    expect(await runLookup(cmd(`${crm.url}/moved`))).toMatchObject({ outcome: 'error', detail: expect.stringMatching(/redirect/) });
    expect(crm.requests.slice(before).map((r) => r.path)).toEqual(['/moved']);
  });

  it('refuses an answer that is not JSON, or too big', async () => {
    crm.answer = () => ({ body: '<html>CRM maintenance</html>', contentType: 'text/html' });
    expect(await runLookup(cmd(`${crm.url}/x`))).toMatchObject({ outcome: 'error', detail: 'answer is not JSON' });
    crm.answer = () => ({ body: JSON.stringify({ pad: 'x'.repeat(MAX_LOOKUP_BYTES) }) });
    expect(await runLookup(cmd(`${crm.url}/x`))).toMatchObject({ outcome: 'error', detail: expect.stringMatching(/larger than/) });
  });

  it('reports a slow CRM as a timeout and a CRM that is down as an error', async () => {
    crm.answer = () => ({ delayMs: 2_000, body: {} });
    expect(await runLookup(cmd(`${crm.url}/slow`, { timeoutMs: 50 }))).toMatchObject({ outcome: 'timeout', requestId: 'r1' });
    expect(await runLookup(cmd(await refusedUrl()))).toMatchObject({ outcome: 'error', detail: UNREACHABLE });
  });

  it('is abandoned at once when the caller hangs up', async () => {
    crm.answer = () => ({ delayMs: 5_000, body: {} });
    const hangup = new AbortController();
    const pending = runLookup(cmd(`${crm.url}/slow`, { timeoutMs: 10_000 }), { signal: hangup.signal });
    hangup.abort();
    expect(await pending).toMatchObject({ outcome: 'error', detail: expect.stringMatching(/hung up/) });
  });

  it('only speaks http(s), needs the secrets it names, and never puts a secret in an outcome', async () => {
    expect(await runLookup(cmd('file:///etc/passwd'))).toMatchObject({ outcome: 'error', detail: expect.stringMatching(/scheme/) });
    expect(await runLookup(cmd('not a url'))).toMatchObject({ outcome: 'error', detail: 'invalid URL' });
    const missing = await runLookup(cmd(`${crm.url}/x`, { secretHeaders: { Authorization: 'erp-token' } }));
    expect(missing).toMatchObject({ outcome: 'error', detail: 'secret erp-token is not configured' });
    crm.answer = () => ({ status: 403, body: { echoed: 'Bearer crm-s3cret' } });
    const denied = await runLookup(cmd(`${crm.url}/x`, { secretHeaders: { Authorization: 'crm-token' } }));
    expect(JSON.stringify(denied)).not.toContain('crm-s3cret');
  });
});

describe('IVR http lookup: the target guard', () => {
  let crm: Crm;
  let guarded: CrmLookups;
  beforeAll(async () => {
    crm = await startCrm();
    crm.answer = () => ({ body: { reached: true } });
    guarded = createLookups({ secrets: { 'crm-token': { value: 'Bearer crm-s3cret', hosts: ['crm.example.com'] } }, policy: { allowHosts: [] } });
  });
  afterAll(async () => {
    await crm?.close();
    await guarded?.close();
  });

  it('refuses the metadata service, loopback (the service itself) and every disguise of them, reaching nothing', async () => {
    const before = crm.requests.length;
    const port = new URL(crm.url).port;
    for (const url of [
      'http://169.254.169.254/latest/meta-data/',
      `${crm.url}/readyz`,
      `http://localhost:${port}/readyz`,
      `http://[::1]:${port}/`,
      `http://[::127.0.0.1]:${port}/`,
      `http://[::ffff:127.0.0.1]:${port}/`,
      `http://[64:ff9b::7f00:1]:${port}/`,
      `http://2130706433:${port}/`,
      'http://198.18.0.1/',
      'http://10.0.0.1/',
    ]) {
      expect(await guarded.run(cmd(url)), url).toEqual({ type: 'http_result', requestId: 'r1', outcome: 'error', detail: UNREACHABLE });
    }
    expect(crm.requests.length).toBe(before);
  });

  it('says the same for a refused target and a host where nothing answers (no port scanning)', async () => {
    const open = await lookups.run(cmd(await refusedUrl()));
    const refused = await guarded.run(cmd(`${crm.url}/x`));
    expect(open).toEqual(refused);
  });

  it('sends a secret only to the hosts it is configured for', async () => {
    const before = crm.requests.length;
    const foreign = createLookups({ secrets: { 'crm-token': { value: 'Bearer crm-s3cret', hosts: ['crm.example.com'] } }, policy: { allowHosts: ['127.0.0.1'] } });
    try {
      const ev = await foreign.run(cmd(`${crm.url}/steal`, { secretHeaders: { Authorization: 'crm-token' } }));
      expect(ev).toMatchObject({ outcome: 'error', detail: expect.stringMatching(/secret crm-token may not be sent to 127\.0\.0\.1/) });
      expect(JSON.stringify(ev)).not.toContain('crm-s3cret');
      expect(crm.requests.length).toBe(before);
      // The same host without the secret is an ordinary lookup.
      expect(await foreign.run(cmd(`${crm.url}/public`))).toMatchObject({ outcome: 'ok', body: { reached: true } });
    } finally {
      await foreign.close();
    }
  });
});
