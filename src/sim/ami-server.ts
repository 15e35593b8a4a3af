// The simulated PBX's AMI listener: a real TCP server speaking Asterisk 22's manager
// protocol over the shared world model, so clients are tested against a network peer.
import net from 'node:net';
import type { Logger } from '../log.js';
import type { AmiOriginateRequest, AmiWorldPort } from './ami-port.js';
import { renderOriginateResponse, renderWorldEvent, type OriginateOrigin } from './ami-render.js';
import { parseEventMask } from './ami-mask.js';
import { AmiSession, type AmiServerContext } from './ami-session.js';
import type { World } from './world.js';
import type { WorldEvent } from './world-types.js';
import { listen } from './listen.js';

export interface AmiServerOptions {
  host?: string;
  port?: number;
  username: string;
  secret: string;
  /**
   * The AMI user's write privileges as manager.conf spells them (`write=call,originate`).
   * Default 'all'. Without 'system' the Filter action is refused, as on a real Asterisk.
   */
  writePermissions?: string;
  /**
   * The user's manager.conf `eventfilter` lines as [key, value], e.g.
   * ['eventfilter(name(Hangup))', '']: every session of the user starts with them.
   */
  eventFilters?: ReadonlyArray<readonly [string, string]>;
  log?: Logger;
}

export interface AmiServerHandle {
  port: number;
  /** Stop listening, close every session and detach from the world. */
  close(): Promise<void>;
  /** Fault injection: reset every AMI connection at once, as a crashed Asterisk would. */
  dropConnections(): void;
  /** Sessions currently open (for tests and the control API). */
  sessionCount(): number;
}

/** Adapts the world model to the narrow port the AMI view uses; dispose() detaches it. */
export function worldPort(world: World): AmiWorldPort & { dispose(): void } {
  let processed = 0;
  const off = world.subscribe((e) => {
    if (e.type === 'ChannelCreated' && e.channel.id === e.channel.linkedid) processed++;
  });
  return {
    dispose: () => {
      off();
    },
    subscribe: (l) => world.subscribe(l),
    channels: () => world.channels(),
    channelByName: (name) => world.channelByName(name),
    bridges: () => world.bridges(),
    getGlobalVar: (name) => world.getGlobal(name),
    setGlobalVar: (name, value) => world.setGlobal(name, value),
    getChannelVar: (id, name) => world.getVar(id, name),
    setChannelVar: (id, name, value) => world.setVar(id, name, value),
    hangup: (id, cause) => world.hangup(id, { cause }),
    redirect: (id, context, exten, priority) => world.redirect(id, context, exten, priority),
    blindTransfer: (id, context, exten) => world.blindTransfer(id, context, exten),
    atxfer: (id, context, exten) => world.atxfer(id, context, exten),
    cancelAtxfer: (id) => world.cancelAtxfer(id),
    originate: (req: AmiOriginateRequest) => {
      world.originate({
        endpoint: req.dialString,
        context: req.context,
        extension: req.exten,
        priority: req.priority,
        application: req.application,
        data: req.data,
        callerId: req.callerId,
        // AMI Timeout is in milliseconds, the world's in seconds.
        timeout: req.timeoutMs !== undefined ? Math.max(1, Math.round(req.timeoutMs / 1000)) : undefined,
        variables: req.variables,
        accountcode: req.account,
        requestId: req.requestId,
      });
    },
    processedCalls: () => processed,
    startedAt: world.startedAt,
  };
}

export async function startAmiServer(world: World | AmiWorldPort, options: AmiServerOptions): Promise<AmiServerHandle> {
  const adapted = 'inboundCall' in world ? worldPort(world as World) : undefined;
  const base: AmiWorldPort = adapted ?? (world as AmiWorldPort);
  const sessions = new Set<AmiSession>();
  const asyncOriginates = new Map<string, OriginateOrigin>();
  const originateWaiters = new Map<string, (r: { response: 'Success' | 'Failure' }) => void>();
  let requestSeq = 0;

  // The world refuses some originates before any channel exists (unknown technology):
  // Asterisk reports those as Failure with Reason 0, so do the same here.
  const port: AmiWorldPort = {
    ...base,
    originate(req) {
      try {
        base.originate(req);
      } catch (err) {
        const id = req.requestId;
        if (id !== undefined && (originateWaiters.has(id) || asyncOriginates.has(id))) {
          broadcast({
            type: 'OriginateResult',
            at: new Date(),
            apps: [],
            requestId: id,
            response: 'Failure',
            reason: 0,
            dialString: req.dialString,
            context: req.context ?? '',
            exten: req.exten ?? '',
          });
        }
        ctx.log?.debug({ err, dialString: req.dialString }, 'simulated originate refused');
      }
    },
  };

  const ctx: AmiServerContext = {
    world: port,
    username: options.username,
    secret: options.secret,
    writePermissions: parseEventMask(options.writePermissions ?? 'all'),
    eventFilters: options.eventFilters ?? [],
    log: options.log?.child({ component: 'sim-ami' }),
    asyncOriginates,
    nextRequestId: () => `ami-originate-${++requestSeq}`,
    awaitOriginate: (requestId) =>
      new Promise((resolve) => {
        originateWaiters.set(requestId, resolve);
      }),
  };

  const broadcast = (e: WorldEvent): void => {
    if (e.type === 'OriginateResult') {
      // Only async AMI originates get an OriginateResponse, with the caller's ActionID.
      const id = e.requestId;
      if (id === undefined) return;
      const waiter = originateWaiters.get(id);
      if (waiter) {
        originateWaiters.delete(id);
        waiter({ response: e.response });
        return;
      }
      const origin = asyncOriginates.get(id);
      if (!origin) return;
      asyncOriginates.delete(id);
      const response = renderOriginateResponse(e, origin);
      for (const s of sessions) s.deliver(response);
      return;
    }
    const rendered = renderWorldEvent(e);
    if (rendered.length === 0) return;
    for (const s of sessions) for (const r of rendered) s.deliver(r);
  };
  const unsubscribe = base.subscribe(broadcast);

  const server = net.createServer((socket) => {
    const session = new AmiSession(socket, ctx);
    sessions.add(session);
    socket.on('close', () => sessions.delete(session));
  });
  const boundPort = await listen(server, options.port ?? 0, options.host ?? '127.0.0.1');
  ctx.log?.info({ port: boundPort }, 'simulated AMI listening');

  return {
    port: boundPort,
    sessionCount: () => sessions.size,
    dropConnections() {
      for (const s of sessions) s.socket.resetAndDestroy();
      sessions.clear();
    },
    async close() {
      unsubscribe();
      adapted?.dispose();
      for (const s of sessions) s.socket.destroy();
      sessions.clear();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
