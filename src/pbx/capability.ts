// How a capability (ACD, voicemail, fax, call control) plugs into a PBX node. Each node
// builds its capabilities when it takes ownership and drops them when it lets go, so a
// capability's live PBX work runs on the lease holder only, like the IVR's. A capability
// sees every ARI event before the IVR and the inbound handler; it takes the events that
// belong to its own channels, bridges and playbacks and passes the rest on.
import type { AmiClient } from '../ami/index.js';
import type { AriClient, ResyncSnapshot } from '../ari/client.js';
import type { AriEvent } from '../ari/types.js';
import type { CallChannelPort, InboundCalls } from '../calls/stasis.js';
import type { Db } from '../db/pool.js';
import type { HandoverCapability } from '../ivr/capabilities.js';
import type { HandoverTaker, IvrCalls } from '../ivr/ivr-calls.js';
import type { Logger } from '../log.js';

/** What a capability may use on the node it runs for. */
export interface NodeContext {
  pbxNode: string;
  db: Db;
  log: Logger;
  ari: AriClient;
  ami: AmiClient;
  pbx: CallChannelPort;
  calls: InboundCalls;
  ivr: IvrCalls;
}

export interface NodeCapability {
  /** True when the event was this capability's and is fully handled; false passes it on. */
  route?(event: AriEvent): Promise<boolean>;
  /** IVR hand-overs this capability carries out; it then owns the caller's channel. */
  handovers?: Partial<Record<HandoverCapability, HandoverTaker>>;
  /** After every ARI (re)connect, once the calls themselves are resynced. */
  resync?(snapshot: ResyncSnapshot): Promise<void>;
  /** The node is let go (lease lost, shutdown): stop timers, touch the PBX no more. */
  stop?(): void | Promise<void>;
}

export type CapabilityFactory = (ctx: NodeContext) => NodeCapability;
