import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AmiParser } from '../../src/ami/codec.js';
import { referenceParse } from './ami-reference-parse.js';

const keyArb = fc.stringMatching(/^[A-Za-z][A-Za-z0-9-]{0,15}$/);
// Values: any Unicode (multi-byte UTF-8 included) except line breaks, sometimes very long.
const valueChar = fc.string({ unit: 'binary', maxLength: 40 }).map((s) => s.replace(/[\r\n]/g, ''));
const valueArb = fc.oneof(
  { weight: 8, arbitrary: valueChar },
  { weight: 1, arbitrary: fc.tuple(valueChar, fc.integer({ min: 200, max: 4000 })).map(([s, n]) => (s || 'é').repeat(Math.ceil(n / Math.max(1, s.length)))) },
);
const lineArb = fc.oneof(
  { weight: 10, arbitrary: fc.tuple(keyArb, valueArb).map(([k, v]) => `${k}: ${v}`) },
  { weight: 1, arbitrary: keyArb.map((k) => `${k}:`) },
  // Malformed: no ": " at all, or nothing before it.
  { weight: 1, arbitrary: valueChar.map((s) => s.replace(/: /g, '').replace(/:$/, '') + 'x') },
  { weight: 1, arbitrary: valueChar.map((s) => `: ${s}`) },
);
const eolArb = fc.constantFrom('\r\n', '\n');
const messageArb = fc.array(fc.tuple(lineArb, eolArb), { minLength: 0, maxLength: 8 });
const streamArb = fc.tuple(fc.array(fc.tuple(messageArb, eolArb), { maxLength: 8 }), eolArb).map(([msgs, greetEol]) => {
  let text = `Asterisk Call Manager/11.0.0${greetEol}`;
  for (const [lines, end] of msgs) {
    for (const [line, eol] of lines) text += line + eol;
    text += end;
  }
  return Buffer.from(text, 'utf8');
});

function cut(buf: Buffer, points: number[]): Buffer[] {
  const sorted = [...new Set(points.map((p) => p % (buf.length + 1)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let prev = 0;
  for (const p of sorted) {
    out.push(buf.subarray(prev, p));
    prev = p;
  }
  out.push(buf.subarray(prev));
  return out;
}

describe('AMI parser property', () => {
  it('gives the same messages as the reference parse for any chunking', () => {
    fc.assert(
      fc.property(streamArb, fc.array(fc.nat(), { maxLength: 30 }), (bytes, points) => {
        const ref = referenceParse(bytes, true);
        const parser = new AmiParser({ expectGreeting: true });
        const got: string[][] = [];
        for (const chunk of cut(bytes, points)) {
          for (const m of parser.push(chunk)) {
            // A message made only of malformed lines has no headers; readers skip it.
            if (m.fields.length > 0) got.push([...m.fields]);
          }
        }
        expect(parser.greeting).toBe(ref.greeting);
        expect(got).toEqual(ref.messages);
        expect(parser.badLines).toBe(ref.badLines);
      }),
      { numRuns: 10_000 },
    );
  });
});
