// How the simulated PBX's world changes look on AMI: header names, order and classes
// copied from a real Asterisk 22 (see test/fixtures/asterisk/ami). Pure functions.
import type { BridgeSnapshot, CdrRecord, ChannelSnapshot, WorldEvent } from './world-types.js';
import { CHANNEL_STATE_CODE } from './world-types.js';

export type Pair = [string, string];

/** An event ready to send: its class decides which sessions receive it. */
export interface RenderedEvent {
  eventClass: string;
  pairs: Pair[];
}

export const AMI_VERSION = '11.0.0';
export const ASTERISK_VERSION = '22.10.1';

function orUnknown(s: string | undefined): string {
  return s === undefined || s === '' ? '<unknown>' : s;
}

/** The 14-line channel block every channel event carries, optionally prefixed (Dest, LocalOne...). */
export function channelBlock(c: ChannelSnapshot, prefix = ''): Pair[] {
  return [
    [`${prefix}Channel`, c.name],
    [`${prefix}ChannelState`, String(CHANNEL_STATE_CODE[c.state] ?? 0)],
    [`${prefix}ChannelStateDesc`, c.state],
    [`${prefix}CallerIDNum`, orUnknown(c.caller.number)],
    [`${prefix}CallerIDName`, orUnknown(c.caller.name)],
    [`${prefix}ConnectedLineNum`, orUnknown(c.connected.number)],
    [`${prefix}ConnectedLineName`, orUnknown(c.connected.name)],
    [`${prefix}Language`, c.language || 'en'],
    [`${prefix}AccountCode`, c.accountcode],
    [`${prefix}Context`, c.dialplan.context],
    [`${prefix}Exten`, c.dialplan.exten],
    [`${prefix}Priority`, String(c.dialplan.priority)],
    [`${prefix}Uniqueid`, c.id],
    [`${prefix}Linkedid`, c.linkedid],
  ];
}

export function bridgeBlock(b: BridgeSnapshot, numChannels = b.channelIds.length): Pair[] {
  return [
    ['BridgeUniqueid', b.id],
    ['BridgeType', b.bridgeClass || 'basic'],
    ['BridgeTechnology', b.technology],
    ['BridgeCreator', orUnknown(b.creator)],
    ['BridgeName', orUnknown(b.name)],
    ['BridgeNumChannels', String(numChannels)],
    ['BridgeVideoSourceMode', b.videoMode || 'none'],
  ];
}

/** `YYYY-MM-DD HH:MM:SS`: the server-local time of Cdr/CEL events (the simulator runs in UTC). */
export function cdrTime(d: Date | undefined): string {
  if (!d) return '';
  return d.toISOString().slice(0, 19).replace('T', ' ');
}

/** `2026-11-22T21:50:18.476+0000`, as in SuccessfulAuth. */
export function eventTv(d: Date): string {
  return d.toISOString().replace('Z', '+0000');
}

/** Ping's `Timestamp: 1795384218.461304` (seconds with microseconds). */
export function pingTimestamp(nowMs: number): string {
  return (nowMs / 1000).toFixed(6);
}

function event(name: string, eventClass: string, body: Pair[]): RenderedEvent {
  return { eventClass, pairs: [['Event', name], ['Privilege', `${eventClass},all`], ...body] };
}

function cdrBody(c: CdrRecord): Pair[] {
  return [
    ['AccountCode', c.accountCode],
    ['Source', c.source],
    ['Destination', c.destination],
    ['DestinationContext', c.destinationContext],
    ['CallerID', c.callerId],
    ['Channel', c.channel],
    ['DestinationChannel', c.destinationChannel],
    ['LastApplication', c.lastApplication],
    ['LastData', c.lastData],
    ['StartTime', cdrTime(c.startTime)],
    ['AnswerTime', cdrTime(c.answerTime)],
    ['EndTime', cdrTime(c.endTime)],
    ['Duration', String(c.duration)],
    ['BillableSeconds', String(c.billableSeconds)],
    ['Disposition', c.disposition],
    ['AMAFlags', c.amaFlags],
    ['UniqueID', c.uniqueId],
    ['UserField', c.userField],
  ];
}

/** AMI events for one world change (none for changes AMI does not show). */
export function renderWorldEvent(e: WorldEvent): RenderedEvent[] {
  switch (e.type) {
    case 'ChannelCreated':
      return [event('Newchannel', 'call', channelBlock(e.channel))];
    case 'ChannelStateChanged':
      return [event('Newstate', 'call', channelBlock(e.channel))];
    case 'ChannelDialplan':
      if (e.dead) return [];
      return [
        event('Newexten', 'dialplan', [
          ...channelBlock(e.channel),
          ['Extension', e.channel.dialplan.exten],
          ['Application', e.app],
          ['AppData', e.appData],
        ]),
      ];
    case 'ChannelVarSet':
      return [event('VarSet', 'dialplan', [...channelBlock(e.channel), ['Variable', e.variable], ['Value', e.value]])];
    case 'Shutdown':
      return [event('Shutdown', 'system', [['Shutdown', 'Cleanly'], ['Restart', e.restart ? 'True' : 'False']])];
    case 'GlobalVarSet':
      return [
        event('VarSet', 'dialplan', [
          ['Channel', 'none'],
          ['Uniqueid', 'none'],
          ['Variable', e.variable],
          ['Value', e.value],
        ]),
      ];
    case 'ChannelCallerId':
      return [
        event('NewCallerid', 'call', [
          ...channelBlock(e.channel),
          ['CID-CallingPres', '0 (Presentation Allowed, Not Screened)'],
        ]),
      ];
    case 'ChannelConnectedLine':
      return [event('NewConnectedLine', 'call', channelBlock(e.channel))];
    case 'LocalBridge':
      return [
        event('LocalBridge', 'call', [
          ...channelBlock(e.one, 'LocalOne'),
          ...channelBlock(e.two, 'LocalTwo'),
          ['Context', e.context],
          ['Exten', e.exten],
          ['LocalOptimization', 'Yes'],
        ]),
      ];
    case 'DialBegin':
      return [
        event('DialBegin', 'call', [
          ...(e.caller ? channelBlock(e.caller) : []),
          ...channelBlock(e.peer, 'Dest'),
          ['DialString', e.dialString],
        ]),
      ];
    case 'DialState':
      return [
        event('DialState', 'call', [
          ...(e.caller ? channelBlock(e.caller) : []),
          ...channelBlock(e.peer, 'Dest'),
          ['DialStatus', e.status],
        ]),
      ];
    case 'DialEnd':
      return [
        event('DialEnd', 'call', [
          ...(e.caller ? channelBlock(e.caller) : []),
          ...channelBlock(e.peer, 'Dest'),
          ['DialStatus', e.status],
        ]),
      ];
    case 'BridgeCreated':
      return [event('BridgeCreate', 'call', bridgeBlock(e.bridge, 0))];
    case 'BridgeEntered':
      return [event('BridgeEnter', 'call', [...bridgeBlock(e.bridge), ...channelBlock(e.channel)])];
    case 'BridgeLeft':
      return [event('BridgeLeave', 'call', [...bridgeBlock(e.bridge), ...channelBlock(e.channel)])];
    case 'BridgeDestroyed':
      return [event('BridgeDestroy', 'call', bridgeBlock(e.bridge, 0))];
    case 'MusicOnHoldStarted':
      return [event('MusicOnHoldStart', 'call', [...channelBlock(e.channel), ['Class', e.mohClass]])];
    case 'MusicOnHoldStopped':
      return [event('MusicOnHoldStop', 'call', channelBlock(e.channel))];
    case 'ChannelHold':
      return [event('Hold', 'call', [...channelBlock(e.channel), ['MusicClass', e.musicclass ?? '']])];
    case 'ChannelUnhold':
      return [event('Unhold', 'call', channelBlock(e.channel))];
    case 'DtmfBegin':
      return [event('DTMFBegin', 'dtmf', [...channelBlock(e.channel), ['Digit', e.digit], ['Direction', e.direction]])];
    case 'DtmfEnd':
      return [
        event('DTMFEnd', 'dtmf', [
          ...channelBlock(e.channel),
          ['Digit', e.digit],
          ['DurationMs', String(e.durationMs)],
          ['Direction', e.direction],
        ]),
      ];
    case 'HangupRequested':
      return [event(e.soft ? 'SoftHangupRequest' : 'HangupRequest', 'call', [...channelBlock(e.channel), ['Cause', String(e.cause)]])];
    case 'ChannelHungUp':
      return [event('Hangup', 'call', [...channelBlock(e.channel), ['Cause', String(e.cause)], ['Cause-txt', e.causeTxt]])];
    case 'Cdr':
      return [event('Cdr', 'cdr', cdrBody(e.cdr))];
    case 'OriginateResult':
      return [renderOriginateResponse(e, undefined)];
    case 'FaxStatus':
      return [
        event('FAXStatus', 'call', [
          ...channelBlock(e.channel),
          ['Operation', e.operation],
          ['Status', e.status],
          ['LocalStationID', e.localStationId],
          ['FileName', e.fileName],
        ]),
      ];
    case 'FaxResult':
      return [
        event(e.operation === 'send' ? 'SendFAX' : 'ReceiveFAX', 'call', [
          ...channelBlock(e.channel),
          ['LocalStationID', e.localStationId],
          ['RemoteStationID', e.remoteStationId],
          ['PagesTransferred', String(e.pages)],
          ['Resolution', e.resolution],
          ['TransferRate', e.transferRate],
          ['FileName', e.fileName],
        ]),
      ];
    case 'UserEvent':
      return [
        event('UserEvent', 'user', [
          ...(e.channel ? channelBlock(e.channel) : []),
          ['UserEvent', e.eventName],
          ...Object.entries(e.variables).map(([k, v]): Pair => [k, v]),
        ]),
      ];
    default:
      return [];
  }
}

/** How an async AMI Originate was asked: the event echoes its ActionID and target. */
export interface OriginateOrigin {
  actionId: string | undefined;
  application?: string;
  data?: string;
}

export function renderOriginateResponse(
  e: Extract<WorldEvent, { type: 'OriginateResult' }>,
  origin: OriginateOrigin | undefined,
): RenderedEvent {
  const body: Pair[] = [];
  const actionId = origin ? origin.actionId : e.requestId;
  if (actionId !== undefined) body.push(['ActionID', actionId]);
  const ch = e.response === 'Success' ? e.channel : undefined;
  body.push(
    ['Response', e.response],
    // The full `;1` name on success, only the dial string on failure (README fact 7).
    ['Channel', ch ? ch.name : e.dialString],
  );
  // An Originate of an application reports Application/Data where others say Context/Exten.
  if (origin?.application) body.push(['Application', origin.application], ['Data', origin.data ?? '']);
  else body.push(['Context', e.context], ['Exten', e.exten]);
  body.push(
    ['Reason', String(e.reason)],
    ['Uniqueid', ch ? ch.id : '<unknown>'],
    ['CallerIDNum', orUnknown(ch?.caller.number)],
    ['CallerIDName', orUnknown(ch?.caller.name)],
  );
  return event('OriginateResponse', 'call', body);
}

/** `HH:MM:SS` since creation, as CoreShowChannel's Duration. */
export function durationHms(from: Date, now: number): string {
  const s = Math.max(0, Math.floor((now - from.getTime()) / 1000));
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `${pad(Math.floor(s / 3600))}:${pad(Math.floor((s % 3600) / 60))}:${pad(s % 60)}`;
}

/** One CoreShowChannel list item: ActionID second, no Privilege (README fact 3). */
export function coreShowChannelItem(c: ChannelSnapshot, actionId: string | undefined, now: number): Pair[] {
  return [
    ['Event', 'CoreShowChannel'],
    ...(actionId !== undefined ? ([['ActionID', actionId]] as Pair[]) : []),
    ...channelBlock(c),
    ['Application', c.dialplan.appName],
    ['ApplicationData', c.dialplan.appData],
    ['Duration', durationHms(c.creationtime, now)],
    ['BridgeId', c.bridgeId ?? ''],
  ];
}

/** One Status list item: `Privilege: Call` and the ActionID last, as Asterisk writes them. */
export function statusItem(c: ChannelSnapshot, actionId: string | undefined, now: number): Pair[] {
  const connectedNum = orUnknown(c.connected.number);
  const connectedName = orUnknown(c.connected.name);
  return [
    ['Event', 'Status'],
    ['Privilege', 'Call'],
    ...channelBlock(c),
    ['Type', c.tech],
    ['DNID', ''],
    ['EffectiveConnectedLineNum', connectedNum],
    ['EffectiveConnectedLineName', connectedName],
    ['TimeToHangup', '0'],
    ['BridgeID', c.bridgeId ?? ''],
    ['Application', c.dialplan.appName],
    ['Data', c.dialplan.appData],
    ['Nativeformats', '(slin)'],
    ['Readformat', 'slin'],
    ['Readtrans', ''],
    ['Writeformat', 'slin'],
    ['Writetrans', ''],
    ['Callgroup', '0'],
    ['Pickupgroup', '0'],
    ['Seconds', String(Math.max(0, Math.floor((now - c.creationtime.getTime()) / 1000)))],
    ...(actionId !== undefined ? ([['ActionID', actionId]] as Pair[]) : []),
  ];
}

export function bridgeListItem(b: BridgeSnapshot, actionId: string | undefined): Pair[] {
  return [
    ['Event', 'BridgeListItem'],
    ...(actionId !== undefined ? ([['ActionID', actionId]] as Pair[]) : []),
    ...bridgeBlock(b),
  ];
}
