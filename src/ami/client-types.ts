// What an AMI client is told at start and what it reports: options, state, counters, events.
import type { Logger } from '../log.js';
import type { AmiEventFilter } from './filters.js';
import type { AmiEvent } from './message.js';

export type AmiClientState = 'connecting' | 'logged-in' | 'disconnected' | 'stopped';

export interface AmiClientOptions {
  host: string;
  port: number;
  username: string;
  secret: string;
  /** Login `Events:` mask: 'on', 'off' or a class list such as 'call,agent'. Default 'on'. */
  events?: 'on' | 'off' | string;
  log?: Logger;
  /** Default per-action timeout. Default 10 s. */
  actionTimeoutMs?: number;
  /** Keepalive `Ping` period; a missed Pong drops the connection. 0 disables. Default 15 s. */
  pingIntervalMs?: number;
  /** Time allowed to connect, read the greeting and log in. Default: actionTimeoutMs. */
  connectTimeoutMs?: number;
  reconnect?: { minMs?: number; maxMs?: number };
  /** Events waiting for handlers; the oldest are dropped beyond this. Default 10,000. */
  eventQueueLimit?: number;
  maxMessageBytes?: number;
  /**
   * Filter actions sent after every login, before 'ready': the session then receives only
   * the events they let through. Refused (no `system` write privilege): the session stays
   * unfiltered. Partly refused: the client reconnects and runs unfiltered from then on.
   */
  eventFilters?: readonly AmiEventFilter[];
}

/** What the current session's events were narrowed by. */
export type AmiFilterState = 'none' | 'applied' | 'refused';

export interface AmiActionOptions {
  timeoutMs?: number;
}

export interface AmiClientStats {
  eventsReceived: number;
  badLines: number;
  droppedEvents: number;
  reconnects: number;
  oversizedMessages: number;
  unmatchedResponses: number;
  handlerErrors: number;
  loginFailures: number;
}

export interface AmiClientEvents {
  /** Logged in (again). Events from any gap are lost: resync state now. */
  ready: [];
  /** A logged-in session ended; every pending action has been rejected. */
  disconnected: [reason: string];
  event: [event: AmiEvent];
  error: [error: Error];
}
