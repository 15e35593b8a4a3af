import { describe, expect, it } from 'vitest';
import { DEFAULT_DIAL_POLICY } from '../../src/calls/dial-policy.js';
import { CsvError, parseContactsCsv } from '../../src/campaigns/contacts-csv.js';
import type { Campaign, Contact } from '../../src/campaigns/model.js';
import { OutcomeError, applyOutcome, dueContacts, withinCallingHours } from '../../src/campaigns/scheduler.js';

const campaign: Campaign = {
  id: 'k', name: 'Follow-up', source: { type: 'csv' }, timeZone: 'Europe/Berlin',
  callingHours: [{ days: [1, 2, 3, 4, 5], from: '09:00', to: '18:00' }, { days: [6], from: '10:00', to: '14:00' }],
  maxAttempts: 3, retryMinutes: 120, queueId: null, status: 'active', ownerKeyId: null, createdAt: '2026-11-01T00:00:00Z',
};
const contact = (id: string, over: Partial<Contact> = {}): Contact => ({
  id, campaignId: 'k', number: `0301234${id.padStart(3, '0')}`, name: null, reference: null, data: {}, status: 'pending', attempts: 0,
  lastAttemptAt: null, lastOutcome: null, callbackAt: null, offeredAt: null, refusedRule: null, createdAt: '2026-11-20T00:00:00Z', ...over,
});
// Monday 30 November 2026, 10:00 in Berlin = 09:00Z
const monday10 = new Date('2026-11-30T09:00:00Z');
const opts = (now = monday10, dnc: string[] = []) => ({ now, doNotCall: new Set(dnc), offerTimeoutMs: 5 * 60_000 });

describe('calling hours', () => {
  it('follow the campaign time zone and weekdays', () => {
    expect(withinCallingHours(monday10, 'Europe/Berlin', campaign.callingHours)).toBe(true);
    expect(withinCallingHours(new Date('2026-11-30T17:00:00Z'), 'Europe/Berlin', campaign.callingHours)).toBe(false); // 18:00 local
    expect(withinCallingHours(new Date('2026-11-30T16:59:00Z'), 'Europe/Berlin', campaign.callingHours)).toBe(true);
    expect(withinCallingHours(new Date('2026-11-30T07:30:00Z'), 'Europe/Berlin', campaign.callingHours)).toBe(false); // 08:30
    expect(withinCallingHours(new Date('2026-12-05T12:00:00Z'), 'Europe/Berlin', campaign.callingHours)).toBe(true); // Sat 13:00
    expect(withinCallingHours(new Date('2026-12-06T12:00:00Z'), 'Europe/Berlin', campaign.callingHours)).toBe(false); // Sunday
    expect(withinCallingHours(monday10, 'America/New_York', campaign.callingHours)).toBe(false); // 04:00 there
  });
});

describe('due contacts', () => {
  it('orders call-backs, first attempts, retries; respects spacing, attempts, DNC and offers', () => {
    const contacts = [
      contact('1'),
      contact('2', { attempts: 1, lastAttemptAt: '2026-11-30T08:00:00Z', lastOutcome: 'no_answer' }), // 60 min ago: too soon
      contact('3', { attempts: 1, lastAttemptAt: '2026-11-30T06:00:00Z', lastOutcome: 'busy' }), // 3 h ago: retry
      contact('4', { attempts: 3, lastAttemptAt: '2026-11-29T06:00:00Z', status: 'pending' }), // used up
      contact('5', { callbackAt: '2026-11-30T08:30:00Z', attempts: 3 }), // asked for a call-back: due even at max attempts
      contact('6', { callbackAt: '2026-11-30T10:00:00Z' }), // call-back later
      contact('7', { status: 'offered', offeredAt: '2026-11-30T08:58:00Z' }), // with an agent now
      contact('8', { status: 'offered', offeredAt: '2026-11-30T08:00:00Z' }), // offer expired
      contact('9'), // on the do-not-call list
      contact('10', { status: 'reached' }),
    ];
    const due = dueContacts(contacts, campaign, opts(monday10, [contacts[8]!.number]));
    expect(due.map((d) => [d.contact.id, d.reason])).toEqual([
      ['5', 'callback'],
      ['8', 'offer_expired'],
      ['1', 'first_attempt'],
      ['3', 'retry'],
    ]);
  });

  it('offers nothing outside calling hours or when paused', () => {
    expect(dueContacts([contact('1')], campaign, opts(new Date('2026-11-30T20:00:00Z')))).toEqual([]);
    expect(dueContacts([contact('1')], { ...campaign, status: 'paused' }, opts())).toEqual([]);
  });
});

describe('outcomes', () => {
  const at = monday10;
  it('moves a contact through its attempts', () => {
    let c = applyOutcome(contact('1'), campaign, { outcome: 'no_answer', at });
    expect(c).toMatchObject({ status: 'pending', attempts: 1, lastOutcome: 'no_answer' });
    c = applyOutcome(c, campaign, { outcome: 'busy', at });
    c = applyOutcome(c, campaign, { outcome: 'no_answer', at });
    expect(c).toMatchObject({ status: 'exhausted', attempts: 3 });
    expect(() => applyOutcome(c, campaign, { outcome: 'reached', at })).toThrow(OutcomeError);
    expect(applyOutcome(contact('2'), campaign, { outcome: 'reached', at }).status).toBe('reached');
    expect(applyOutcome(contact('2'), campaign, { outcome: 'wrong_number', at }).status).toBe('wrong_number');
    const cb = applyOutcome(contact('2', { status: 'offered', offeredAt: at.toISOString() }), campaign, { outcome: 'callback', at, callbackAt: new Date('2026-12-01T14:00:00Z') });
    expect(cb).toMatchObject({ status: 'pending', callbackAt: '2026-12-01T14:00:00.000Z', offeredAt: null });
    expect(() => applyOutcome(contact('2'), campaign, { outcome: 'callback', at })).toThrow(/future/);
  });
});

describe('contact CSV', () => {
  it('keeps the good rows and lists the bad ones by line', () => {
    const csv = [
      'number,name,reference,order',
      '030 1234567,Anna,K-1,"Sofa, blue"',
      'not-a-number,Bob,K-2,x',
      '+4930123456,Carl,K-3,y', // international: refused by the default dial policy
      '030-1234567,Anna again,K-4,z', // duplicate after normalising
      '0301111111,Dora',
      '"0302222222","Eve ""E"" Smith",,"multi',
      'line"',
    ].join('\r\n');
    const r = parseContactsCsv(csv, DEFAULT_DIAL_POLICY);
    expect(r.contacts.map((c) => [c.line, c.number, c.name, c.reference, c.data])).toEqual([
      [2, '0301234567', 'Anna', 'K-1', { order: 'Sofa, blue' }],
      [7, '0302222222', 'Eve "E" Smith', null, { order: 'multi\r\nline' }],
    ]);
    expect(r.rejected.map((x) => x.line)).toEqual([3, 4, 5, 6]);
    expect(r.rejected[0]!.reason).toMatch(/not a phone number/);
    expect(r.rejected[1]!.reason).toMatch(/denied/);
    expect(r.rejected[2]!.reason).toMatch(/earlier/);
    expect(r.rejected[3]!.reason).toMatch(/expected 4 fields/);
  });

  it('reads semicolon files and refuses files without a number column', () => {
    expect(parseContactsCsv('Number;Name\n0301234567;Anna\n', DEFAULT_DIAL_POLICY).contacts[0]).toMatchObject({ number: '0301234567', name: 'Anna' });
    expect(() => parseContactsCsv('phone,name\n1,2\n', DEFAULT_DIAL_POLICY)).toThrow(CsvError);
    expect(() => parseContactsCsv('', DEFAULT_DIAL_POLICY)).toThrow(/empty/);
  });
});
