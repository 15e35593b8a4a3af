// The simulator's live records behind the snapshots it publishes, shared by the world's
// layers and never handed out (callers see ChannelSnapshot / BridgeSnapshot).
import type { BridgeType, ChannelSnapshot, WorldEvent } from './world-types.js';

export type WorldListener = (event: WorldEvent) => void;

export type Origin = 'inbound' | 'originated' | 'created' | 'dialed-peer' | 'local-two';

/**
 * How a Local pair goes up. `two-first`: ;2 answered itself (Answer(), or ARI answered it).
 * `dialplan-bridged`: ;2 went up because its own Dial() was answered; Asterisk then reports
 * ;1 up and the originate done before ;2 changes state (capture ami/04).
 */
export type AnswerOrder = 'two-first' | 'dialplan-bridged';

/** The live, mutable record behind each ChannelSnapshot. */
export interface Channel extends ChannelSnapshot {
  resource: string;
  vars: Map<string, string>;
  apps: Set<string>;
  origin: Origin;
  dialStarted: boolean;
  answeredAt?: Date;
  gone: boolean;
  hangingUp: boolean;
  timers: Set<NodeJS.Timeout>;
  moh?: string;
  onHold: boolean;
  muted: Set<'in' | 'out'>;
  /** Another channel this one is talking to outside Stasis (dialplan Dial fallback). */
  partnerId?: string;
  /** An attended transfer (AMI Atxfer) this channel started and is consulting on. */
  atxfer?: { transfereeId?: string; targetId: string; answered: boolean };
  /** A transfer target rung for a transferer who has already hung up: the transferee gets it. */
  pendingTransfereeId?: string;
  /** Completes a pending originate when the channel answers. */
  onAnswer?: (order?: AnswerOrder) => void;
  lastApp: string;
  /** `CDR(userfield)` as the dialplan set it. */
  cdrUserField?: string;
  lastData: string;
  dialStatus?: string;
  destination: string;
  /** When the channel's last key press was stamped: two presses are never the same millisecond. */
  lastDtmfAt?: number;
}

export interface Bridge {
  id: string;
  name: string;
  type: BridgeType;
  technology: string;
  bridgeClass: string;
  creator: string;
  members: string[];
  pseudo: string[]; // Announcer/Recorder channels Asterisk puts into mixing bridges
  subs: Map<string, number>;
  creationtime: Date;
  mohClass?: string;
  announcer?: string;
}

export const KNOWN_CONTEXTS = new Set(['from-pstn', 'agents', 'cti-agents', 'caller-script', 'after-stasis', 'default', 'from-internal', 'queue-in', 'fax-in', 'cti-fax', 'cti-phones', 'cti-phone-transfer']);
export const BRIDGE_TYPE_TOKENS = new Set(['mixing', 'holding', 'dtmf_events', 'proxy_media', 'video_sfu', 'video_single', 'sdp_label']);
export function bridgeApps(b: Bridge): string[] {
  return [...b.subs.entries()].filter(([, n]) => n > 0).map(([app]) => app);
}

export function unionApps(c: Channel, other?: Channel, b?: Bridge): string[] {
  const s = new Set(c.apps);
  if (other) for (const a of other.apps) s.add(a);
  if (b) for (const a of bridgeApps(b)) s.add(a);
  return [...s];
}
