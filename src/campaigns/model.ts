// Outbound follow-up campaigns: who to call, when, how often. The types every part of the
// campaign capability shares.
export interface CallingWindow {
  /** ISO weekdays: 1 = Monday … 7 = Sunday */
  days: number[];
  /** Local HH:MM, inclusive start, exclusive end */
  from: string;
  to: string;
}

export type SourceSpec =
  | { type: 'csv' }
  | { type: 'silent_callers'; months: number }
  | { type: 'orders_after_delivery'; days: number }
  | { type: 'customers_without_order'; months: number };

export interface Campaign {
  id: string;
  name: string;
  source: SourceSpec;
  timeZone: string;
  callingHours: CallingWindow[];
  maxAttempts: number;
  retryMinutes: number;
  /** The ACD queue whose agents are offered this campaign's contacts (null: nobody is). */
  queueId: string | null;
  status: 'active' | 'paused' | 'finished';
  /** The API key that created it: only that key (and admin keys) see and change it. */
  ownerKeyId: string | null;
  createdAt: string;
}

export const OUTCOMES = ['reached', 'no_answer', 'busy', 'wrong_number', 'callback', 'do_not_call'] as const;
export type Outcome = (typeof OUTCOMES)[number];

/** `refused`: the dial gate refused the number when the call was to be placed; closed for good. */
export type ContactStatus = 'pending' | 'offered' | 'reached' | 'wrong_number' | 'exhausted' | 'do_not_call' | 'refused';
export const CONTACT_STATUSES: readonly ContactStatus[] = ['pending', 'offered', 'reached', 'wrong_number', 'exhausted', 'do_not_call', 'refused'];

export interface Contact {
  id: string;
  campaignId: string;
  number: string;
  name: string | null;
  reference: string | null;
  data: Record<string, unknown>;
  status: ContactStatus;
  attempts: number;
  lastAttemptAt: string | null;
  /** An agent's outcome, or `refused` when the dial gate refused the number. */
  lastOutcome: Outcome | 'refused' | null;
  /** The dial-policy rule that refused the number (status `refused`). */
  refusedRule: string | null;
  callbackAt: string | null;
  offeredAt: string | null;
  createdAt: string;
}

export interface ContactInput {
  number: string;
  name?: string | null;
  reference?: string | null;
  data?: Record<string, unknown>;
}
