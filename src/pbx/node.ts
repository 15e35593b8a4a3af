// One PBX node as seen by this instance: while it holds the node's lease it keeps the
// AMI session and the ARI app connected and feeds them to the call handlers; when it
// loses the lease it disconnects at once, so two instances never drive one node.
// A handler that fails because Postgres or Redis is away is run again, in order, once the
// store answers (a bounded hold, see `outage.ts`); after such a failure the node is
// reconciled against the PBX's own view as after a reconnect.
import type { AmiClient, AmiEvent } from '../ami/index.js';
import type { AriClient, ResyncSnapshot } from '../ari/client.js';
import type { AriEvent } from '../ari/types.js';
import { tryParseAriTimestamp } from '../ari/timestamp.js';
import { scheduleOpenCallAudit } from '../calls/open-calls.js';
import type { InboundCalls, StasisEvent } from '../calls/stasis.js';
import type { HandoverCapability } from '../ivr/capabilities.js';
import type { IvrCalls } from '../ivr/ivr-calls.js';
import type { Logger } from '../log.js';
import type { NodeCapability } from './capability.js';
import { ChannelLanes } from './channel-lanes.js';
import { Lease } from './lease.js';
import { buildNodeClients } from './node-clients.js';
import type { PbxNodeOptions } from './node-options.js';
import { isStoreOutage, outageRetryDelay } from './outage.js';
import { bridgeCall, endedCalls, leftoverBridges } from './leftovers.js';

export type { PbxNodeOptions } from './node-options.js';

/** Events held for a retry at most, over all channels: past it, the reconcile recovers the rest. */
const MAX_HELD = 5_000;
/** A capability that does not stop within this is left behind: the PBX connections are already closed. */
const CAPABILITY_STOP_MS = 5_000;

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
  private calls: InboundCalls | undefined;
  /** Lease lost, PBX connections still closing: this instance may still be driving calls. */
  private steppingDown: Promise<void> | undefined;
  /** Handlers waiting for Postgres or Redis to come back. */
  private held = 0;
  /** A handler failed or was given up: the node's calls need a reconcile against the PBX. */
  private dirty = false;
  private reconcileTimer: NodeJS.Timeout | undefined;
  private auditTimer: NodeJS.Timeout | undefined;
  /** Events of one channel are handled in order; different channels run side by side. */
  private readonly chains = new Map<string, Promise<void>>();
  /** Channels the AMI side reported at its last resync (for /metrics). */
  pbxChannels = 0;
  handlerErrors = 0;
  /** Handlers given up on (outage too long, or too many held): left to the reconcile. */
  handlersDropped = 0;
  reconciles = 0;
  /** Calls the audit ended because their channels were gone from the PBX. */
  auditEnded = 0;

  constructor(private readonly opts: PbxNodeOptions) {
    this.id = opts.node.id;
    this.log = opts.log.child({ pbx: opts.node.id, instance: opts.instanceId });
    this.lease = new Lease({
      redis: opts.redis,
      key: opts.leaseKey,
      postgres: opts.db.options.connectionString,
      owner: opts.instanceId,
      ttlMs: opts.leaseTtlMs,
      intervalMs: opts.tuning?.leaseIntervalMs,
    });
    this.lease.on('acquired', () => {
      this.log.info('took ownership of the PBX node');
      this.connect();
    });
    // The owner kept the node through a Redis outage on its Postgres row, and Redis came
    // back without the key: what Redis held (waiting callers, agents) may be gone too, so
    // the node's calls are resynced as after a takeover, without dropping the connections.
    this.lease.on('rekeyed', () => {
      this.log.info('took the lease key back after Redis lost it; resyncing the node');
      this.markDirty();
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
    return this.readiness(this.ami?.state ?? 'disconnected', 'logged-in');
  }

  ariReadiness(): Readiness {
    const r = this.readiness(this.ari?.state ?? 'disconnected', 'connected');
    if (!r.ok || !this.isOwner) return r;
    if (this.held > 0) return { ok: false, detail: `${this.held} PBX events waiting for Postgres or Redis` };
    if (this.dirty) return { ok: false, detail: 'connected; calls not yet reconciled after a failed handler' };
    return r;
  }

  private readiness(state: string, up: string): Readiness {
    if (this.steppingDown) return { ok: false, detail: 'stepping down: lease lost, PBX connections closing' };
    if (!this.isOwner) return { ok: true, detail: 'standby: another instance owns this node' };
    return { ok: state === up, detail: state };
  }

  private connect(): void {
    const { node, db } = this.opts;
    const { ari, ami, pbx, calls, ivr } = buildNodeClients(this.opts, this.log);
    this.calls = calls;
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
    ari.on('ready', (snapshot) => {
      // Now, not when the resync runs: the events after 'ready' are newer than the snapshot.
      const arrivalMark = calls.arrivalMark();
      this.enqueue('resync', async () => {
        // A reconnect's resync covers whatever a failed handler left behind so far.
        this.dirty = false;
        await this.resync(snapshot, arrivalMark, 'ARI resync done');
      });
    });
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
    // Asterisk announces a shutdown after it has hung every channel up (their calls end as
    // PBX restarts, see calls/stasis.ts); both connections drop next and reconnect.
    ami.on('event', (e: AmiEvent) => {
      if (e.event === 'Shutdown') this.log.warn({ shutdown: e.get('Shutdown'), restart: e.get('Restart') === 'True' }, 'the PBX is shutting down');
    });

    this.ari = ari;
    this.ami = ami;
    this.ivr = ivr;
    this.capabilities = capabilities;
    this.startAudit(ari);
    ari.start();
    ami.start();
  }

  /** The backstop for every lost end event: runs while nothing is held or resyncing. */
  private startAudit(ari: AriClient): void {
    clearInterval(this.auditTimer);
    this.auditTimer = scheduleOpenCallAudit({
      db: this.opts.db,
      pbxNode: this.id,
      log: this.log,
      channels: async () => (await ari.rest.channels.list()).map((c) => c.id),
      everyMs: this.opts.tuning?.auditMs ?? 15_000,
      mayRun: () => this.ari === ari && this.held === 0 && ari.state === 'connected' && !this.chains.has('resync'),
      ended: (n) => {
        this.auditEnded += n;
      },
    });
  }

  /** The calls, then every capability, brought in line with what the PBX has now. */
  private async resync(snapshot: ResyncSnapshot, arrivalMark: number, done: string): Promise<void> {
    const calls = this.calls;
    if (!calls) return;
    const pbxStartedAt = await this.ari?.rest.asterisk
      .info()
      .then((info) => tryParseAriTimestamp(info.status?.startup_time))
      .catch(() => undefined);
    const result = await calls.resync({
      channels: snapshot.channels,
      appChannelIds: snapshot.application?.channel_ids ?? [],
      arrivalMark,
      ...(pbxStartedAt !== undefined ? { pbxStartedAt } : {}),
    });
    this.log.info({ ...result, channels: snapshot.channels.length }, done);
    // One capability failing to resync must not keep the others from theirs.
    for (const c of this.capabilities) {
      await c.resync?.(snapshot).catch((err: Error) => {
        this.handlerErrors++;
        this.markDirty();
        this.log.error({ err: err.message }, 'capability resync failed');
      });
    }
    await this.removeLeftoverBridges(snapshot);
  }

  private async removeLeftoverBridges(snapshot: ResyncSnapshot): Promise<void> {
    const ari = this.ari;
    if (!ari) return;
    const candidates = snapshot.bridges.filter((b) => (b.channels?.length ?? 0) === 0);
    const ids = [...new Set(candidates.map((b) => bridgeCall(b.id)).filter((id): id is string => id !== undefined))];
    const leftovers = leftoverBridges(candidates, await endedCalls(this.opts.db, this.id, ids));
    for (const id of leftovers) await ari.bridges.destroy(id).catch(() => false);
    if (leftovers.length) this.log.info({ bridges: leftovers.length }, 'removed empty bridges of ended calls');
  }

  /**
   * After a handler failed: once no handler is held any more (the store is back and the
   * held events ran), take a fresh view of the PBX and resync, until one succeeds.
   */
  private markDirty(): void {
    this.dirty = true;
    if (this.reconcileTimer) return;
    const every = this.opts.tuning?.reconcileMs ?? 2_000;
    this.reconcileTimer = setInterval(() => {
      const ari = this.ari;
      if (!this.dirty || !ari) {
        clearInterval(this.reconcileTimer);
        this.reconcileTimer = undefined;
        return;
      }
      if (this.held > 0 || ari.state !== 'connected' || this.chains.has('resync')) return;
      this.enqueue('resync', async () => {
        if (!this.dirty || this.ari !== ari) return;
        this.dirty = false;
        try {
          const arrivalMark = this.calls?.arrivalMark() ?? 0;
          await this.resync(await ari.snapshot(), arrivalMark, 'reconciled with the PBX after failed handlers');
          this.reconciles++;
        } catch (err) {
          this.dirty = true;
          throw err;
        }
      });
    }, every);
    this.reconcileTimer.unref();
  }

  /**
   * Runs a handler; while it fails because Postgres or Redis is away it is run again
   * (later events of the same channel wait behind it, so they keep their order), for at
   * most the hold time and while this instance still drives the node.
   */
  private async runHeld(key: string, task: () => Promise<void>): Promise<void> {
    const ari = this.ari;
    const holdMs = this.opts.tuning?.outageHoldMs ?? 120_000;
    const since = Date.now();
    let holding = false;
    try {
      for (let attempt = 1; ; attempt++) {
        try {
          await task();
          return;
        } catch (err) {
          this.handlerErrors++;
          const stillDriving = this.ari === ari && ari !== undefined && ari.state !== 'stopped';
          const retry =
            isStoreOutage(err) && stillDriving && Date.now() - since < holdMs && (holding || this.held < MAX_HELD);
          if (!retry) {
            this.log.error({ err: (err as Error).message, channelId: key, attempts: attempt }, 'PBX event handler failed');
            if (stillDriving) {
              this.handlersDropped++;
              this.markDirty();
            }
            return;
          }
          if (!holding) {
            holding = true;
            this.held++;
            this.markDirty();
            this.log.warn({ err: (err as Error).message, channelId: key }, 'PBX event handler held until Postgres and Redis answer');
          }
          await new Promise((r) => setTimeout(r, outageRetryDelay(attempt)));
        }
      }
    } finally {
      if (holding) this.held--;
    }
  }

  private enqueue(key: string, task: () => Promise<void>): void {
    const next = (this.chains.get(key) ?? Promise.resolve())
      .then(() => this.runHeld(key, task))
      .finally(() => {
        if (this.chains.get(key) === next) this.chains.delete(key);
      });
    this.chains.set(key, next);
  }

  private disconnect(): Promise<void> {
    this.steppingDown ??= this.letGo().finally(() => {
      this.steppingDown = undefined;
    });
    return this.steppingDown;
  }

  private async letGo(): Promise<void> {
    const { ari, ami } = this;
    this.ari = undefined;
    this.ami = undefined;
    this.calls = undefined;
    this.dirty = false;
    clearInterval(this.reconcileTimer);
    this.reconcileTimer = undefined;
    clearInterval(this.auditTimer);
    this.auditTimer = undefined;
    // Sessions die with the connection: their timers must not fire into a PBX we no
    // longer own. The next owner restarts the flows (see src/ivr/ivr-calls.ts).
    this.ivr?.dropAll();
    this.ivr = undefined;
    const capabilities = this.capabilities;
    this.capabilities = [];
    // The PBX connections close first, whatever the capabilities are waiting for (a fax
    // worker waits for Redis to close): nothing from here may reach a node a peer may
    // already drive.
    const stopping = capabilities.map((c) => Promise.resolve().then(() => c.stop?.()));
    await Promise.allSettled([ari?.stop(), ami?.stop()]);
    await Promise.race([Promise.allSettled(stopping), new Promise((r) => setTimeout(r, CAPABILITY_STOP_MS).unref())]);
  }
}
