// A prompt the PBX never finishes must not hold a caller in silence, through the simulator
// (which, like Asterisk 22, starts a playback of a recording it does not have and never
// ends it): a recording that was never put on the PBX is skipped at once, one deleted
// after it was last seen is stopped by the watchdog, and either way the caller goes on to
// the queue and an agent. Publishing refuses a flow whose recordings the PBX lacks, and
// publishes without the check while the PBX cannot be asked.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registry } from '../../src/api/metrics.js';
import type { Flow } from '../../src/ivr/contract.js';
import { putNumber, publishFlowDocument } from '../../src/ivr/repository.js';
import { simControl } from '../helpers/service.js';
import { waitFor } from '../helpers/wait.js';
import { events, hangUp, must, phone, placeCall, readyAgent, startAcdWorld, waitEvent, type AcdWorld } from './acd-fixture.js';

let w: AcdWorld;
const started = new Map<string, string[]>();

/** cti_ivr_prompt_failures_total for one reason, as /metrics would show it (the service runs in this process). */
async function failures(reason: string): Promise<number> {
  const metric = await registry.getSingleMetric('cti_ivr_prompt_failures_total')?.get();
  return metric?.values.find((v) => v.labels.reason === reason)?.value ?? 0;
}

beforeAll(async () => {
  // A short bound for prompts of unknown length, so the watchdog acts within the test.
  w = await startAcdWorld('ivr-missing-prompt', { IVR_PROMPT_MAX_SECONDS: '2' });
  w.sim.world.subscribe((e) => {
    if (e.type !== 'PlaybackStarted') return;
    const channelId = e.playback.targetUri.replace(/^channel:/, '');
    started.set(channelId, [...(started.get(channelId) ?? []), e.playback.mediaUri]);
  });
  await must(w, 'PUT', '/v1/skills/orders', {});
  await must(w, 'POST', '/v1/queues', { id: 'sales', name: 'Sales', skills: { orders: 1 } });
  await phone(w, '3201', 'answer');
  await readyAgent(w, 'ada', '3201', { orders: 1 });
});

afterAll(async () => {
  await w?.close();
});

const welcomeThenQueue = (id: string, media: string[]): Flow => ({
  id,
  version: 1,
  entry: 'welcome',
  nodes: {
    welcome: { type: 'play', prompt: { media, bargeIn: false }, next: 'q' },
    q: { type: 'queue', queue: 'sales' },
  },
});

async function welcomeSteps(callId: string): Promise<Array<{ node: string; outcome: string; media?: string[] }>> {
  const { rows } = await w.t.db.query("SELECT data FROM call_events WHERE call_id = $1 AND type = 'ivr.step' AND data->>'node' = 'welcome' ORDER BY id", [callId]);
  return rows.map((r) => ({ node: r.data.node, outcome: r.data.outcome, ...(r.data.media ? { media: r.data.media } : {}) }));
}

async function talkThenHangUp(callId: string, channelId: string): Promise<void> {
  const connected = await waitEvent(w, { callId, type: 'call.connected' });
  expect(connected.data).toMatchObject({ agent: { id: 'ada' }, queueId: 'sales' });
  await hangUp(w, channelId);
  await waitEvent(w, { callId, type: 'call.ended' });
  // Ada is free for the next test once her wrap-up is over.
  await waitFor('ada ready again', async () => ((await must(w, 'GET', '/v1/agents/ada')).state === 'ready' ? true : undefined), 30_000);
}

describe('a prompt that never finishes', () => {
  it('skips a recording the PBX does not have, without playing it, and the caller reaches the agent', async () => {
    await publishFlowDocument(w.t.db, welcomeThenQueue('never-uploaded', ['recording:hotline/never-uploaded']));
    await putNumber(w.t.db, { did: '701', flowId: 'never-uploaded' });
    const { callId, channelId } = await placeCall(w, '701', '+15550007011');
    await waitEvent(w, { callId, type: 'call.queued' });
    expect(await welcomeSteps(callId)).toEqual([{ node: 'welcome', outcome: 'prompt_failed: missing', media: ['recording:hotline/never-uploaded'] }]);
    expect(started.get(channelId) ?? []).not.toContain('recording:hotline/never-uploaded');
    const step = (await events(w, { callId, type: 'call.ivr_step' }))[0];
    expect(step?.data.step).toMatchObject({ node: 'welcome', nodeType: 'play', outcome: 'prompt_failed: missing', media: ['recording:hotline/never-uploaded'] });
    await talkThenHangUp(callId, channelId);
  });

  it('stops a recording that went missing after it was last seen, once its bound is over, and the caller reaches the agent', async () => {
    await simControl(w.sim, '/recordings/hotline/welcome', { durationMs: 100 }, 'PUT');
    await publishFlowDocument(w.t.db, welcomeThenQueue('deleted-later', ['recording:hotline/welcome']));
    await putNumber(w.t.db, { did: '702', flowId: 'deleted-later' });

    const first = await placeCall(w, '702', '+15550007021');
    await waitEvent(w, { callId: first.callId, type: 'call.queued' });
    expect(await welcomeSteps(first.callId)).toEqual([{ node: 'welcome', outcome: 'played' }]);
    await talkThenHangUp(first.callId, first.channelId);

    // Someone deletes the prompt on the PBX; the service saw it a moment ago.
    w.sim.world.deleteStoredRecording('hotline/welcome');
    const timeoutsBefore = await failures('timeout');
    const second = await placeCall(w, '702', '+15550007022');
    await waitEvent(w, { callId: second.callId, type: 'call.queued' });
    expect(await welcomeSteps(second.callId)).toEqual([{ node: 'welcome', outcome: 'prompt_failed: timeout', media: ['recording:hotline/welcome'] }]);
    // The PBX started it and would never have ended it; ops see the failure counted.
    expect(started.get(second.channelId)).toContain('recording:hotline/welcome');
    expect(await failures('timeout')).toBe(timeoutsBefore + 1);
    await talkThenHangUp(second.callId, second.channelId);
  });
});

describe('publishing a flow whose recordings are not on the PBX', () => {
  const draft = (id: string, media: string[]) => ({ document: { ...welcomeThenQueue(id, media), version: 1 } });

  it('is refused with a 422 naming the node and the media, and allowed once the recording is there', async () => {
    await must(w, 'POST', '/v1/flows', draft('hotline-v2', ['recording:hotline/greeting-2027', 'sound:hello-world']));
    const refused = await w.api('POST', '/v1/flows/hotline-v2/versions/1/publish');
    expect(refused.status).toBe(422);
    expect(refused.body.problems).toEqual([{ pointer: '/nodes/welcome/prompt/media/0', message: 'recording "hotline/greeting-2027" does not exist on the PBX (node pbx1)' }]);
    expect(refused.body.detail).toContain('/nodes/welcome/prompt/media/0');
    expect((await must(w, 'GET', '/v1/flows/hotline-v2')).publishedVersion).toBeNull();

    await simControl(w.sim, '/recordings/hotline/greeting-2027', { durationMs: 3000 }, 'PUT');
    const published = await w.api('POST', '/v1/flows/hotline-v2/versions/1/publish');
    expect(published.status).toBe(200);
    expect(published.body).toMatchObject({ status: 'published', changed: true, promptsChecked: true });
  });

  it('is published without the check while the PBX cannot be asked, and says so', async () => {
    await must(w, 'POST', '/v1/flows', draft('hotline-v3', ['recording:hotline/not-there-either']));
    await w.sim.close();
    const published = await w.api('POST', '/v1/flows/hotline-v3/versions/1/publish');
    expect(published.status).toBe(200);
    expect(published.body).toMatchObject({ status: 'published', promptsChecked: false });
  });
});
