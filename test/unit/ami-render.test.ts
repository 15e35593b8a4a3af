// The simulator's AMI rendering compared with what a real Asterisk 22 sent for the same
// state: snapshots are rebuilt from a captured event, rendered, and must give it back.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { AmiParser } from '../../src/ami/codec.js';
import type { AmiMessage } from '../../src/ami/message.js';
import { renderOriginateResponse, renderWorldEvent } from '../../src/sim/ami-render.js';
import type { BridgeSnapshot, ChannelSnapshot, ChannelState, WorldEvent } from '../../src/sim/world-types.js';

function capture(name: string): AmiMessage[] {
  const raw = readFileSync(new URL(`../fixtures/asterisk/ami/${name}.recv.raw`, import.meta.url));
  return new AmiParser({ expectGreeting: true }).push(raw);
}

const all = [...capture('04-originate-call-full'), ...capture('05-originate-failure'), ...capture('12-ami-view-of-ari-scenario')];

function first(event: string, where: (m: AmiMessage) => boolean = () => true): AmiMessage {
  const m = all.find((x) => x.event === event && where(x));
  if (!m) throw new Error(`no ${event} in the captures`);
  return m;
}

const unknown = (v: string | undefined): string => (v === '<unknown>' || v === undefined ? '' : v);

function channelFrom(m: AmiMessage, prefix = ''): ChannelSnapshot {
  const g = (k: string): string => m.get(`${prefix}${k}`) ?? '';
  const name = g('Channel');
  return {
    id: g('Uniqueid'),
    name,
    tech: name.split('/')[0] ?? '',
    state: g('ChannelStateDesc') as ChannelState,
    caller: { number: unknown(g('CallerIDNum')), name: unknown(g('CallerIDName')) },
    connected: { number: unknown(g('ConnectedLineNum')), name: unknown(g('ConnectedLineName')) },
    accountcode: g('AccountCode'),
    language: g('Language'),
    linkedid: g('Linkedid'),
    dialplan: { context: g('Context'), exten: g('Exten'), priority: Number(g('Priority')), appName: '', appData: '' },
    creationtime: new Date(0),
  };
}

function bridgeFrom(m: AmiMessage): BridgeSnapshot {
  const n = Number(m.get('BridgeNumChannels'));
  return {
    id: m.get('BridgeUniqueid') ?? '',
    name: unknown(m.get('BridgeName')),
    type: 'mixing',
    technology: m.get('BridgeTechnology') ?? '',
    bridgeClass: m.get('BridgeType') ?? '',
    creator: unknown(m.get('BridgeCreator')),
    channelIds: Array.from({ length: n }, (_, i) => `c${i}`),
    creationtime: new Date(0),
    videoMode: m.get('BridgeVideoSourceMode') ?? '',
  };
}

const base = { at: new Date(0), apps: [] as string[] };

function rendered(e: WorldEvent): Array<[string, string]> {
  const out = renderWorldEvent(e);
  expect(out).toHaveLength(1);
  return out[0]?.pairs ?? [];
}

describe('AMI rendering of world events matches the captures', () => {
  it('Newchannel', () => {
    const m = first('Newchannel');
    expect(rendered({ ...base, type: 'ChannelCreated', channel: channelFrom(m) })).toEqual(m.pairs());
  });

  it('Newstate and Hangup', () => {
    const ns = first('Newstate');
    expect(rendered({ ...base, type: 'ChannelStateChanged', channel: channelFrom(ns), previous: 'Down' })).toEqual(ns.pairs());
    const h = first('Hangup');
    expect(rendered({ ...base, type: 'ChannelHungUp', channel: channelFrom(h), cause: 16, causeTxt: 'Normal Clearing' })).toEqual(h.pairs());
  });

  it('VarSet and Newexten', () => {
    const v = first('VarSet');
    expect(rendered({ ...base, type: 'ChannelVarSet', channel: channelFrom(v), variable: v.get('Variable') ?? '', value: v.get('Value') ?? '' })).toEqual(v.pairs());
    const x = first('Newexten', (m) => m.get('Application') === 'Dial');
    const ch = channelFrom(x);
    expect(rendered({ ...base, type: 'ChannelDialplan', channel: ch, app: 'Dial', appData: x.get('AppData') ?? '' })).toEqual(x.pairs());
  });

  it('DialBegin with and without a caller, DialEnd, DialState', () => {
    const withCaller = first('DialBegin', (m) => m.has('Channel'));
    expect(
      rendered({ ...base, type: 'DialBegin', caller: channelFrom(withCaller), peer: channelFrom(withCaller, 'Dest'), dialString: withCaller.get('DialString') ?? '' }),
    ).toEqual(withCaller.pairs());
    const noCaller = first('DialBegin', (m) => !m.has('Channel'));
    expect(rendered({ ...base, type: 'DialBegin', peer: channelFrom(noCaller, 'Dest'), dialString: noCaller.get('DialString') ?? '' })).toEqual(noCaller.pairs());
    const end = first('DialEnd', (m) => m.has('Channel'));
    expect(rendered({ ...base, type: 'DialEnd', caller: channelFrom(end), peer: channelFrom(end, 'Dest'), dialString: '', status: 'ANSWER' })).toEqual(end.pairs());
    const st = first('DialState');
    expect(rendered({ ...base, type: 'DialState', peer: channelFrom(st, 'Dest'), dialString: '', status: 'RINGING' })).toEqual(st.pairs());
  });

  it('LocalBridge', () => {
    const m = first('LocalBridge');
    expect(
      rendered({ ...base, type: 'LocalBridge', one: channelFrom(m, 'LocalOne'), two: channelFrom(m, 'LocalTwo'), context: m.get('Context') ?? '', exten: m.get('Exten') ?? '' }),
    ).toEqual(m.pairs());
  });

  it('BridgeCreate, BridgeEnter, BridgeLeave, BridgeDestroy (dialplan and Stasis bridges)', () => {
    for (const created of all.filter((m) => m.event === 'BridgeCreate')) {
      expect(rendered({ ...base, type: 'BridgeCreated', bridge: bridgeFrom(created) })).toEqual(created.pairs());
    }
    for (const name of ['BridgeEnter', 'BridgeLeave'] as const) {
      const m = first(name);
      const e: WorldEvent =
        name === 'BridgeEnter'
          ? { ...base, type: 'BridgeEntered', bridge: bridgeFrom(m), channel: channelFrom(m) }
          : { ...base, type: 'BridgeLeft', bridge: bridgeFrom(m), channel: channelFrom(m) };
      expect(rendered(e)).toEqual(m.pairs());
    }
    const d = first('BridgeDestroy');
    expect(rendered({ ...base, type: 'BridgeDestroyed', bridge: bridgeFrom(d) })).toEqual(d.pairs());
  });

  it('DTMF, hangup requests, music on hold', () => {
    const b = first('DTMFBegin');
    expect(rendered({ ...base, type: 'DtmfBegin', channel: channelFrom(b), digit: b.get('Digit') ?? '', direction: 'Received' })).toEqual(b.pairs());
    const e = first('DTMFEnd');
    expect(rendered({ ...base, type: 'DtmfEnd', channel: channelFrom(e), digit: e.get('Digit') ?? '', direction: 'Received', durationMs: Number(e.get('DurationMs')) })).toEqual(e.pairs());
    const soft = first('SoftHangupRequest');
    expect(rendered({ ...base, type: 'HangupRequested', channel: channelFrom(soft), cause: Number(soft.get('Cause')), soft: true })).toEqual(soft.pairs());
    const hard = first('HangupRequest');
    expect(rendered({ ...base, type: 'HangupRequested', channel: channelFrom(hard), cause: Number(hard.get('Cause')), soft: false })).toEqual(hard.pairs());
    const moh = first('MusicOnHoldStart');
    expect(rendered({ ...base, type: 'MusicOnHoldStarted', channel: channelFrom(moh), mohClass: 'default' })).toEqual(moh.pairs());
    const stop = first('MusicOnHoldStop');
    expect(rendered({ ...base, type: 'MusicOnHoldStopped', channel: channelFrom(stop) })).toEqual(stop.pairs());
  });

  it('Cdr', () => {
    const m = first('Cdr');
    const t = (k: string): Date | undefined => (m.get(k) ? new Date(`${m.get(k)?.replace(' ', 'T')}Z`) : undefined);
    const out = rendered({
      ...base,
      type: 'Cdr',
      cdr: {
        accountCode: m.get('AccountCode') ?? '',
        source: m.get('Source') ?? '',
        destination: m.get('Destination') ?? '',
        destinationContext: m.get('DestinationContext') ?? '',
        callerId: m.get('CallerID') ?? '',
        channel: m.get('Channel') ?? '',
        destinationChannel: m.get('DestinationChannel') ?? '',
        lastApplication: m.get('LastApplication') ?? '',
        lastData: m.get('LastData') ?? '',
        startTime: t('StartTime') as Date,
        answerTime: t('AnswerTime'),
        endTime: t('EndTime') as Date,
        duration: Number(m.get('Duration')),
        billableSeconds: Number(m.get('BillableSeconds')),
        disposition: m.get('Disposition') as 'ANSWERED',
        amaFlags: 'DOCUMENTATION',
        uniqueId: m.get('UniqueID') ?? '',
        linkedId: '',
        userField: m.get('UserField') ?? '',
      },
    });
    expect(out).toEqual(m.pairs());
  });

  it('OriginateResponse on success and on failure', () => {
    const ok = first('OriginateResponse', (m) => m.get('Response') === 'Success');
    const channel = channelFrom(first('Newchannel', (m) => m.get('Channel') === ok.get('Channel')));
    channel.caller = { number: ok.get('CallerIDNum') ?? '', name: ok.get('CallerIDName') ?? '' };
    const success = renderOriginateResponse(
      { ...base, type: 'OriginateResult', requestId: 'internal-1', response: 'Success', reason: 4, dialString: 'Local/100@from-pstn', channel, context: 'caller-script', exten: 's' },
      { actionId: ok.get('ActionID') },
    );
    expect(success.pairs).toEqual(ok.pairs());
    const bad = first('OriginateResponse', (m) => m.get('Response') === 'Failure' && m.get('Reason') === '3');
    const failure = renderOriginateResponse(
      { ...base, type: 'OriginateResult', requestId: 'internal-2', response: 'Failure', reason: 3, dialString: 'Local/2001@agents', channel, context: 'caller-script', exten: 's' },
      { actionId: bad.get('ActionID') },
    );
    expect(failure.pairs).toEqual(bad.pairs());
  });
});
