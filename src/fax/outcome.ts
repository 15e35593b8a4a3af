// What one fax attempt came to, read from what the PBX reports, and what happens next.
// Plain functions of data, tested without a PBX.

export type FailureReason = 'busy' | 'no_answer' | 'unavailable' | 'fax_failed' | 'timeout';

export type Attempt = { ok: true; pages: number } | { ok: false; reason: FailureReason; detail: string };

/** OriginateResponse `Reason` (README fact 7): the call never reached a fax machine. */
export function originateFailure(reason: number): Attempt {
  if (reason === 5) return { ok: false, reason: 'busy', detail: 'the line was busy' };
  if (reason === 3) return { ok: false, reason: 'no_answer', detail: 'nobody answered' };
  return { ok: false, reason: 'unavailable', detail: `the call could not be placed (originate reason ${reason})` };
}

export interface SendFaxReport {
  /** SendFAX `PagesTransferred`. */
  pagesTransferred: number;
  /** SendFAX `Resolution`; 0x0 when no page ever trained. */
  resolution: string;
  /** The FAX* variables, when the AMI user also receives dialplan events (VarSet). */
  vars: Record<string, string>;
}

/**
 * res_fax's verdict. FAXSTATUS, when seen, decides (README fact 10: the sender ends with
 * SUCCESS even though FAXERROR reads HANGUP). Without it, every page of the document
 * having gone through is what success means; a partial fax is a failure to retry.
 */
export function sendFaxOutcome(r: SendFaxReport, documentPages: number): Attempt {
  const status = r.vars.FAXSTATUS;
  if (status !== undefined && status !== '') {
    if (status === 'SUCCESS') return { ok: true, pages: r.pagesTransferred };
    return { ok: false, reason: 'fax_failed', detail: r.vars.FAXSTATUSSTRING || r.vars.FAXERROR || 'the fax failed' };
  }
  if (r.pagesTransferred >= documentPages && r.resolution !== '0x0') return { ok: true, pages: r.pagesTransferred };
  if (r.resolution === '0x0') return { ok: false, reason: 'fax_failed', detail: 'the far end is not a fax machine or hung up before the first page' };
  return { ok: false, reason: 'fax_failed', detail: `the call dropped after ${r.pagesTransferred} of ${documentPages} pages` };
}

/** Every failure is retried (busy lines free up, fax machines run out of paper) up to the maximum. */
export function nextStep(attemptsMade: number, maxAttempts: number, baseDelayMs: number): { retry: true; delayMs: number } | { retry: false } {
  if (attemptsMade >= maxAttempts) return { retry: false };
  return { retry: true, delayMs: baseDelayMs * 2 ** (attemptsMade - 1) };
}

/** The dial string from the configured template; `number` has passed the dial allow-list. */
export function faxDialString(template: string, number: string): string {
  if (!/^\+?[0-9]{1,20}$/.test(number)) throw new Error('a fax destination must be a checked number');
  return template.split('{number}').join(number);
}
