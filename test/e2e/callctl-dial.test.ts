// Click-to-dial and mid-call control end to end: the agent's phone rings first, then the
// customer; the allow-list, the key's limits and Idempotency-Key; hold, mute, hang-up.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../src/api/keys.js';
import { waitFor, waitUntil } from '../helpers/wait.js';
import { AGENT_A, alive, agentACallsCustomer, callState, CUSTOMER, eventTypes, events, hears, noBridgesLeft, onHold, startCallCtlWorld, together, type CallCtlWorld } from './callctl-fixture.js';

describe('click-to-dial and mid-call control', () => {
  let w: CallCtlWorld;
  beforeAll(async () => {
    w = await startCallCtlWorld('callctl-dial');
  });
  afterAll(async () => {
    await w?.close();
  });

  it('rings the agent first, then the customer, and bridges them', async () => {
    const res = await w.api<{ id: string; state: string; direction: string; dnis: string }>('POST', '/v1/calls', { extension: AGENT_A, to: CUSTOMER, data: { ticket: 'T-1' } });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ state: 'ringing', direction: 'outbound', dnis: CUSTOMER });
    const callId = res.body.id;
    // Only the agent's phone rings until the agent answers.
    const ringing = w.sim.world.channels().filter((c) => c.name.startsWith('PJSIP/'));
    expect(ringing.map((c) => c.name.split('-')[0])).toEqual([`PJSIP/${AGENT_A}`]);
    await waitFor('connected', async () => (await callState(w, callId)) === 'connected');
    const customer = w.sim.world.channels().find((c) => c.name.startsWith(`PJSIP/${CUSTOMER}@trunk`))!;
    const agent = w.sim.world.channels().find((c) => c.name.startsWith(`PJSIP/${AGENT_A}-`))!;
    expect(together(w, agent.id, customer.id)).toBe(true);
    // Both legs are one conversation.
    expect(customer.linkedid).toBe(agent.linkedid);
    expect(await eventTypes(w, callId)).toEqual(['call.created', 'call.answered']);

    const hangup = await w.api('POST', `/v1/calls/${callId}/hangup`);
    expect(hangup.status).toBe(204);
    await waitFor('ended', async () => (await callState(w, callId)) === 'ended');
    await waitUntil(() => !alive(w, agent.id) && !alive(w, customer.id), 'both legs gone');
    await waitUntil(() => noBridgesLeft(w, callId), 'no bridge left');
    expect(await eventTypes(w, callId)).toEqual(['call.created', 'call.answered', 'call.ended', 'cdr.created']);
  });

  it('holds and resumes: the customer hears music and not the agent', async () => {
    const c = await agentACallsCustomer(w);
    expect((await w.api('POST', `/v1/calls/${c.callId}/hold`)).status).toBe(204);
    expect(onHold(w, c.customer)).toBe(true);
    expect(hears(w, c.agent)).toEqual([]);
    expect(await callState(w, c.callId)).toBe('held');
    expect((await w.api('POST', `/v1/calls/${c.callId}/hold`)).status).toBe(409);
    expect((await w.api('POST', `/v1/calls/${c.callId}/unhold`)).status).toBe(204);
    expect(together(w, c.agent, c.customer)).toBe(true);
    const evs = await events(w, c.callId);
    expect(evs.map((e) => e.type)).toEqual(['call.created', 'call.answered', 'call.held', 'call.resumed']);
    expect(evs[3]!.data).toMatchObject({ holdMs: expect.any(Number), state: 'connected' });
    expect((await w.api('POST', `/v1/calls/${c.callId}/mute`)).status).toBe(204);
    expect((await w.api('POST', `/v1/calls/${c.callId}/dtmf`, { digits: '12#' })).status).toBe(204);
    expect((await w.api('POST', `/v1/calls/${c.callId}/dtmf`, { digits: '1;Dial(x)' })).status).toBe(400);
    await w.api('POST', `/v1/calls/${c.callId}/hangup`);
    await waitFor('ended', async () => (await callState(w, c.callId)) === 'ended');
  });

  it('documents every call-control route in the OpenAPI document', async () => {
    const res = await fetch(`${w.service.url}/docs/json`);
    expect(res.status).toBe(200);
    const doc = (await res.json()) as { paths: Record<string, Record<string, unknown>> };
    for (const [path, method] of [
      ['/v1/calls', 'post'],
      ['/v1/calls/{id}/hold', 'post'],
      ['/v1/calls/{id}/transfers', 'post'],
      ['/v1/transfers/{id}', 'get'],
      ['/v1/transfers/{id}/conference', 'post'],
      ['/v1/calls/{id}/recordings', 'post'],
      ['/v1/recordings/{id}/audio', 'get'],
      ['/v1/channel-transfers', 'post'],
      ['/v1/api-keys/{keyId}/dial-policy', 'put'],
    ] as const) {
      expect(doc.paths[path]?.[method], `${method} ${path}`).toBeDefined();
    }
  });

  it('a call placed for a known agent announces the agent connected', async () => {
    const res = await w.api<{ id: string }>('POST', '/v1/calls', { extension: AGENT_A, to: '0633333333', agentId: 'agent-a' });
    expect(res.status).toBe(201);
    await waitFor('connected', async () => (await callState(w, res.body.id)) === 'connected');
    const connected = (await events(w, res.body.id)).find((e) => e.type === 'call.connected')!;
    expect(connected.data).toMatchObject({ agent: { id: 'agent-a' }, queueId: null, waitMs: 0, state: 'connected' });
    const legs = await w.t.db.query('SELECT role, agent_id FROM call_legs WHERE call_id = $1 ORDER BY role', [res.body.id]);
    expect(legs.rows).toEqual([{ role: 'agent', agent_id: 'agent-a' }, { role: 'customer', agent_id: null }]);
    await w.api('POST', `/v1/calls/${res.body.id}/hangup`);
    await waitFor('ended', async () => (await callState(w, res.body.id)) === 'ended');
  });

  it('a retried request with the same Idempotency-Key returns the same call', async () => {
    const body = { extension: AGENT_A, to: '0698765432' };
    const first = await w.api<{ id: string }>('POST', '/v1/calls', body, { 'idempotency-key': 'retry-1' });
    const second = await w.api<{ id: string }>('POST', '/v1/calls', body, { 'idempotency-key': 'retry-1' });
    expect(first.status).toBe(201);
    expect(second.status).toBe(200);
    expect(second.body.id).toBe(first.body.id);
    const other = await w.api('POST', '/v1/calls', { ...body, to: '0698765433' }, { 'idempotency-key': 'retry-1' });
    expect(other.status).toBe(422);
    const { rows } = await w.t.db.query("SELECT count(*)::int AS n FROM calls WHERE dnis = '0698765432'");
    expect(rows[0].n).toBe(1);
    await waitFor('connected', async () => (await callState(w, first.body.id)) === 'connected');
    await w.api('POST', `/v1/calls/${first.body.id}/hangup`);
  });

  it('refuses numbers outside the allow-list and raw dialplan', async () => {
    for (const to of ['0044123456789', '09001234567', 'PJSIP/1001', '123&Local/1@x']) {
      const res = await w.api<{ detail: string }>('POST', '/v1/calls', { extension: AGENT_A, to });
      expect(res.status).toBe(422);
      expect(res.body.detail).toMatch(/denied pattern|not a phone number|no allowed/);
    }
    const bad = await w.api('POST', '/v1/calls', { extension: AGENT_A, to: CUSTOMER, variables: { X: '1' } });
    expect(bad.status).toBe(400);
  });

  it('applies the key’s own policy: allow-list, concurrent calls and calls per minute (429)', async () => {
    const created = await createApiKey(w.service.db, { name: 'limited', scopes: ['calls:write', 'calls:read'] });
    const put = await w.api('PUT', `/v1/api-keys/${created.id}/dial-policy`, { allow: ['_06XXXXXXXX'], deny: [], maxConcurrent: 1, perMinute: 2 });
    expect(put.body).toBeUndefined();
    expect(put.status).toBe(204);
    const asKey = (to: string) =>
      fetch(`${w.service.url}/v1/calls`, {
        method: 'POST',
        headers: { authorization: `Bearer ${created.key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ extension: AGENT_A, to }),
      });
    expect((await asKey('0512345678')).status).toBe(422);
    const one = await asKey('0611111111');
    expect(one.status).toBe(201);
    const busy = await asKey('0611111112');
    expect(busy.status).toBe(429);
    expect(busy.headers.get('retry-after')).toBe('5');
    expect(await busy.json()).toMatchObject({ limit: 'concurrent' });
    const { id } = (await one.json()) as { id: string };
    await waitFor('connected', async () => (await callState(w, id)) === 'connected');
    await w.api('POST', `/v1/calls/${id}/hangup`);
    await waitFor('ended', async () => (await callState(w, id)) === 'ended');
    const two = await asKey('0611111113');
    expect(two.status).toBe(201);
    const { id: id2 } = (await two.json()) as { id: string };
    await waitFor('connected', async () => (await callState(w, id2)) === 'connected');
    await w.api('POST', `/v1/calls/${id2}/hangup`);
    await waitFor('ended', async () => (await callState(w, id2)) === 'ended');
    const third = await asKey('0611111114');
    expect(third.status).toBe(429);
    expect(third.headers.get('retry-after')).toBe('60');
    expect(await third.json()).toMatchObject({ limit: 'per_minute' });
  });

  it('ends the call when the agent does not answer; the customer is never dialled', async () => {
    w.sim.world.setEndpointBehaviour('PJSIP/1009', { behaviour: 'busy' });
    const res = await w.api<{ id: string }>('POST', '/v1/calls', { extension: '1009', to: '0622222222' });
    expect(res.status).toBe(201);
    await waitFor('ended', async () => (await callState(w, res.body.id)) === 'ended');
    expect(w.sim.world.channels().some((c) => c.name.startsWith('PJSIP/0622222222'))).toBe(false);
    const { rows } = await w.t.db.query('SELECT disposition, hangup_cause FROM cdrs WHERE call_id = $1', [res.body.id]);
    expect(rows[0]).toMatchObject({ disposition: expect.any(String), hangup_cause: 17 });
  });

  it('records the conversation: start, pause, resume, stop, list, download with Range', async () => {
    const c = await agentACallsCustomer(w);
    const started = await w.api<{ id: string; state: string }>('POST', `/v1/calls/${c.callId}/recordings`);
    expect(started.status).toBe(201);
    const id = started.body.id;
    expect(w.sim.world.liveRecording(id)).toMatchObject({ state: 'recording', targetUri: `bridge:${c.callId}` });
    expect((await w.api('POST', `/v1/recordings/${id}/pause`)).body).toMatchObject({ state: 'paused' });
    expect(w.sim.world.liveRecording(id)!.state).toBe('paused');
    expect((await w.api('POST', `/v1/recordings/${id}/pause`)).status).toBe(409);
    expect((await w.api('POST', `/v1/recordings/${id}/resume`)).body).toMatchObject({ state: 'recording' });
    expect((await w.api('GET', `/v1/recordings/${id}/audio`)).status).toBe(409);
    expect((await w.api('POST', `/v1/recordings/${id}/stop`)).body).toMatchObject({ state: 'done' });
    expect((await w.api('POST', `/v1/recordings/${id}/stop`)).status).toBe(409);

    const full = await fetch(`${w.service.url}/v1/recordings/${id}/audio`, { headers: { authorization: `Bearer ${w.key}` } });
    expect(full.status).toBe(200);
    expect(full.headers.get('accept-ranges')).toBe('bytes');
    const bytes = Buffer.from(await full.arrayBuffer());
    expect(bytes.subarray(0, 4).toString()).toBe('RIFF');
    const part = await fetch(`${w.service.url}/v1/recordings/${id}/audio`, { headers: { authorization: `Bearer ${w.key}`, range: 'bytes=8-11' } });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 8-11/${bytes.length}`);
    expect(Buffer.from(await part.arrayBuffer()).toString()).toBe('WAVE');
    const beyond = await fetch(`${w.service.url}/v1/recordings/${id}/audio`, { headers: { authorization: `Bearer ${w.key}`, range: `bytes=${bytes.length}-` } });
    expect(beyond.status).toBe(416);
    expect(beyond.headers.get('content-range')).toBe(`bytes */${bytes.length}`);

    // A recording still running when the call ends is finished by the PBX.
    const second = await w.api<{ id: string }>('POST', `/v1/calls/${c.callId}/recordings`);
    await w.api('POST', `/v1/calls/${c.callId}/hangup`);
    await waitFor('the second recording done', async () => (await w.api<{ state: string }>('GET', `/v1/recordings/${second.body.id}`)).body.state === 'done');
    const list = await w.api<{ items: Array<{ id: string; state: string }> }>('GET', `/v1/calls/${c.callId}/recordings`);
    expect(list.body.items.map((r) => [r.id, r.state])).toEqual([[id, 'done'], [second.body.id, 'done']]);
    const types = (await eventTypes(w, c.callId)).filter((t) => t.startsWith('call.recording'));
    expect(types).toEqual(['call.recording_started', 'call.recording_paused', 'call.recording_resumed', 'call.recording_stopped', 'call.recording_started', 'call.recording_stopped']);
  });
});
