// Channel transfers act only on channels the service may touch: an integrator's key
// cannot hang up or move the agent leg of an ACD call it has nothing to do with, and
// cannot complete another key's attended transfer.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../src/api/keys.js';
import { waitUntil } from '../helpers/wait.js';
import { agentLegs, hangUp, must, phone, placeCall, queueFlow, readyAgent, startAcdWorld, waitEvent, type AcdWorld } from './acd-fixture.js';

let w: AcdWorld;
let stranger: string;

async function as(key: string, path: string, body: unknown) {
  const res = await fetch(`${w.service.url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, type: res.headers.get('content-type') ?? '', body: (await res.json().catch(() => undefined)) as Record<string, unknown> | undefined };
}

beforeAll(async () => {
  w = await startAcdWorld('chxfer-guard');
  stranger = (await createApiKey(w.service.db, { name: 'stranger', scopes: ['calls:write', 'calls:read'] })).key;
  await must(w, 'PUT', '/v1/skills/sales', {});
  await must(w, 'POST', '/v1/queues', { id: 'sales', name: 'Sales', skills: { sales: 1 } });
});

afterAll(async () => {
  await w?.close();
});

describe('channel transfers on an ACD call', () => {
  it('a key cannot complete, cancel or move the legs of a call the service drives', async () => {
    await phone(w, '1103', 'answer', 50);
    await readyAgent(w, 'carol', '1103', { sales: 1 });
    await queueFlow(w, '203', 'sales');
    const { channelId: caller, callId } = await placeCall(w, '203');
    await waitEvent(w, { callId, type: 'call.connected' });
    const [leg] = await agentLegs(w, callId);
    const agentName = w.sim.world.channel(leg!.channel_id)!.name;
    const callerName = w.sim.world.channel(caller)!.name;
    expect(agentName).toMatch(/^PJSIP\/1103-/);

    for (const command of ['complete', 'cancel']) {
      const res = await as(stranger, `/v1/channel-transfers/${command}`, { channel: agentName });
      expect(res.status).toBe(404);
      expect(res.type).toMatch(/application\/problem\+json/);
      expect(res.body!.detail).toContain('started no attended transfer');
    }
    for (const channel of [agentName, callerName]) {
      for (const mode of ['blind', 'attended']) {
        const res = await as(stranger, '/v1/channel-transfers', { channel, to: { extension: '1102' }, mode });
        expect(res.status).toBe(403);
        expect(res.body).toMatchObject({ callId, detail: expect.stringContaining(`/v1/calls/${callId}/transfers`) });
      }
    }
    // Nothing happened to the call: both parties are still there, still talking.
    expect(w.sim.world.channel(leg!.channel_id)).toBeDefined();
    expect(w.sim.world.bridges().some((b) => b.channelIds.includes(caller) && b.channelIds.includes(leg!.channel_id))).toBe(true);
    expect(w.sim.world.channels().some((c) => c.name.startsWith('PJSIP/1102-'))).toBe(false);
    await hangUp(w, caller);
    await waitUntil(() => !w.sim.world.channel(leg!.channel_id), 'the agent leg ends with the call');
  });
});
