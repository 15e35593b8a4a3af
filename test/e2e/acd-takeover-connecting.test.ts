// The owner put an agent on a call and died before it wrote the agent's leg answered (its
// state is in Redis first, the leg in Postgres next). The next owner ends the leg it
// cannot follow and brings the agent back through wrap-up, never leaving it on_call.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/log.js';
import { startService, type Service } from '../../src/main.js';
import { waitFor, waitUntil } from '../helpers/wait.js';
import { agentLegs, agentState, must, phone, placeCall, queueFlow, readyAgent, startAcdWorld, waitEvent, type AcdWorld } from './acd-fixture.js';

let w: AcdWorld;
let b: Service | undefined;

beforeAll(async () => {
  w = await startAcdWorld('acd-takeover-connecting');
  await must(w, 'PUT', '/v1/skills/sales', {});
  b = await startService(loadConfig(w.env('instance-b')), createLogger('silent'));
});

afterAll(async () => {
  await b?.stop();
  await w?.close();
});

describe('an agent the dead owner was connecting', () => {
  it('is brought back to ready through wrap-up by the next owner', async () => {
    await must(w, 'POST', '/v1/queues', { id: 'connecting', name: 'Connecting', skills: { sales: 1 } });
    await phone(w, '1401', 'answer', 50);
    await readyAgent(w, 'ida', '1401', { sales: 1 }, { wrapUpSeconds: 1 });
    await queueFlow(w, '401', 'connecting');
    const { callId } = await placeCall(w, '401');
    await waitEvent(w, { callId, type: 'call.connected' });
    expect(await agentState(w, 'ida')).toBe('on_call');
    const [leg] = await agentLegs(w, callId);

    // The owner goes away without any ACD clean-up, as a crash leaves it, and in the state
    // a crash between its two writes leaves: the agent on_call, the leg not yet answered.
    const a = w.service;
    await a.stop();
    await w.t.db.query('UPDATE acd_agent_legs SET answered_at = NULL WHERE channel_id = $1', [leg!.channel_id]);
    w.service = b!;
    await waitUntil(() => b!.nodes[0]!.isOwner && b!.nodes[0]!.ariClient?.state === 'connected', 'B to take the node', 15_000);

    await waitUntil(async () => (await agentState(w, 'ida')) === 'ready', 'ida ready again', 20_000);
    const ended = await waitFor('the leg ended', async () => (await agentLegs(w, callId)).find((l) => l.ended_at !== null));
    expect(ended.outcome).toBe('takeover');
    await waitUntil(() => !w.sim.world.channel(leg!.channel_id), "the agent's leg hung up");
  }, 60_000);
});
