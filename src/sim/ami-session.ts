// One AMI TCP session of the simulated PBX: greeting, login, actions, and the events its
// mask selects. Texts and header order follow a real Asterisk 22 (test/fixtures/asterisk/ami).
import type net from 'node:net';
import type { Logger } from '../log.js';
import { AmiParser } from '../ami/codec.js';
import type { AmiMessage } from '../ami/message.js';
import { handleAction } from './ami-actions.js';
import { shouldSend, userFilters, type SessionFilters } from './ami-filter.js';
import { parseEventMask, type EventMask } from './ami-mask.js';
import type { AmiWorldPort } from './ami-port.js';
import { AMI_VERSION, eventTv, type OriginateOrigin, type Pair, type RenderedEvent } from './ami-render.js';

/** A reader that lets this much output pile up is dropped, as Asterisk's writetimeout does. */
const MAX_BUFFERED_OUTPUT = 32 * 1024 * 1024;

export interface AmiServerContext {
  world: AmiWorldPort;
  username: string;
  secret: string;
  /** The user's write privileges (manager.conf `write=`): actions needing another class are refused. */
  writePermissions: EventMask;
  /** The user's manager.conf `eventfilter` lines, copied into each session at login. */
  eventFilters: ReadonlyArray<readonly [string, string]>;
  log: Logger | undefined;
  /** Async Originates whose OriginateResponse is still due, by request id. */
  asyncOriginates: Map<string, OriginateOrigin>;
  nextRequestId(): string;
  /** Resolves with the outcome of an originate started with this request id. */
  awaitOriginate(requestId: string): Promise<{ response: 'Success' | 'Failure' }>;
}

function clean(value: string): string {
  // World values come from API callers; a line break would corrupt the stream.
  return value.includes('\r') || value.includes('\n') ? value.replace(/[\r\n]+/g, ' ') : value;
}

export function wire(pairs: readonly Pair[]): string {
  let out = '';
  for (const [k, v] of pairs) out += `${k}: ${clean(v)}\r\n`;
  return out + '\r\n';
}

let sessionCounter = 0;

export class AmiSession {
  authenticated = false;
  mask: EventMask = parseEventMask('off');
  /** The user's filters from login on, plus those added with the Filter action. */
  filters: SessionFilters = { include: [], exclude: [] };
  readonly sessionId = `0x${(0x7f5ed8000000 + ++sessionCounter * 0x1000).toString(16)}`;
  private readonly parser = new AmiParser({ maxMessageBytes: 64 * 1024 });
  private closed = false;

  constructor(
    readonly socket: net.Socket,
    readonly ctx: AmiServerContext,
  ) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      this.closed = true;
    });
    socket.write(`Asterisk Call Manager/${AMI_VERSION}\r\n`);
  }

  get isOpen(): boolean {
    return !this.closed && !this.socket.destroyed;
  }

  /** Reply to `msg`: Response line, then ActionID when the request had one, then the rest. */
  respond(msg: AmiMessage, response: string, rest: Pair[] = []): void {
    const id = msg.get('ActionID');
    const pairs: Pair[] = [['Response', response]];
    if (id !== undefined) pairs.push(['ActionID', id]);
    this.write([...pairs, ...rest]);
  }

  error(msg: AmiMessage, message: string): void {
    this.respond(msg, 'Error', [['Message', message]]);
  }

  write(pairs: readonly Pair[]): void {
    this.writeText(wire(pairs));
  }

  private writeText(text: string): void {
    if (!this.isOpen) return;
    this.socket.write(text);
    if (this.socket.writableLength > MAX_BUFFERED_OUTPUT) {
      this.ctx.log?.warn({ session: this.sessionId }, 'AMI reader too slow; dropping it');
      this.socket.destroy();
    }
  }

  /**
   * Send a broadcast event if this session is logged in, its mask selects the class and its
   * filters let it through (Asterisk tests the filters against the text it would send).
   */
  deliver(event: RenderedEvent): void {
    if (!this.authenticated || !this.mask.has(event.eventClass)) return;
    const text = wire(event.pairs);
    const f = this.filters;
    if ((f.include.length > 0 || f.exclude.length > 0) && !shouldSend(f, event.pairs[0]?.[1] ?? '', text)) return;
    this.writeText(text);
  }

  /** Close after what was written so far has been sent (Logoff, failed Login). */
  end(): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.end();
  }

  onLogin(eventsHeader: string | undefined): void {
    this.authenticated = true;
    this.mask = parseEventMask(eventsHeader);
    this.filters = userFilters(this.ctx.eventFilters);
    const now = new Date();
    const uptime = String(Math.floor((now.getTime() - this.ctx.world.startedAt.getTime()) / 1000));
    // Written straight to the session as action_login does: the mask applies, filters do not.
    if (this.mask.has('system'))
      this.write([
        ['Event', 'FullyBooted'],
        ['Privilege', 'system,all'],
        ['Uptime', uptime],
        ['LastReload', uptime],
        ['Status', 'Fully Booted'],
      ]);
    const local = `IPV4/TCP/${this.socket.localAddress ?? '127.0.0.1'}/${this.socket.localPort ?? 0}`;
    const remote = `IPV4/TCP/${this.socket.remoteAddress ?? '127.0.0.1'}/${this.socket.remotePort ?? 0}`;
    this.deliver({
      eventClass: 'security',
      pairs: [
        ['Event', 'SuccessfulAuth'],
        ['Privilege', 'security,all'],
        ['EventTV', eventTv(now)],
        ['Severity', 'Informational'],
        ['Service', 'AMI'],
        ['EventVersion', '1'],
        ['AccountID', this.ctx.username],
        ['SessionID', this.sessionId],
        ['LocalAddress', local.replace('::ffff:', '')],
        ['RemoteAddress', remote.replace('::ffff:', '')],
        ['UsingPassword', '0'],
        ['SessionTV', eventTv(now)],
      ],
    });
  }

  private onData(chunk: Buffer): void {
    for (const msg of this.parser.push(chunk)) {
      if (!this.isOpen) return;
      try {
        const pending = handleAction(this, msg);
        if (pending) {
          pending.catch((err: unknown) => {
            this.ctx.log?.error({ err }, 'simulated AMI action failed');
          });
        }
      } catch (err) {
        this.ctx.log?.error({ err }, 'simulated AMI action failed');
        this.error(msg, 'Internal error');
      }
    }
  }
}
