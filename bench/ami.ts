// AMI events parsed and dispatched per second by our client, against a raw socket that
// only counts the same bytes. Both read from a loopback TCP server (in this process)
// streaming real captured Asterisk event traffic, repeated to tens of megabytes.
// Seconds are this process's CPU seconds: on a shared machine wall time mostly measures
// the other tenants, while CPU time measures the work each side does.
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { pathToFileURL } from 'node:url';
import { AmiClient } from '../src/ami/client.js';
import { AmiParser } from '../src/ami/codec.js';
import type { BenchResult } from './types.js';

const CAPTURES = ['04-originate-call-full', '05-originate-failure', '06-redirect', '08-queue-ringnoanswer-abandon', '12-ami-view-of-ari-scenario'];
const TARGET_BYTES = 48 * 1024 * 1024;
const ROUNDS = 5;

/** The captured unsolicited events (not responses, not list items), as wire bytes. */
function capturedEvents(): { bytes: Buffer; count: number } {
  const parts: string[] = [];
  for (const name of CAPTURES) {
    const raw = readFileSync(new URL(`../test/fixtures/asterisk/ami/${name}.recv.raw`, import.meta.url), 'utf8');
    for (const msg of raw.slice(raw.indexOf('\r\n') + 2).split('\r\n\r\n')) {
      if (msg.startsWith('Event: ') && msg.includes('\r\nPrivilege: ') && !msg.includes('\r\nActionID: ')) parts.push(`${msg}\r\n\r\n`);
    }
  }
  const unit = Buffer.from(parts.join(''), 'utf8');
  const times = Math.ceil(TARGET_BYTES / unit.length);
  return { bytes: Buffer.concat(Array.from({ length: times }, () => unit)), count: parts.length * times };
}

interface Feeder {
  port: number;
  close(): Promise<void>;
}

/** Streams `payload` to every connection; with `login`, only after answering an AMI Login. */
async function feeder(payload: Buffer, login: boolean): Promise<Feeder> {
  const server = net.createServer((socket) => {
    socket.on('error', () => undefined);
    socket.write('Asterisk Call Manager/11.0.0\r\n');
    if (!login) {
      socket.end(payload);
      return;
    }
    const parser = new AmiParser();
    socket.on('data', (chunk: Buffer) => {
      for (const m of parser.push(chunk)) {
        const id = m.get('ActionID') ?? '';
        if (m.get('Action') === 'Login') {
          socket.write(`Response: Success\r\nActionID: ${id}\r\nMessage: Authentication accepted\r\n\r\n`);
          socket.write(payload);
        } else if (m.get('Action') === 'Logoff') {
          socket.end(`Response: Goodbye\r\nActionID: ${id}\r\nMessage: Thanks for all the fish.\r\n\r\n`);
        }
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** CPU seconds (user + system) this process spent since `from`: immune to other load. */
function cpuSince(from: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(from);
  return (d.user + d.system) / 1e6;
}

async function rawDrain(port: number, expectedBytes: number, onread: boolean): Promise<number> {
  return new Promise((resolve, reject) => {
    let bytes = 0;
    const started = process.cpuUsage();
    // Read as the client reads (one buffer per connection, Node's `onread`): the fastest a
    // plain socket can be drained, so the client is not measured against a slower reader.
    // Read through `data` events too (what the baseline was before the client read this way),
    // printed beside for the figures' history.
    const buffer = Buffer.allocUnsafe(64 * 1024);
    const count = (n: number) => {
      bytes += n;
      return true;
    };
    const s = onread ? net.connect({ port, host: '127.0.0.1', onread: { buffer, callback: count } }) : net.connect(port, '127.0.0.1');
    if (!onread) s.on('data', (c: Buffer) => count(c.length));
    s.on('error', reject);
    s.on('end', () => {
      const secs = cpuSince(started);
      if (bytes < expectedBytes) reject(new Error(`raw drain got ${bytes} of ${expectedBytes} bytes`));
      else resolve(secs);
    });
  });
}

async function clientDrain(port: number, expectedEvents: number): Promise<{ secs: number; dropped: number }> {
  const client = new AmiClient({
    host: '127.0.0.1',
    port,
    username: 'bench',
    secret: 'bench',
    pingIntervalMs: 0,
    actionTimeoutMs: 60_000,
    eventQueueLimit: 1_000_000,
  });
  let delivered = 0;
  // Measured from connect, like the raw drain, so both include the connection set-up.
  const started = process.cpuUsage();
  const done = new Promise<number>((resolve) => {
    client.on('event', () => {
      if (++delivered + client.stats.droppedEvents >= expectedEvents) resolve(cpuSince(started));
    });
  });
  client.start();
  const secs = await done;
  const dropped = client.stats.droppedEvents;
  await client.stop();
  return { secs, dropped };
}

export async function run(): Promise<BenchResult> {
  const { bytes, count } = capturedEvents();
  const raw = await feeder(bytes, false);
  const ami = await feeder(bytes, true);
  let bestRaw = Infinity;
  let bestDataEvents = Infinity;
  let bestClient = Infinity;
  let dropped = 0;
  try {
    for (let i = 0; i < ROUNDS; i++) {
      bestRaw = Math.min(bestRaw, await rawDrain(raw.port, bytes.length, true));
      bestDataEvents = Math.min(bestDataEvents, await rawDrain(raw.port, bytes.length, false));
      const r = await clientDrain(ami.port, count);
      bestClient = Math.min(bestClient, r.secs);
      dropped += r.dropped;
    }
  } finally {
    await raw.close();
    await ami.close();
  }
  if (dropped > 0) throw new Error(`the client dropped ${dropped} events with an unbounded queue`);
  const baseline = count / bestRaw;
  const subject = count / bestClient;
  const ratio = subject / baseline;
  return {
    name: 'ami-events',
    baseline: {
      label: `raw TCP drain of the same AMI bytes read into one buffer (events per CPU-second; through 'data' events: ${Math.round(count / bestDataEvents).toLocaleString('en-US')}/s, the client at ${((100 * bestDataEvents) / bestClient).toFixed(1)}% of it)`,
      perSecond: Math.round(baseline),
    },
    subject: { label: 'AmiClient parsed and emitted events (events per CPU-second)', perSecond: Math.round(subject) },
    ratio: Number(ratio.toFixed(4)),
    target: '>= 50% of the raw drain rate',
    pass: ratio >= 0.5,
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  run().then(
    (r) => console.log(JSON.stringify(r, null, 2)),
    (err: unknown) => {
      console.error(err);
      process.exitCode = 1;
    },
  );
}
