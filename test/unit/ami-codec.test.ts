import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { AmiParser, AmiSerializeError, formatMessage, serializeAction } from '../../src/ami/codec.js';
import { AmiMessage } from '../../src/ami/message.js';
import { referenceParse } from './ami-reference-parse.js';

const fixture = (name: string): Buffer =>
  readFileSync(new URL(`../fixtures/asterisk/ami/${name}`, import.meta.url));

const CAPTURES = [
  '01-banner-login-failure.recv.raw',
  '01b-action-before-login.recv.raw',
  '02-login-basic-actions.recv.raw',
  '03-login-events-on.recv.raw',
  '04-originate-call-full.recv.raw',
  '05-originate-failure.recv.raw',
  '06-redirect.recv.raw',
  '12-ami-view-of-ari-scenario.recv.raw',
];

function parseChunks(chunks: Buffer[], expectGreeting = true): { parser: AmiParser; messages: string[][] } {
  const parser = new AmiParser({ expectGreeting });
  const messages: string[][] = [];
  for (const c of chunks) for (const m of parser.push(c)) if (m.fields.length > 0) messages.push([...m.fields]);
  return { parser, messages };
}

/** Byte offsets where each message of a capture starts (after the greeting and each blank line). */
function messageStarts(buf: Buffer): number[] {
  const starts = [buf.indexOf('\r\n') + 2];
  let at = starts[0] as number;
  for (;;) {
    const end = buf.indexOf('\r\n\r\n', at);
    if (end < 0) break;
    at = end + 4;
    if (at < buf.length) starts.push(at);
  }
  return starts;
}

describe('AMI parser on real captures', () => {
  it.each(CAPTURES)('%s parses like the reference, whole and byte by byte', (name) => {
    const buf = fixture(name);
    const ref = referenceParse(buf, true);
    expect(ref.greeting).toBe('Asterisk Call Manager/11.0.0');
    expect(ref.badLines).toBe(0);
    const whole = parseChunks([buf]);
    expect(whole.parser.greeting).toBe(ref.greeting);
    expect(whole.messages).toEqual(ref.messages);
    expect(whole.parser.badLines).toBe(0);
    // One byte per chunk: every offset is a chunk boundary at once.
    const bytes: Buffer[] = [];
    for (let i = 0; i < buf.length; i++) bytes.push(buf.subarray(i, i + 1));
    expect(parseChunks(bytes).messages).toEqual(ref.messages);
  });

  it.each(CAPTURES.slice(0, 4))('%s split in two at every byte offset gives identical messages', (name) => {
    const buf = fixture(name);
    const ref = referenceParse(buf, true).messages;
    for (let k = 0; k <= buf.length; k++) {
      const got = parseChunks([buf.subarray(0, k), buf.subarray(k)]);
      if (JSON.stringify(got.messages) !== JSON.stringify(ref)) throw new Error(`${name}: split at ${k} differs`);
      expect(got.parser.greeting).toBe('Asterisk Call Manager/11.0.0');
    }
  });

  it('04-originate-call-full split at every byte offset inside every message gives that message', () => {
    // The parser carries nothing across a blank line, so each message is checked on its own
    // bytes: every one of the 74,748 offsets is a split point exactly once.
    const buf = fixture('04-originate-call-full.recv.raw');
    const ref = referenceParse(buf, true).messages;
    const starts = messageStarts(buf);
    expect(starts.length).toBe(ref.length);
    let checked = 0;
    for (let i = 0; i < starts.length; i++) {
      const msg = buf.subarray(starts[i], starts[i + 1] ?? buf.length);
      for (let k = 0; k <= msg.length; k++) {
        const got = parseChunks([msg.subarray(0, k), msg.subarray(k)], false).messages;
        if (got.length !== 1 || JSON.stringify(got[0]) !== JSON.stringify(ref[i])) {
          throw new Error(`message ${i} split at ${k} differs`);
        }
        checked++;
      }
    }
    expect(checked).toBe(buf.length - (starts[0] as number) + starts.length);
  });

  it('keeps repeated headers in order and answers case-insensitive lookups', () => {
    const { messages } = parseChunks([fixture('02-login-basic-actions.recv.raw')]);
    const cmd = messages.map((f) => new AmiMessage(f)).find((m) => m.get('actionid') === 'cti-007');
    expect(cmd).toBeDefined();
    expect(cmd?.getAll('Output')).toEqual([
      'Channel                                                          Location                         State   Application(Data)             ',
      '0 active channels',
      '0 active calls',
      '0 calls processed',
    ]);
    expect(cmd?.get('OUTPUT')).toBe(cmd?.getAll('Output')[0]);
    expect(cmd?.response).toBe('Success');
    const settings = messages.map((f) => new AmiMessage(f)).find((m) => m.get('ActionID') === 'cti-004');
    expect(settings?.get('SystemName')).toBe('');
    expect(settings?.get('CoreRunUser')).toBe('');
  });
});

describe('AMI parser edge cases', () => {
  it('splits on the first ": " only, and reads "Key:" as an empty value', () => {
    const p = new AmiParser();
    const msgs = p.push(Buffer.from('Event: Test\r\nAppData: a: b: c\r\nEmpty:\r\nTime: 21:50:19\r\n\r\n'));
    expect(msgs).toHaveLength(1);
    expect(msgs[0]?.pairs()).toEqual([
      ['Event', 'Test'],
      ['AppData', 'a: b: c'],
      ['Empty', ''],
      ['Time', '21:50:19'],
    ]);
  });

  it('accepts bare LF line endings and CRLF mixed', () => {
    const p = new AmiParser({ expectGreeting: true });
    const msgs = p.push(Buffer.from('Asterisk Call Manager/11.0.0\nResponse: Success\r\nActionID: 1\n\r\nEvent: X\n\n'));
    expect(p.greeting).toBe('Asterisk Call Manager/11.0.0');
    expect(msgs.map((m) => m.pairs())).toEqual([
      [
        ['Response', 'Success'],
        ['ActionID', '1'],
      ],
      [['Event', 'X']],
    ]);
  });

  it('counts and skips malformed lines without throwing', () => {
    const p = new AmiParser();
    const msgs = p.push(Buffer.from('Event: X\r\nno separator here\r\n: no key\r\nKey:value\r\nGood: 1\r\n\r\n'));
    expect(msgs[0]?.pairs()).toEqual([
      ['Event', 'X'],
      ['Good', '1'],
    ]);
    expect(p.badLines).toBe(3);
  });

  it('decodes a multi-byte character split across chunks', () => {
    const bytes = Buffer.from('Event: Newchannel\r\nCallerIDName: Zoë 李 😀\r\n\r\n', 'utf8');
    const at = bytes.indexOf(Buffer.from('😀')) + 2;
    const p = new AmiParser();
    expect(p.push(bytes.subarray(0, at))).toEqual([]);
    const msgs = p.push(bytes.subarray(at));
    expect(msgs[0]?.get('CallerIDName')).toBe('Zoë 李 😀');
  });

  it('skips a message larger than the limit and keeps parsing after it', () => {
    const p = new AmiParser({ maxMessageBytes: 200 });
    const big = `Event: Big\r\n${'Variable: x\r\n'.repeat(50)}\r\n`;
    const endless = `Event: Endless\r\nValue: ${'y'.repeat(500)}`;
    const out = [
      ...p.push(Buffer.from(big + 'Event: After\r\n\r\n')),
      ...p.push(Buffer.from(endless)),
      ...p.push(Buffer.from('y'.repeat(300))),
      ...p.push(Buffer.from('\r\n\r\nEvent: Last\r\n\r\n')),
    ];
    expect(out.map((m) => m.event)).toEqual(['After', 'Last']);
    expect(p.oversizedMessages).toBe(2);
    expect(p.pendingBytes).toBe(0);
  });

  it('never throws on random binary garbage', () => {
    const p = new AmiParser({ expectGreeting: true });
    let seed = 7;
    for (let i = 0; i < 200; i++) {
      const chunk = Buffer.alloc(512);
      for (let j = 0; j < chunk.length; j++) {
        seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
        chunk[j] = seed >>> 24;
      }
      expect(() => p.push(chunk).forEach((m) => m.fields)).not.toThrow();
    }
    expect(p.badLines).toBeGreaterThan(0);
  });
});

describe('AMI serializer', () => {
  it('writes ordered headers, repeats array keys and puts Action first', () => {
    expect(
      serializeAction({ Channel: 'Local/100@from-pstn', Action: 'Originate', Variable: ['A=1', 'B=2'], Priority: 1, Async: true }),
    ).toBe(
      'Action: Originate\r\nChannel: Local/100@from-pstn\r\nVariable: A=1\r\nVariable: B=2\r\nPriority: 1\r\nAsync: true\r\n\r\n',
    );
    expect(serializeAction([['Action', 'Setvar'], ['Variable', 'X'], ['Value', '']])).toBe(
      'Action: Setvar\r\nVariable: X\r\nValue: \r\n\r\n',
    );
  });

  it.each([
    ['CRLF in a value', { Action: 'Setvar', Value: 'evil\r\nAction: Hangup' }],
    ['LF in a value', { Action: 'Setvar', Value: 'evil\nAction: Hangup' }],
    ['CR in a value', { Action: 'Setvar', Value: 'evil\rAction: Hangup' }],
    ['LF in an array value', { Action: 'Originate', Variable: ['OK=1', 'CALLERNAME=x\nAction: Hangup'] }],
    ['LF in a key', { Action: 'Setvar', 'Bad\nKey': 'x' }],
    ['CR in a key', { Action: 'Setvar', 'Bad\rKey': 'x' }],
    ['colon in a key', { Action: 'Setvar', 'Bad: Key': 'x' }],
    ['an empty key', { Action: 'Setvar', '': 'x' }],
    ['CRLF in the action name', { Action: 'Ping\r\nAction: Hangup' }],
  ])('rejects %s (header injection)', (_label, fields) => {
    expect(() => serializeAction(fields)).toThrow(AmiSerializeError);
  });

  it('rejects an action with no Action header', () => {
    expect(() => serializeAction({ Channel: 'x' })).toThrow(AmiSerializeError);
    expect(() => formatMessage([['Response', 'Success\n']])).toThrow(AmiSerializeError);
  });

  it('round-trips through the parser', () => {
    const text = serializeAction({ Action: 'Originate', CallerID: '"Zoë: CRM" <+33 1 23>', Variable: ['A=1', 'A=2'] });
    const msgs = new AmiParser().push(Buffer.from(text));
    expect(msgs[0]?.pairs()).toEqual([
      ['Action', 'Originate'],
      ['CallerID', '"Zoë: CRM" <+33 1 23>'],
      ['Variable', 'A=1'],
      ['Variable', 'A=2'],
    ]);
  });
});
