// The one LISTEN connection shared by the wake listener and the call detail cache, against
// the real Postgres: it hears its channel's notifications (and only its channel's), says
// when it goes deaf and when it listens again after its backend is terminated, waits for
// the reconnect gate, notices a connection that went silent through its heartbeat, and
// stays down once stopped.
import { createServer, connect, type AddressInfo, type Socket } from 'node:net';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { ListenConnection, type ListenConnectionOptions } from '../../src/db/listen-connection.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { waitUntil } from '../helpers/wait.js';

const CHANNEL = 'listen_connection_test';
let t: TestDatabase;
const cleanups: Array<() => Promise<unknown>> = [];

beforeAll(async () => {
  t = await createTestDatabase({ migrate: false });
});
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});
afterAll(async () => {
  await t?.drop();
});

interface Seen {
  payloads: Array<string | undefined>;
  listened: number;
  deaf: number;
}

function listen(options: Partial<ListenConnectionOptions> = {}): { conn: ListenConnection; seen: Seen } {
  const seen: Seen = { payloads: [], listened: 0, deaf: 0 };
  const conn = new ListenConnection({
    url: t.url,
    channel: CHANNEL,
    applicationName: 'listen-connection test',
    reconnectMinMs: 20,
    reconnectMaxMs: 100,
    onNotification: (p) => seen.payloads.push(p),
    onListening: () => seen.listened++,
    onDeaf: () => seen.deaf++,
    lostMessage: 'lost',
    ...options,
  });
  cleanups.push(() => conn.stop());
  return { conn, seen };
}

async function listenerPids(): Promise<number[]> {
  const { rows } = await t.db.query<{ pid: number }>(
    `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'listen-connection test'`,
  );
  return rows.map((r) => r.pid);
}

it('refuses a channel name that is not a plain identifier', () => {
  expect(() => listen({ channel: 'x; DROP TABLE y' })).toThrow(/not a channel name/);
});

it("hears its own channel's notifications, not another's", async () => {
  const { conn, seen } = listen();
  conn.start();
  await waitUntil(() => conn.listening, 'LISTEN active');
  expect(seen.listened).toBe(1);
  await t.db.query(`SELECT pg_notify('some_other_channel', 'no')`);
  await t.db.query(`SELECT pg_notify($1, 'first')`, [CHANNEL]);
  await t.db.query(`NOTIFY ${CHANNEL}`);
  await waitUntil(() => seen.payloads.length >= 2, 'two notifications');
  // An empty payload arrives as ''; pg gives no other channel's to this client at all.
  expect(seen.payloads).toEqual(['first', '']);
});

it('goes deaf when its backend is terminated and listens again after reconnecting', async () => {
  const { conn, seen } = listen();
  conn.start();
  await waitUntil(() => conn.listening, 'LISTEN active');
  const [pid] = await listenerPids();
  await t.db.query('SELECT pg_terminate_backend($1)', [pid]);
  await waitUntil(() => seen.deaf >= 1, 'the loss noticed');
  await waitUntil(() => conn.listening && seen.listened === 2, 'LISTEN active again');
  expect(await listenerPids()).not.toContain(pid);
  await t.db.query(`SELECT pg_notify($1, 'after')`, [CHANNEL]);
  await waitUntil(() => seen.payloads.includes('after'), 'a notification after the reconnect');
});

it('waits for the reconnect gate before connecting again', async () => {
  let open!: () => void;
  let asked = 0;
  const gate = new Promise<void>((resolve) => (open = resolve));
  const { conn, seen } = listen({
    beforeReconnect: () => {
      asked++;
      return gate;
    },
  });
  conn.start();
  await waitUntil(() => conn.listening, 'LISTEN active');
  const [pid] = await listenerPids();
  await t.db.query('SELECT pg_terminate_backend($1)', [pid]);
  await waitUntil(() => asked === 1, 'the gate asked');
  expect(conn.listening).toBe(false);
  expect(await listenerPids()).toEqual([]);
  open();
  await waitUntil(() => conn.listening, 'LISTEN active once the gate opens');
  expect(seen.listened).toBe(2);
});

it('notices through its heartbeat a connection that went silent, and reconnects', async () => {
  const proxy = await freezableProxy(new URL(t.url));
  cleanups.push(() => proxy.close());
  const url = new URL(t.url);
  url.hostname = '127.0.0.1';
  url.port = String(proxy.port);
  const { conn, seen } = listen({ url: url.toString(), heartbeatMs: 100 });
  conn.start();
  await waitUntil(() => conn.listening, 'LISTEN active');
  // No FIN, no error: the bytes simply stop, as behind a dead router.
  proxy.freeze();
  await waitUntil(() => seen.deaf >= 1, 'the heartbeat noticing');
  await waitUntil(() => conn.listening && seen.listened === 2, 'LISTEN active on a new connection');
});

it('without a heartbeat, a silent connection is still taken as listening', async () => {
  const proxy = await freezableProxy(new URL(t.url));
  cleanups.push(() => proxy.close());
  const url = new URL(t.url);
  url.hostname = '127.0.0.1';
  url.port = String(proxy.port);
  const { conn, seen } = listen({ url: url.toString() });
  conn.start();
  await waitUntil(() => conn.listening, 'LISTEN active');
  proxy.freeze();
  // A query on another connection proves time passed with the event loop free.
  for (let i = 0; i < 20; i++) await t.db.query('SELECT pg_sleep(0.01)');
  expect(seen.deaf).toBe(0);
  expect(conn.listening).toBe(true);
  // Its stop would wait on the frozen socket: the proxy goes first, as a dead route would end.
  await proxy.close();
});

it('stays down once stopped, and says it is deaf', async () => {
  const { conn, seen } = listen();
  conn.start();
  await waitUntil(() => conn.listening, 'LISTEN active');
  await conn.stop();
  expect(conn.listening).toBe(false);
  expect(seen.deaf).toBe(1);
  await waitUntil(async () => (await listenerPids()).length === 0, 'the backend gone');
  await t.db.query(`SELECT pg_notify($1, 'unheard')`, [CHANNEL]);
  // A client of our own listening on the channel shows the notification was sent.
  const witness = new pg.Client({ connectionString: t.url });
  await witness.connect();
  cleanups.push(() => witness.end());
  const heard = new Promise<void>((resolve) => witness.on('notification', () => resolve()));
  await witness.query(`LISTEN ${CHANNEL}`);
  await t.db.query(`SELECT pg_notify($1, 'witnessed')`, [CHANNEL]);
  await heard;
  expect(seen.payloads).toEqual([]);
  expect(seen.listened).toBe(1);
});

/** A loopback proxy whose open connections can be frozen: nothing more passes, nothing closes. */
async function freezableProxy(target: URL): Promise<{ port: number; freeze(): void; close(): Promise<void> }> {
  const pairs: Array<[Socket, Socket]> = [];
  const frozen: Array<[Socket, Socket]> = [];
  const server = createServer((client) => {
    const upstream = connect(Number(target.port || 5432), target.hostname);
    for (const s of [client, upstream]) s.on('error', () => {});
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
    client.pipe(upstream);
    upstream.pipe(client);
    pairs.push([client, upstream]);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    freeze() {
      for (const [client, upstream] of pairs.splice(0)) {
        frozen.push([client, upstream]);
        client.unpipe(upstream);
        upstream.unpipe(client);
        client.pause();
        upstream.pause();
      }
    },
    async close() {
      for (const [client, upstream] of [...pairs.splice(0), ...frozen.splice(0)]) {
        client.destroy();
        upstream.destroy();
      }
      server.close();
    },
  };
}
