import { describe, expect, it } from 'vitest';
import { checkDestination, compilePattern, DEFAULT_DIAL_POLICY, matches } from '../../src/calls/dial-policy.js';

describe('dial patterns', () => {
  it('reads the dialplan notation', () => {
    expect(matches('_XXXX', '1001')).toBe(true);
    expect(matches('_XXXX', '101')).toBe(false);
    expect(matches('_NXX', '199')).toBe(false);
    expect(matches('_NXX', '299')).toBe(true);
    expect(matches('_Z!', '5')).toBe(true);
    expect(matches('_0[1-5]X.', '0312345')).toBe(true);
    expect(matches('_0[1-5]X.', '0612345')).toBe(false);
    expect(matches('_0.', '0')).toBe(false);
    expect(matches('100', '100')).toBe(true);
    expect(matches('_+49.', '+4930123')).toBe(true);
  });

  it('refuses patterns it cannot read', () => {
    expect(() => compilePattern('_X(')).toThrow(/'\('/);
    expect(() => compilePattern('_[a-z]')).toThrow(/bad range/);
    expect(() => compilePattern('abc')).toThrow(/neither/);
  });
});

describe('destinations', () => {
  it('allows extensions and national numbers by default', () => {
    expect(checkDestination('1002', DEFAULT_DIAL_POLICY)).toEqual({ ok: true, number: '1002' });
    expect(checkDestination('030 1234-567', DEFAULT_DIAL_POLICY)).toEqual({ ok: true, number: '0301234567' });
  });

  it('refuses international and premium numbers unless allowed, deny winning over allow', () => {
    expect(checkDestination('0044201234567', DEFAULT_DIAL_POLICY)).toMatchObject({ ok: false, reason: expect.stringContaining('_00.') });
    expect(checkDestination('+44201234567', DEFAULT_DIAL_POLICY)).toMatchObject({ ok: false });
    expect(checkDestination('09001234567', DEFAULT_DIAL_POLICY)).toMatchObject({ ok: false, reason: expect.stringContaining('_0900.') });
    const wide = { allow: ['_X.', '_+X.'], deny: ['_0900.'] };
    expect(checkDestination('+44201234567', wide)).toEqual({ ok: true, number: '+44201234567' });
    expect(checkDestination('09001234567', wide)).toMatchObject({ ok: false });
  });

  it('refuses emergency, short-code, directory, international and premium numbers by default', () => {
    for (const n of ['112', '110', '911', '999', '000', '116', '411', '11833', '116116', '011442071234567', '01180012345', '01801234567', '07001234567', '01371234567', '0100112345678', '19005551234']) {
      expect(checkDestination(n, DEFAULT_DIAL_POLICY), n).toMatchObject({ ok: false });
    }
    expect(checkDestination('112', DEFAULT_DIAL_POLICY)).toMatchObject({ rule: 'emergency' });
    expect(checkDestination('0891234567', DEFAULT_DIAL_POLICY)).toEqual({ ok: true, number: '0891234567' });
    expect(checkDestination('01511234567', DEFAULT_DIAL_POLICY)).toEqual({ ok: true, number: '01511234567' });
  });

  it('never dials an emergency number, whatever a policy allows', () => {
    for (const n of ['112', '911', '999', '000', '110', '15', '+112', '+911', '1-1-2', '(911)', ' 1 1 2 ']) expect(checkDestination(n, { allow: ['_!'], deny: [] })).toMatchObject({ ok: false, rule: 'emergency' });
  });

  it('never lets anything but digits through', () => {
    for (const bad of ['1001&PJSIP/evil', '1001,Playback(x)', 'Local/1@agents', '', '12\r\nAction: Originate', '1*2']) {
      expect(checkDestination(bad, { allow: ['_!'], deny: [] })).toMatchObject({ ok: false });
    }
  });
});
