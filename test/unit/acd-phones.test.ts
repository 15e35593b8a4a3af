// Reading the PBX's word about agents' phones: endpoint state, and calls a phone placed
// through the dialplan (never our own originations, never the PBX's own blind transfers).
import { describe, expect, it } from 'vitest';
import { phoneBookingsAt, phoneEventSources, readPhoneDial, readPhoneState } from '../../src/acd/phones.js';

const ami = (fields: Record<string, string>) => ({ event: fields.Event, get: (k: string) => fields[k] });

describe('agent phones', () => {
  it('reads online and offline, not unknown', () => {
    const ev = (state: string) => ({ type: 'EndpointStateChange', endpoint: { technology: 'PJSIP', resource: '1001', state, channel_ids: [] } }) as never;
    expect(readPhoneState(ev('offline'))).toEqual({ endpoint: 'PJSIP/1001', online: false });
    expect(readPhoneState(ev('online'))).toEqual({ endpoint: 'PJSIP/1001', online: true });
    expect(readPhoneState(ev('unknown'))).toBeUndefined();
  });

  it('subscribes once per technology, never to Local', () => {
    expect(phoneEventSources(['PJSIP/1001', 'PJSIP/1002', 'IAX2/9', 'Local/1001@agents'])).toEqual(['endpoint:IAX2', 'endpoint:PJSIP']);
  });

  it("follows a phone's dialplan call to another phone, not originations nor a Local channel's dial", () => {
    const begin = { Event: 'DialBegin', DestChannel: 'PJSIP/1012-0000000a', DestUniqueid: '17.5', DestLinkedid: '17.4' };
    expect(readPhoneDial(ami({ ...begin, Channel: 'PJSIP/1011-00000009' }))).toEqual({ kind: 'ringing', endpoint: 'PJSIP/1012', channelId: '17.5', linkedid: '17.4' });
    expect(readPhoneDial(ami(begin))).toBeUndefined();
    expect(readPhoneDial(ami({ ...begin, Channel: 'Local/1012@cti-phones-00000001;2' }))).toBeUndefined();
    expect(readPhoneDial(ami({ Event: 'DialEnd', DestUniqueid: '17.5', DialStatus: 'ANSWER' }))).toEqual({ kind: 'answered', channelId: '17.5' });
    expect(readPhoneDial(ami({ Event: 'DialEnd', DestUniqueid: '17.5', DialStatus: 'BUSY' }))).toEqual({ kind: 'failed', channelId: '17.5' });
    expect(readPhoneDial(ami({ Event: 'Hangup', Uniqueid: '17.5' }))).toEqual({ kind: 'ended', channelId: '17.5' });
  });
});

describe('phone call bookings at a resync', () => {
  const booking = (agentId: string, endpoint: string) => ({ agentId, endpoint, callId: `phone:${agentId}`, offerId: 'o1', answered: true });
  const channel = (id: string, name: string) => ({ id, name, state: 'Up' }) as never;

  it("keeps a booking whose agent's phone still has a channel outside our app, releases the others", () => {
    const channels = [channel('c1', 'PJSIP/1001-00000001'), channel('c2', 'PJSIP/1002-00000002')];
    const { kept, gone } = phoneBookingsAt([booking('ada', 'PJSIP/1001'), booking('bob', 'PJSIP/1002'), booking('cy', 'PJSIP/1003')], channels, (id) => id === 'c2');
    expect(kept.map((k) => [k.agentId, k.channelId])).toEqual([['ada', 'c1']]);
    expect(gone.map((g) => g.agentId)).toEqual(['bob', 'cy']);
  });

  it('does not take PJSIP/10010 for PJSIP/1001', () => {
    expect(phoneBookingsAt([booking('ada', 'PJSIP/1001')], [channel('c1', 'PJSIP/10010-00000001')], () => false).kept).toEqual([]);
  });
});
