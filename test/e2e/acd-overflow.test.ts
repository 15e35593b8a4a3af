// ACD overflow out of the queues through the simulator: a caller who waited too long
// leaves a voicemail message; a caller who finds the queue full hears a published flow.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Flow } from '../../src/ivr/contract.js';
import { publishFlowDocument } from '../../src/ivr/repository.js';
import { waitFor } from '../helpers/wait.js';
import { events, hangUp, must, placeCall, press, queueFlow, startAcdWorld, waitEvent, type AcdWorld } from './acd-fixture.js';

let w: AcdWorld;
const recordingOn = new Map<string, string>();
const played = new Map<string, string[]>();

beforeAll(async () => {
  w = await startAcdWorld('acd-overflow', { VOICEMAIL_MIN_SECONDS: '1' });
  w.sim.world.subscribe((e) => {
    if (e.type === 'RecordingStarted') recordingOn.set(e.recording.targetUri.replace(/^channel:/, ''), e.recording.name);
    if (e.type === 'PlaybackStarted') {
      const channel = e.playback.targetUri.replace(/^channel:/, '');
      played.set(channel, [...(played.get(channel) ?? []), e.playback.mediaUri]);
    }
  });
  await must(w, 'PUT', '/v1/skills/german', {});
});

afterAll(async () => {
  await w?.close();
});

describe('ACD overflow to voicemail and to a flow', () => {
  it('refuses an overflow to a mailbox or a flow that does not exist', async () => {
    const vm = await w.api('POST', '/v1/queues', { id: 'nowhere-vm', name: 'x', skills: { german: 1 }, maxWaitSeconds: 5, overflow: { type: 'voicemail', id: 'no-such-box' } });
    expect(vm.status).toBe(422);
    expect(vm.body.unknown).toEqual({ mailbox: ['no-such-box'] });
    const flow = await w.api('POST', '/v1/queues', { id: 'nowhere-flow', name: 'x', skills: { german: 1 }, maxLength: 1, overflow: { type: 'flow', id: 'no-such-flow' } });
    expect(flow.status).toBe(422);
    expect(flow.body.unknown).toEqual({ flow: ['no-such-flow'] });
  });

  it('sends a caller who waited too long to the mailbox, where a message is left', async () => {
    await must(w, 'POST', '/v1/mailboxes', { id: 'after-hours', name: 'After hours', kind: 'queue', owner: 'vmq', maxMessageSeconds: 60 });
    // Nobody has the skill, so the caller waits until the max wait sends them on.
    await must(w, 'POST', '/v1/queues', { id: 'vmq', name: 'To voicemail', skills: { german: 5 }, maxWaitSeconds: 1, overflow: { type: 'voicemail', id: 'after-hours' } });
    await queueFlow(w, '401', 'vmq');
    const { callId, channelId } = await placeCall(w, '401', '+15550004011');

    const overflowed = await waitEvent(w, { callId, type: 'call.overflowed' });
    expect(overflowed.data).toMatchObject({ queue: { id: 'vmq' }, to: { type: 'voicemail', id: 'after-hours' }, reason: 'max_wait' });
    expect(overflowed.data.waitMs).toBeGreaterThanOrEqual(1000);
    await waitFor('the recording to start', () => recordingOn.get(channelId));
    // The caller speaks past the mailbox's minimum, then ends with #.
    await new Promise((r) => setTimeout(r, 1_300));
    await press(w, channelId, '#');
    const message = await waitFor('the message', async () => {
      const list = await must(w, 'GET', '/v1/mailboxes/after-hours/messages');
      return (list.items as Array<Record<string, unknown>>).find((m) => m.callId === callId);
    });
    expect(message).toMatchObject({ mailboxId: 'after-hours', callerNumber: '+15550004011' });
    expect((await must(w, 'GET', '/v1/queues/vmq/stats')).today).toMatchObject({ overflowed: 1 });
  });

  it('sends a caller who finds the queue full into a published flow, which plays', async () => {
    const flow = { id: 'sorry-busy', version: 1, name: 'sorry-busy', entry: 'say', nodes: { say: { type: 'play', prompt: { media: ['sound:cti/all-busy'] }, next: 'bye' }, bye: { type: 'hangup' } } } as Flow;
    await publishFlowDocument(w.t.db, flow);
    await must(w, 'POST', '/v1/queues', { id: 'tiny', name: 'Tiny', skills: { german: 5 }, maxLength: 1, overflow: { type: 'flow', id: 'sorry-busy' } });
    await queueFlow(w, '402', 'tiny');
    const first = await placeCall(w, '402', '+15550004021');
    await waitEvent(w, { callId: first.callId, type: 'call.queued' });
    const second = await placeCall(w, '402', '+15550004022');

    const overflowed = await waitEvent(w, { callId: second.callId, type: 'call.overflowed' });
    expect(overflowed.data).toMatchObject({ queue: { id: 'tiny' }, to: { type: 'flow', id: 'sorry-busy' }, reason: 'max_length' });
    await waitFor('the flow to play', () => played.get(second.channelId)?.includes('sound:cti/all-busy') || undefined);
    // The flow runs to its end: the call is hung up and ends with its CDR, in the flow.
    await waitFor('the call to end', async () => {
      const { rows } = await w.t.db.query('SELECT 1 FROM cdrs WHERE call_id = $1', [second.callId]);
      return rows[0];
    });
    const ivr = (await events(w, { callId: second.callId })).map((e) => e.type);
    expect(ivr).toContain('call.overflowed');
    const { rows } = await w.t.db.query(`SELECT data FROM call_events WHERE call_id = $1 AND type = 'call.ivr' ORDER BY id`, [second.callId]);
    expect(rows.map((r) => r.data.flowId)).toEqual(['f-402', 'sorry-busy']);
    await hangUp(w, first.channelId);
  });
});
