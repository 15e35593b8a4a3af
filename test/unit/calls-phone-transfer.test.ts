// A desk phone's transfer key, as Asterisk 22 reports it (the events are the captured ones,
// trimmed), and the transfer steps it leads to.
import { describe, expect, it } from 'vitest';
import type { AriEvent } from '../../src/ari/types.js';
import { consultedTarget, endpointOfChannel, phoneTarget, progressFor, readPhoneTransfer } from '../../src/calls/transfers/phone.js';
import { step, type TransferView } from '../../src/calls/transfers/state.js';

const channel = (id: string, name: string, state: string, dialplan: Record<string, unknown> = {}) => ({
  id,
  name,
  state,
  caller: { name: 'Customer Lab', number: '02155501' },
  connected: { name: '', number: '' },
  accountcode: '',
  dialplan: { context: 'cti-phones', exten: 's', priority: 1, ...dialplan },
  creationtime: '2026-12-07T04:47:03.651+0000',
  language: 'en',
});
const phone = channel('1796618823.2', 'PJSIP/1001-00000002', 'Up', { app_name: 'Stasis', app_data: 'cti-bridge,acd-agent,o1' });
const caller = channel('1796618823.1', 'PJSIP/trunk-00000001', 'Up');

describe('readPhoneTransfer', () => {
  it('reads a blind REFER under core handling: a ringing Local channel in the phone\'s place', () => {
    const e = {
      type: 'StasisStart',
      args: [],
      channel: channel('1796618826.3', 'Local/1002@cti-phones-00000000;1', 'Down', { exten: '1002', app_name: 'Stasis', app_data: 'cti-bridge' }),
      replace_channel: phone,
    } as AriEvent;
    expect(readPhoneTransfer(e)).toEqual({ kind: 'swapped', transferer: phone.id, transfererName: phone.name, channelId: '1796618826.3', exten: '1002', answered: false });
  });

  it('reads an attended REFER under core handling: the consulted party, already talking', () => {
    const e = { type: 'StasisStart', args: [], channel: channel('9.9', 'PJSIP/1002-00000009', 'Up', { exten: '1002' }), replace_channel: phone } as AriEvent;
    expect(readPhoneTransfer(e)).toMatchObject({ kind: 'swapped', answered: true, channelId: '9.9' });
  });

  it('reads ChannelTransfer (ari-only) and ignores the echoes of our own progress reports', () => {
    const refer = {
      type: 'ChannelTransfer',
      refer_to: { requested_destination: { destination: '1002' } },
      referred_by: { source_channel: phone, connected_channel: caller },
    } as unknown as AriEvent;
    expect(readPhoneTransfer(refer)).toEqual({ kind: 'referred', transferer: phone.id, transfererName: phone.name, destination: '1002', attended: false });
    const attended = { ...refer, refer_to: { requested_destination: { destination: '1002' }, destination_channel: channel('8.8', 'PJSIP/1001-00000008', 'Up') } } as unknown as AriEvent;
    expect(readPhoneTransfer(attended)).toMatchObject({ kind: 'referred', attended: true });
    expect(readPhoneTransfer({ ...refer, state: 'channel_progress' } as unknown as AriEvent)).toBeUndefined();
  });

  it('reads a REFER with Replaces (ari-only): the consultation leg and the party it talks to', () => {
    const consultation = channel('8.8', 'PJSIP/1001-00000008', 'Up');
    const consulted = channel('8.9', 'PJSIP/1002-00000009', 'Up');
    const e = {
      type: 'ChannelTransfer',
      refer_to: { requested_destination: { protocol_id: 'a84b4c76e66710@pc33' }, destination_channel: consultation, connected_channel: consulted },
      referred_by: { source_channel: phone, connected_channel: caller },
    } as unknown as AriEvent;
    expect(readPhoneTransfer(e)).toEqual({
      kind: 'referred',
      transferer: phone.id,
      transfererName: phone.name,
      destination: '',
      attended: true,
      replaces: { consultation: '8.8', targetId: '8.9', targetName: 'PJSIP/1002-00000009' },
    });
    // The PBX could not resolve the dialog (another PBX's call): attended, but nobody to move.
    const unresolved = { ...e, refer_to: { requested_destination: { protocol_id: 'x@y' } } } as unknown as AriEvent;
    expect(readPhoneTransfer(unresolved)).toEqual({ kind: 'referred', transferer: phone.id, transfererName: phone.name, destination: '', attended: true });
  });

  it('states nothing for an ordinary StasisStart or other events', () => {
    expect(readPhoneTransfer({ type: 'StasisStart', args: ['inbound', '300'], channel: caller } as AriEvent)).toBeUndefined();
    expect(readPhoneTransfer({ type: 'ChannelStateChange', channel: caller } as AriEvent)).toBeUndefined();
  });
});

describe('phoneTarget', () => {
  it('prefers the ACD agent on that extension, then an extension, then an outside number', () => {
    expect(phoneTarget('1002', 'bert')).toEqual({ ok: true, to: { agentId: 'bert' } });
    expect(phoneTarget('1002', undefined)).toEqual({ ok: true, to: { extension: '1002' } });
    expect(phoneTarget('0301234567', undefined)).toEqual({ ok: true, to: { number: '0301234567' } });
    expect(phoneTarget('+49301234567', undefined)).toEqual({ ok: true, to: { number: '+49301234567' } });
  });

  it('refuses what is not a number, so nothing but digits reaches a dial string', () => {
    for (const bad of ['', 'sip:1002@pbx', '1002&Local/x', '9'.repeat(21)]) expect(phoneTarget(bad, undefined).ok, bad).toBe(false);
  });
});

describe('consultedTarget', () => {
  it('is the ACD agent on that phone, else its extension or number', () => {
    expect(endpointOfChannel('PJSIP/1002-0000000a')).toBe('PJSIP/1002');
    expect(consultedTarget('PJSIP/1002-0000000a', 'bert')).toEqual({ agentId: 'bert' });
    expect(consultedTarget('PJSIP/1002-0000000a', undefined)).toEqual({ extension: '1002' });
    expect(consultedTarget('PJSIP/0301234567@trunk-0000000b', undefined)).toEqual({ number: '0301234567' });
    expect(consultedTarget('IAX2/remote-0000000c', undefined)).toEqual({ extension: 'unknown' });
  });
});

describe('progressFor', () => {
  it('tells the phone ringing, answered, declined for a busy target and unavailable otherwise', () => {
    expect(progressFor({ state: 'ringback', reason: null })).toBe('channel_progress');
    expect(progressFor({ state: 'completed', reason: 'target answered' })).toBe('channel_answered');
    expect(progressFor({ state: 'cancelled', reason: 'target busy' })).toBe('channel_declined');
    expect(progressFor({ state: 'cancelled', reason: 'target did not answer in time' })).toBe('channel_unavailable');
    expect(progressFor({ state: 'cancelled', reason: 'target no answer' })).toBe('channel_unavailable');
  });
});

describe("the transfer steps of a phone's REFER", () => {
  const ringing: TransferView = { mode: 'blind', state: 'ringback', initiatorPresent: true };

  it('core handling: the phone hands over at once, the agent leaves, the target completes on answer', () => {
    const handed = step(ringing, { type: 'referred' });
    expect(handed).toMatchObject({ ok: true, next: { state: 'ringback', initiatorPresent: false }, effects: [{ kind: 'initiator_leaves' }] });
    if (!handed.ok) throw new Error('refused');
    const answered = step(handed.next, { type: 'target_answered' });
    expect(answered).toMatchObject({ ok: true, next: { state: 'completed' } });
    if (!answered.ok) throw new Error('refused');
    expect(answered.effects.map((e) => e.kind)).toEqual(['connect_customer_target', 'announce']);
  });

  it('core handling: a target that never answers gives the caller back (queue or transferring phone), never hangs them up', () => {
    const handed = step(ringing, { type: 'referred' });
    if (!handed.ok) throw new Error('refused');
    const failed = step(handed.next, { type: 'target_failed', reason: 'no_answer' });
    expect(failed).toMatchObject({ ok: true, next: { state: 'cancelled' } });
    if (!failed.ok) throw new Error('refused');
    expect(failed.effects).toContainEqual({ kind: 'return_customer' });
    expect(failed.effects).not.toContainEqual({ kind: 'hangup', party: 'customer' });
    expect(failed.effects).toContainEqual({ kind: 'release_target', reason: 'no_answer' });
  });

  it('a second REFER of a transfer already handed over is refused, never applied twice', () => {
    const handed = step(ringing, { type: 'referred' });
    if (!handed.ok) throw new Error('refused');
    expect(step(handed.next, { type: 'referred' }).ok).toBe(false);
  });
});
