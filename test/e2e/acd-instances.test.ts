// The ACD across instances: two services on one Redis never give an agent two calls or a
// call two agents while calls arrive together; killing the owner in the middle of an
// offer leaves no agent reserved and no caller stuck on hold — the survivor carries on.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/log.js';
import { startService, type Service } from '../../src/main.js';
import { TEST_REDIS_URL } from '../helpers/redis.js';
import { waitFor, waitUntil } from '../helpers/wait.js';
import { agentLegs, agentState, events, hangUp, must, phone, placeCall, queueFlow, readyAgent, startAcdWorld, waitEvent, type AcdWorld } from './acd-fixture.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
let w: AcdWorld;
let b: Service | undefined;
let child: ChildProcess | undefined;
const redis = new Redis(TEST_REDIS_URL);

beforeAll(async () => {
  w = await startAcdWorld('acd-multi');
  for (const s of ['sales', 'tech']) await must(w, 'PUT', `/v1/skills/${s}`, {});
  b = await startService(loadConfig(w.env('instance-b')), createLogger('silent'));
});

afterAll(async () => {
  child?.kill('SIGKILL');
  await b?.stop();
  await w?.close();
  await redis.quit();
});

describe('ACD on several instances', () => {
  it('never double-assigns while calls arrive together and agents change state on the other instance', async () => {
    await must(w, 'POST', '/v1/queues', { id: 'multi', name: 'Multi', skills: { sales: 1 }, strategy: 'round_robin' });
    const agents = ['m1', 'm2', 'm3'];
    for (const [i, id] of agents.entries()) {
      await phone(w, `120${i}`, 'answer', 200);
      await readyAgent(w, id, `120${i}`, { sales: 2 }, { wrapUpSeconds: 0 });
    }
    await queueFlow(w, '301', 'multi');
    const calls = await Promise.all(Array.from({ length: 6 }, (_, i) => placeCall(w, '301', `+1555100000${i}`)));
    // Meanwhile, the other instance's API flips an agent not ready and ready again.
    const bKey = w.key;
    const viaB = (action: string, reason?: string) =>
      fetch(`${b!.url}/v1/agents/m2/state`, {
        method: 'POST',
        headers: { authorization: `Bearer ${bKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ action, ...(reason ? { reason } : {}) }),
      });
    await viaB('not_ready', 'coffee');
    await viaB('ready');
    // Each agent talks for a moment, then hangs up; the queue drains.
    const done = new Set<string>();
    await waitUntil(async () => {
      for (const c of calls) {
        if (done.has(c.callId)) continue;
        const legs = await agentLegs(w, c.callId);
        const talking = legs.find((l) => l.answered_at && !l.ended_at);
        if (talking) {
          await hangUp(w, c.channelId);
          done.add(c.callId);
        }
      }
      return done.size === calls.length;
    }, 'every call to be answered by some agent', 60_000);

    for (const c of calls) {
      const answered = (await agentLegs(w, c.callId)).filter((l) => l.answered_at);
      expect(answered.length).toBe(1);
    }
    const { rows } = await w.t.db.query('SELECT agent_id, offered_at, ended_at FROM acd_agent_legs WHERE agent_id = ANY($1) ORDER BY agent_id, offered_at', [agents]);
    await waitUntil(async () => {
      const r = await w.t.db.query('SELECT count(*)::int AS n FROM acd_agent_legs WHERE agent_id = ANY($1) AND ended_at IS NULL', [agents]);
      return r.rows[0].n === 0;
    }, 'every agent leg to end');
    const ended = (await w.t.db.query('SELECT agent_id, offered_at, ended_at FROM acd_agent_legs WHERE agent_id = ANY($1) ORDER BY agent_id, offered_at', [agents])).rows;
    expect(ended.length).toBe(rows.length);
    // One agent, one leg at a time: each leg ended before the agent's next one was offered.
    for (let i = 1; i < ended.length; i++) {
      if (ended[i].agent_id !== ended[i - 1].agent_id) continue;
      expect(ended[i - 1].ended_at.getTime()).toBeLessThanOrEqual(ended[i].offered_at.getTime());
    }
    for (const id of agents) await must(w, 'POST', `/v1/agents/${id}/state`, { action: 'logout' });
  });

  it('carries on when the owner dies in the middle of an offer', async () => {
    // Hand the node to a child process we can kill without goodbye.
    await w.service.stop();
    child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], { cwd: ROOT, env: { ...process.env, ...w.env('instance-c') }, stdio: 'ignore' });
    const leaseKey = `${w.redisPrefix}:lease:pbx:pbx1`;
    await b!.stop();
    await waitUntil(async () => (await redis.get(leaseKey)) === 'instance-c', 'the child to own the node', 60_000);
    b = await startService(loadConfig(w.env('instance-b')), createLogger('silent'));
    w.service = b;

    await must(w, 'POST', '/v1/queues', { id: 'kill', name: 'Kill', skills: { tech: 1 } });
    await phone(w, '1301', 'ring-out');
    await phone(w, '1302', 'answer', 50);
    await readyAgent(w, 'kim', '1301', { tech: 1 }, { ringSeconds: 60 });
    await queueFlow(w, '302', 'kill');
    const { callId, channelId } = await placeCall(w, '302');
    const offer = await waitEvent(w, { callId, type: 'call.offered' }, 'the offer to kim', 30_000);
    expect(offer.data.offer.agentId).toBe('kim');
    await readyAgent(w, 'lee', '1302', { tech: 1 });
    expect(await agentState(w, 'kim')).toBe('reserved');

    child!.kill('SIGKILL');
    await waitUntil(() => b!.nodes[0]!.isOwner, 'the survivor to take the node', 15_000);
    const connected = await waitEvent(w, { callId, type: 'call.connected' }, 'the call to be connected by the survivor', 30_000);
    expect(connected.data.agent.id).toBe('lee');
    await waitUntil(async () => (await agentState(w, 'kim')) === 'ready', 'kim released');
    const legs = await agentLegs(w, callId);
    expect(legs.map((l) => [l.agent_id, l.outcome])).toEqual([
      ['kim', 'takeover'],
      ['lee', null],
    ]);
    const state = (await (await fetch(`${w.sim.control.url}/state`)).json()) as { bridges: Array<{ id: string; bridge_type: string }> };
    expect(state.bridges.filter((x) => x.id.includes(callId)).map((x) => x.bridge_type)).toEqual(['mixing']);
    expect((await events(w, { callId, type: 'call.abandoned' })).length).toBe(0);
    await hangUp(w, channelId);
    await waitEvent(w, { callId, type: 'call.ended' });
    // A child process compiling the service on a busy machine needs more than the default
    // 30 s before the waits above even start; they bound each step themselves.
  }, 180_000);

  it('carries on with a connected call when its owner goes away mid-call', async () => {
    // B owns the node now; C stands by. B stops without any ACD clean-up (the ACD does
    // nothing at stop), which leaves its calls as a crash would.
    const c = await startService(loadConfig(w.env('instance-c2')), createLogger('silent'));
    await must(w, 'POST', '/v1/queues', { id: 'midcall', name: 'Mid-call', skills: { sales: 3 } });
    await phone(w, '1303', 'answer', 50);
    await readyAgent(w, 'max', '1303', { sales: 3 });
    await queueFlow(w, '303', 'midcall');
    const { callId, channelId } = await placeCall(w, '303');
    await waitEvent(w, { callId, type: 'call.connected' });
    const [leg] = await agentLegs(w, callId);

    await b!.stop();
    b = undefined;
    w.service = c;
    await waitUntil(() => c.nodes[0]!.isOwner && c.nodes[0]!.ariClient?.state === 'connected', 'C to take the node', 15_000);
    // The agent hangs up on the new owner's watch (whether before or after its resync):
    // wrap-up, then ready; the caller is let go.
    await hangUp(w, leg!.channel_id);
    await waitEvent(w, { callId, type: 'call.ended' }, 'the caller let go', 20_000);
    await waitUntil(async () => (await agentState(w, 'max')) === 'ready', 'max ready after wrap-up', 20_000);
    // The state is in Redis first; its event reaches the journal through the state relay.
    const changes = await waitFor('the wrap-up end in the journal', async () => {
      const all = (await events(w, { type: 'agent.state_changed', agentId: 'max' })).map((e) => `${e.data.from}>${e.data.to}`);
      return all.at(-1) === 'wrap_up>ready' ? all : undefined;
    });
    expect(changes.slice(-3)).toEqual(['reserved>on_call', 'on_call>wrap_up', 'wrap_up>ready']);
    // The bridge goes once its last leg is gone, which may be just after the caller's end.
    const simState = async () => (await (await fetch(`${w.sim.control.url}/state`)).json()) as { bridges: Array<{ id: string }>; channels: Array<{ id: string }> };
    await waitUntil(async () => !(await simState()).bridges.some((x) => x.id.includes(callId)), "the call's bridges to be destroyed");
    expect((await simState()).channels.filter((x) => x.id === channelId)).toEqual([]);
  });
});
