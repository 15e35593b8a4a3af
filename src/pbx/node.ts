// One PBX node as seen by this instance: while it holds the node's lease it keeps the
// AMI session and the ARI app connected and feeds them to the call handlers; when it
// loses the lease it disconnects at once, so two instances never drive one node.
import type { Redis } from 'ioredis';
import { AmiClient } from '../ami/index.js';
import { AriClient } from '../ari/client.js';
import type { AriEvent } from '../ari/types.js';
import { InboundCalls, type StasisEvent } from '../calls/stasis.js';
import type { PbxNodeConfig } from '../config.js';
import type { Db } from '../db/pool.js';
import { interpret } from '../ivr/interpreter.js';
import type { HandoverCapability } from '../ivr/capabilities.js';
import { IvrCalls } from '../ivr/ivr-calls.js';
import { publishedFlowForNumber } from '../ivr/repository.js';
import type { Logger } from '../log.js';
import { ariCallPort } from './ari-port.js';
import type { CapabilityFactory, NodeCapability } from './capability.js';
import { Lease } from './lease.js';

export interface PbxNodeOptions {
  node: PbxNodeConfig;
  db: Db;
  redis: Redis;
  log: Logger;
  instanceId: string;
  leaseKey: string;
  leaseTtlMs: number;
  greetingMedia: string;
  /** IVR settings (config.ivr); without them flows still run, with no lookup secrets. */
  ivr?: { secrets?: Record<string, string>; sorryMedia?: string };
  /** ACD, voicemail, fax, call control: built each time this instance takes the node. */
  capabilities?: CapabilityFactory[];
  /** Shorter timings for tests; production uses the clients' defaults. */
  tuning?: { reconnectMinMs?: number; reconnectMaxMs?: number; pingIntervalMs?: number; leaseIntervalMs?: number };
}

export interface Readiness {
  ok: boolean;
  detail?: string;
}

export class PbxNode {
  readonly id: string;
  private readonly lease: Lease;
  private readonly log: Logger;
  private ami: AmiClient | undefined;
  private ari: AriClient | undefined;
  private ivr: IvrCalls | undefined;
  private capabilities: NodeCapability[] = [];
  /** Events of one channel are handled in order; different channels run side by side. */
  private readonly chains = new Map<string, Promise<void>>();
  /** Channels the AMI side reported at its last resync (for /metrics). */
  pbxChannels = 0;
  handlerErrors = 0;

  constructor(private readonly opts: PbxNodeOptions) {
    this.id = opts.node.id;
    this.log = opts.log.child({ pbx: opts.node.id, instance: opts.instanceId });
    this.lease = new Lease({
      redis: opts.redis,
      key: opts.leaseKey,
      owner: opts.instanceId,
      ttlMs: opts.leaseTtlMs,
      intervalMs: opts.tuning?.leaseIntervalMs,
    });
    this.lease.on('acquired', () => {
      this.log.info('took ownership of the PBX node');
      this.connect();
    });
    this.lease.on('lost', (reason) => {
      this.log.warn({ reason }, 'lost ownership of the PBX node');
      void this.disconnect();
    });
  }

  get isOwner(): boolean {
    return this.lease.isHeld;
  }

  get amiClient(): AmiClient | undefined {
    return this.ami;
  }

  get ariClient(): AriClient | undefined {
    return this.ari;
  }

  /** The IVR sessions running on this instance (tests, metrics). */
  get ivrCalls(): IvrCalls | undefined {
    return this.ivr;
  }

  start(): void {
    this.lease.start();
  }

  async stop(): Promise<void> {
    await this.lease.stop();
    await this.disconnect();
  }

  /** Waits until every event received so far has been handled (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.chains.size > 0) await Promise.all(this.chains.values());
  }

  amiReadiness(): Readiness {
    if (!this.isOwner) return { ok: true, detail: 'standby: another instance owns this node' };
    const state = this.ami?.state ?? 'disconnected';
    return { ok: state === 'logged-in', detail: state };
  }

  ariReadiness(): Readiness {
    if (!this.isOwner) return { ok: true, detail: 'standby: another instance owns this node' };
    const state = this.ari?.state ?? 'disconnected';
    return { ok: state === 'connected', detail: state };
  }

  private connect(): void {
    const { node, db, greetingMedia, tuning } = this.opts;
    const reconnect = { minMs: tuning?.reconnectMinMs, maxMs: tuning?.reconnectMaxMs };

    const ari = new AriClient({
      url: node.ari.url,
      user: node.ari.user,
      password: node.ari.password,
      app: node.ari.app,
      log: this.log,
      reconnect,
      ...(tuning?.pingIntervalMs ? { ping: { intervalMs: tuning.pingIntervalMs, timeoutMs: tuning.pingIntervalMs * 2 } } : {}),
    });
    const pbx = ariCallPort(ari);
    const calls = new InboundCalls({ db, pbx, pbxNode: node.id, greetingMedia, log: this.log });
    const ivr = new IvrCalls({
      db,
      pbx,
      log: this.log,
      interpret,
      flowForNumber: (did) => publishedFlowForNumber(db, did),
      secrets: this.opts.ivr?.secrets ?? {},
      sorryMedia: [this.opts.ivr?.sorryMedia ?? 'sound:an-error-has-occurred'],
      hangup: (channelId) => calls.hangupOwn(channelId),
    });
    calls.attachIvr(ivr);

    const ami = new AmiClient({
      host: node.ami.host,
      port: node.ami.port,
      username: node.ami.user,
      secret: node.ami.secret,
      // No dtmf: digits come over ARI, and AMI would copy card numbers out of a payment IVR.
      // dialplan: VarSet carries FAXSTATUS/FAXERROR/FAXPAGES, the verdict of a SendFAX.
      events: 'system,call,agent,cdr,dialplan',
      log: this.log,
      reconnect,
      ...(tuning?.pingIntervalMs ? { pingIntervalMs: tuning.pingIntervalMs } : {}),
    });

    const ctx = { pbxNode: node.id, db, log: this.log, ari, ami, pbx, calls, ivr };
    const capabilities = (this.opts.capabilities ?? []).map((build) => build(ctx));
    for (const c of capabilities) {
      for (const [to, take] of Object.entries(c.handovers ?? {})) if (take) ivr.addHandover(to as HandoverCapability, take);
    }
    const dispatch = async (event: AriEvent): Promise<void> => {
      for (const c of capabilities) if (c.route && (await c.route(event))) return;
      await calls.handle(event as StasisEvent);
    };
    const lanes = new ChannelLanes();
    ari.on('event', (event: AriEvent) => this.enqueue(lanes.of(event), () => dispatch(event)));
    ari.on('ready', (snapshot) =>
      this.enqueue('resync', async () => {
        const result = await calls.resync({
          channels: snapshot.channels,
          appChannelIds: snapshot.application?.channel_ids ?? [],
        });
        this.log.info({ ...result, channels: snapshot.channels.length }, 'ARI resync done');
        // One capability failing to resync must not keep the others from theirs.
        for (const c of capabilities) {
          await c.resync?.(snapshot).catch((err: Error) => {
            this.handlerErrors++;
            this.log.error({ err: err.message }, 'capability resync failed');
          });
        }
      }),
    );
    ari.on('applicationReplaced', () => {
      // Another process registered our app name: the PBX now sends it our events. Only a
      // lease holder should connect, so this is a misconfiguration worth shouting about.
      this.log.error({ app: node.ari.app }, 'ARI application taken over by another connection');
    });

    ami.on('ready', () => {
      ami
        .action({ Action: 'CoreShowChannels' })
        .then((res) => {
          this.pbxChannels = res.events.length;
          this.log.info({ channels: this.pbxChannels }, 'AMI resync done');
        })
        .catch((err: Error) => this.log.warn({ err: err.message }, 'AMI resync failed'));
    });
    ami.on('error', (err) => this.log.warn({ err: err.message }, 'AMI error'));

    this.ari = ari;
    this.ami = ami;
    this.ivr = ivr;
    this.capabilities = capabilities;
    ari.start();
    ami.start();
  }

  private enqueue(key: string, task: () => Promise<void>): void {
    const next = (this.chains.get(key) ?? Promise.resolve())
      .then(task)
      .catch((err: Error) => {
        this.handlerErrors++;
        this.log.error({ err: err.message, channelId: key }, 'PBX event handler failed');
      })
      .finally(() => {
        if (this.chains.get(key) === next) this.chains.delete(key);
      });
    this.chains.set(key, next);
  }

  private async disconnect(): Promise<void> {
    const { ari, ami } = this;
    this.ari = undefined;
    this.ami = undefined;
    // Sessions die with the connection: their timers must not fire into a PBX we no
    // longer own. The next owner restarts the flows (see src/ivr/ivr-calls.ts).
    this.ivr?.dropAll();
    this.ivr = undefined;
    const capabilities = this.capabilities;
    this.capabilities = [];
    await Promise.allSettled(capabilities.map(async (c) => c.stop?.()));
    await Promise.allSettled([ari?.stop(), ami?.stop()]);
  }
}

/**
 * Which lane an event runs in. A channel the PBX swaps into a bridge in another's place
 * (a phone's transfer: StasisStart with replace_channel) shares the replaced channel's
 * lane from then on, so the swap is handled before the phone's hang-up, and the new
 * channel's own events after the swap.
 */
class ChannelLanes {
  private readonly aliases = new Map<string, string>();

  of(event: AriEvent): string {
    const replaced = event.type === 'StasisStart' ? (event as { replace_channel?: { id?: string } }).replace_channel?.id : undefined;
    const key = channelKey(event);
    if (replaced) this.aliases.set(key, this.aliases.get(replaced) ?? replaced);
    const lane = this.aliases.get(key) ?? key;
    if (event.type === 'ChannelDestroyed') this.aliases.delete(key);
    return lane;
  }
}

/** The channel an ARI event is about; playbacks name theirs in `target_uri`. */
function channelKey(event: AriEvent): string {
  const e = event as { channel?: { id?: string }; playback?: { target_uri?: string }; referred_by?: { source_channel?: { id?: string } } };
  if (e.channel?.id) return e.channel.id;
  // ChannelTransfer (a phone's REFER under ari-only) names the phone only here.
  if (e.referred_by?.source_channel?.id) return e.referred_by.source_channel.id;
  const target = e.playback?.target_uri;
  if (target?.startsWith('channel:')) return target.slice('channel:'.length);
  return 'pbx';
}
