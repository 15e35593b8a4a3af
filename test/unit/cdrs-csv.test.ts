// CSV cells of the CDR export and the fields kept from Asterisk's Cdr event.
import { describe, expect, it } from 'vitest';
import { AmiMessage } from '../../src/ami/index.js';
import { asteriskCdrFields } from '../../src/cdrs/asterisk-cdr.js';
import { csvCell } from '../../src/cdrs/csv.js';

describe('CDR CSV', () => {
  it('quotes separators and quotes, keeps phone numbers, defuses formulas', () => {
    expect(csvCell('plain')).toBe('plain');
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('+351 912 345 678')).toBe('+351 912 345 678');
    expect(csvCell('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    expect(csvCell('+cmd')).toBe("'+cmd");
    expect(csvCell(null)).toBe('');
    expect(csvCell(0)).toBe('0');
  });
});

describe('Asterisk Cdr fields', () => {
  it('keeps every field of a Cdr event but the framing, and ignores other events', () => {
    const raw = 'Event: Cdr\r\nPrivilege: cdr,all\r\nSource: +15551230001\r\nUniqueID: 1795384219.3\r\nDisposition: ANSWERED\r\nUserField: ';
    expect(asteriskCdrFields(new AmiMessage(raw))).toEqual({ Source: '+15551230001', UniqueID: '1795384219.3', Disposition: 'ANSWERED', UserField: '' });
    expect(asteriskCdrFields(new AmiMessage('Event: Hangup\r\nUniqueid: 1.2'))).toBeNull();
  });
});
