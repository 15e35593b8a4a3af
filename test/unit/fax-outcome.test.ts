import { describe, expect, it } from 'vitest';
import { faxDialString, nextStep, originateFailure, sendFaxOutcome } from '../../src/fax/outcome.js';

describe('fax outcomes', () => {
  it('reads why the call was never placed from the OriginateResponse reason', () => {
    expect(originateFailure(5)).toMatchObject({ ok: false, reason: 'busy' });
    expect(originateFailure(3)).toMatchObject({ ok: false, reason: 'no_answer' });
    expect(originateFailure(0)).toMatchObject({ ok: false, reason: 'unavailable' });
  });

  it('lets FAXSTATUS decide when it was seen (the sender ends SUCCESS with FAXERROR=HANGUP)', () => {
    expect(sendFaxOutcome({ pagesTransferred: 1, resolution: '8031x7700', vars: { FAXSTATUS: 'SUCCESS', FAXERROR: 'HANGUP' } }, 1)).toEqual({ ok: true, pages: 1 });
    expect(sendFaxOutcome({ pagesTransferred: 0, resolution: '8031x7700', vars: { FAXSTATUS: 'FAILED', FAXSTATUSSTRING: 'The call dropped prematurely' } }, 1)).toEqual({
      ok: false,
      reason: 'fax_failed',
      detail: 'The call dropped prematurely',
    });
  });

  it('without the variables, success is every page through (captures 09, 10, 11)', () => {
    expect(sendFaxOutcome({ pagesTransferred: 1, resolution: '8031x7700', vars: {} }, 1)).toEqual({ ok: true, pages: 1 });
    expect(sendFaxOutcome({ pagesTransferred: 0, resolution: '0x0', vars: {} }, 1)).toMatchObject({ ok: false, detail: expect.stringContaining('not a fax machine') });
    expect(sendFaxOutcome({ pagesTransferred: 0, resolution: '8031x7700', vars: {} }, 1)).toMatchObject({ ok: false, detail: 'the call dropped after 0 of 1 pages' });
    expect(sendFaxOutcome({ pagesTransferred: 2, resolution: '8031x7700', vars: {} }, 3)).toMatchObject({ ok: false, reason: 'fax_failed' });
  });

  it('retries with doubling delays until the maximum', () => {
    expect(nextStep(1, 3, 1000)).toEqual({ retry: true, delayMs: 1000 });
    expect(nextStep(2, 3, 1000)).toEqual({ retry: true, delayMs: 2000 });
    expect(nextStep(3, 3, 1000)).toEqual({ retry: false });
  });

  it('builds the dial string from the template and a checked number only', () => {
    expect(faxDialString('PJSIP/{number}@trunk', '0301234567')).toBe('PJSIP/0301234567@trunk');
    expect(() => faxDialString('PJSIP/{number}@trunk', '123&Hangup')).toThrow();
  });
});
