// The connections and call handlers of one PBX node, built afresh each time this instance
// takes the node's lease (node.ts wires their events and starts them).
import { AmiClient } from '../ami/index.js';
import { AMI_EVENT_CLASSES, AMI_EVENT_FILTERS } from './ami-events.js';
import { ARI_DISALLOWED_EVENTS } from './ari-events.js';
import { AriClient } from '../ari/client.js';
import { InboundCalls } from '../calls/stasis.js';
import { interpret } from '../ivr/interpreter.js';
import { IvrCalls } from '../ivr/ivr-calls.js';
import { DEFAULT_PROMPT_BOUNDS } from '../ivr/prompt-watchdog.js';
import { RecordingPresence } from '../ivr/recording-presence.js';
import { noLookups } from '../ivr/http-lookup.js';
import { publishedFlowForNumber } from '../ivr/repository.js';
import type { Logger } from '../log.js';
import { ariCallPort, storedRecordingExists } from './ari-port.js';
import type { PbxNodeOptions } from './node-options.js';

export interface NodeClients {
  ari: AriClient;
  ami: AmiClient;
  pbx: ReturnType<typeof ariCallPort>;
  calls: InboundCalls;
  ivr: IvrCalls;
}

/** Not started: the caller attaches its handlers first. */
export function buildNodeClients(opts: PbxNodeOptions, log: Logger): NodeClients {
  const { node, db, greetingMedia, tuning } = opts;
  const reconnect = { minMs: tuning?.reconnectMinMs, maxMs: tuning?.reconnectMaxMs };
  const ari = new AriClient({
    url: node.ari.url,
    user: node.ari.user,
    password: node.ari.password,
    app: node.ari.app,
    log,
    reconnect,
    // Only the event types something reads: see ari-events.ts.
    disallowedEvents: ARI_DISALLOWED_EVENTS,
    ...(tuning?.pingIntervalMs ? { ping: { intervalMs: tuning.pingIntervalMs, timeoutMs: tuning.pingIntervalMs * 2 } } : {}),
  });
  const pbx = ariCallPort(ari);
  const presence = new RecordingPresence({ exists: (name) => storedRecordingExists(ari, name) });
  const calls = new InboundCalls({ db, pbx, pbxNode: node.id, greetingMedia, log: log });
  const ivr = new IvrCalls({
    db,
    pbx,
    log,
    interpret,
    flowForNumber: (did) => publishedFlowForNumber(db, did),
    lookup: (cmd, signal) => (opts.ivr?.lookups ? opts.ivr.lookups.run(cmd, signal) : Promise.resolve(noLookups(cmd))),
    sorryMedia: [opts.ivr?.sorryMedia ?? 'sound:an-error-has-occurred'],
    hangup: (channelId) => calls.hangupOwn(channelId),
    promptBounds: { ...DEFAULT_PROMPT_BOUNDS, ...(opts.ivr?.promptMaxSeconds ? { maxMs: opts.ivr.promptMaxSeconds * 1000 } : {}) },
    missingRecordings: (names) => presence.missing(names),
  });
  calls.attachIvr(ivr);

  const ami = new AmiClient({
    host: node.ami.host,
    port: node.ami.port,
    username: node.ami.user,
    secret: node.ami.secret,
    // Only the classes and events something reads: see ami-events.ts.
    events: AMI_EVENT_CLASSES,
    eventFilters: AMI_EVENT_FILTERS,
    log,
    reconnect,
    ...(tuning?.pingIntervalMs ? { pingIntervalMs: tuning.pingIntervalMs } : {}),
  });

  return { ari, ami, pbx, calls, ivr };
}
