import { describe, expect, it } from 'vitest';
import { callerText, MAX_NAME_CHARS, MAX_NUMBER_CHARS } from '../../src/calls/caller-id.js';

describe('callerText', () => {
  it('drops NUL and every other control character, keeping the rest', () => {
    expect(callerText('0301\u0000\u0007\r\n555', MAX_NUMBER_CHARS)).toBe('0301555');
    expect(callerText('Eve\u001b[2J\u007f\u0085 Smith', MAX_NAME_CHARS)).toBe('Eve[2J Smith');
    expect(callerText('Zoë 📞 Müller', MAX_NAME_CHARS)).toBe('Zoë 📞 Müller');
  });

  it('cuts to the limit without splitting a character', () => {
    expect(callerText('1'.repeat(200), MAX_NUMBER_CHARS)).toBe('1'.repeat(64));
    expect(callerText('📞'.repeat(200), MAX_NAME_CHARS)).toBe('📞'.repeat(128));
  });

  it('says nothing when nothing is left or the PBX does not know', () => {
    for (const raw of [undefined, null, '', '   ', '\u0000\r\n', '<unknown>']) expect(callerText(raw, MAX_NUMBER_CHARS)).toBeNull();
  });
});
