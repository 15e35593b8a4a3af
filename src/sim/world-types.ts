// The simulated PBX's data model and the change events it publishes. Both protocol
// views (ARI in ari-*.ts, AMI in ami-*.ts) read these; neither owns any call state.

export type ChannelState = 'Down' | 'Rsrvd' | 'OffHook' | 'Dialing' | 'Ring' | 'Ringing' | 'Up' | 'Busy';

/** Asterisk's numeric channel state (AMI `ChannelState`). */
export const CHANNEL_STATE_CODE: Record<ChannelState, number> = {
  Down: 0,
  Rsrvd: 1,
  OffHook: 2,
  Dialing: 3,
  Ring: 4,
  Ringing: 5,
  Up: 6,
  Busy: 7,
};

export interface PartyId {
  name: string;
  number: string;
}

export interface DialplanLocation {
  context: string;
  exten: string;
  priority: number;
  appName: string;
  appData: string;
}

/** Where a channel is in Stasis, and how it got there (the two differ in what the app is told afterwards). */
export interface StasisMembership {
  app: string;
  args: string[];
  /** true when Stasis() ran from the dialplan; such channels get nothing after StasisEnd. */
  fromDialplan: boolean;
}

/** An immutable picture of a channel at the moment of an event. */
export interface ChannelSnapshot {
  id: string; // the uniqueid, or the id the ARI client chose
  name: string; // PJSIP/1001-0000000b, Local/100@from-pstn-00000010;2
  tech: string; // PJSIP, Local, Announcer, Recorder
  state: ChannelState;
  caller: PartyId;
  connected: PartyId;
  accountcode: string;
  language: string;
  linkedid: string;
  dialplan: DialplanLocation;
  creationtime: Date;
  /** Set when the channel is one half of a Local pair. */
  localHalf?: 1 | 2;
  /** The other half of a Local pair. */
  localPeerId?: string;
  bridgeId?: string;
  stasis?: StasisMembership;
}

export type BridgeType = 'mixing' | 'holding';

export interface BridgeSnapshot {
  id: string;
  name: string;
  type: BridgeType;
  technology: string; // simple_bridge, holding_bridge
  bridgeClass: string; // stasis
  creator: string; // Stasis
  channelIds: string[];
  creationtime: Date;
  videoMode: string;
  mohClass?: string;
}

export type PlaybackState = 'queued' | 'playing' | 'continuing' | 'paused' | 'done' | 'failed';

export interface PlaybackSnapshot {
  id: string;
  mediaUri: string;
  /** Set while more media of the same playback follow. */
  nextMediaUri?: string;
  targetUri: string; // channel:<id> | bridge:<id>
  language: string;
  state: PlaybackState;
}

export type RecordingState = 'queued' | 'recording' | 'paused' | 'done' | 'failed' | 'canceled';

export interface LiveRecordingSnapshot {
  name: string;
  format: string;
  state: RecordingState;
  targetUri: string;
  durationSeconds?: number;
  cause?: string;
}

export interface StoredRecording {
  name: string;
  format: string;
  durationMs: number;
}

/** An external-MWI mailbox (res_mwi_external), as ARI /mailboxes shows it. */
export interface MailboxState {
  name: string;
  oldMessages: number;
  newMessages: number;
}

export type EndpointBehaviourKind = 'answer' | 'ring-out' | 'busy' | 'unreachable';

export interface EndpointBehaviour {
  behaviour: EndpointBehaviourKind;
  /** For `answer`: how long the phone rings before it is picked up. */
  answerAfterMs?: number;
  /**
   * For `answer`: the phone's 180 and 200 come back with the INVITE's 100, so its ringing,
   * answer and StasisStart are published before the originate's own response is sent (a
   * client sees them first or within a millisecond; capture pjsip/instant-answer).
   */
  atOnce?: boolean;
}

export interface CdrRecord {
  accountCode: string;
  source: string;
  destination: string;
  destinationContext: string;
  callerId: string;
  channel: string;
  destinationChannel: string;
  lastApplication: string;
  lastData: string;
  startTime: Date;
  answerTime?: Date;
  endTime: Date;
  duration: number; // seconds
  billableSeconds: number;
  disposition: 'ANSWERED' | 'NO ANSWER' | 'BUSY' | 'FAILED';
  amaFlags: 'DOCUMENTATION';
  uniqueId: string;
  linkedId: string;
  userField: string;
}

// ---------------------------------------------------------------------------
// World change events. Every event carries `at` (when it happened) and `apps`:
// the Stasis applications subscribed to it under subscribeAll=false semantics,
// computed by the world at the moment it happened (the ARI view just forwards).

interface Base {
  at: Date;
  apps: string[];
}

export type WorldEvent =
  | (Base & { type: 'ChannelCreated'; channel: ChannelSnapshot })
  | (Base & { type: 'LocalBridge'; one: ChannelSnapshot; two: ChannelSnapshot; context: string; exten: string })
  | (Base & { type: 'ChannelStateChanged'; channel: ChannelSnapshot; previous: ChannelState })
  | (Base & { type: 'ChannelVarSet'; channel: ChannelSnapshot; variable: string; value: string })
  | (Base & { type: 'GlobalVarSet'; variable: string; value: string })
  /** `core stop|restart now`: published after every channel was hung up, before the sockets close. */
  | (Base & { type: 'Shutdown'; restart: boolean })
  | (Base & {
      type: 'ChannelDialplan';
      channel: ChannelSnapshot;
      app: string;
      appData: string;
      /** Published after the channel hung up: ARI shows it, AMI drops Newexten for dead channels. */
      dead?: boolean;
    })
  | (Base & { type: 'ChannelCallerId'; channel: ChannelSnapshot })
  | (Base & { type: 'ChannelConnectedLine'; channel: ChannelSnapshot })
  | (Base & {
      type: 'DialBegin';
      caller?: ChannelSnapshot;
      peer: ChannelSnapshot;
      dialString: string;
    })
  | (Base & {
      /** ARI `Dial` with a non-final dialstatus (RINGING); AMI DialState. */
      type: 'DialState';
      caller?: ChannelSnapshot;
      peer: ChannelSnapshot;
      dialString: string;
      status: string;
    })
  | (Base & {
      type: 'DialEnd';
      caller?: ChannelSnapshot;
      peer: ChannelSnapshot;
      dialString: string;
      status: 'ANSWER' | 'BUSY' | 'NOANSWER' | 'CHANUNAVAIL' | 'CANCEL' | 'CONGESTION';
    })
  | (Base & { type: 'BridgeCreated'; bridge: BridgeSnapshot })
  | (Base & { type: 'BridgeEntered'; bridge: BridgeSnapshot; channel: ChannelSnapshot; role?: string })
  | (Base & { type: 'BridgeLeft'; bridge: BridgeSnapshot; channel: ChannelSnapshot })
  | (Base & { type: 'BridgeDestroyed'; bridge: BridgeSnapshot })
  | (Base & {
      type: 'DtmfBegin';
      channel: ChannelSnapshot;
      digit: string;
      direction: 'Received' | 'Sent';
    })
  | (Base & {
      type: 'DtmfEnd';
      channel: ChannelSnapshot;
      digit: string;
      direction: 'Received' | 'Sent';
      durationMs: number;
    })
  | (Base & {
      /** `soft` is true for a soft hangup request; `cause` follows Asterisk (see README fact 14). */
      type: 'HangupRequested';
      channel: ChannelSnapshot;
      cause: number;
      soft: boolean;
    })
  | (Base & { type: 'ChannelHungUp'; channel: ChannelSnapshot; cause: number; causeTxt: string })
  | (Base & { type: 'Cdr'; cdr: CdrRecord })
  | (Base & { type: 'MusicOnHoldStarted'; channel: ChannelSnapshot; mohClass: string })
  | (Base & { type: 'MusicOnHoldStopped'; channel: ChannelSnapshot })
  | (Base & { type: 'ChannelHold'; channel: ChannelSnapshot; musicclass?: string })
  | (Base & { type: 'ChannelUnhold'; channel: ChannelSnapshot })
  /** A phone's REFER left to the app (ari-only), and the app's transfer_progress echoed back (`state`). */
  | (Base & {
      type: 'ChannelTransferRequested';
      source: ChannelSnapshot;
      connected?: ChannelSnapshot;
      bridge?: BridgeSnapshot;
      destination: string;
      state?: string;
      /** REFER with Replaces: the phone's consultation leg, the party it talks to, and its SIP Call-ID. */
      replaces?: { channel: ChannelSnapshot; connected?: ChannelSnapshot; protocolId: string };
    })
  /** A phone registered or went unreachable (EndpointStateChange). */
  | (Base & { type: 'EndpointStateChanged'; endpoint: { technology: string; resource: string; state: 'online' | 'offline'; channelIds: string[] } })
  /** Asterisk carried out a phone's blind REFER: `replacement` took `transferer`'s place. */
  | (Base & {
      type: 'BlindTransferDone';
      transferer: ChannelSnapshot;
      transferee?: ChannelSnapshot;
      replacement: ChannelSnapshot;
      bridge: BridgeSnapshot;
      context: string;
      exten: string;
    })
  /** Asterisk carried out a phone's attended REFER (Replaces): the consulted party took the transferer's place. */
  | (Base & {
      type: 'AttendedTransferDone';
      firstLeg: ChannelSnapshot;
      secondLeg: ChannelSnapshot;
      transferee?: ChannelSnapshot;
      target: ChannelSnapshot;
      bridge: BridgeSnapshot;
    })
  | (Base & {
      type: 'OriginateResult';
      /** The token the caller of `world.originate` passed (AMI: the ActionID). */
      requestId?: string;
      response: 'Success' | 'Failure';
      /** 4 answered, 3 no answer / timeout, 5 busy, 0 could not create the channel. */
      reason: number;
      dialString: string; // e.g. Local/2001@agents
      channel?: ChannelSnapshot; // absent on failure to create
      context: string;
      exten: string;
    })
  | (Base & {
      type: 'StasisStarted';
      channel: ChannelSnapshot;
      app: string;
      args: string[];
      replaceChannel?: ChannelSnapshot;
    })
  | (Base & { type: 'StasisEnded'; channel: ChannelSnapshot; app: string })
  | (Base & { type: 'PlaybackStarted'; playback: PlaybackSnapshot })
  | (Base & { type: 'PlaybackContinuing'; playback: PlaybackSnapshot })
  | (Base & { type: 'PlaybackFinished'; playback: PlaybackSnapshot })
  | (Base & { type: 'RecordingStarted'; recording: LiveRecordingSnapshot })
  | (Base & { type: 'RecordingFinished'; recording: LiveRecordingSnapshot })
  | (Base & { type: 'RecordingFailed'; recording: LiveRecordingSnapshot })
  | (Base & {
      type: 'UserEvent';
      eventName: string;
      variables: Record<string, string>;
      channel?: ChannelSnapshot;
    })
  | (Base & { type: 'ApplicationRegistered'; app: string })
  | (Base & { type: 'ApplicationUnregistered'; app: string })
  | (Base & { type: 'InboundFallback'; channel: ChannelSnapshot; app: string; target: string })
  | (Base & {
      /** res_fax progress (AMI FAXStatus). */
      type: 'FaxStatus';
      channel: ChannelSnapshot;
      operation: 'send' | 'receive';
      status: string;
      localStationId: string;
      fileName: string;
    })
  | (Base & {
      /** res_fax outcome (AMI SendFAX / ReceiveFAX); the status is in the FAX* variables set before it. */
      type: 'FaxResult';
      channel: ChannelSnapshot;
      operation: 'send' | 'receive';
      localStationId: string;
      remoteStationId: string;
      pages: number;
      resolution: string;
      transferRate: string;
      fileName: string;
    });

export type WorldEventType = WorldEvent['type'];
export type WorldEventOf<T extends WorldEventType> = Extract<WorldEvent, { type: T }>;
