// The simulator's ARI resources for what the PBX keeps: recordings (stored and live) and
// mailboxes (res_mwi_external).
import { ariLiveRecording } from './ari-format.js';
import { reply, type AriReply } from './ari-http.js';
import { recordingWav } from './world-media.js';
import { get, noContent, on } from './ari-router.js';

// ---------------------------------------------------------------------------
// recordings

on('GET', 'recordings/stored', (_req, _p, { world }) => reply.ok(world.storedRecordings().map((r) => ({ name: r.name, format: r.format }))));
on('GET', 'recordings/stored/:name', (_req, p, { world }) => {
  const r = world.storedRecording(p['name'] ?? '');
  if (!r) return reply.error(404, 'Not Found', 'Recording not found');
  return reply.ok({ name: r.name, format: r.format });
});
on('DELETE', 'recordings/stored/:name', (_req, p, { world }) => {
  world.deleteStoredRecording(p['name'] ?? '');
  return noContent();
});
on('GET', 'recordings/stored/:name/file', (_req, p, { world }) => {
  const r = world.storedRecording(p['name'] ?? '');
  if (!r) return reply.error(404, 'Not Found', 'Recording not found');
  return { status: 200, reason: 'OK', raw: { contentType: `audio/${r.format === 'wav' ? 'wav' : r.format}`, data: recordingWav(r.name, r.durationMs) } };
});
on('POST', 'recordings/stored/:name/copy', (req, p, { world }) => {
  const copy = world.copyStoredRecording(p['name'] ?? '', get(req, 'destinationRecordingName') ?? '');
  return reply.ok({ name: copy.name, format: copy.format });
});
on('GET', 'recordings/live/:name', (_req, p, { world }) => {
  const r = world.liveRecording(p['name'] ?? '');
  if (!r) return reply.error(404, 'Not Found', 'Recording not found');
  return reply.ok(ariLiveRecording(r));
});
on('DELETE', 'recordings/live/:name', (_req, p, { world }) => {
  world.cancelRecording(p['name'] ?? '');
  return noContent();
});
on('POST', 'recordings/live/:name/stop', (_req, p, { world }) => {
  world.stopRecording(p['name'] ?? '');
  return noContent();
});
for (const action of ['pause', 'mute']) {
  for (const method of ['POST', 'DELETE']) {
    on(method, `recordings/live/:name/${action}`, (_req, p, { world }) => {
      if (!world.liveRecording(p['name'] ?? '')) return reply.error(404, 'Not Found', 'Recording not found');
      if (action === 'pause') world.pauseRecording(p['name'] ?? '', method === 'POST');
      return noContent();
    });
  }
}

// ---------------------------------------------------------------------------
// mailboxes (res_mwi_external): without the module Asterisk has no such resource (capture 033)

const unloaded = (): AriReply => reply.error(404, 'Not Found', 'Resource not found');
const mailboxJson = (m: { name: string; oldMessages: number; newMessages: number }) => ({
  name: m.name,
  old_messages: m.oldMessages,
  new_messages: m.newMessages,
});

on('GET', 'mailboxes', (_req, _p, { world }) => (world.mailboxModule ? reply.ok(world.mailboxes().map(mailboxJson)) : unloaded()));
on('GET', 'mailboxes/:name', (_req, p, { world }) => {
  if (!world.mailboxModule) return unloaded();
  const m = world.mailbox(p['name'] ?? '');
  return m ? reply.ok(mailboxJson(m)) : reply.error(404, 'Not Found', 'Mailbox not found');
});
on('PUT', 'mailboxes/:name', (req, p, { world }) => {
  if (!world.mailboxModule) return unloaded();
  const counts: number[] = [];
  for (const name of ['oldMessages', 'newMessages']) {
    const raw = get(req, name);
    if (raw === undefined) return reply.error(400, 'Bad Request', `Missing parameter ${name}`);
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 0) return reply.error(400, 'Bad Request', `${name} must be an integer`);
    counts.push(n);
  }
  world.setMailbox(p['name'] ?? '', counts[0]!, counts[1]!);
  return noContent();
});
on('DELETE', 'mailboxes/:name', (_req, p, { world }) => {
  if (!world.mailboxModule) return unloaded();
  world.deleteMailbox(p['name'] ?? '');
  return noContent();
});
