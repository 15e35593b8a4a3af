// The AMI parser as the client drives it: every read lands in the same buffer, which the
// next read overwrites, so nothing the parser keeps may point into it. Real transcripts
// and synthetic edge cases, fed in pieces cut anywhere (inside a CRLF too), with every
// spelling of line ending, compared with the naive reference parse.
import { readdirSync, readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AmiParser } from '../../src/ami/codec.js';
import { referenceParse } from './ami-reference-parse.js';

const DIR = new URL('../fixtures/asterisk/ami/', import.meta.url);
const TRANSCRIPTS = readdirSync(DIR)
  .filter((f) => f.endsWith('.recv.raw'))
  .sort();
const transcript = (name: string): Buffer => readFileSync(new URL(name, DIR));

interface Parsed {
  greeting: string | undefined;
  messages: string[][];
  badLines: number;
  pendingBytes: number;
}

/** Feeds `bytes` cut at `cuts`, each piece copied into one shared buffer first (as a socket's onread does). */
function parseThroughOneBuffer(bytes: Buffer, cuts: number[], expectGreeting = true, maxMessageBytes?: number): Parsed {
  const parser = new AmiParser({ expectGreeting, maxMessageBytes });
  const shared = Buffer.alloc(Math.max(1, bytes.length));
  const messages: string[][] = [];
  let prev = 0;
  for (const at of [...cuts, bytes.length]) {
    const piece = bytes.subarray(prev, at);
    piece.copy(shared);
    const got = parser.push(shared.subarray(0, piece.length));
    // The next read overwrites the buffer before anyone looks at the messages' headers.
    shared.fill(0x7e);
    for (const m of got) if (m.fields.length > 0) messages.push([...m.fields]);
    prev = at;
  }
  return { greeting: parser.greeting, messages, badLines: parser.badLines, pendingBytes: parser.pendingBytes };
}

/** Rewrites each line ending of a CRLF transcript as CRLF or bare LF, as `pick` says per line. */
function respell(bytes: Buffer, pick: (line: number) => boolean): Buffer {
  const lines = bytes.toString('latin1').split('\r\n');
  let out = '';
  for (let i = 0; i < lines.length - 1; i++) out += lines[i] + (pick(i) ? '\r\n' : '\n');
  return Buffer.from(out + lines[lines.length - 1], 'latin1');
}

const cutsArb = (length: number) =>
  fc.array(fc.integer({ min: 0, max: length }), { maxLength: 40 }).map((c) => [...new Set(c)].sort((a, b) => a - b));

describe('AMI parser fed through one reused read buffer', () => {
  it('has a transcript for every capture', () => {
    expect(TRANSCRIPTS.length).toBeGreaterThanOrEqual(13);
  });

  it.each(TRANSCRIPTS)('%s: every message, split at every one of its offsets, gives the reference message', (name) => {
    const buf = transcript(name);
    const ref = referenceParse(buf, true);
    expect(ref.badLines).toBe(0);
    // The greeting and the messages start after each LF that ends a blank line (or the greeting).
    const starts = [buf.indexOf('\n') + 1];
    for (let at = starts[0] as number; ; ) {
      const end = buf.indexOf('\r\n\r\n', at);
      if (end < 0 || end + 4 >= buf.length) break;
      at = end + 4;
      starts.push(at);
    }
    expect(starts.length).toBe(ref.messages.length);
    for (let i = 0; i < starts.length; i++) {
      const msg = buf.subarray(starts[i], starts[i + 1] ?? buf.length);
      for (let k = 0; k <= msg.length; k++) {
        const got = parseThroughOneBuffer(msg, [k], false).messages;
        if (got.length !== 1 || JSON.stringify(got[0]) !== JSON.stringify(ref.messages[i])) {
          throw new Error(`${name}: message ${i} split at ${k} differs`);
        }
      }
    }
  });

  it('any transcript, with any mix of CRLF and bare LF, cut anywhere, parses like the reference', () => {
    const names = fc.constantFrom(...TRANSCRIPTS);
    fc.assert(
      fc.property(
        names.chain((name) => {
          const crlf = transcript(name);
          return fc.tuple(fc.constant(crlf), fc.array(fc.boolean(), { minLength: 1, maxLength: 64 }));
        }).chain(([crlf, mask]) => {
          const bytes = respell(crlf, (line) => mask[line % mask.length] as boolean);
          return fc.tuple(fc.constant(bytes), cutsArb(bytes.length));
        }),
        ([bytes, cuts]) => {
          const ref = referenceParse(bytes, true);
          const got = parseThroughOneBuffer(bytes, cuts);
          expect(got.greeting).toBe(ref.greeting);
          expect(got.messages).toEqual(ref.messages);
          expect(got.badLines).toBe(ref.badLines);
          expect(got.pendingBytes).toBe(0);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('a cut between CR and LF, of a header line or of the blank line, loses nothing', () => {
    const text = 'Asterisk Call Manager/11.0.0\r\nEvent: Hangup\r\nChannel: PJSIP/100-00000001\r\n\r\nEvent: Cdr\r\nDisposition: ANSWERED\r\n\r\n';
    const bytes = Buffer.from(text, 'latin1');
    const ref = referenceParse(bytes, true);
    const crs: number[] = [];
    for (let i = 0; i < bytes.length; i++) if (bytes[i] === 13) crs.push(i + 1);
    for (const at of crs) expect(parseThroughOneBuffer(bytes, [at]).messages, `cut at ${at}`).toEqual(ref.messages);
    // Every CR/LF pair cut at once, one byte a read where it matters.
    expect(parseThroughOneBuffer(bytes, crs).messages).toEqual(ref.messages);
    expect(parseThroughOneBuffer(bytes, crs).greeting).toBe('Asterisk Call Manager/11.0.0');
  });

  it('reads the banner in either line ending, whole or a byte at a time', () => {
    for (const eol of ['\r\n', '\n']) {
      const bytes = Buffer.from(`Asterisk Call Manager/11.0.0${eol}Response: Success${eol}ActionID: 1${eol}${eol}`, 'latin1');
      const everyByte = Array.from({ length: bytes.length }, (_, i) => i + 1);
      for (const cuts of [[], everyByte]) {
        const got = parseThroughOneBuffer(bytes, cuts);
        expect(got.greeting).toBe('Asterisk Call Manager/11.0.0');
        expect(got.messages).toEqual([['Response', 'Success', 'ActionID', '1']]);
      }
    }
  });

  it("keeps Asterisk's legacy command output as it reads every header: ActionID found, output lines counted", () => {
    // Before Asterisk 14 a Command's answer was the CLI's raw text closed by --END COMMAND--.
    const legacy =
      'Response: Follows\r\nPrivilege: Command\r\nActionID: 9\r\n' +
      'Channel              Location             State   Application(Data)\r\n' +
      '0 active channels\r\nUptime: 1 day\r\n--END COMMAND--\r\n\r\n';
    const modern = 'Response: Success\r\nActionID: 10\r\nOutput: 0 active channels\r\nOutput: 0 active calls\r\n\r\n';
    const parser = new AmiParser();
    const [old, now] = parser.push(Buffer.from(legacy + modern, 'latin1'));
    expect(old?.response).toBe('Follows');
    expect(old?.actionId).toBe('9');
    // A line of the output that happens to look like a header reads as one, as it always did.
    expect(old?.get('Uptime')).toBe('1 day');
    expect(parser.badLines).toBe(3);
    expect(now?.getAll('Output')).toEqual(['0 active channels', '0 active calls']);
    expect(parseThroughOneBuffer(Buffer.from(legacy, 'latin1'), [legacy.indexOf('--END') + 3], false).messages).toEqual([
      ['Response', 'Follows', 'Privilege', 'Command', 'ActionID', '9', 'Uptime', '1 day'],
    ]);
  });

  it('keeps every value of a repeated key in order (ChanVariable)', () => {
    const text = 'Event: Hangup\r\nChannel: PJSIP/100-00000001\r\nChanVariable: CTI_CALL=01JF\r\nchanvariable: B=2\r\nChanVariable: C=\r\nCause: 16\r\n\r\n';
    const [m] = new AmiParser().push(Buffer.from(text, 'latin1'));
    expect(m?.getAll('ChanVariable')).toEqual(['CTI_CALL=01JF', 'B=2', 'C=']);
    expect(m?.get('CHANVARIABLE')).toBe('CTI_CALL=01JF');
    expect(m?.toObject()).toEqual({ Event: 'Hangup', Channel: 'PJSIP/100-00000001', ChanVariable: ['CTI_CALL=01JF', 'C='], chanvariable: 'B=2', Cause: '16' });
  });

  it('bounds an endless line and an endless message read through one buffer, then reads on', () => {
    const max = 4096;
    const parser = new AmiParser({ maxMessageBytes: max });
    const shared = Buffer.alloc(1024);
    const feed = (text: string): string[] => {
      const out: string[] = [];
      const bytes = Buffer.from(text, 'latin1');
      for (let at = 0; at < bytes.length; at += shared.length) {
        const n = bytes.copy(shared, 0, at, at + shared.length);
        for (const m of parser.push(shared.subarray(0, n))) out.push(m.event ?? '');
        expect(parser.pendingBytes).toBeLessThanOrEqual(max);
      }
      return out;
    };
    expect(feed(`Event: Endless\r\nValue: ${'v'.repeat(50_000)}`)).toEqual([]);
    expect(feed(`${'v'.repeat(50_000)}\r\nMore: x\r\n\r\nEvent: After\r\n\r\n`)).toEqual(['After']);
    expect(feed(`Event: Long\r\n${'ChanVariable: X=1\r\n'.repeat(2000)}\r\nEvent: Next\r\n\r\n`)).toEqual(['Next']);
    expect(parser.oversizedMessages).toBe(2);
    expect(parser.pendingBytes).toBe(0);
  });
});
