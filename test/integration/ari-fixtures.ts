// Loopback peers for the ARI client tests, built on the transcripts captured from a real
// Asterisk 22 (test/fixtures/asterisk/ari): an HTTP server that answers with the captured
// response bytes (status line and all), and readers for the captured event stream.
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

export const ARI_FIXTURES = new URL('../fixtures/asterisk/ari/', import.meta.url);
export const ARI_USER = 'cti';
export const ARI_PASSWORD = 'cti-secret';
export const ARI_AUTHORIZATION = 'Basic Y3RpOmN0aS1zZWNyZXQ=';

export function fixtureBytes(relative: string): Buffer {
  return readFileSync(new URL(relative, ARI_FIXTURES));
}

/** The WebSocket messages of the captured scenario, one string per message. */
export function scenarioFrames(file = 'events/scenario.ndjson'): string[] {
  return fixtureBytes(file)
    .toString('utf8')
    .split('\n')
    .filter((line) => line.length > 0);
}

export interface RawRequest {
  method: string;
  /** Request target as sent: path and query, e.g. `/ari/channels?endpoint=...`. */
  target: string;
  headers: Record<string, string>;
  body: Buffer;
}

export interface RawResponse {
  status: number;
  statusText: string;
  headers: Record<string, string>;
  body: Buffer;
}

function splitHead(raw: Buffer): { lines: string[]; body: Buffer } {
  const end = raw.indexOf('\r\n\r\n');
  if (end < 0) throw new Error('no end of HTTP head');
  return { lines: raw.subarray(0, end).toString('latin1').split('\r\n'), body: raw.subarray(end + 4) };
}

function headerMap(lines: string[]): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const i = line.indexOf(':');
    headers[line.slice(0, i).toLowerCase()] = line.slice(i + 1).trim();
  }
  return headers;
}

export function capturedRequest(name: string): RawRequest {
  const { lines, body } = splitHead(fixtureBytes(`http/${name}.req.http`));
  const [method, target] = (lines[0] ?? '').split(' ') as [string, string];
  return { method, target, headers: headerMap(lines.slice(1)), body };
}

export function capturedResponse(name: string): RawResponse {
  const { lines, body } = splitHead(fixtureBytes(`http/${name}.res.http`));
  const m = /^HTTP\/1\.1 (\d{3}) (.*)$/.exec(lines[0] ?? '');
  if (!m) throw new Error(`bad status line in ${name}`);
  return { status: Number(m[1]), statusText: m[2] ?? '', headers: headerMap(lines.slice(1)), body };
}

export interface ReplayServer {
  /** ARI base URL of the server, e.g. `http://127.0.0.1:40123/ari`. */
  url: string;
  /** Requests received, in order. */
  requests: RawRequest[];
  /** Answer the next request with the captured response of fixture `name` (queue). */
  next(name: string): void;
  /** Answer the next request by never answering (to exercise timeouts). */
  nextHang(): void;
  close(): Promise<void>;
}

type Plan = { kind: 'fixture'; name: string } | { kind: 'hang' };

/**
 * An HTTP server that answers each request with the next planned captured response,
 * byte for byte, so odd status lines such as `400 Not Found` reach the client unchanged.
 * A request with nothing planned gets a 599 so a test notices.
 */
export async function startReplayServer(): Promise<ReplayServer> {
  const plans: Plan[] = [];
  const requests: RawRequest[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) headers[k] = Array.isArray(v) ? v.join(', ') : (v ?? '');
      requests.push({ method: req.method ?? '', target: req.url ?? '', headers, body: Buffer.concat(chunks) });
      const plan = plans.shift();
      if (!plan) {
        res.writeHead(599, 'Nothing Planned').end();
        return;
      }
      if (plan.kind === 'hang') return;
      // Write the captured bytes ourselves: node:http would normalise the status line.
      req.socket.end(fixtureBytes(`http/${plan.name}.res.http`));
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/ari`,
    requests,
    next: (name) => plans.push({ kind: 'fixture', name }),
    nextHang: () => plans.push({ kind: 'hang' }),
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

// ---- a fake ARI peer: REST and the events WebSocket on one port ----------------------

export type RestHandler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

export interface Upgrade {
  url: string;
  headers: IncomingHttpHeaders;
}

export interface FakeAri {
  /** ARI base URL, e.g. `http://127.0.0.1:40123/ari`. */
  url: string;
  /** Every WebSocket upgrade request, accepted or not. */
  upgrades: Upgrade[];
  /** Server side of each accepted socket, in order. */
  sockets: WebSocket[];
  /** The n-th accepted socket (0-based), once it exists. */
  socket(n: number): Promise<WebSocket>;
  /** Answer `METHOD /ari/path` (no query) with a captured response or a handler. */
  route(key: string, answer: string | RestHandler): void;
  /** Refuse the next `count` upgrades with the bytes of a captured handshake answer. */
  refuseUpgrades(count: number, fixture: string): void;
  /** Whether the server answers the client's pings (ws's autoPong is off). */
  answerPings: boolean;
  close(): Promise<void>;
}

/** REST routes the client's resync needs, answered with the captured bodies. */
export const RESYNC_ROUTES: Record<string, string> = {
  'GET /ari/applications/cti-bridge': '006-200-application-get',
  'GET /ari/channels': '017-200-channels-list-one-call',
  'GET /ari/bridges': '038-200-bridges-list',
};

export async function startFakeAri(routes: Record<string, string | RestHandler> = RESYNC_ROUTES): Promise<FakeAri> {
  const table = new Map<string, string | RestHandler>(Object.entries(routes));
  const upgrades: Upgrade[] = [];
  const sockets: WebSocket[] = [];
  const waiting = new Map<number, ((ws: WebSocket) => void)[]>();
  const tcp = new Set<Socket>();
  let refuse: { count: number; fixture: string } = { count: 0, fixture: '' };

  const server = createServer((req, res) => {
    const key = `${req.method} ${(req.url ?? '').split('?')[0]}`;
    const answer = table.get(key);
    if (answer === undefined) {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"message":"Resource not found"}');
    } else if (typeof answer === 'string') {
      req.resume();
      req.socket.end(fixtureBytes(`http/${answer}.res.http`));
    } else {
      void Promise.resolve(answer(req, res)).catch(() => res.destroy());
    }
  });
  const wss = new WebSocketServer({ noServer: true, autoPong: false });
  const fake: FakeAri = {
    url: '',
    upgrades,
    sockets,
    answerPings: true,
    socket: (n) =>
      sockets[n]
        ? Promise.resolve(sockets[n])
        : new Promise((resolve) => waiting.set(n, [...(waiting.get(n) ?? []), resolve])),
    route: (key, answer) => table.set(key, answer),
    refuseUpgrades: (count, fixture) => {
      refuse = { count, fixture };
    },
    close: async () => {
      for (const ws of sockets) ws.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      for (const s of tcp) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  server.on('upgrade', (req, socket: Socket, head) => {
    upgrades.push({ url: req.url ?? '', headers: req.headers });
    if (refuse.count > 0) {
      refuse.count--;
      socket.end(fixtureBytes(refuse.fixture));
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      ws.on('ping', (data) => {
        if (fake.answerPings) ws.pong(data);
      });
      const n = sockets.push(ws) - 1;
      for (const resolve of waiting.get(n) ?? []) resolve(ws);
      waiting.delete(n);
    });
  });
  server.on('connection', (s) => {
    tcp.add(s);
    s.on('close', () => tcp.delete(s));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/ari`;
  return fake;
}
