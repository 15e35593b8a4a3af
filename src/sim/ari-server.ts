// The simulated ARI endpoint: REST under /ari and the event WebSocket at /ari/events.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import { WebSocketServer, WebSocket } from 'ws';
import { eventAllowed, NO_FILTER, type AppEventFilter } from './ari-event-filter.js';
import { ariEventBody, ariMessage, ariTimestamp } from './ari-format.js';
import { authorised, buildParams, httpDate, readBody, reply, SERVER_HEADER, unauthorised, writeReply, type AriCredentials, type AriReply } from './ari-http.js';
import { dispatch } from './ari-routes.js';
import { WorldError } from './world-errors.js';
import type { World } from './world.js';
import type { WorldEvent } from './world-types.js';
import { listen } from './listen.js';

export interface AriServerOptions {
  world: World;
  host?: string;
  port?: number;
  credentials: AriCredentials;
  logger?: Logger;
  /** false: the eventFilter resource does not exist (an Asterisk before 13.26/16.3). */
  eventFilter?: boolean;
}

interface AppSocket {
  ws: WebSocket;
  apps: string[];
  subscribeAll: boolean;
}

export interface AriServer {
  url: string;
  port: number;
  /** Closes every event socket without a close frame, as a crash or network drop would. */
  dropWebSockets(): void;
  /** Apps that currently have a socket. */
  apps(): string[];
  close(): Promise<void>;
}

export async function startAriServer(opts: AriServerOptions): Promise<AriServer> {
  const { world, credentials } = opts;
  const log = opts.logger;
  const host = opts.host ?? '127.0.0.1';
  const owners = new Map<string, AppSocket>(); // app name -> the socket that owns it
  const sockets = new Set<AppSocket>();
  // Asterisk keeps a filter on the app object, which it destroys once the app has no socket
  // and nothing subscribed: here, an app's filter goes with its socket (a client sets it
  // again after every connect).
  const filters = new Map<string, AppEventFilter>();
  const allowed = (app: string, type: string): boolean => eventAllowed(filters.get(app) ?? NO_FILTER, type);
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
  const rawSockets = new Set<Socket>();

  const send = (s: AppSocket, text: string): void => {
    if (s.ws.readyState !== WebSocket.OPEN) return;
    s.ws.send(text, (err) => {
      if (err) log?.debug({ err }, 'ARI event send failed');
    });
  };

  const unsubscribeWorld = world.subscribe((e: WorldEvent) => {
    const body = ariEventBody(e);
    if (!body) return;
    const type = String(body['type']);
    for (const app of e.apps) {
      const owner = owners.get(app);
      if (owner && allowed(app, type)) send(owner, ariMessage(body, world.asteriskId, app));
    }
    for (const s of sockets) {
      if (!s.subscribeAll) continue;
      for (const app of s.apps) {
        if (owners.get(app) === s && !e.apps.includes(app) && allowed(app, type)) send(s, ariMessage(body, world.asteriskId, app));
      }
    }
  });

  const release = (s: AppSocket): void => {
    sockets.delete(s);
    for (const app of s.apps) {
      if (owners.get(app) === s) {
        owners.delete(app);
        filters.delete(app);
        world.unregisterApp(app);
      }
    }
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      log?.error({ err }, 'ARI request failed');
      if (!res.headersSent) writeReply(req, res, reply.error(500, 'Internal Server Error', 'Internal Server Error'));
      else res.destroy();
    });
  });
  server.on('connection', (sock: Socket) => {
    rawSockets.add(sock);
    sock.on('close', () => rawSockets.delete(sock));
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://sim.invalid');
    if (!url.pathname.startsWith('/ari/') && url.pathname !== '/ari') {
      writeReply(req, res, reply.error(404, 'Not Found', 'Resource not found'));
      return;
    }
    if (!authorised(req, url.searchParams, credentials)) {
      req.resume();
      writeReply(req, res, unauthorised());
      return;
    }
    let raw: Buffer;
    try {
      raw = await readBody(req);
    } catch (err) {
      writeReply(req, res, reply.error(400, 'Bad Request', err instanceof WorldError ? err.message : 'Bad request'));
      return;
    }
    let body: unknown;
    const isJson = (req.headers['content-type'] ?? '').toLowerCase().includes('json');
    if (raw.length > 0 && isJson) {
      try {
        body = JSON.parse(raw.toString('utf8'));
      } catch {
        writeReply(req, res, reply.error(400, 'Bad Request', 'Error parsing request body'));
        return;
      }
    }
    const { params, variables } = buildParams(url.searchParams, body);
    params.delete('api_key');
    let segments: string[];
    try {
      segments = url.pathname.slice('/ari'.length).split('/').filter(Boolean).map(decodeURIComponent);
    } catch {
      writeReply(req, res, reply.error(404, 'Not Found', 'Resource not found'));
      return;
    }
    // An older Asterisk has /applications/{app} but nothing below it but /subscription.
    const noFilterResource = opts.eventFilter === false && segments[0] === 'applications' && segments[2] === 'eventFilter';
    const r: AriReply = noFilterResource ? reply.error(404, 'Not Found', 'Resource not found') : dispatch(
      { method: (req.method ?? 'GET').toUpperCase(), segments, params, variables, body, headers: req.headers },
      {
        world,
        apps: () => [...owners.keys()],
        filterOf: (app) => filters.get(app) ?? NO_FILTER,
        setFilter: (app, filter) => filters.set(app, filter),
      },
    );
    writeReply(req, res, r);
  }

  server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    const url = new URL(req.url ?? '/', 'http://sim.invalid');
    if (url.pathname !== '/ari/events') {
      socket.end(rawResponse('404 Not Found', [['Content-type', 'application/json']], '{"message":"Resource not found"}'));
      return;
    }
    if (!authorised(req, url.searchParams, credentials)) {
      socket.end(
        rawResponse(
          '401 Unauthorized',
          [
            ['WWW-Authenticate', 'Basic realm="Asterisk REST Interface"'],
            ['Content-type', 'application/json'],
          ],
          '{"message":"Authentication required"}',
        ),
      );
      return;
    }
    const appParam = url.searchParams.get('app');
    if (!appParam) {
      // Asterisk answers twice: the HTML error page, then the websocket module's own refusal.
      const html =
        '<!DOCTYPE HTML PUBLIC "-//IETF//DTD HTML 2.0//EN">\r\n<html><head>\r\n<title>400 Bad Request</title>\r\n</head><body>\r\n<h1>Bad Request</h1>\r\n<p>HTTP request is missing param: [app]</p>\r\n<hr />\r\n<address>Asterisk/22.10.1</address>\r\n</body></html>\r\n';
      socket.end(rawResponse('400 Bad Request', [['Content-type', 'text/html']], html) + rawResponse('400 Bad Request', [['Sec-WebSocket-Version', '7, 8, 13']], ''));
      return;
    }
    const apps = appParam.split(',').filter(Boolean);
    const subscribeAll = (url.searchParams.get('subscribeAll') ?? 'false') === 'true';
    wss.handleUpgrade(req, socket, head, (ws) => {
      const s: AppSocket = { ws, apps, subscribeAll };
      sockets.add(s);
      for (const app of apps) {
        const previous = owners.get(app);
        if (previous && previous !== s && allowed(app, 'ApplicationReplaced')) {
          send(previous, JSON.stringify({ type: 'ApplicationReplaced', timestamp: ariTimestamp(new Date()), application: app, asterisk_id: world.asteriskId }));
        }
        owners.set(app, s);
        world.registerApp(app);
      }
      ws.on('message', () => undefined); // clients send nothing meaningful; ignore
      ws.on('error', (err) => log?.debug({ err }, 'ARI websocket error'));
      ws.on('close', () => release(s));
    });
  });

  // Asterisk's HTTP server keeps an idle connection 15 s (http.conf session_keep_alive);
  // Node's 5 s default closed sockets that a busy client was about to reuse (ECONNRESET).
  server.keepAliveTimeout = 15_000;
  const port = await listen(server, opts.port ?? 0, host);

  return {
    url: `http://${host}:${port}/ari`,
    port,
    apps: () => [...owners.keys()],
    dropWebSockets() {
      for (const s of [...sockets]) {
        s.ws.terminate();
        release(s);
      }
    },
    async close() {
      unsubscribeWorld();
      for (const s of [...sockets]) {
        s.ws.terminate();
        release(s);
      }
      wss.close();
      for (const sock of rawSockets) sock.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function rawResponse(status: string, headers: [string, string][], body: string): string {
  const lines = [`HTTP/1.1 ${status}`, `Server: ${SERVER_HEADER}`, `Date: ${httpDate()}`, 'Cache-Control: no-cache, no-store'];
  for (const [k, v] of headers) lines.push(`${k}: ${v}`);
  lines.push(`Content-Length: ${Buffer.byteLength(body)}`);
  return `${lines.join('\r\n')}\r\n\r\n${body}`;
}
