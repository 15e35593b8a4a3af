// One TCP session to Asterisk and the actions in flight on it: each action gets the next
// ActionID and waits in `pending` until its response (or its list's last event) arrives.
import type net from 'node:net';
import { AmiParser, formatMessage } from './codec.js';
import { AmiTimeoutError } from './errors.js';
import type { AmiResponse } from './message.js';

export interface Pending {
  name: string;
  resolve: (r: AmiResponse) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
  list: AmiResponse | undefined;
}

export interface Connection {
  socket: net.Socket;
  parser: AmiParser;
  pending: Map<string, Pending>;
  nextId: number;
  greeted: boolean;
  loggedIn: boolean;
  closeReason: string | undefined;
  /** Nothing was listening (ECONNREFUSED): the PBX is down or restarting. */
  refused: boolean;
  handshakeTimer: NodeJS.Timeout | undefined;
  pingTimer: NodeJS.Timeout | undefined;
  pingInFlight: boolean;
  badLinesSeen: number;
  oversizedSeen: number;
  /** Event lists being collected; while none is, events skip the ActionID lookup. */
  openLists: number;
}

/** A fresh session on a socket just opened: nothing greeted, logged in or pending yet. */
export function openConnection(socket: net.Socket, maxMessageBytes: number): Connection {
  return {
    socket,
    parser: new AmiParser({ expectGreeting: true, maxMessageBytes }),
    pending: new Map(),
    nextId: 1,
    greeted: false,
    loggedIn: false,
    closeReason: undefined,
    refused: false,
    handshakeTimer: undefined,
    pingTimer: undefined,
    pingInFlight: false,
    badLinesSeen: 0,
    oversizedSeen: 0,
    openLists: 0,
  };
}

export function sameKey(a: string, b: string): boolean {
  return a.length === b.length && a.toLowerCase() === b.toLowerCase();
}

/** Writes an action with the connection's next ActionID; settles on its response, a timeout, or the close. */
export function sendAction(conn: Connection, pairs: Array<[string, string]>, timeoutMs: number): Promise<AmiResponse> {
  const name = (pairs[0] as [string, string])[1];
  const id = String(conn.nextId++);
  let text: string;
  try {
    // ActionID right after Action, like every AMI client Asterisk's own docs show.
    text = formatMessage([pairs[0] as [string, string], ['ActionID', id], ...pairs.slice(1)]);
  } catch (err) {
    return Promise.reject(err as Error);
  }
  return new Promise<AmiResponse>((resolve, reject) => {
    const timer = setTimeout(() => {
      const p = conn.pending.get(id);
      if (p?.list) conn.openLists--;
      conn.pending.delete(id);
      reject(new AmiTimeoutError(name, timeoutMs));
    }, timeoutMs);
    conn.pending.set(id, { name, resolve, reject, timer, list: undefined });
    conn.socket.write(text);
  });
}

/** The action is answered (or failed): its timer and its place in the open lists go. */
export function settle(conn: Connection, id: string, p: Pending): void {
  clearTimeout(p.timer);
  if (p.list) conn.openLists--;
  conn.pending.delete(id);
}
