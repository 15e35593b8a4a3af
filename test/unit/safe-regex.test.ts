import { describe, expect, it } from 'vitest';
import { compileSafePattern, MAX_INPUT, PatternError } from '../../src/ivr/safe-regex.js';

// The same answers as JavaScript's RegExp for the subset flows use.
const patterns = [
  '^9', '^\\+49', '0$', '^[0-9]{6,10}$', '[0-9]{6,10}', '^(1+)+$', '^(a|ab)*c$', '^(?:00|\\+)[1-9]\\d{3,}$',
  '^$', '', 'a?b?c?', '^.{3}$', '^[^0-9]+$', '^[\\d*#]+$', '^\\w+@\\w+\\.com$', '^(a*)*$', '(x+x+)+y',
  '^1(23|45)?6$', '^(?:a|b|c){2,3}$', '^[a-c-]+$', '^[\\D5]+$', '^[^\\D5]+$', '^a{0}$', '^a{2,}$', '^a+?b$',
  '^\\x41\\u0042$', '^[\\s]*x$', '\\.', '^[-a]$', '^\\S+$', 'colou?r', '^(ab|a)(bc|c)$',
];
const inputs = [
  '', '9', '91', '19', '+4930123', '4930', '100', '1234567', '12345678901', '11111x', '111',
  'aabc', 'abababc', 'ac', '0049301', '+44207', 'abc', 'ab', 'xyz', '*#12', 'me@host.com', 'aaaa', 'xxxxxxxxxxy',
  '16', '1236', '1456', '1246', 'aa', 'abc', 'aaab', 'AB', '  x', 'a.b', '-a-', '5', '55', '7', 'color', 'colour', 'abc',
];

describe('safe patterns', () => {
  it.each(patterns)('agree with RegExp: %s', (source) => {
    const anywhere = compileSafePattern(source);
    const whole = compileSafePattern(source, true);
    for (const input of inputs) {
      expect(anywhere.test(input), `${source} ~ ${JSON.stringify(input)}`).toBe(new RegExp(source).test(input));
      expect(whole.test(input), `^(?:${source})$ ~ ${JSON.stringify(input)}`).toBe(new RegExp(`^(?:${source})$`).test(input));
    }
  });

  it('answers the catastrophic cases of a backtracking engine at the size of a real caller id and beyond', () => {
    // RegExp takes exponential time on these; the answer here comes from one pass.
    expect(compileSafePattern('^(1+)+$').test('1'.repeat(31) + 'x')).toBe(false);
    expect(compileSafePattern('^(1+)+$').test('1'.repeat(1000))).toBe(true);
    expect(compileSafePattern('^(a|a)*$').test('a'.repeat(1000) + 'b')).toBe(false);
    expect(compileSafePattern('(x+x+)+y').test('x'.repeat(1000))).toBe(false);
  });

  it('refuses what cannot run in linear time, and says why', () => {
    const why = (source: string) => {
      try {
        compileSafePattern(source);
      } catch (err) {
        expect(err).toBeInstanceOf(PatternError);
        return (err as Error).message;
      }
      throw new Error(`${source} was accepted`);
    };
    expect(why('^(a)\\1$')).toMatch(/backreferences/);
    expect(why('^(?=1)1')).toMatch(/lookaround/);
    expect(why('^(?<n>1)')).toMatch(/named groups/);
    expect(why('\\bx')).toMatch(/word boundaries/);
    expect(why('*')).toMatch(/nothing to repeat/);
    expect(why('a**')).toMatch(/nothing to repeat/);
    expect(why('(a')).toMatch(/missing '\)'/);
    expect(why('a)')).toMatch(/unmatched/);
    expect(why('[a')).toMatch(/missing '\]'/);
    expect(why('[z-a]')).toMatch(/out of order/);
    expect(why('a{1001}')).toMatch(/above 1000/);
    expect(why('((a{1000}){1000})')).toMatch(/too large/);
    expect(why('\\p{L}')).toMatch(/not supported/);
  });

  it('never matches text longer than any caller id or keyed number', () => {
    expect(compileSafePattern('^1+$').test('1'.repeat(MAX_INPUT))).toBe(true);
    expect(compileSafePattern('^1+$').test('1'.repeat(MAX_INPUT + 1))).toBe(false);
  });
});
