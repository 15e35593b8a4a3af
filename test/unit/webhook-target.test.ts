import { describe, expect, it } from 'vitest';
import { checkTarget, guardedLookup, parseTargetUrl, refusedAddressReason, type Resolver } from '../../src/events/target.js';
import { backoffDelay, judgeAttempt } from '../../src/events/delivery-policy.js';
import { NOT_SENT } from '../../src/events/http-sender.js';

describe('refusedAddressReason', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['::1', 'loopback'],
    ['10.0.0.1', 'private'],
    ['10.255.255.255', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['100.64.0.1', 'carrier-grade NAT'],
    ['100.127.255.255', 'carrier-grade NAT'],
    ['169.254.169.254', 'link-local'],
    ['fe80::1', 'link-local'],
    ['febf::1', 'link-local'],
    ['fc00::1', 'unique local'],
    ['fd12:3456:789a::1', 'unique local'],
    ['0.0.0.0', 'unspecified'],
    ['::', 'unspecified'],
    ['224.0.0.1', 'multicast'],
    ['239.255.255.250', 'multicast'],
    ['ff02::1', 'multicast'],
    ['255.255.255.255', 'broadcast'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:169.254.169.254', 'link-local'],
    ['::ffff:10.0.0.1', 'private'],
  ])('refuses %s (%s)', (address, why) => {
    expect(refusedAddressReason(address)).toMatch(new RegExp(why));
  });

  it.each([
    '93.184.216.34',
    '8.8.8.8',
    '172.15.255.255',
    '172.32.0.1',
    '100.63.255.255',
    '100.128.0.1',
    '169.253.255.255',
    '192.169.0.1',
    '11.0.0.1',
    '2606:2800:220:1:248:1893:25c8:1946',
    '2001:4860:4860::8888',
    'fec0::1'.replace('fec0', '2000'),
    '::ffff:93.184.216.34',
  ])('allows public %s', (address) => {
    expect(refusedAddressReason(address)).toBeNull();
  });

  it('says when the input is not an address', () => {
    expect(refusedAddressReason('example.com')).toBe('not an IP address');
  });
});

describe('parseTargetUrl', () => {
  it('accepts http and https only, without credentials', () => {
    expect(parseTargetUrl('https://crm.example.com/hooks?x=1').hostname).toBe('crm.example.com');
    expect(parseTargetUrl('http://crm.example.com:8080/').port).toBe('8080');
    expect(() => parseTargetUrl('file:///etc/passwd')).toThrow(/scheme file/);
    expect(() => parseTargetUrl('gopher://x/')).toThrow(/scheme gopher/);
    expect(() => parseTargetUrl('javascript:alert(1)')).toThrow(/scheme javascript/);
    expect(() => parseTargetUrl('/relative')).toThrow(/absolute/);
    expect(() => parseTargetUrl('https://a:b@crm.example.com/')).toThrow(/credentials/);
  });
});

const table: Record<string, Array<{ address: string; family: number }>> = {
  'public.example': [{ address: '93.184.216.34', family: 4 }],
  'both.example': [
    { address: '93.184.216.34', family: 4 },
    { address: 'fd00::5', family: 6 },
  ],
  'rebind.example': [{ address: '127.0.0.1', family: 4 }],
};
const resolve: Resolver = async (h) => {
  const r = table[h];
  if (!r) throw Object.assign(new Error('nx'), { code: 'ENOTFOUND' });
  return r;
};

describe('checkTarget', () => {
  it('passes public hosts and returns what they resolve to', async () => {
    const r = await checkTarget('https://public.example/x', { allowPrivate: false }, resolve);
    expect(r.addresses).toEqual(table['public.example']);
  });

  it('refuses a host when any of its addresses is private', async () => {
    await expect(checkTarget('https://both.example/x', { allowPrivate: false }, resolve)).rejects.toThrow(/fd00::5.*unique local/);
  });

  it('checks IP literals without DNS, including bracketed IPv6', async () => {
    await expect(checkTarget('http://[fe80::1]/x', { allowPrivate: false }, resolve)).rejects.toThrow(/link-local/);
    await expect(checkTarget('http://169.254.169.254/latest/meta-data', { allowPrivate: false }, resolve)).rejects.toThrow(/link-local/);
    // Decimal and hex IPv4 forms are normalised by the URL parser before the check.
    await expect(checkTarget('http://2130706433/', { allowPrivate: false }, resolve)).rejects.toThrow(/loopback/);
    await expect(checkTarget('http://0x7f.1/', { allowPrivate: false }, resolve)).rejects.toThrow(/loopback/);
  });

  it('lets private targets through when allowed', async () => {
    await expect(checkTarget('http://127.0.0.1:9/x', { allowPrivate: true }, resolve)).resolves.toBeTruthy();
    await expect(checkTarget('http://rebind.example/x', { allowPrivate: true }, resolve)).resolves.toBeTruthy();
  });

  it('says when a host does not resolve', async () => {
    await expect(checkTarget('https://missing.example/', { allowPrivate: false }, resolve)).rejects.toThrow(/does not resolve \(ENOTFOUND\)/);
  });
});

describe('guardedLookup (connect-time check)', () => {
  const lookup = (host: string, opts: { all?: boolean; family?: number }) =>
    new Promise<{ err: NodeJS.ErrnoException | null; address: unknown; family?: number }>((done) =>
      guardedLookup({ allowPrivate: false }, resolve)(host, opts, (err, address, family) => done({ err, address, family })),
    );

  it('hands the checked public address to the socket', async () => {
    expect(await lookup('public.example', {})).toEqual({ err: null, address: '93.184.216.34', family: 4 });
    expect((await lookup('public.example', { all: true })).address).toEqual(table['public.example']);
  });

  it('fails the connection when DNS now answers a private address', async () => {
    const r = await lookup('rebind.example', { all: true });
    expect(r.err?.code).toBe('ETARGETREFUSED');
    expect(r.err?.message).toMatch(/127\.0\.0\.1.*loopback/);
  });

  it('honours the requested family', async () => {
    expect((await lookup('both.example', { family: 4 })).address).toBe('93.184.216.34');
    expect((await lookup('both.example', { family: 6 })).err?.code).toBe('ETARGETREFUSED');
  });
});

describe('judgeAttempt', () => {
  it.each([
    [{ statusCode: 200 }, 1, 'delivered'],
    [{ statusCode: 204 }, 3, 'delivered'],
    [{ statusCode: 410 }, 1, 'disabled'],
    [{ statusCode: 400 }, 1, 'failed'],
    [{ statusCode: 401 }, 1, 'failed'],
    [{ statusCode: 404 }, 1, 'failed'],
    [{ statusCode: 422 }, 1, 'failed'],
    [{ statusCode: 408 }, 1, 'pending'],
    [{ statusCode: 429 }, 1, 'pending'],
    [{ statusCode: 500 }, 1, 'pending'],
    [{ statusCode: 503 }, 2, 'pending'],
    [{ statusCode: 503 }, 3, 'dead'],
    [{ statusCode: 301 }, 1, 'pending'],
    [{ statusCode: 302 }, 3, 'dead'],
    [{ statusCode: 100 }, 1, 'pending'],
    [{ error: 'timeout' }, 1, 'pending'],
    [{ error: 'timeout' }, 3, 'dead'],
    // Never written (all connections busy): the receiver was not tried, nothing is spent.
    [{ error: NOT_SENT }, 3, 'pending'],
  ] as const)('%j on attempt %i of 3 -> %s', (outcome, attempt, status) => {
    expect(judgeAttempt(outcome, attempt, 3).status).toBe(status);
  });

  it('names redirects as not followed', () => {
    expect(judgeAttempt({ statusCode: 307 }, 1, 3)).toEqual({ status: 'pending', reason: expect.stringMatching(/redirects are not followed/) });
  });
});

describe('backoffDelay', () => {
  const s = { baseMs: 1000, maxMs: 60_000 };
  it('doubles per attempt within [half, full] of the step, capped', () => {
    expect(backoffDelay(1, s, () => 0)).toBe(500);
    expect(backoffDelay(1, s, () => 1)).toBe(1000);
    expect(backoffDelay(2, s, () => 1)).toBe(2000);
    expect(backoffDelay(4, s, () => 0.5)).toBe(6000);
    expect(backoffDelay(30, s, () => 1)).toBe(60_000);
    expect(backoffDelay(1000, s, () => 1)).toBe(60_000);
  });
  it('spreads retries (jitter)', () => {
    const seen = new Set(Array.from({ length: 50 }, () => backoffDelay(5, s)));
    expect(seen.size).toBeGreaterThan(10);
  });
});
