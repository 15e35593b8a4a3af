// Voicemail end to end through the simulator: an IVR hands the caller to a mailbox, the
// caller speaks after the beep and presses # (or hangs up), the message appears in the
// API with the PBX's recording bytes, the webhook announces it and the PBX's lamp follows.
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../src/api/keys.js';
import { recordingWav } from '../../src/sim/world-media.js';
import { waitFor, waitUntil } from '../helpers/wait.js';
import { hangUp, placeCall, press, publishFlow, startIvrWorld, waitEnded, type IvrWorld } from './ivr-fixture.js';

let w: IvrWorld;
let key: string;
let greetingDir: string;
/** Bytes of every recording the PBX stored, read the moment it finished. */
const stored = new Map<string, Buffer>();
const recordingOn = new Map<string, string>();

async function api(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Response> {
  const raw = Buffer.isBuffer(body);
  return fetch(`${w.service.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body !== undefined ? { 'content-type': raw ? 'audio/wav' : 'application/json' } : {}), ...headers },
    body: body === undefined ? undefined : raw ? new Uint8Array(body as Buffer) : JSON.stringify(body),
  });
}

beforeAll(async () => {
  // Speed 20: a simulated second passes in 50 ms, so "speaking for a few seconds" is short.
  greetingDir = await mkdtemp(join(tmpdir(), 'vm-greetings-'));
  w = await startIvrWorld('voicemail', { VOICEMAIL_GREETING_DIR: greetingDir, VOICEMAIL_MIN_SECONDS: '2', VOICEMAIL_GREETING_MEDIA: 'sound:cti/welcome', VOICEMAIL_GOODBYE_MEDIA: 'sound:cti/goodbye' }, { speed: 20 });
  w.sim.world.subscribe((e) => {
    if (e.type === 'RecordingStarted') recordingOn.set(e.recording.targetUri.replace(/^channel:/, ''), e.recording.name);
    if (e.type === 'RecordingFinished') {
      const r = w.sim.world.storedRecording(e.recording.name);
      if (r) stored.set(r.name, recordingWav(r.name, r.durationMs));
    }
  });
  key = (await createApiKey(w.service.db, { name: 'vm', scopes: ['voicemail:read', 'voicemail:write', 'webhooks:write'] })).key;
  const hook = await api('POST', '/v1/webhooks', { url: w.receiver.url, eventTypes: ['voicemail.created'] });
  expect(hook.status).toBe(201);
  const created = await api('POST', '/v1/mailboxes', { id: 'sales', name: 'Sales', kind: 'queue', owner: 'sales', maxMessageSeconds: 60, notify: ['sales-team@example.com'] });
  expect(created.status).toBe(201);
  await publishFlow(w, { id: 'vm-line', entry: 'vm', nodes: { vm: { type: 'voicemail', mailbox: 'sales' } } }, '300');
});

afterAll(async () => {
  await w?.close();
  await rm(greetingDir, { recursive: true, force: true });
});

async function messages(): Promise<Array<Record<string, unknown>>> {
  const res = await api('GET', '/v1/mailboxes/sales/messages');
  expect(res.status, await res.clone().text()).toBe(200);
  return ((await res.json()) as { items: Array<Record<string, unknown>> }).items;
}

/** The caller reaches the beep, speaks for `ms` of real time, then does `end`. */
async function leaveMessage(end: 'hash' | 'hangup', ms: number): Promise<{ callId: string; recording: string }> {
  const { channelId, callId } = await placeCall(w, '300', '+15550001111');
  const recording = await waitFor('the recording to start', () => recordingOn.get(channelId));
  await new Promise((r) => setTimeout(r, ms));
  if (end === 'hash') await press(w, channelId, '#');
  else await hangUp(w, channelId);
  await waitEnded(w, callId);
  return { callId, recording };
}

describe('voicemail', () => {
  it('keeps a message ended by #, with the PBX recording bytes, a webhook and a lit lamp', async () => {
    const { callId, recording } = await leaveMessage('hash', 250);
    const list = await waitFor('the message', async () => (await messages()).find((m) => m.callId === callId));
    expect(list).toMatchObject({ mailboxId: 'sales', callerNumber: '+15550001111', format: 'wav', heard: false });
    expect(list.durationSeconds as number).toBeGreaterThanOrEqual(2);

    const audio = await api('GET', `/v1/mailboxes/sales/messages/${list.id}/audio`);
    expect(audio.status).toBe(200);
    expect(audio.headers.get('content-type')).toBe('audio/wav');
    const bytes = Buffer.from(await audio.arrayBuffer());
    expect(bytes.length).toBe(list.sizeBytes);
    expect(bytes.equals(stored.get(recording)!)).toBe(true);
    // Our copy is kept; the PBX's is removed.
    await waitUntil(() => w.sim.world.storedRecording(recording) === undefined, 'the PBX recording to be deleted');

    await w.receiver.waitFor((all) => all.some((r) => r.json.type === 'voicemail.created' && r.json.callId === callId));
    const event = w.receiver.received.find((r) => r.json.type === 'voicemail.created' && r.json.callId === callId)!.json;
    expect(event.data).toMatchObject({ messageId: list.id, mailboxId: 'sales', mailboxKind: 'queue', owner: 'sales', callerNumber: '+15550001111', format: 'wav', notify: ['sales-team@example.com'] });

    expect(w.sim.world.mailbox('sales@cti-bridge')?.newMessages).toBeGreaterThanOrEqual(1);
    const before = w.sim.world.mailbox('sales@cti-bridge')!;
    const heard = await api('PATCH', `/v1/mailboxes/sales/messages/${list.id}`, { heard: true });
    expect(heard.status).toBe(200);
    expect(w.sim.world.mailbox('sales@cti-bridge')).toEqual({ name: 'sales@cti-bridge', oldMessages: before.oldMessages + 1, newMessages: before.newMessages - 1 });
  });

  it('serves a byte range of the audio (206) and refuses one past the end (416)', async () => {
    const [m] = await messages();
    const part = await api('GET', `/v1/mailboxes/sales/messages/${m!.id}/audio`, undefined, { range: 'bytes=40-99' });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 40-99/${m!.sizeBytes}`);
    const full = Buffer.from(await (await api('GET', `/v1/mailboxes/sales/messages/${m!.id}/audio`)).arrayBuffer());
    expect(Buffer.from(await part.arrayBuffer()).equals(full.subarray(40, 100))).toBe(true);
    const past = await api('GET', `/v1/mailboxes/sales/messages/${m!.id}/audio`, undefined, { range: `bytes=${m!.sizeBytes as number}-` });
    expect(past.status).toBe(416);
  });

  it('keeps a message when the caller hangs up after speaking long enough', async () => {
    const { callId, recording } = await leaveMessage('hangup', 250);
    const m = await waitFor('the message', async () => (await messages()).find((x) => x.callId === callId));
    const bytes = Buffer.from(await (await api('GET', `/v1/mailboxes/sales/messages/${m.id}/audio`)).arrayBuffer());
    expect(bytes.equals(stored.get(recording)!)).toBe(true);
  });

  it('drops a recording shorter than the minimum when the caller hangs up at the beep', async () => {
    const { callId, recording } = await leaveMessage('hangup', 0);
    // The PBX finished (and we deleted) the recording: by then the decision was made.
    await waitUntil(() => stored.has(recording) && w.sim.world.storedRecording(recording) === undefined, 'the short recording to be dropped');
    expect((await messages()).some((m) => m.callId === callId)).toBe(false);
  });

  it('plays an uploaded greeting from the file it writes for the PBX, and refuses audio the PBX cannot play', async () => {
    const greeting = recordingWav('sales greeting', 1500);
    const up = await api('PUT', '/v1/mailboxes/sales/greeting', greeting);
    expect(up.status).toBe(200);
    expect(await up.json()).toMatchObject({ id: 'sales', greetingUploaded: true });
    expect(Buffer.from(await (await api('GET', '/v1/mailboxes/sales/greeting')).arrayBuffer()).equals(greeting)).toBe(true);
    const stereo = Buffer.from(greeting);
    stereo.writeUInt16LE(2, 22);
    const bad = await api('PUT', '/v1/mailboxes/sales/greeting', stereo);
    expect(bad.status).toBe(422);
    expect(((await bad.json()) as { detail: string }).detail).toMatch(/8 kHz 16-bit mono/);

    const { channelId, callId } = await placeCall(w, '300', '+15550002222');
    await waitFor('the recording to start', () => recordingOn.get(channelId));
    const first = w.heard.get(channelId)![0]!;
    expect(first).toMatch(new RegExp(`^sound:${greetingDir}/vm-greeting-sales-[0-9a-f]{16}$`));
    expect(existsSync(`${first.slice('sound:'.length)}.wav`)).toBe(true);
    await hangUp(w, channelId);
    await waitEnded(w, callId);
    expect((await api('DELETE', '/v1/mailboxes/sales/greeting')).status).toBe(204);
    expect((await api('GET', '/v1/mailboxes/sales/greeting')).status).toBe(404);
  });

  it('records a greeting by phone: the PBX calls the extension, # ends it, the recording becomes the greeting', async () => {
    const refused = await api('POST', '/v1/mailboxes/sales/greeting/record', { extension: '+4930123456' });
    expect(refused.status).toBe(422);
    const res = await api('POST', '/v1/mailboxes/sales/greeting/record', { extension: '1001' });
    expect(res.status).toBe(202);
    const { channelId } = (await res.json()) as { channelId: string };
    const recording = await waitFor('the greeting recording to start', () => recordingOn.get(channelId));
    expect(w.heard.get(channelId)?.[0]).toBe('sound:vm-rec-unv');
    await new Promise((r) => setTimeout(r, 100));
    await press(w, channelId, '#');
    const greeting = await waitFor('the greeting to be stored', async () => {
      const g = await api('GET', '/v1/mailboxes/sales/greeting');
      return g.status === 200 ? Buffer.from(await g.arrayBuffer()) : undefined;
    });
    expect(greeting.equals(stored.get(recording)!)).toBe(true);
    await waitUntil(() => !w.sim.world.channels().some((c) => c.id === channelId), 'the greeting call to end');
    expect((await (await api('GET', '/v1/mailboxes/sales')).json()) as { greetingUploaded: boolean }).toMatchObject({ greetingUploaded: true });
    expect((await api('DELETE', '/v1/mailboxes/sales/greeting')).status).toBe(204);
  });

  it('deletes a message and lowers the lamp; unknown mailboxes and messages are 404', async () => {
    const [m] = await messages();
    expect((await api('DELETE', `/v1/mailboxes/sales/messages/${m!.id}`)).status).toBe(204);
    expect((await api('GET', `/v1/mailboxes/sales/messages/${m!.id}`)).status).toBe(404);
    const counts = (await (await api('GET', '/v1/mailboxes/sales')).json()) as { newMessages: number; oldMessages: number };
    expect(w.sim.world.mailbox('sales@cti-bridge')).toMatchObject({ newMessages: counts.newMessages, oldMessages: counts.oldMessages });
    expect((await api('GET', '/v1/mailboxes/nope/messages')).status).toBe(404);
    expect((await api('POST', '/v1/mailboxes', { id: 'sales', name: 'again', kind: 'general' })).status).toBe(409);
    expect((await api('POST', '/v1/mailboxes', { id: 'Bad Id', name: 'x', kind: 'general' })).status).toBe(400);
  });
});
