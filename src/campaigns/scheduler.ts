// The pure campaign scheduler: which contacts are due now, and what an outcome does to a
// contact. Calling hours bind every call, call-backs included (the law on unsolicited
// calls does not bend for a convenient time); a call-back the customer asked for is made
// even when the attempts are used up.
import { localTime } from '../local-time.js';
import type { CallingWindow, Campaign, Contact, ContactStatus, Outcome } from './model.js';

export interface DueOptions {
  now: Date;
  doNotCall: ReadonlySet<string>;
  /** An offer no agent answered within this time returns to the pool. */
  offerTimeoutMs: number;
  limit?: number;
}

export type DueReason = 'callback' | 'first_attempt' | 'retry' | 'offer_expired';

const toMinutes = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

export function withinCallingHours(at: Date, timeZone: string, windows: CallingWindow[]): boolean {
  const l = localTime(at, timeZone);
  const isoDay = l.weekday === 0 ? 7 : l.weekday;
  return windows.some((w) => w.days.includes(isoDay) && l.minuteOfDay >= toMinutes(w.from) && l.minuteOfDay < toMinutes(w.to));
}

/** Why a contact is due now, or null when it is not. */
export function dueReason(c: Contact, campaign: Campaign, o: DueOptions): DueReason | null {
  const now = o.now.getTime();
  if (o.doNotCall.has(c.number)) return null;
  let status: ContactStatus = c.status;
  let expired = false;
  if (status === 'offered') {
    if (c.offeredAt === null || now - Date.parse(c.offeredAt) < o.offerTimeoutMs) return null;
    status = 'pending';
    expired = true;
  }
  if (status !== 'pending') return null;
  if (c.callbackAt !== null) return Date.parse(c.callbackAt) <= now ? 'callback' : null;
  if (c.attempts >= campaign.maxAttempts) return null;
  if (c.lastAttemptAt !== null && now - Date.parse(c.lastAttemptAt) < campaign.retryMinutes * 60_000) return null;
  return expired ? 'offer_expired' : c.attempts === 0 ? 'first_attempt' : 'retry';
}

/** Contacts due now, best first: call-backs by their time, then first attempts, then retries. */
export function dueContacts(contacts: Contact[], campaign: Campaign, o: DueOptions): Array<{ contact: Contact; reason: DueReason }> {
  if (campaign.status !== 'active' || !withinCallingHours(o.now, campaign.timeZone, campaign.callingHours)) return [];
  const rank: Record<DueReason, number> = { callback: 0, offer_expired: 1, first_attempt: 2, retry: 3 };
  const key = (c: Contact, r: DueReason) => (r === 'callback' ? c.callbackAt! : r === 'retry' ? c.lastAttemptAt! : c.createdAt);
  return contacts
    .map((contact) => ({ contact, reason: dueReason(contact, campaign, o) }))
    .filter((x): x is { contact: Contact; reason: DueReason } => x.reason !== null)
    .sort((a, b) => rank[a.reason] - rank[b.reason] || Date.parse(key(a.contact, a.reason)) - Date.parse(key(b.contact, b.reason)))
    .slice(0, o.limit ?? Infinity);
}

export interface OutcomeInput {
  outcome: Outcome;
  at: Date;
  callbackAt?: Date;
}

export class OutcomeError extends Error {}

/** The contact after one attempt with this outcome. */
export function applyOutcome(c: Contact, campaign: Campaign, o: OutcomeInput): Contact {
  if (c.status !== 'pending' && c.status !== 'offered')
    throw new OutcomeError(`contact ${c.id} is ${c.status}; outcomes are recorded for pending or offered contacts only`);
  const attempts = c.attempts + 1;
  const base = { ...c, attempts, lastAttemptAt: o.at.toISOString(), lastOutcome: o.outcome, offeredAt: null, callbackAt: null };
  switch (o.outcome) {
    case 'reached':
      return { ...base, status: 'reached' };
    case 'wrong_number':
      return { ...base, status: 'wrong_number' };
    case 'do_not_call':
      return { ...base, status: 'do_not_call' };
    case 'callback':
      if (!o.callbackAt || o.callbackAt.getTime() <= o.at.getTime()) throw new OutcomeError('a callback needs callbackAt in the future');
      return { ...base, status: 'pending', callbackAt: o.callbackAt.toISOString() };
    case 'no_answer':
    case 'busy':
      return { ...base, status: attempts >= campaign.maxAttempts ? 'exhausted' : 'pending' };
  }
}
