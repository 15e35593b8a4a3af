// Starts the PBX simulator: one world, seen through ARI (HTTP + WebSocket), AMI (TCP)
// and the control API that scripts the outside world.
import type { Logger } from 'pino';
import { startAmiServer, type AmiServerHandle } from './ami-server.js';
import { startAriServer } from './ari-server.js';
import { startControlServer } from './control.js';
import { World } from './world.js';

export { World } from './world.js';
export type { WorldOptions } from './world.js';
export type * from './world-types.js';

export interface SimulatorOptions {
  host?: string;
  ariPort?: number;
  amiPort?: number;
  controlPort?: number;
  ariUser?: string;
  ariPassword?: string;
  amiUser?: string;
  amiSecret?: string;
  /** The AMI user's write privileges (manager.conf `write=`); default 'all'. */
  amiWritePermissions?: string;
  /** The AMI user's manager.conf `eventfilter` lines as [key, value]. */
  amiEventFilters?: ReadonlyArray<readonly [string, string]>;
  asteriskId?: string;
  /** Media and scripted delays are divided by this (100: a 2 s prompt plays in 20 ms). */
  speed?: number;
  /** Per-sound lengths in simulated milliseconds. */
  soundDurationsMs?: Record<string, number>;
  /** Endpoint subscriptions deliver as Asterisk 22 does (WorldOptions.endpointChannelEvents); default false. */
  endpointChannelEvents?: boolean;
  /** How long PJSIP phones ring before answering unless configured (simulated ms). */
  defaultAnswerAfterMs?: number;
  /** Simulated ms before an agent's Local channel reaches Wait() after answering (default 100). */
  agentDialplanDelayMs?: number;
  /** Stasis app the from-pstn dialplan targets (default cti-bridge). */
  inboundApp?: string;
  logger?: Logger;
  /** res_mwi_external loaded, so ARI /mailboxes answers (default true). */
  mailboxModule?: boolean;
  /** Skip the AMI listener. */
  withoutAmi?: boolean;
  /** false: an Asterisk before 13.26/16.3, without `PUT /applications/{app}/eventFilter` (default true). */
  ariEventFilter?: boolean;
}

export interface Simulator {
  ami: { host: string; port: number } | undefined;
  ari: { url: string; port: number };
  control: { url: string; port: number };
  world: World;
  /** Closes every ARI event socket abruptly (what POST /faults/ari-drop does). */
  dropAri(): void;
  /** Resets every AMI connection (what POST /faults/ami-drop does). */
  dropAmi(): void;
  close(): Promise<void>;
}

export async function startSimulator(opts: SimulatorOptions = {}): Promise<Simulator> {
  const host = opts.host ?? '127.0.0.1';
  const log = opts.logger?.child({ component: 'sim' });
  const world = new World({
    asteriskId: opts.asteriskId,
    speed: opts.speed,
    soundDurationsMs: opts.soundDurationsMs,
    defaultAnswerAfterMs: opts.defaultAnswerAfterMs,
    inboundApp: opts.inboundApp,
    agentDialplanDelayMs: opts.agentDialplanDelayMs,
    mailboxModule: opts.mailboxModule,
    endpointChannelEvents: opts.endpointChannelEvents,
    logger: log,
  });
  const ari = await startAriServer({
    world,
    host,
    port: opts.ariPort ?? 0,
    credentials: { user: opts.ariUser ?? 'cti', password: opts.ariPassword ?? 'cti-secret' },
    logger: log,
    eventFilter: opts.ariEventFilter ?? true,
  });
  let ami: AmiServerHandle | undefined;
  try {
    if (!opts.withoutAmi) {
      ami = await startAmiServer(world, {
        host,
        port: opts.amiPort ?? 0,
        username: opts.amiUser ?? 'cti',
        secret: opts.amiSecret ?? 'cti-secret',
        ...(opts.amiWritePermissions !== undefined ? { writePermissions: opts.amiWritePermissions } : {}),
        ...(opts.amiEventFilters !== undefined ? { eventFilters: opts.amiEventFilters } : {}),
        log: opts.logger,
      });
    }
  } catch (err) {
    await ari.close();
    world.close();
    throw err;
  }
  const amiHandle = ami;
  const control = await startControlServer({
    world,
    host,
    port: opts.controlPort ?? 0,
    logger: log,
    faults: {
      ariDrop: () => ari.dropWebSockets(),
      amiDrop: amiHandle ? () => amiHandle.dropConnections() : undefined,
      ariApps: () => ari.apps(),
    },
  }).catch(async (err: unknown) => {
    await ari.close();
    await amiHandle?.close();
    world.close();
    throw err;
  });

  let closed = false;
  return {
    ami: amiHandle ? { host, port: amiHandle.port } : undefined,
    ari: { url: ari.url, port: ari.port },
    control: { url: control.url, port: control.port },
    world,
    dropAri: () => ari.dropWebSockets(),
    dropAmi: () => amiHandle?.dropConnections(),
    async close() {
      if (closed) return;
      closed = true;
      world.close();
      await Promise.all([ari.close(), control.close(), amiHandle?.close()]);
    },
  };
}
