// The simulator's control API: scripts the outside world (callers, phones, faults) over
// plain JSON HTTP. Documented in docs/simulator.md.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import { ariBridge, ariChannel } from './ari-format.js';
import { WorldError, type World } from './world.js';
import type { EndpointBehaviourKind } from './world-types.js';
import { listen } from './listen.js';
import { FAX_BEHAVIOURS, type FaxReceiverScript } from './world-fax.js';

export interface ControlFaults {
  ariDrop(): void;
  /** Undefined when no AMI server runs. */
  amiDrop?: () => void;
  ariApps(): string[];
}

export interface ControlServerOptions {
  world: World;
  faults: ControlFaults;
  host?: string;
  port?: number;
  logger?: Logger;
}

export interface ControlServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

type Json = Record<string, unknown>;

async function readJson(req: IncomingMessage): Promise<Json> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > 64 * 1024) throw new HttpError(413, 'body too large');
    chunks.push(c as Buffer);
  }
  if (size === 0) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new HttpError(400, 'body is not valid JSON');
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new HttpError(400, 'body must be a JSON object');
  return parsed as Json;
}

function str(body: Json, key: string, required: boolean): string | undefined {
  const v = body[key];
  if (v === undefined || v === null) {
    if (required) throw new HttpError(400, `'${key}' is required`);
    return undefined;
  }
  if (typeof v !== 'string' && typeof v !== 'number') throw new HttpError(400, `'${key}' must be a string`);
  return String(v);
}

function num(body: Json, key: string): number | undefined {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new HttpError(400, `'${key}' must be a non-negative number`);
  return v;
}

const BEHAVIOURS: EndpointBehaviourKind[] = ['answer', 'ring-out', 'busy', 'unreachable'];

export async function startControlServer(opts: ControlServerOptions): Promise<ControlServer> {
  const { world, faults } = opts;
  const host = opts.host ?? '127.0.0.1';
  const sockets = new Set<Socket>();

  const route = async (req: IncomingMessage): Promise<{ status: number; body?: unknown }> => {
    const url = new URL(req.url ?? '/', 'http://sim.invalid');
    const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    const method = req.method ?? 'GET';
    const key = `${method} /${parts.map((p, i) => (parts[0] === 'channels' && i === 1 ? ':id' : parts[0] === 'endpoints' && (i === 1 || i === 2) ? ':' : parts[0] === 'fax-receivers' && i === 1 ? ':number' : p)).join('/')}`;
    if (parts[0] === 'recordings' && parts.length > 1 && method === 'PUT') {
      // A prompt copied into the PBX's recordings directory (names may have folders).
      const body = await readJson(req);
      const durationMs = num(body, 'durationMs') ?? 2000;
      if (!Number.isInteger(durationMs) || durationMs < 1) throw new HttpError(400, "'durationMs' must be a positive integer");
      const r = world.placeStoredRecording(parts.slice(1).join('/'), str(body, 'format', false) ?? 'wav', durationMs);
      return { status: 200, body: r };
    }
    switch (key) {
      case 'POST /calls': {
        const body = await readJson(req);
        const ch = world.inboundCall({
          from: str(body, 'from', true) ?? '',
          callerName: str(body, 'callerName', false),
          to: str(body, 'to', true) ?? '',
          app: str(body, 'app', false),
          channelId: str(body, 'channelId', false),
        });
        return { status: 201, body: { channelId: ch.id, name: ch.name, stasis: ch.stasis !== undefined } };
      }
      case 'POST /channels/:id/dtmf': {
        const body = await readJson(req);
        world.remoteDtmf(parts[1] ?? '', str(body, 'digits', true) ?? '', num(body, 'gapMs') ?? 250, num(body, 'durationMs') ?? 100);
        return { status: 204 };
      }
      case 'POST /channels/:id/hangup': {
        const body = await readJson(req);
        const cause = num(body, 'cause') ?? 16;
        if (!Number.isInteger(cause) || cause > 127) throw new HttpError(400, "'cause' must be a Q.850 cause (0-127)");
        world.remoteHangup(parts[1] ?? '', cause);
        return { status: 204 };
      }
      case 'POST /channels/:id/refer': {
        // The phone on this channel presses its transfer key (SIP REFER).
        const body = await readJson(req);
        const handling = str(body, 'handling', false) ?? 'core';
        if (handling !== 'core' && handling !== 'ari-only') throw new HttpError(400, "'handling' must be core or ari-only");
        world.phoneRefer(parts[1] ?? '', {
          target: str(body, 'target', true) ?? '',
          handling,
          attended: body['attended'] === true,
          consultMs: num(body, 'consultMs'),
          hangupAfterMs: num(body, 'hangupAfterMs'),
          targetHangsUp: body['targetHangsUp'] === true,
        });
        return { status: 202 };
      }
      case 'PUT /endpoints/:/:': {
        const body = await readJson(req);
        const behaviour = str(body, 'behaviour', true) as EndpointBehaviourKind;
        if (!BEHAVIOURS.includes(behaviour)) throw new HttpError(400, `'behaviour' must be one of ${BEHAVIOURS.join(', ')}`);
        const endpoint = `${parts[1]}/${parts[2]}`;
        const atOnce = body.atOnce === true;
        world.setEndpointBehaviour(endpoint, { behaviour, answerAfterMs: num(body, 'answerAfterMs'), ...(atOnce ? { atOnce } : {}) });
        return { status: 200, body: { endpoint, behaviour, answerAfterMs: num(body, 'answerAfterMs') ?? null, atOnce } };
      }
      case 'PUT /endpoints/:/:/state': {
        // The phone unregisters (unplugged, qualify fails) or registers again.
        const body = await readJson(req);
        const state = str(body, 'state', true);
        if (state !== 'online' && state !== 'offline') throw new HttpError(400, "'state' must be online or offline");
        world.setEndpointOnline(`${parts[1]}/${parts[2]}`, state === 'online');
        return { status: 200, body: { endpoint: `${parts[1]}/${parts[2]}`, state } };
      }
      case 'PUT /fax-receivers/:number': {
        const body = await readJson(req);
        const behaviour = str(body, 'behaviour', true) as FaxReceiverScript['behaviour'];
        if (!FAX_BEHAVIOURS.includes(behaviour)) throw new HttpError(400, `'behaviour' must be one of ${FAX_BEHAVIOURS.join(', ')}`);
        const pages = num(body, 'pages') ?? 1;
        if (!Number.isInteger(pages) || pages < 1) throw new HttpError(400, "'pages' must be a positive integer");
        const script: FaxReceiverScript = behaviour === 'fax' ? { behaviour, pages } : { behaviour };
        world.setFaxReceiver(parts[1] ?? '', script);
        return { status: 200, body: { number: parts[1], ...script } };
      }
      case 'GET /mailboxes':
        return { status: 200, body: world.mailboxes() };
      case 'POST /faults/ari-drop':
        faults.ariDrop();
        return { status: 204 };
      case 'POST /pbx/shutdown': {
        // `core restart now`: every channel hung up (cause 4), AMI Shutdown, then both
        // sockets close; clients reconnect to an empty PBX.
        const body = await readJson(req);
        if (body.restart !== undefined && typeof body.restart !== 'boolean') throw new HttpError(400, "'restart' must be a boolean");
        const restart = body.restart !== false;
        const hungUp = world.shutdown({ restart });
        // The sockets close after the events are out (Asterisk: within ~20 ms).
        setTimeout(() => {
          faults.ariDrop();
          faults.amiDrop?.();
        }, 20).unref();
        return { status: 200, body: { hungUp, restart } };
      }
      case 'POST /faults/ami-drop':
        if (!faults.amiDrop) throw new HttpError(409, 'no AMI server is running');
        faults.amiDrop();
        return { status: 204 };
      case 'GET /state':
        return {
          status: 200,
          body: {
            channels: world.channels().map((c) => ({ ...ariChannel(c), bridge: c.bridgeId ?? null, stasis: c.stasis ?? null, linkedid: c.linkedid })),
            bridges: world.bridges().map(ariBridge),
            apps: faults.ariApps(),
            endpoints: world.endpoints(),
          },
        };
      default:
        throw new HttpError(404, `no such control operation: ${method} ${url.pathname}`);
    }
  };

  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    route(req)
      .then(({ status, body }) => {
        if (body === undefined) res.writeHead(status).end();
        else res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      })
      .catch((err: unknown) => {
        const status = err instanceof HttpError ? err.status : err instanceof WorldError ? worldStatus(err) : 500;
        if (status === 500) opts.logger?.error({ err }, 'control request failed');
        const message = err instanceof Error ? err.message : 'internal error';
        if (!res.headersSent) res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ error: message }));
      });
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  // Idle connections stay open longer than a client's own keep-alive (undici: 4 s), so a
  // busy client never reuses a socket the server is closing at that moment (ECONNRESET).
  server.keepAliveTimeout = 15_000;
  const port = await listen(server, opts.port ?? 0, host);
  return {
    url: `http://${host}:${port}`,
    port,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function worldStatus(err: WorldError): number {
  switch (err.kind) {
    case 'not-found':
    case 'bridge-not-found':
    case 'variable-not-found':
      return 404;
    case 'conflict':
      return 409;
    case 'bad-request':
    case 'unprocessable':
      return 400;
    default:
      return 500;
  }
}
