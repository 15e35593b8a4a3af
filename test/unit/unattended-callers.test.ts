import { describe, expect, it } from 'vitest';
import { fallbackCaller } from '../../src/calls/unattended.js';

// A manager `Cdr` as Asterisk 22 sends it, for a caller the shipped [cti-fallback] took.
const cdr = {
  AccountCode: '',
  Source: '+15551230007',
  Destination: 's',
  DestinationContext: 'cti-fallback',
  CallerID: '"Ada Lovelace" <+15551230007>',
  Channel: 'PJSIP/trunk-00000011',
  DestinationChannel: 'PJSIP/1001-00000012',
  LastApplication: 'Queue',
  LastData: 'cti-fallback,,,,120',
  StartTime: '2026-12-07 04:48:03',
  AnswerTime: '2026-12-07 04:48:08',
  EndTime: '2026-12-07 04:48:40',
  Duration: '37',
  BillableSeconds: '32',
  Disposition: 'ANSWERED',
  AMAFlags: 'DOCUMENTATION',
  UniqueID: '1796618883.17',
  UserField: 'cti-fallback',
};

describe('a caller the dialplan fallback took', () => {
  const at = new Date('2026-12-07T14:48:40.000Z');

  it('is read from its Cdr, times counted back from its arrival (the Cdr has no time zone)', () => {
    expect(fallbackCaller(cdr, at)).toEqual({
      channelId: '1796618883.17',
      callerNumber: '+15551230007',
      callerName: 'Ada Lovelace',
      dnis: null,
      startedAt: new Date('2026-12-07T14:48:03.000Z'),
      answeredAt: new Date('2026-12-07T14:48:08.000Z'),
      endedAt: at,
      asteriskDisposition: 'ANSWERED',
      destinationChannel: 'PJSIP/1001-00000012',
    });
  });

  it('keeps the dialled number when the Cdr still names it, and no answer when there was none', () => {
    const c = fallbackCaller({ ...cdr, Destination: '500', AnswerTime: '', BillableSeconds: '0', Disposition: 'NO ANSWER', CallerID: '+15551230007' }, at);
    expect(c).toMatchObject({ dnis: '500', answeredAt: null, callerName: null, asteriskDisposition: 'NO ANSWER' });
  });

  it('is no fallback caller without the cti-fallback mark', () => {
    expect(fallbackCaller({ ...cdr, UserField: '' }, at)).toBeUndefined();
    expect(fallbackCaller({ ...cdr, UserField: 'vip' }, at)).toBeUndefined();
    expect(fallbackCaller({ ...cdr, UniqueID: '' }, at)).toBeUndefined();
  });
});
