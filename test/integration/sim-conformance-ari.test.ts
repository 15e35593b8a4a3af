// Replays the captured ARI scenario of a real Asterisk 22.10.1 against the simulator and
// compares the wire: HTTP status lines, header names and order, error texts and body
// shapes; WebSocket event shapes (recursive key order) and the order of event types per
// step; the raw WebSocket handshakes. Requests are the captured bytes with ids rewritten.
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startSimulator, type Simulator } from '../../src/sim/index.js';
import { waitUntil } from '../helpers/wait.js';

const FIX = join(dirname(fileURLToPath(import.meta.url)), '../fixtures/asterisk/ari');
const fixtureEvents: Record<string, unknown>[] = readFileSync(join(FIX, 'events/scenario.ndjson'), 'utf8')
  .split('\n')
  .filter(Boolean)
  .map((l) => JSON.parse(l) as Record<string, unknown>);
const replacedFixture = JSON.parse(readFileSync(join(FIX, 'events/application-replaced.ndjson'), 'utf8').trim()) as Record<string, unknown>;

// ---------------------------------------------------------------------------
// Generic comparison helpers

/** Differences in key names/order and value kinds; an empty array matches any array. */
function shapeDiff(expected: unknown, actual: unknown, path = '$'): string[] {
  const kind = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);
  if (kind(expected) !== kind(actual)) return [`${path}: expected ${kind(expected)}, got ${kind(actual)}`];
  if (Array.isArray(expected) && Array.isArray(actual)) {
    if (expected.length === 0 || actual.length === 0) return [];
    return shapeDiff(expected[0], actual[0], `${path}[0]`);
  }
  if (kind(expected) === 'object') {
    const e = expected as Record<string, unknown>;
    const a = actual as Record<string, unknown>;
    const ek = Object.keys(e);
    const ak = Object.keys(a);
    if (ek.join(',') !== ak.join(',')) return [`${path}: keys ${JSON.stringify(ak)} instead of ${JSON.stringify(ek)}`];
    return ek.flatMap((k) => shapeDiff(e[k], a[k], `${path}.${k}`));
  }
  return [];
}

/** Fixture ids (channel, bridge, playback) and the simulator's ids for the same things. */
class IdMap {
  private readonly map = new Map<string, string>();
  learn(fixture: unknown, sim: unknown): void {
    if (Array.isArray(fixture) && Array.isArray(sim)) {
      fixture.forEach((f, i) => this.learn(f, sim[i]));
      return;
    }
    if (!fixture || !sim || typeof fixture !== 'object' || typeof sim !== 'object') return;
    const f = fixture as Record<string, unknown>;
    const s = sim as Record<string, unknown>;
    for (const k of Object.keys(f)) {
      if (k === 'id' && typeof f[k] === 'string' && typeof s[k] === 'string' && !this.map.has(f[k] as string)) this.map.set(f[k] as string, s[k] as string);
      else this.learn(f[k], s[k]);
    }
  }
  rewrite(text: string): string {
    let out = text;
    for (const [from, to] of [...this.map.entries()].sort((a, b) => b[0].length - a[0].length)) out = out.split(from).join(to);
    return out;
  }
}

interface RawResponse {
  status: number;
  reason: string;
  headers: [string, string][];
  body: Buffer;
}

function parseRaw(buf: Buffer): RawResponse {
  const end = buf.indexOf('\r\n\r\n');
  const head = buf.subarray(0, end).toString('latin1').split('\r\n');
  const m = /^HTTP\/1\.1 (\d{3}) (.*)$/.exec(head[0] ?? '');
  if (!m) throw new Error(`not an HTTP response: ${head[0]}`);
  const headers = head.slice(1).map((l) => {
    const i = l.indexOf(': ');
    return [l.slice(0, i), l.slice(i + 2)] as [string, string];
  });
  return { status: Number(m[1]), reason: m[2] ?? '', headers, body: buf.subarray(end + 4) };
}

/** Sends raw bytes on a fresh connection and reads until the server closes it. */
function exchange(port: number, request: Buffer | string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const sock = net.connect(port, '127.0.0.1', () => sock.write(request));
    sock.on('data', (d) => chunks.push(d));
    sock.on('end', () => resolve(Buffer.concat(chunks)));
    sock.on('error', reject);
    sock.setTimeout(10_000, () => {
      sock.destroy();
      reject(new Error('no answer'));
    });
  });
}

/** The captured request with our port, rewritten ids and substituted values, Content-Length fixed. */
function prepareRequest(file: string, port: number, ids: IdMap, overrides: [string, string][]): string {
  let text = ids.rewrite(readFileSync(join(FIX, file), 'latin1'));
  for (const [from, to] of overrides) text = text.split(from).join(to);
  const i = text.indexOf('\r\n\r\n');
  const body = text.slice(i + 4);
  const head = text
    .slice(0, i)
    .replace(/^Host: .*$/m, `Host: 127.0.0.1:${port}`)
    .replace(/^Content-Length: .*$/m, `Content-Length: ${Buffer.byteLength(body, 'latin1')}`);
  return `${head}\r\n\r\n${body}`;
}

function compareHttp(expected: RawResponse, actual: RawResponse, ids: IdMap): string[] {
  const diffs: string[] = [];
  if (expected.status !== actual.status || expected.reason !== actual.reason) diffs.push(`status ${actual.status} ${actual.reason}, expected ${expected.status} ${expected.reason}`);
  const names = (r: RawResponse) => r.headers.map(([k]) => k).join(',');
  if (names(expected) !== names(actual)) diffs.push(`headers ${names(actual)}, expected ${names(expected)}`);
  for (const [k, v] of expected.headers) {
    const got = actual.headers.find(([ak]) => ak === k)?.[1];
    if (k === 'Content-Length') continue;
    if (k === 'Date') {
      if (!got || !/^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/.test(got)) diffs.push(`Date ${got}`);
      continue;
    }
    if (ids.rewrite(v) !== got) diffs.push(`header ${k}: ${got}, expected ${ids.rewrite(v)}`);
  }
  const len = actual.headers.find(([k]) => k === 'Content-Length')?.[1];
  if (len !== undefined && Number(len) !== actual.body.length) diffs.push(`Content-Length ${len} but body has ${actual.body.length} bytes`);
  const type = expected.headers.find(([k]) => k.toLowerCase() === 'content-type')?.[1] ?? '';
  if (type === 'application/json') {
    const e = JSON.parse(expected.body.toString('utf8')) as unknown;
    const a = JSON.parse(actual.body.toString('utf8')) as unknown;
    diffs.push(...shapeDiff(e, a));
    if (expected.status >= 400) {
      const em = ids.rewrite((e as { message: string }).message);
      if ((a as { message?: string }).message !== em) diffs.push(`message ${JSON.stringify((a as { message?: string }).message)}, expected ${JSON.stringify(em)}`);
    }
  } else if (type === 'audio/wav') {
    if (actual.body.subarray(0, 4).toString('latin1') !== 'RIFF') diffs.push('body is not a WAV file');
  }
  return diffs;
}

/** Every shape a real Asterisk gave per event type. */
const fixtureVariants = new Map<string, unknown[]>();
for (const e of [...fixtureEvents, replacedFixture]) {
  const list = fixtureVariants.get(e['type'] as string) ?? [];
  list.push(e);
  fixtureVariants.set(e['type'] as string, list);
}

function eventShapeProblems(e: Record<string, unknown>): string[] {
  const variants = fixtureVariants.get(e['type'] as string);
  if (!variants) return [`event type ${String(e['type'])} never seen from Asterisk`];
  const tries = variants.map((v) => shapeDiff(v, e));
  if (tries.some((t) => t.length === 0)) return [];
  return [`${String(e['type'])}: ${tries[0]?.join('; ')}`];
}

// ---------------------------------------------------------------------------

interface EventLog {
  events: Record<string, unknown>[];
  texts: string[];
}

function connect(url: string, log?: EventLog): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.on('message', (d) => {
      const text = String(d);
      log?.texts.push(text);
      log?.events.push(JSON.parse(text) as Record<string, unknown>);
    });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}


const settle = () => new Promise((r) => setTimeout(r, 40));

describe('simulator ARI conformance with the captured Asterisk 22 scenario', () => {
  let sim: Simulator;
  const ids = new IdMap();
  const log: EventLog = { events: [], texts: [] };
  let ws: WebSocket | undefined;
  let problems: string[] = [];

  beforeAll(async () => {
    sim = await startSimulator({
      withoutAmi: true,
      soundDurationsMs: { 'hello-world': 100, 'queue-thankyou': 100 },
      agentDialplanDelayMs: 1500,
      // The lab Asterisk ran without res_mwi_external (capture 033).
      mailboxModule: false,
    });
  });

  beforeEach(() => {
    problems = [];
  });

  afterAll(async () => {
    ws?.close();
    await sim?.close();
  });

  // Values we shorten so the replay runs in seconds (they do not change any shape). The
  // margins keep each timed behaviour well after the requests of its step, even on a busy machine.
  const overrides: [string, string][] = [
    ['"DTMFDELAY":"3"', '"DTMFDELAY":"1"'],
    ['"HOLDTIME":"14"', '"HOLDTIME":"5"'],
    ['maxDurationSeconds=2&beep', 'maxDurationSeconds=1&beep'],
    ['dial?timeout=5', 'dial?timeout=2'],
  ];

  async function http(name: string): Promise<unknown> {
    const raw = await exchange(sim.ari.port, prepareRequest(`http/${name}.req.http`, sim.ari.port, ids, overrides));
    const actual = parseRaw(raw);
    const expected = parseRaw(readFileSync(join(FIX, `http/${name}.res.http`)));
    const isJson = actual.headers.some(([k, v]) => k === 'Content-type' && v === 'application/json');
    const simBody = isJson && actual.body.length > 0 ? (JSON.parse(actual.body.toString('utf8')) as unknown) : undefined;
    if (simBody !== undefined && expected.status < 300 && actual.status === expected.status) ids.learn(JSON.parse(expected.body.toString('utf8')), simBody);
    for (const d of compareHttp(expected, actual, ids)) problems.push(`${name}: ${d}`);
    return simBody;
  }

  /** Runs the requests of one step, then checks the events that follow against fixture[from..to]. */
  async function step(name: string, requests: string[], range?: [number, number]): Promise<void> {
    const start = log.events.length;
    for (const r of requests) await http(r);
    const expected = range ? fixtureEvents.slice(range[0], range[1] + 1) : [];
    await waitUntil(() => log.events.length - start >= expected.length, `${name}: ${expected.length} events`);
    await settle();
    const actual = log.events.slice(start);
    expect(actual.map((e) => e['type']), `event types of step ${name}`).toEqual(expected.map((e) => e['type']));
    expected.forEach((e, i) => ids.learn(e, actual[i]));
  }

  it('answers the REST probes before the app connects like Asterisk', async () => {
    for (const name of ['001-200-asterisk-info', '002-200-asterisk-ping', '003-401-error-bad-password', '004-401-error-no-auth', '005-200-applications-before-connect']) {
      await http(name);
    }
    expect(problems).toEqual([]);
  });

  it('replays call 1 (inbound call, playback, DTMF, agent bridge, recordings, hang-up) and the error probes', async () => {
    ws = await connect(`${sim.ari.url.replace(/^http/, 'ws')}/events?app=cti-bridge&api_key=cti:cti-secret&subscribeAll=false`, log);
    await step('listings', ['006-200-application-get', '007-200-sound-hello-world', '008-200-endpoints-list', '009-200-channels-list-empty']);
    await step('user event', ['010-204-events-user-event', '011-404-error-user-event-unknown-app'], [0, 0]);
    await step('inbound originate', ['012-200-channels-originate-inbound-call'], [1, 1]);
    await step('ring + answer', ['013-204-channel-ring', '014-204-channel-answer'], [2, 2]);
    await step('play hello-world', ['015-201-channel-play-hello-world', '016-200-playback-get'], [3, 4]);
    await step('caller DTMF 123#', [], [5, 8]);
    await step('channel reads and setvar', ['017-200-channels-list-one-call', '018-200-channel-get', '019-200-channel-getvar-callerid', '020-204-channel-setvar'], [9, 9]);
    await step('error probes', [
      '021-404-channel-getvar-unset',
      '022-200-asterisk-getvar-global',
      '023-404-error-channel-not-found',
      '024-400-error-originate-no-endpoint',
      '025-400-error-originate-no-app-or-exten',
      '026-500-error-play-no-media',
      '027-400-error-mute-bad-direction',
      '028-400-error-bad-json-body',
      '029-409-error-answer-channel-not-in-stasis',
    ]);
    await step('play unknown scheme', ['030-201-error-play-bad-media-uri'], [10, 10]);
    await step('more probes', ['031-404-error-unknown-path', '032-405-error-method-not-allowed', '033-404-mailboxes-list-module-not-loaded', '034-200-bridge-create-mixing']);
    await step('agent originate into app', ['035-200-channels-originate-agent-into-app'], [11, 21]);
    await step('bridge both', ['036-204-bridge-add-both-channels'], [22, 27]);
    await step('agent dialplan moves on', [], [28, 29]);
    await step('bridge reads', ['037-200-bridge-get', '038-200-bridges-list', '039-400-error-bridge-add-unknown-channel', '040-500-error-bridge-create-bad-type']);
    await step('DTMF to agent', ['041-204-channel-send-dtmf'], [30, 31]);
    await step('hold', ['042-204-channel-hold']);
    await step('unhold', ['043-204-channel-unhold'], [32, 33]);
    await step('mute', ['044-204-channel-mute'], [34, 35]);
    await step('unmute and channel moh', ['045-204-channel-unmute', '046-204-channel-moh-start', '047-204-channel-moh-stop']);
    await step('bridge moh start', ['048-204-bridge-moh-start'], [36, 37]);
    await step('bridge moh stop', ['049-204-bridge-moh-stop'], [38, 39]);
    await step('bridge record', ['050-201-bridge-record-start'], [40, 42]);
    await step('record same name', ['051-409-error-record-same-name-in-progress'], [43, 46]);
    await step('live get + stop', ['052-200-recording-live-get', '053-204-recording-live-stop'], [47, 49]);
    await step('stop again', ['054-404-error-stop-finished-recording']);
    await step('ifExists=fail', ['055-409-error-record-exists-ifexists-fail'], [50, 53]);
    await step('stored recordings', ['056-200-recordings-stored-list', '057-200-recording-stored-get', '058-200-recording-stored-file', '059-404-error-stored-recording']);
    await step('record bridged channel', ['060-201-channel-record-while-bridged'], [54, 54]);
    await step('redirect and dial probes', [
      '061-204-channel-redirect-local-unsupported',
      '062-422-error-redirect-tech-mismatch',
      '063-422-error-redirect-no-tech',
      '064-400-error-redirect-no-endpoint',
      '065-409-error-dial-channel-not-created-by-ari',
    ]);
    await step('hang up agent', ['066-204-channel-hangup-agent'], [55, 63]);
    await step('hang up again', ['067-404-error-hangup-gone-channel']);
    await step('continue caller', ['068-204-channel-continue-to-dialplan'], [64, 66]);
    await step('destroy bridge', ['069-204-bridge-destroy'], [67, 67]);
    await step('destroy again', ['070-404-error-bridge-not-found']);
    expect(problems).toEqual([]);
  });

  it('replays call 2 (holding bridge, fixed ids, channel recording, caller hangs up)', async () => {
    await step('holding bridge + originate with ids', ['071-200-bridge-create-holding-with-id', '072-200-channels-originate-with-ids'], [68, 68]);
    await step('answer', ['073-204-channel-answer-2'], [69, 69]);
    await step('join holding bridge', ['074-204-holding-bridge-add-participant'], [70, 70]);
    await step('bridge moh', ['075-204-holding-bridge-moh-start', '076-204-holding-bridge-moh-stop']);
    await step('announcement', ['077-201-holding-bridge-play-announcement'], [71, 72]);
    await step('remove', ['078-204-holding-bridge-remove-channel'], [73, 73]);
    await step('remove again + duplicate id', ['079-422-error-remove-channel-not-in-bridge', '080-409-error-originate-duplicate-channel-id']);
    await step('channel recording', ['081-201-channel-record-start'], [74, 75]);
    await step('stored copy/delete + moh', ['082-200-recording-stored-get-channel-rec', '083-200-recording-stored-copy', '084-204-recording-stored-delete', '085-204-channel-moh-start-2']);
    await step('caller hangs up', [], [76, 77]);
    await step('destroy holding bridge', ['086-204-holding-bridge-destroy']);
    expect(problems).toEqual([]);
  });

  it('replays call 3 (create, 412, dial, 409, dial timeout) and call 4 (continue to a missing context)', async () => {
    await step('create', ['087-200-channels-create'], [78, 80]);
    await step('play before dial', ['088-412-error-play-on-channel-not-dialed']);
    await step('dial', ['089-204-channel-dial', '090-409-error-dial-twice'], [81, 83]);
    await step('dial timeout', [], [84, 87]);
    await step('agent 2 originate', ['091-200-channels-originate-agent-2'], [88, 96]);
    await step('continue to missing context', ['092-204-channel-continue-bad-context'], [97, 103]);
    await step('final listing', ['093-200-channels-list-end']);
    expect(problems).toEqual([]);
  });

  it('sends every event with the key order Asterisk uses, as single-line text frames', () => {
    expect(log.events.length).toBeGreaterThan(100);
    const shapeProblems = log.events.flatMap((e) => eventShapeProblems(e));
    expect(shapeProblems).toEqual([]);
    for (const text of log.texts) {
      expect(text).not.toContain('\n');
      const e = JSON.parse(text) as Record<string, unknown>;
      expect(e['timestamp']).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+0000$/);
      expect(Object.keys(e).slice(-2)).toEqual(['asterisk_id', 'application']);
      expect(e['application']).toBe('cti-bridge');
    }
  });

  it('answers the WebSocket upgrades byte for byte like Asterisk', async () => {
    for (const name of ['handshake-ok', 'handshake-basic-auth-header', 'handshake-401-bad-password', 'handshake-400-no-app']) {
      const request = prepareRequest(`ws/${name}.req.http`, sim.ari.port, ids, []);
      const sock = net.connect(sim.ari.port, '127.0.0.1');
      const chunks: Buffer[] = [];
      sock.on('data', (d) => chunks.push(d));
      await new Promise<void>((r) => sock.once('connect', () => r()));
      sock.write(request);
      const expected = readFileSync(join(FIX, `ws/${name}.res.http`), 'latin1');
      await waitUntil(() => Buffer.concat(chunks).length >= Buffer.byteLength(expected, 'latin1'), `${name} answer`);
      await settle();
      sock.destroy();
      const norm = (s: string) => s.replace(/^Date: .*$/gm, 'Date: X');
      expect(norm(Buffer.concat(chunks).toString('latin1')), name).toBe(norm(expected));
    }
  });

  it('tells the first socket ApplicationReplaced when a second one registers the same app', async () => {
    const firstLog: EventLog = { events: [], texts: [] };
    const base = `${sim.ari.url.replace(/^http/, 'ws')}/events?app=cti-bridge-replaced&api_key=cti:cti-secret`;
    const first = await connect(base, firstLog);
    const second = await connect(base);
    await waitUntil(() => firstLog.events.length > 0, 'ApplicationReplaced');
    const e = firstLog.events[0] as Record<string, unknown>;
    expect(shapeDiff(replacedFixture, e)).toEqual([]);
    expect(e['application']).toBe('cti-bridge-replaced');
    first.close();
    second.close();
  });
});
