// Events to the code that owns a channel, through one Map keyed by channel id.
// No per-channel EventEmitter listeners: those are what leaked in ari-client. An entry
// leaves the map by itself when its channel's StasisEnd or ChannelDestroyed passes.
import type { AriEvent } from './types.js';

export type ChannelHandler = (event: AriEvent) => void;

interface Route {
  handler: ChannelHandler;
  /** Registration order, to tell routes made before a resync from those made after. */
  seq: number;
}

export class ChannelRouteConflict extends Error {
  override name = 'ChannelRouteConflict';
}

/** Ids of the channels an event is about (deduplicated, in a stable order). */
export function channelIdsOf(event: AriEvent): string[] {
  const ids: string[] = [];
  const add = (id: unknown): void => {
    if (typeof id === 'string' && id !== '' && !ids.includes(id)) ids.push(id);
  };
  const e = event as Record<string, unknown>;
  add(idOf(e.channel));
  if (event.type === 'Dial') {
    add(idOf(e.peer));
    add(idOf(e.caller));
  }
  // Playbacks and recordings name their target as `channel:<id>` (or `bridge:<id>`).
  for (const key of ['playback', 'recording'] as const) {
    const target = (e[key] as { target_uri?: unknown } | undefined)?.target_uri;
    if (typeof target === 'string' && target.startsWith('channel:')) add(target.slice('channel:'.length));
  }
  return ids;
}

/** The channel whose life in the app an event ends, if it is StasisEnd or ChannelDestroyed. */
export function endedChannelId(event: AriEvent): string | undefined {
  if (event.type !== 'StasisEnd' && event.type !== 'ChannelDestroyed') return undefined;
  const id = idOf((event as { channel?: unknown }).channel);
  return typeof id === 'string' && id !== '' ? id : undefined;
}

function idOf(obj: unknown): unknown {
  return obj !== null && typeof obj === 'object' ? (obj as { id?: unknown }).id : undefined;
}

export class ChannelRouter {
  private readonly routes = new Map<string, Route>();
  private seq = 0;

  /**
   * Route every event about `channelId` to `handler` until the channel ends. One owner
   * per channel: a second registration throws (hand a channel over with off + on).
   * Returns an unsubscribe function that removes this registration only.
   */
  on(channelId: string, handler: ChannelHandler): () => void {
    if (typeof channelId !== 'string' || channelId === '') throw new TypeError('channelId must be a non-empty string');
    if (this.routes.has(channelId)) throw new ChannelRouteConflict(`channel ${channelId} is already routed`);
    const route: Route = { handler, seq: ++this.seq };
    this.routes.set(channelId, route);
    return () => {
      if (this.routes.get(channelId) === route) this.routes.delete(channelId);
    };
  }

  off(channelId: string): boolean {
    return this.routes.delete(channelId);
  }

  has(channelId: string): boolean {
    return this.routes.has(channelId);
  }

  get size(): number {
    return this.routes.size;
  }

  ids(): string[] {
    return [...this.routes.keys()];
  }

  /** A mark to pass to pruneAbsent: routes registered after it are kept. */
  mark(): number {
    return this.seq;
  }

  /**
   * Deliver an event to the owners of the channels it names, then drop the route of a
   * channel it ends. A throwing handler is reported to `onError` and never stops delivery.
   * Returns how many handlers ran.
   */
  dispatch(event: AriEvent, onError: (err: unknown, channelId: string) => void): number {
    let delivered = 0;
    for (const id of channelIdsOf(event)) {
      const route = this.routes.get(id);
      if (!route) continue;
      delivered++;
      try {
        route.handler(event);
      } catch (err) {
        onError(err, id);
      }
    }
    const ended = endedChannelId(event);
    if (ended !== undefined) this.routes.delete(ended);
    return delivered;
  }

  /**
   * After a reconnect the StasisEnd of a channel that died in the gap never comes:
   * drop routes registered up to `mark` whose channel is not alive any more.
   * Returns the ids dropped.
   */
  pruneAbsent(alive: ReadonlySet<string>, mark: number): string[] {
    const dropped: string[] = [];
    for (const [id, route] of this.routes) {
      if (route.seq <= mark && !alive.has(id)) {
        this.routes.delete(id);
        dropped.push(id);
      }
    }
    return dropped;
  }
}
