import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AriArgumentError } from '../../src/ari/errors.js';
import { errorMessageOf } from '../../src/ari/http.js';
import { encodeQuery, segment } from '../../src/ari/query.js';
import { playQuery, recordQuery, variablesBody } from '../../src/ari/rest-channels.js';
import { capturedRequest } from '../integration/ari-fixtures.js';

const queryOf = (fixture: string) => {
  const t = capturedRequest(fixture).target;
  return t.slice(t.indexOf('?'));
};

describe('ARI query encoding', () => {
  it('encodes like the captured requests: %20 for spaces, %2C between list items', () => {
    expect(
      encodeQuery({
        endpoint: 'Local/100@from-pstn',
        extension: 's',
        context: 'caller-script',
        priority: 1,
        callerId: '"Alice Caller" <+15551230001>',
        timeout: 30,
      }),
    ).toBe(queryOf('012-200-channels-originate-inbound-call'));
    expect(encodeQuery({ channel: ['1795384317.33', '1795384321.34'] })).toBe(queryOf('036-204-bridge-add-both-channels'));
    expect(encodeQuery({ variable: 'CALLERID(num)' })).toBe(queryOf('019-200-channel-getvar-callerid'));
    expect(encodeQuery({ dtmf: '45', between: 100 })).toBe(queryOf('041-204-channel-send-dtmf'));
  });

  it('skips unset values and writes booleans as words', () => {
    expect(encodeQuery({ a: undefined, b: null, c: true, d: false, e: 0 })).toBe('?c=true&d=false&e=0');
    expect(encodeQuery({})).toBe('');
    expect(encodeQuery(undefined)).toBe('');
  });

  it('builds record and play queries in the captured order', () => {
    expect(encodeQuery(recordQuery({ name: 'cti-chan-rec-1795384335794', format: 'wav', maxDurationSeconds: 2, beep: true, terminateOn: '#' }))).toBe(
      queryOf('081-201-channel-record-start'),
    );
    expect(encodeQuery(recordQuery({ name: 'cti-bridge-rec-1795384326043', format: 'wav', ifExists: 'overwrite', maxDurationSeconds: 30 }))).toBe(
      queryOf('050-201-bridge-record-start'),
    );
    expect(encodeQuery(playQuery({ media: ['sound:hello-world'], lang: 'en', playbackId: 'p1' }))).toBe(
      `${queryOf('015-201-channel-play-hello-world')}&playbackId=p1`,
    );
    expect(encodeQuery(playQuery({ media: ['sound:a', 'digits:12'], playbackId: 'p' }))).toBe('?media=sound%3Aa%2Cdigits%3A12&playbackId=p');
  });

  it('refuses values Asterisk would split or misread', () => {
    expect(() => encodeQuery({ appArgs: ['a,b'] })).toThrow(AriArgumentError);
    expect(() => encodeQuery({ timeout: Number.NaN })).toThrow(/finite/);
    expect(() => playQuery({ media: [] })).toThrow(/at least one/);
    expect(() => segment('')).toThrow(AriArgumentError);
    expect(() => variablesBody({ A: 1 as unknown as string })).toThrow(/must be a string/);
    expect(variablesBody({})).toBeUndefined();
    expect(variablesBody({ A: 'b' })).toEqual({ variables: { A: 'b' } });
  });

  it('keeps path segments in one piece', () => {
    expect(segment('1795384317.33')).toBe('1795384317.33');
    expect(segment('a/b?c#d')).toBe('a%2Fb%3Fc%23d');
  });

  it('round-trips any value, never with + or a raw space', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string({ minLength: 1 }), fc.string()), (params) => {
        const q = encodeQuery(params);
        expect(q).not.toMatch(/[ +]/);
        const back = new URLSearchParams(q);
        for (const [k, v] of Object.entries(params)) expect(back.get(k)).toBe(v);
      }),
    );
  });

  it('reads the message of an ARI error body and nothing else', () => {
    expect(errorMessageOf('{"message":"Channel not found"}')).toBe('Channel not found');
    expect(errorMessageOf('<html>502</html>')).toBeUndefined();
    expect(errorMessageOf('{"message":5}')).toBeUndefined();
    expect(errorMessageOf('')).toBeUndefined();
    expect(errorMessageOf('null')).toBeUndefined();
  });
});
