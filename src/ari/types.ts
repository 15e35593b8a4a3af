// Shapes of the ARI resources and events as Asterisk 22 sends them (ARI 10.x).
// Field names are Asterisk's (snake_case on the wire); only what the service reads
// is required, the rest stays optional so a newer Asterisk adding fields is harmless.

/** Channel states seen on the wire; other values exist for exotic drivers. */
export type ChannelState =
  | 'Down'
  | 'Rsrved'
  | 'OffHook'
  | 'Dialing'
  | 'Ring'
  | 'Ringing'
  | 'Up'
  | 'Busy'
  | 'Dialing Offhook'
  | 'Pre-ring'
  | 'Unknown';

export interface CallerId {
  name: string;
  number: string;
}

export interface DialplanLocation {
  context: string;
  exten: string;
  priority: number;
  app_name: string;
  app_data: string;
}

export interface Channel {
  id: string;
  name: string;
  /** A ChannelState; typed as string because drivers may report others. */
  state: ChannelState | (string & {});
  protocol_id: string;
  caller: CallerId;
  connected: CallerId;
  accountcode: string;
  dialplan: DialplanLocation;
  /** ARI timestamp, see parseAriTimestamp. */
  creationtime: string;
  language: string;
  channelvars?: Record<string, string>;
  caller_rdnis?: string;
  tenantid?: string;
}

export interface Bridge {
  id: string;
  technology: string;
  bridge_type: string;
  bridge_class: string;
  creator: string;
  name: string;
  channels: string[];
  creationtime: string;
  video_mode?: string;
  video_source_id?: string;
  bridgevars?: Record<string, string>;
}

export type PlaybackState = 'queued' | 'playing' | 'continuing' | 'paused' | 'done' | 'failed';

export interface Playback {
  id: string;
  media_uri: string;
  next_media_uri?: string;
  /** `channel:<id>` or `bridge:<id>`. */
  target_uri: string;
  language?: string;
  state: PlaybackState | (string & {});
}

export type LiveRecordingState = 'queued' | 'recording' | 'paused' | 'done' | 'failed' | 'canceled';

export interface LiveRecording {
  name: string;
  format: string;
  /** `channel:<id>` or `bridge:<id>`. */
  target_uri: string;
  state: LiveRecordingState | (string & {});
  duration?: number;
  talking_duration?: number;
  silence_duration?: number;
  cause?: string;
}

export interface StoredRecording {
  name: string;
  format: string;
}

export interface Application {
  name: string;
  channel_ids: string[];
  bridge_ids: string[];
  endpoint_ids: string[];
  device_names: string[];
  events_allowed?: unknown[];
  events_disallowed?: unknown[];
}

export interface AsteriskInfo {
  build?: { os: string; kernel: string; options: string; machine: string; date: string; user: string };
  system?: { version: string; entity_id: string };
  config?: {
    name: string;
    default_language: string;
    max_channels?: number;
    max_open_files?: number;
    max_load?: number;
    setid: { user: string; group: string };
  };
  status?: { startup_time: string; last_reload_time: string };
}

export interface AsteriskPing {
  asterisk_id: string;
  ping: string;
  timestamp: string;
}

export interface Variable {
  value: string;
}

// ---- events -------------------------------------------------------------------

/** Fields every ARI event carries (key order on the wire is not fixed). */
export interface AriEventBase {
  type: string;
  timestamp?: string;
  asterisk_id?: string;
  application?: string;
}

interface Ev<T extends string> extends AriEventBase {
  type: T;
}

export interface StasisStart extends Ev<'StasisStart'> {
  args: string[];
  channel: Channel;
  replace_channel?: Channel;
}
export interface StasisEnd extends Ev<'StasisEnd'> {
  channel: Channel;
}
export interface ChannelCreated extends Ev<'ChannelCreated'> {
  channel: Channel;
}
export interface ChannelStateChange extends Ev<'ChannelStateChange'> {
  channel: Channel;
}
export interface ChannelDtmfReceived extends Ev<'ChannelDtmfReceived'> {
  digit: string;
  duration_ms: number;
  channel: Channel;
}
export interface ChannelHangupRequest extends Ev<'ChannelHangupRequest'> {
  /** Not reliable: an ARI hangup with reason=normal was observed as cause 32. */
  cause?: number;
  tech_cause?: number;
  /** Absent on hard hangup requests. */
  soft?: boolean;
  channel: Channel;
}
export interface ChannelDestroyed extends Ev<'ChannelDestroyed'> {
  /** Q.850 cause: 16 normal clearing, 19 no answer, 17 busy... */
  cause: number;
  cause_txt: string;
  tech_cause?: number;
  channel: Channel;
}
export interface ChannelVarset extends Ev<'ChannelVarset'> {
  variable: string;
  value: string;
  /** Absent for global variables. */
  channel?: Channel;
}
export interface ChannelDialplan extends Ev<'ChannelDialplan'> {
  dialplan_app: string;
  dialplan_app_data: string;
  channel: Channel;
}
export interface ChannelCallerId extends Ev<'ChannelCallerId'> {
  caller_presentation: number;
  caller_presentation_txt: string;
  channel: Channel;
}
export interface ChannelConnectedLine extends Ev<'ChannelConnectedLine'> {
  channel: Channel;
}
export interface ChannelEnteredBridge extends Ev<'ChannelEnteredBridge'> {
  bridge: Bridge;
  channel?: Channel;
}
export interface ChannelLeftBridge extends Ev<'ChannelLeftBridge'> {
  bridge: Bridge;
  channel: Channel;
}
export interface ChannelHold extends Ev<'ChannelHold'> {
  channel: Channel;
  musicclass?: string;
}
export interface ChannelUnhold extends Ev<'ChannelUnhold'> {
  channel: Channel;
}
export interface ChannelUserevent extends Ev<'ChannelUserevent'> {
  eventname: string;
  userevent: Record<string, unknown>;
  channel?: Channel;
  bridge?: Bridge;
}
export interface ChannelTalkingStarted extends Ev<'ChannelTalkingStarted'> {
  channel: Channel;
}
export interface ChannelTalkingFinished extends Ev<'ChannelTalkingFinished'> {
  channel: Channel;
  duration: number;
}
export interface BridgeCreated extends Ev<'BridgeCreated'> {
  bridge: Bridge;
}
export interface BridgeDestroyed extends Ev<'BridgeDestroyed'> {
  bridge: Bridge;
}
export interface BridgeMerged extends Ev<'BridgeMerged'> {
  bridge: Bridge;
  bridge_from: Bridge;
}
export interface PlaybackStarted extends Ev<'PlaybackStarted'> {
  playback: Playback;
}
export interface PlaybackContinuing extends Ev<'PlaybackContinuing'> {
  playback: Playback;
}
export interface PlaybackFinished extends Ev<'PlaybackFinished'> {
  playback: Playback;
}
export interface RecordingStarted extends Ev<'RecordingStarted'> {
  recording: LiveRecording;
}
export interface RecordingFinished extends Ev<'RecordingFinished'> {
  recording: LiveRecording;
}
export interface RecordingFailed extends Ev<'RecordingFailed'> {
  recording: LiveRecording;
}
/**
 * A phone's REFER under `PJSIP_TRANSFER_HANDLING=ari-only`: Asterisk answered 202 and
 * does nothing else; the app carries the transfer out and reports back through
 * `POST /channels/{id}/transfer_progress`, which Asterisk echoes with `state` set.
 */
export interface ChannelTransfer extends Ev<'ChannelTransfer'> {
  /** Absent on the REFER itself; the progress the app reported on the echoes. */
  state?: TransferProgress;
  refer_to: {
    requested_destination: { destination?: string; protocol_id?: string; additional_protocol_params?: unknown };
    /** An attended transfer (REFER with Replaces): the channel the phone consulted. */
    destination_channel?: Channel;
    connected_channel?: Channel;
    bridge?: Bridge;
  };
  referred_by: { source_channel: Channel; connected_channel?: Channel; bridge?: Bridge };
}
/** A phone or trunk as ARI lists it (`GET /endpoints`); `unknown` until it has a contact. */
export interface Endpoint {
  technology: string;
  resource: string;
  state?: 'unknown' | 'offline' | 'online';
  channel_ids: string[];
}
/** An endpoint the app subscribed to (`endpoint:PJSIP`) changed: a phone registered or became unreachable. */
export interface EndpointStateChange extends Ev<'EndpointStateChange'> {
  endpoint: Endpoint;
}
export type TransferProgress = 'channel_progress' | 'channel_answered' | 'channel_unavailable' | 'channel_declined';
/** Asterisk carried out a blind transfer of a bridge's channel (a phone's REFER). */
export interface BridgeBlindTransfer extends Ev<'BridgeBlindTransfer'> {
  channel: Channel;
  exten: string;
  context: string;
  result: string;
  is_external: boolean;
  transferee?: Channel;
  replace_channel?: Channel;
  bridge?: Bridge;
}
/** Asterisk carried out an attended transfer (a phone's REFER with Replaces). */
export interface BridgeAttendedTransfer extends Ev<'BridgeAttendedTransfer'> {
  result: string;
  is_external: boolean;
  destination_type: string;
  transferer_first_leg: Channel;
  transferer_second_leg: Channel;
  transferee?: Channel;
  transfer_target?: Channel;
  replace_channel?: Channel;
  transferer_first_leg_bridge?: Bridge;
  transferer_second_leg_bridge?: Bridge;
}
export interface Dial extends Ev<'Dial'> {
  /** Empty while ringing; ANSWER, BUSY, NOANSWER, CANCEL, CHANUNAVAIL... at the end. */
  dialstatus: string;
  peer: Channel;
  caller?: Channel;
  forward?: string;
  forwarded?: Channel;
  dialstring?: string;
}
export interface ApplicationReplaced extends Ev<'ApplicationReplaced'> {}
export interface ApplicationRegistered extends Ev<'ApplicationRegistered'> {}
export interface ApplicationUnregistered extends Ev<'ApplicationUnregistered'> {}

/** The events the service understands by name. */
export type KnownAriEvent =
  | StasisStart
  | StasisEnd
  | ChannelCreated
  | ChannelStateChange
  | ChannelDtmfReceived
  | ChannelHangupRequest
  | ChannelDestroyed
  | ChannelVarset
  | ChannelDialplan
  | ChannelCallerId
  | ChannelConnectedLine
  | ChannelEnteredBridge
  | ChannelLeftBridge
  | ChannelHold
  | ChannelUnhold
  | ChannelUserevent
  | ChannelTalkingStarted
  | ChannelTalkingFinished
  | BridgeCreated
  | BridgeDestroyed
  | BridgeMerged
  | PlaybackStarted
  | PlaybackContinuing
  | PlaybackFinished
  | RecordingStarted
  | RecordingFinished
  | RecordingFailed
  | Dial
  | ChannelTransfer
  | EndpointStateChange
  | BridgeBlindTransfer
  | BridgeAttendedTransfer
  | ApplicationReplaced
  | ApplicationRegistered
  | ApplicationUnregistered;

export type KnownAriEventType = KnownAriEvent['type'];

/**
 * An event of a type this client does not know: passed through untouched.
 * The `type` is any string outside the known ones, so narrowing on `type` still works.
 */
export interface UnknownAriEvent extends AriEventBase {
  type: Exclude<string, KnownAriEventType>;
  [key: string]: unknown;
}

export type AriEvent = KnownAriEvent | UnknownAriEvent;

/** Narrow an event to one known type. */
export function isAriEvent<T extends KnownAriEventType>(
  event: AriEvent,
  type: T,
): event is Extract<KnownAriEvent, { type: T }> {
  return event.type === type;
}
