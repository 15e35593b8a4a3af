// Replays what was sent to a real Asterisk 22.10.1 against the simulator and compares the
// answers with what Asterisk said: message types in order, header names in order, values.
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AmiParser } from '../../src/ami/codec.js';
import { AmiClient } from '../../src/ami/client.js';
import type { AmiMessage } from '../../src/ami/message.js';
import { startAmiServer, type AmiServerHandle } from '../../src/sim/ami-server.js';
import { World } from '../../src/sim/world.js';

const fixture = (name: string): Buffer => readFileSync(new URL(`../fixtures/asterisk/ami/${name}`, import.meta.url));

/** Values that legitimately differ between two runs of a PBX (clocks, ports, pointers). */
const IGNORED_VALUES = new Set([
  'Timestamp',
  'Uptime',
  'LastReload',
  'EventTV',
  'SessionTV',
  'SessionID',
  'LocalAddress',
  'RemoteAddress',
  'CoreStartupDate',
  'CoreStartupTime',
  'CoreReloadDate',
  'CoreReloadTime',
]);
/** Build details in `core show version`: only the version itself must match. */
const VERSION_LINE = /^Asterisk 22\.10\.1 built by /;

/**
 * Actions left out of the replay, with the reason: they report lab configuration the
 * simulator does not have (the lab's queue and mailbox device states).
 */
const SKIPPED_ACTION_IDS = new Set(['cti-020']);

function parseAll(bytes: Buffer, expectGreeting: boolean): { greeting: string | undefined; messages: AmiMessage[] } {
  const p = new AmiParser({ expectGreeting });
  const messages = p.push(bytes);
  return { greeting: p.greeting, messages };
}

function replayable(sent: Buffer): Buffer {
  const { messages } = parseAll(sent, false);
  let out = '';
  for (const m of messages) {
    if (SKIPPED_ACTION_IDS.has(m.get('ActionID') ?? '')) continue;
    for (const [k, v] of m.pairs()) out += `${k}: ${v}\r\n`;
    out += '\r\n';
  }
  return Buffer.from(out);
}

function withoutSkipped(messages: AmiMessage[]): AmiMessage[] {
  return messages.filter((m) => !SKIPPED_ACTION_IDS.has(m.get('ActionID') ?? ''));
}

/** Send the actions and read until the server closes the connection. */
function replay(port: number, sent: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = net.connect(port, '127.0.0.1');
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error('the simulator did not close the connection'));
    }, 10_000);
    socket.once('data', () => socket.write(sent)); // after the greeting, like the capture
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', reject);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks));
    });
  });
}

function compareMessages(got: AmiMessage[], want: AmiMessage[]): string[] {
  const problems: string[] = [];
  const n = Math.max(got.length, want.length);
  for (let i = 0; i < n; i++) {
    const g = got[i];
    const w = want[i];
    if (!g || !w) {
      problems.push(`#${i}: ${g ? 'extra' : 'missing'} ${JSON.stringify((g ?? w)?.pairs().slice(0, 2))}`);
      continue;
    }
    const gk = g.keys().join('|');
    const wk = w.keys().join('|');
    if (gk !== wk) {
      problems.push(`#${i}: headers ${gk} != ${wk}`);
      continue;
    }
    const gp = g.pairs();
    w.pairs().forEach(([k, wv], j) => {
      const gv = gp[j]?.[1] ?? '';
      if (IGNORED_VALUES.has(k)) return;
      if (k === 'Output' && VERSION_LINE.test(wv)) {
        if (!VERSION_LINE.test(gv)) problems.push(`#${i} ${k}: ${gv}`);
        return;
      }
      if (gv !== wv) problems.push(`#${i} ${k}: got ${JSON.stringify(gv)} want ${JSON.stringify(wv)}`);
    });
  }
  return problems;
}

let world: World;
let server: AmiServerHandle;

beforeAll(async () => {
  // The lab's [globals] had this FAXDIR; everything else is the simulator's default state.
  world = new World({ speed: 50, globals: { FAXDIR: '/var/spool/asterisk/fax/received-lab' } });
  server = await startAmiServer(world, { username: 'cti', secret: 'cti-secret' });
});

afterAll(async () => {
  await server.close();
  world.close();
});

describe('simulated AMI replays real captures', () => {
  it.each(['01-banner-login-failure', '01b-action-before-login', '02-login-basic-actions', '03-login-events-on'])(
    '%s: same greeting, responses and events, header by header',
    async (name) => {
      const sent = replayable(fixture(`${name}.sent.raw`));
      const got = parseAll(await replay(server.port, sent), true);
      const want = parseAll(fixture(`${name}.recv.raw`), true);
      expect(got.greeting).toBe(want.greeting);
      const problems = compareMessages(withoutSkipped(got.messages), withoutSkipped(want.messages));
      expect(problems).toEqual([]);
      expect(got.messages.length).toBeGreaterThan(0);
    },
  );

  it('greets with the exact banner bytes and no blank line after it', async () => {
    const bytes = await new Promise<Buffer>((resolve) => {
      const s = net.connect(server.port, '127.0.0.1');
      s.once('data', (d: Buffer) => {
        s.destroy();
        resolve(d);
      });
    });
    expect(bytes.toString('latin1')).toBe('Asterisk Call Manager/11.0.0\r\n');
  });
});

/** Every header-name sequence seen per event type in the real captures. */
function captureShapes(): Map<string, Set<string>> {
  const shapes = new Map<string, Set<string>>();
  for (const f of ['04-originate-call-full', '05-originate-failure', '06-redirect', '08-queue-ringnoanswer-abandon', '12-ami-view-of-ari-scenario']) {
    for (const m of parseAll(fixture(`${f}.recv.raw`), true).messages) {
      const ev = m.event;
      if (!ev) continue;
      const set = shapes.get(ev) ?? new Set<string>();
      set.add(m.keys().join('|'));
      shapes.set(ev, set);
    }
  }
  return shapes;
}

describe('simulated AMI events have the captured shapes', () => {
  it('a fallback inbound call, an originate and a hangup render every event with a captured header order', async () => {
    const shapes = captureShapes();
    const c = new AmiClient({ host: '127.0.0.1', port: server.port, username: 'cti', secret: 'cti-secret', pingIntervalMs: 0 });
    const events: AmiMessage[] = [];
    c.on('event', (e) => events.push(e));
    const ready = new Promise<void>((r) => c.once('ready', () => r()));
    c.start();
    await ready;
    try {
      const inbound = world.inboundCall({ from: '+15551230001', callerName: 'Alice Caller', to: '100' });
      world.remoteDtmf(inbound.id, '12#');
      await c.action({ Action: 'Originate', Channel: 'Local/1001@agents', Context: 'caller-script', Exten: 's', Priority: 1, Variable: ['HOLDTIME=30'], Async: 'true' });
      await c.action({ Action: 'Originate', Channel: 'Local/100@no-such-context', Context: 'caller-script', Exten: 's', Priority: 1, Async: 'true' });
      await new Promise((r) => setTimeout(r, 400));
      world.remoteHangup(inbound.id);
      await new Promise((r) => setTimeout(r, 300));
    } finally {
      await c.stop();
    }
    const checked = new Set<string>();
    const problems: string[] = [];
    for (const e of events) {
      const name = e.event ?? '';
      const known = shapes.get(name);
      if (!known) continue; // e.g. FullyBooted (compared by the replays above)
      checked.add(name);
      const shape = e.keys().join('|');
      if (!known.has(shape)) problems.push(`${name}: ${shape}`);
      expect(e.fields[2]).toBeDefined();
      expect(e.get('Privilege')).toMatch(/^[a-z]+,all$/);
    }
    expect(problems).toEqual([]);
    for (const must of ['Newchannel', 'Newstate', 'Newexten', 'VarSet', 'DialBegin', 'DialEnd', 'Hangup', 'HangupRequest', 'Cdr', 'OriginateResponse', 'LocalBridge', 'DTMFBegin', 'DTMFEnd']) {
      expect(checked, `no ${must} event was produced`).toContain(must);
    }
  });
});
