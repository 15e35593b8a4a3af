// The live event stream over a real WebSocket: token flow, type filters, rejection of
// bad upgrades, and dropping a consumer that stops reading without slowing the others.
import { randomBytes, randomUUID } from 'node:crypto';
import { connect as netConnect, type Socket } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { Pool } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createApiKey, revokeApiKey } from '../../src/api/keys.js';
import { streamConnections, streamDropped } from '../../src/api/metrics.js';
import type { LocalEventBus } from '../../src/events/bus.js';
import type { DomainEvent, EventType } from '../../src/events/catalogue.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { bearer, keyWith, testApp } from './api-fixtures.js';

let t: TestDatabase;
let app: FastifyInstance;
let bus: LocalEventBus;
let base: string;
let http: Pool;
let reader: string;
const open: WebSocket[] = [];
const sockets: Socket[] = [];

function event(type: EventType, data: Record<string, unknown> = {}): DomainEvent {
  return { id: randomUUID(), type, version: 1, occurredAt: new Date().toISOString(), data };
}

async function streamToken(key: string): Promise<{ status: number; body: any }> {
  const res = await http.request({ method: 'POST', path: '/v1/events/stream-tokens', headers: bearer(key) });
  return { status: res.statusCode, body: await res.body.json() };
}

/** Opens a stream; resolves with the socket and the messages it receives. */
function connect(query: string, headers: Record<string, string> = {}): Promise<{ ws: WebSocket; got: DomainEvent[] }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${base.replace('http', 'ws')}/v1/events/stream${query}`, { headers });
    open.push(ws);
    const got: DomainEvent[] = [];
    ws.on('message', (m) => got.push(JSON.parse(String(m))));
    ws.once('open', () => resolve({ ws, got }));
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c));
      res.on('end', () => reject(Object.assign(new Error(`upgrade refused: ${res.statusCode}`), { status: res.statusCode, body: JSON.parse(body) })));
    });
    ws.once('error', reject);
  });
}

async function refused(query: string, headers: Record<string, string> = {}): Promise<{ status: number; body: any }> {
  try {
    await connect(query, headers);
  } catch (err) {
    return err as { status: number; body: any };
  }
  throw new Error('upgrade was accepted');
}

/** Publishes, then a marker event, and waits until the marker arrives: everything before it has too. */
async function publishAndSettle(client: { got: DomainEvent[] }, events: DomainEvent[]): Promise<DomainEvent[]> {
  const marker = event('survey.completed', { marker: true });
  for (const e of events) await bus.publish(e);
  await bus.publish(marker);
  while (!client.got.some((e) => e.id === marker.id)) await new Promise((r) => setTimeout(r, 5));
  return client.got.filter((e) => e.id !== marker.id);
}

async function connections(): Promise<number> {
  return (await streamConnections.get()).values[0]?.value ?? 0;
}

async function dropped(): Promise<number> {
  return (await streamDropped.get()).values[0]?.value ?? 0;
}

interface Frame {
  opcode: number;
  payload: Buffer;
}

/**
 * A WebSocket client on a bare TCP socket, so the test alone decides when it reads (the
 * ws client resumes a paused socket by itself). Server frames are unmasked.
 */
function rawStreamClient(path: string, key: string, url = base): Promise<{ socket: Socket; untilClosed: Promise<Frame[]> }> {
  const { hostname, port } = new URL(url);
  const socket = netConnect(Number(port), hostname);
  sockets.push(socket);
  socket.write(
    `GET ${path} HTTP/1.1\r\nHost: ${hostname}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n` +
      `Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\n` +
      `Authorization: Bearer ${key}\r\n\r\n`,
  );
  return new Promise((resolve, reject) => {
    let buf = Buffer.alloc(0);
    let upgraded = false;
    const frames: Frame[] = [];
    let done!: (f: Frame[]) => void;
    const untilClosed = new Promise<Frame[]>((r) => (done = r));
    socket.on('error', reject);
    socket.on('close', () => done(frames));
    socket.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      if (!upgraded) {
        const end = buf.indexOf('\r\n\r\n');
        if (end === -1) return;
        const head = buf.subarray(0, end).toString();
        if (!head.startsWith('HTTP/1.1 101')) return reject(new Error(head));
        upgraded = true;
        buf = buf.subarray(end + 4);
        resolve({ socket, untilClosed });
      }
      for (;;) {
        if (buf.length < 2) return;
        let len = buf[1]! & 0x7f;
        let offset = 2;
        if (len === 126) {
          if (buf.length < 4) return;
          len = buf.readUInt16BE(2);
          offset = 4;
        } else if (len === 127) {
          if (buf.length < 10) return;
          len = Number(buf.readBigUInt64BE(2));
          offset = 10;
        }
        if (buf.length < offset + len) return;
        const frame = { opcode: buf[0]! & 0x0f, payload: Buffer.from(buf.subarray(offset, offset + len)) };
        frames.push(frame);
        buf = buf.subarray(offset + len);
        if (frame.opcode === 0x8) socket.end(); // closing handshake: we are done too
      }
    });
  });
}

beforeAll(async () => {
  t = await createTestDatabase();
  ({ app, bus } = await testApp(t.db, { options: { streamMaxBufferedBytes: 256 * 1024 } }));
  base = await app.listen({ host: '127.0.0.1', port: 0 });
  http = new Pool(base);
  reader = await keyWith(t.db, 'events:read');
});
afterAll(async () => {
  for (const ws of open) ws.terminate();
  for (const s of sockets) s.destroy();
  await http?.close();
  await app?.close();
  await t?.drop();
});

describe('stream tokens', () => {
  it('a key with events:read gets a 60-second token that opens the stream', async () => {
    const { status, body } = await streamToken(reader);
    expect(status).toBe(201);
    expect(body.expiresInSeconds).toBe(60);
    const ttl = Date.parse(body.expiresAt) - Date.now();
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(60_000);
    const client = await connect(`?token=${encodeURIComponent(body.token)}&types=survey.completed`);
    expect(client.ws.readyState).toBe(WebSocket.OPEN);
  });

  it('a key without events:read cannot get one', async () => {
    const calls = await keyWith(t.db, 'calls:read');
    const { status, body } = await streamToken(calls);
    expect(status).toBe(403);
    expect(body.detail).toContain('events:read');
  });

  it('no credentials, a forged token or a token of a revoked key are refused with 401', async () => {
    expect((await refused('')).status).toBe(401);
    const { body } = await streamToken(reader);
    // Change a character in the middle of the signature (the last one carries padding bits).
    const i = body.token.length - 10;
    const forged = body.token.slice(0, i) + (body.token[i] === 'A' ? 'B' : 'A') + body.token.slice(i + 1);
    expect((await refused(`?token=${encodeURIComponent(forged)}`)).status).toBe(401);

    const leaver = await createApiKey(t.db, { name: 'leaver', scopes: ['events:read'] });
    const tok = (await streamToken(leaver.key)).body.token;
    await revokeApiKey(t.db, leaver.id);
    app.apiKeys.invalidate(leaver.prefix);
    const r = await refused(`?token=${encodeURIComponent(tok)}`);
    expect(r.status).toBe(401);
    expect(r.body.detail).toContain('token');
  });

  it('non-browser clients may use the Authorization header instead', async () => {
    const client = await connect('?types=call.created,survey.completed', bearer(reader));
    const got = await publishAndSettle(client, [event('call.created'), event('call.ended')]);
    expect(got.map((e) => e.type)).toEqual(['call.created']);
  });

  it('a plain GET without upgrade is told to upgrade', async () => {
    const res = await http.request({ method: 'GET', path: '/v1/events/stream', headers: bearer(reader) });
    expect(res.statusCode).toBe(426);
    expect(res.headers.upgrade).toBe('websocket');
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    await res.body.dump();
  });
});

describe('type filters', () => {
  it('delivers exactly the events matching names and family wildcards, in order', async () => {
    const { body } = await streamToken(reader);
    const client = await connect(`?token=${encodeURIComponent(body.token)}&types=${encodeURIComponent('call.*,cdr.created,survey.completed')}`);
    const sent = [
      event('call.created', { n: 1 }),
      event('agent.state_changed'),
      event('call.answered', { n: 2 }),
      event('cdr.created', { n: 3 }),
      event('fax.sent'),
      event('call.ended', { n: 4 }),
      event('order.created'),
    ];
    const got = await publishAndSettle(client, sent);
    expect(got.map((e) => e.data.n)).toEqual([1, 2, 3, 4]);
    expect(got[0]).toEqual(sent[0]); // the full envelope, unchanged
  });

  it('no filter means every event', async () => {
    const client = await connect('', bearer(reader));
    const got = await publishAndSettle(client, [event('fax.failed'), event('queue.stats')]);
    expect(got.map((e) => e.type)).toEqual(['fax.failed', 'queue.stats']);
  });

  it('an unknown type or family is refused with 400 naming it', async () => {
    const a = await refused(`?types=${encodeURIComponent('call.created,call.teleported')}`, bearer(reader));
    expect(a.status).toBe(400);
    expect(a.body.detail).toBe("unknown event type 'call.teleported'");
    const b = await refused(`?types=${encodeURIComponent('pizza.*')}`, bearer(reader));
    expect(b.status).toBe(400);
    expect(b.body.detail).toBe("no event types match 'pizza.*'");
  });
});

describe('liveness and back-pressure', () => {
  describe('heartbeat', () => {
    let beat: FastifyInstance;
    let beatUrl: string;
    beforeAll(async () => {
      ({ app: beat } = await testApp(t.db, { options: { streamHeartbeatMs: 50 } }));
      beatUrl = await beat.listen({ host: '127.0.0.1', port: 0 });
    });
    afterAll(async () => {
      await beat?.close();
    });

    it('pings clients, and keeps those that answer', async () => {
      const ws = new WebSocket(`${beatUrl.replace('http', 'ws')}/v1/events/stream`, { headers: bearer(reader) });
      open.push(ws);
      let pings = 0;
      await new Promise<void>((resolve) => ws.on('ping', () => ++pings === 4 && resolve()));
      expect(ws.readyState).toBe(WebSocket.OPEN);
    });

    it('cuts off a client that stops answering pings', async () => {
      const before = await connections();
      const dead = await rawStreamClient('/v1/events/stream', reader, beatUrl);
      dead.socket.pause(); // never reads the ping, never pongs
      while ((await connections()) > before) await new Promise((r) => setTimeout(r, 20));
      dead.socket.resume();
      const frames = await dead.untilClosed;
      expect(frames.filter((f) => f.opcode === 0x8)).toEqual([]); // terminated, not closed politely
      expect(frames.some((f) => f.opcode === 0x9)).toBe(true); // it was pinged
    });
  });

  it('closes a consumer that stops reading with 1013 while a reading one gets every event', async () => {
    const slow = await rawStreamClient('/v1/events/stream?types=order.created', reader);
    const fast = await connect('?types=order.created,survey.completed', bearer(reader));
    // Stop reading: the kernel buffers fill, then the server's send backlog grows.
    slow.socket.pause();

    const droppedBefore = await dropped();
    const payload = 'x'.repeat(32 * 1024);
    const sent: string[] = [];
    for (let i = 0; i < 5000 && (await dropped()) === droppedBefore; i++) {
      const e = event('order.created', { i, payload });
      sent.push(e.id);
      await bus.publish(e);
      await new Promise((r) => setTimeout(r, 1));
    }
    expect(await dropped()).toBe(droppedBefore + 1);

    slow.socket.resume();
    const frames = await slow.untilClosed;
    const close = frames.at(-1)!;
    expect(close.opcode).toBe(0x8);
    expect(close.payload.readUInt16BE(0)).toBe(1013);
    // The slow one got a prefix of the events, never all of them.
    const slowIds = frames.filter((f) => f.opcode === 0x1).map((f) => JSON.parse(f.payload.toString()).id);
    expect(slowIds.length).toBeLessThan(sent.length);
    expect(slowIds).toEqual(sent.slice(0, slowIds.length));

    const rest = await publishAndSettle(fast, []);
    expect(rest.map((e) => e.id)).toEqual(sent);
    expect(fast.ws.readyState).toBe(WebSocket.OPEN);
  });
});
