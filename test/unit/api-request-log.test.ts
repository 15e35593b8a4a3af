// The per-request logger made only when a line is written, and the bearer token parse
// that replaced a regular expression: both on every request of the API.
import { Writable } from 'node:stream';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bearerToken } from '../../src/api/auth.js';
import { LazyChildLogger } from '../../src/api/request-log.js';
import { createLogger } from '../../src/log.js';

function capture() {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const l of chunk.toString().split('\n')) if (l) lines.push(JSON.parse(l) as Record<string, unknown>);
      cb();
    },
  });
  return { lines, log: createLogger('info', stream) };
}

describe('the lazy request logger', () => {
  it('writes nothing and makes no child below the level', () => {
    const { lines, log } = capture();
    let children = 0;
    const parent = Object.create(log, { child: { value: (...a: Parameters<typeof log.child>) => (children++, log.child(...a)) } }) as typeof log;
    const req = new LazyChildLogger(parent, { reqId: 'r-1' }, {});
    req.debug({ a: 1 }, 'not written');
    req.trace('not written');
    expect(req.isLevelEnabled('debug')).toBe(false);
    expect(req.isLevelEnabled('info')).toBe(true);
    expect(children).toBe(0);
    expect(lines).toEqual([]);
    req.info({ a: 2 }, 'written');
    req.warn('again');
    expect(children).toBe(1);
    expect(lines.map((l) => [l.reqId, l.msg, l.level])).toEqual([
      ['r-1', 'written', 30],
      ['r-1', 'again', 40],
    ]);
  });

  it('keeps the redaction and a route-level level', () => {
    const { lines, log } = capture();
    const quiet = new LazyChildLogger(log, { reqId: 'r-2' }, { level: 'warn' });
    quiet.info('dropped: the route logs at warn');
    expect(quiet.level).toBe('warn');
    quiet.error({ headers: { authorization: 'Bearer cti_secret' }, password: 'x' }, 'kept');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ reqId: 'r-2', msg: 'kept', password: '***', headers: { authorization: '***' } });
    expect(JSON.stringify(lines)).not.toContain('cti_secret');
  });
});

describe('bearer tokens', () => {
  // The expression it replaced, as the reference.
  const reference = (h: string) => {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(h);
    return m ? m[1]! : h;
  };

  it('reads the token as the former expression did', () => {
    expect(bearerToken('Bearer abc')).toBe('abc');
    expect(bearerToken('bearer   abc  ')).toBe('abc');
    expect(bearerToken('BEARER\tabc')).toBe('abc');
    expect(bearerToken('Bearer a b')).toBe('Bearer a b');
    expect(bearerToken('Bearer ')).toBe('Bearer ');
    expect(bearerToken('Bearerabc')).toBe('Bearerabc');
    expect(bearerToken('Basic abc')).toBe('Basic abc');
    const header = fc.array(fc.constantFrom('B', 'e', 'a', 'r', 'b', 'E', ' ', '\t', 'x', '_', '1'), { maxLength: 14 }).map((cs) => cs.join(''));
    fc.assert(fc.property(fc.oneof(header, header.map((h) => `Bearer ${h}`), header.map((h) => `bearer\t ${h} `)), (h) => bearerToken(h) === reference(h)));
  });
});
