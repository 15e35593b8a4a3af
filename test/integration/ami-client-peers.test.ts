// Our AMI client against hand-driven TCP peers that misbehave the way real networks and
// overloaded PBXs do: silence after login, garbage, floods of events.
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { AmiClient, type AmiClientOptions } from '../../src/ami/client.js';
import { AmiTimeoutError } from '../../src/ami/errors.js';
import { AmiParser } from '../../src/ami/codec.js';
import { waitUntil } from '../helpers/wait.js';

interface Peer {
  port: number;
  connections: number;
  sockets: Set<net.Socket>;
  closed: number;
  close(): Promise<void>;
}

type OnLogin = (socket: net.Socket, actionId: string) => void;
type OnAction = (socket: net.Socket, action: string, actionId: string) => void;

/** A TCP peer that greets, accepts any Login, then does what the test says. */
async function peer(onLogin: OnLogin, onAction: OnAction = () => undefined): Promise<Peer> {
  const state = { connections: 0, closed: 0, sockets: new Set<net.Socket>() };
  const server = net.createServer((socket) => {
    state.connections++;
    state.sockets.add(socket);
    socket.on('close', () => {
      state.closed++;
      state.sockets.delete(socket);
    });
    socket.on('error', () => undefined);
    const parser = new AmiParser();
    socket.write('Asterisk Call Manager/11.0.0\r\n');
    socket.on('data', (chunk: Buffer) => {
      for (const msg of parser.push(chunk)) {
        const action = msg.get('Action') ?? '';
        const id = msg.get('ActionID') ?? '';
        if (action === 'Login') {
          socket.write(`Response: Success\r\nActionID: ${id}\r\nMessage: Authentication accepted\r\n\r\n`);
          onLogin(socket, id);
        } else if (action === 'Logoff') {
          socket.end(`Response: Goodbye\r\nActionID: ${id}\r\nMessage: Thanks for all the fish.\r\n\r\n`);
        } else {
          onAction(socket, action, id);
        }
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    get connections() {
      return state.connections;
    },
    get closed() {
      return state.closed;
    },
    sockets: state.sockets,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of state.sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function client(port: number, extra: Partial<AmiClientOptions> = {}): AmiClient {
  const c = new AmiClient({
    host: '127.0.0.1',
    port,
    username: 'cti',
    secret: 'cti-secret',
    reconnect: { minMs: 20, maxMs: 100 },
    pingIntervalMs: 0,
    ...extra,
  });
  cleanups.push(() => c.stop());
  return c;
}


const EVENT = (i: number): string =>
  `Event: VarSet\r\nPrivilege: dialplan,all\r\nChannel: Local/100@from-pstn-00000000;2\r\nUniqueid: 1795384219.1\r\nVariable: N\r\nValue: ${i}\r\n\r\n`;

describe('AmiClient against misbehaving peers', () => {
  it('sends Login with the exact Events mask and its own ActionID', async () => {
    const logins: Array<Array<[string, string]>> = [];
    const server = net.createServer((socket) => {
      socket.write('Asterisk Call Manager/11.0.0\r\n');
      const parser = new AmiParser();
      socket.on('data', (chunk: Buffer) => {
        for (const m of parser.push(chunk)) {
          if (m.get('Action') === 'Login') {
            logins.push(m.pairs());
            socket.write(`Response: Success\r\nActionID: ${m.get('ActionID') ?? ''}\r\nMessage: Authentication accepted\r\n\r\n`);
          } else if (m.get('Action') === 'Logoff') {
            socket.end('Response: Goodbye\r\n\r\n');
          }
        }
      });
      socket.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const c = client((server.address() as net.AddressInfo).port, { events: 'call,agent,cdr' });
    const ready = new Promise<void>((r) => c.once('ready', () => r()));
    c.start();
    await ready;
    expect(logins).toHaveLength(1);
    const login = logins[0] ?? [];
    expect(login.map(([k]) => k)).toEqual(['Action', 'ActionID', 'Username', 'Secret', 'Events']);
    expect(Object.fromEntries(login)).toMatchObject({ Action: 'Login', Username: 'cti', Secret: 'cti-secret', Events: 'call,agent,cdr' });
  });

  it('detects a silent peer with the keepalive Ping, drops the socket and reconnects', async () => {
    const p = await peer(() => undefined); // answers Login, then never another byte
    cleanups.push(() => p.close());
    const c = client(p.port, { pingIntervalMs: 50, actionTimeoutMs: 200 });
    const reasons: string[] = [];
    c.on('disconnected', (r) => reasons.push(r));
    let readies = 0;
    c.on('ready', () => readies++);
    c.start();
    await waitUntil(() => readies >= 2, 'a second login after the keepalive failure');
    expect(reasons[0]).toMatch(/keepalive/);
    expect(p.connections).toBeGreaterThanOrEqual(2);
    expect(p.closed).toBeGreaterThanOrEqual(1);
  });

  it('keeps a connection whose peer answers Ping', async () => {
    const p = await peer(
      () => undefined,
      (s, action, id) => {
        if (action === 'Ping') s.write(`Response: Success\r\nActionID: ${id}\r\nPing: Pong\r\nTimestamp: 1.0\r\n\r\n`);
      },
    );
    cleanups.push(() => p.close());
    const c = client(p.port, { pingIntervalMs: 20, actionTimeoutMs: 200 });
    let pings = 0;
    const ready = new Promise<void>((r) => c.once('ready', () => r()));
    c.start();
    await ready;
    const orig = p.sockets.values().next().value as net.Socket;
    orig.on('data', (d: Buffer) => {
      if (d.toString().includes('Action: Ping')) pings++;
    });
    await waitUntil(() => pings >= 5, 'five keepalive pings');
    expect(p.connections).toBe(1);
    expect(c.state).toBe('logged-in');
  });

  it('times out one action without dropping the connection', async () => {
    const p = await peer(() => undefined);
    cleanups.push(() => p.close());
    const c = client(p.port);
    const ready = new Promise<void>((r) => c.once('ready', () => r()));
    c.start();
    await ready;
    const err = await c.action({ Action: 'CoreStatus' }, { timeoutMs: 50 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AmiTimeoutError);
    expect(c.state).toBe('logged-in');
    expect(p.connections).toBe(1);
  });

  it('correlates a response whose ActionID comes last and events between list items', async () => {
    const p = await peer(
      () => undefined,
      (s, action, id) => {
        if (action !== 'QueueStatus') return;
        s.write(`Response: Success\r\nActionID: ${id}\r\nEventList: start\r\nMessage: Queue status will follow\r\n\r\n`);
        s.write(EVENT(1));
        s.write(`Event: QueueParams\r\nQueue: sales\r\nMax: 0\r\nActionID: ${id}\r\n\r\n`);
        s.write(EVENT(2));
        s.write(`Event: QueueMember\r\nQueue: sales\r\nName: Agent 1001\r\nActionID: ${id}\r\n\r\n`);
        s.write(`Event: QueueStatusComplete\r\nActionID: ${id}\r\nEventList: Complete\r\nListItems: 2\r\n\r\n`);
      },
    );
    cleanups.push(() => p.close());
    const c = client(p.port);
    const live: string[] = [];
    c.on('event', (e) => live.push(e.get('Value') ?? ''));
    const ready = new Promise<void>((r) => c.once('ready', () => r()));
    c.start();
    await ready;
    const r = await c.action({ Action: 'QueueStatus' });
    expect(r.events.map((e) => e.event)).toEqual(['QueueParams', 'QueueMember']);
    expect(r.complete?.get('ListItems')).toBe('2');
    await waitUntil(() => live.length === 2, 'the two live events');
    expect(live).toEqual(['1', '2']);
  });

  it('counts garbage lines and keeps working', async () => {
    const p = await peer((s) => {
      s.write('this is not AMI\r\n: no key\r\n\u0000\u0001\u0002 binary junk\r\n\r\n');
      s.write(EVENT(7));
    });
    cleanups.push(() => p.close());
    const c = client(p.port);
    const values: string[] = [];
    c.on('event', (e) => values.push(e.get('Value') ?? ''));
    c.start();
    await waitUntil(() => values.includes('7'), 'the event after the garbage');
    expect(c.stats.badLines).toBe(3);
    expect(c.state).toBe('logged-in');
  });

  it('events written in pieces cut anywhere, in either line ending, arrive whole and in order', async () => {
    // Each piece is its own TCP write after the previous one was read: the client reads
    // every one into the same buffer, so a line held back across reads must be its own copy.
    let stream = '';
    for (let i = 0; i < 40; i++) {
      const text = EVENT(i) + `Event: Hangup\r\nChannel: PJSIP/10${i}\r\nChanVariable: A=${i}\r\nChanVariable: B=${i}\r\n\r\n`;
      stream += i % 3 === 0 ? text.replace(/\r\n/g, '\n') : i % 3 === 1 ? text.replace(/Value: (\d+)\r\n/, 'Value: $1\n') : text;
    }
    const bytes = Buffer.from(stream, 'latin1');
    const cuts: number[] = [];
    for (let at = 1; at < bytes.length; at += 7 + (at % 13)) cuts.push(bytes[at - 1] === 13 ? at : at + 1);
    const p = await peer((s) => {
      let prev = 0;
      const next = (k: number): void => {
        if (s.destroyed) return;
        const at = cuts[k] ?? bytes.length;
        s.write(bytes.subarray(prev, at));
        prev = at;
        if (at < bytes.length) setTimeout(() => next(k + 1), 1);
      };
      next(0);
    });
    cleanups.push(() => p.close());
    const c = client(p.port);
    const got: string[] = [];
    c.on('event', (e) => got.push(e.event === 'VarSet' ? `v${e.get('Value')}` : `h${e.getAll('ChanVariable').join(',')}`));
    c.start();
    await waitUntil(() => got.length >= 80, 'every event');
    const want: string[] = [];
    for (let i = 0; i < 40; i++) want.push(`v${i}`, `hA=${i},B=${i}`);
    expect(got).toEqual(want);
    expect(c.stats.badLines).toBe(0);
  });

  it('a slow consumer never stalls the reader: the bounded queue drops the oldest and counts them', async () => {
    const TOTAL = 3000;
    const p = await peer(
      (s) => {
        let all = '';
        for (let i = 0; i < TOTAL; i++) all += EVENT(i);
        s.write(all);
      },
      (s, action, id) => {
        if (action === 'Ping') s.write(`Response: Success\r\nActionID: ${id}\r\nPing: Pong\r\nTimestamp: 1.0\r\n\r\n`);
      },
    );
    cleanups.push(() => p.close());
    const c = client(p.port, { eventQueueLimit: 50 });
    const seen: number[] = [];
    c.on('event', (e) => {
      seen.push(Number(e.get('Value')));
      const until = performance.now() + 0.2; // a handler that does real work synchronously
      while (performance.now() < until) {
        /* busy */
      }
    });
    c.start();
    // The reader parsed every event although the handler lags far behind.
    await waitUntil(() => c.stats.eventsReceived === TOTAL, 'all events read');
    // And responses still flow while the backlog is being worked off.
    const pong = await c.action({ Action: 'Ping' });
    expect(pong.get('Ping')).toBe('Pong');
    await waitUntil(() => c.queuedEvents === 0, 'queue drained');
    expect(c.stats.droppedEvents).toBeGreaterThan(0);
    expect(seen.length + c.stats.droppedEvents).toBe(TOTAL);
    // The oldest were dropped: what was delivered is in order and ends with the newest.
    expect(seen.at(-1)).toBe(TOTAL - 1);
    expect([...seen].sort((a, b) => a - b)).toEqual(seen);
  });
});
