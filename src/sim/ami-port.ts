// What the AMI view needs from the simulated world. Kept narrow so the AMI protocol code
// can be read (and tested) without the whole world model.
import type { BridgeSnapshot, ChannelSnapshot, WorldEvent } from './world-types.js';

export interface AmiOriginateRequest {
  /** Dial string as given in `Channel:` (Local/100@from-pstn, PJSIP/1001). */
  dialString: string;
  context?: string;
  exten?: string;
  priority?: number;
  application?: string;
  data?: string;
  callerId?: string;
  timeoutMs?: number;
  variables: Record<string, string>;
  account?: string;
  /** Echoed in the OriginateResult event (the AMI ActionID). */
  requestId?: string;
}

export interface AmiWorldPort {
  subscribe(listener: (e: WorldEvent) => void): () => void;
  channels(): ChannelSnapshot[];
  /** By channel name (what AMI actions use). */
  channelByName(name: string): ChannelSnapshot | undefined;
  bridges(): BridgeSnapshot[];
  getGlobalVar(name: string): string | undefined;
  setGlobalVar(name: string, value: string): void;
  getChannelVar(channelId: string, name: string): string | undefined;
  setChannelVar(channelId: string, name: string, value: string): void;
  /** AMI Hangup: `cause` is the Q.850 cause the hang-up request and Hangup show. */
  hangup(channelId: string, cause: number): void;
  redirect(channelId: string, context: string, exten: string, priority: number): void;
  /** AMI BlindTransfer: the channel's partner goes to exten@context, the channel leaves. */
  blindTransfer(channelId: string, context: string, exten: string): 'success' | 'invalid';
  /** AMI Atxfer / CancelAtxfer: the atxfer and atxferabort features of the channel. */
  atxfer(channelId: string, context: string, exten: string): void;
  cancelAtxfer(channelId: string): void;
  /**
   * Starts an originate; the outcome arrives as an OriginateResult world event with
   * requestId. Throws when the world refuses it before any channel exists.
   */
  originate(req: AmiOriginateRequest): void;
  /** Calls started since the PBX started (CoreStatus, `core show channels`). */
  processedCalls(): number;
  readonly startedAt: Date;
}
