// The agents' live state on the real Redis: two clients (standing for two instances)
// race to reserve agents for calls; reservations lapse when nobody confirms them.
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { AgentLiveStore } from '../../src/acd/live-store.js';
import { TEST_REDIS_URL, uniquePrefix } from '../helpers/redis.js';
import { waitUntil } from '../helpers/wait.js';

const r1 = new Redis(TEST_REDIS_URL);
const r2 = new Redis(TEST_REDIS_URL);
afterAll(async () => {
  await r1.quit();
  await r2.quit();
});

async function readyAgents(store: AgentLiveStore, ids: string[]) {
  for (const id of ids) {
    await store.ensure(id, 0);
    expect((await store.apply(id, { type: 'login' }, 1)).ok).toBe(true);
    expect((await store.apply(id, { type: 'ready' }, 2)).ok).toBe(true);
  }
}

describe('ACD live store', () => {
  it('never gives one agent two calls nor one call two agents when two instances race', async () => {
    const prefix = uniquePrefix('acd');
    const a = new AgentLiveStore(r1, prefix);
    const b = new AgentLiveStore(r2, prefix);
    const agents = Array.from({ length: 20 }, (_, i) => `ag${i}`);
    const calls = Array.from({ length: 20 }, (_, i) => `call${i}`);
    await readyAgents(a, agents);
    // Every instance tries every (agent, call) pair, interleaved: 800 attempts at once.
    const attempts = [a, b].flatMap((store, s) =>
      agents.flatMap((agent) => calls.map((call) => store.reserve(agent, call, `${s}-${agent}-${call}`, 10_000, 10).then((r) => ({ r, agent, call })))),
    );
    const results = await Promise.all(attempts);
    const won = results.filter((x) => x.r.ok);
    expect(new Set(won.map((x) => x.agent)).size).toBe(won.length);
    expect(new Set(won.map((x) => x.call)).size).toBe(won.length);
    // Everyone was ready and every call free, so all 20 pairs got matched somewhere.
    expect(won.length).toBe(20);
    const live = await a.getMany(agents);
    for (const x of won) {
      expect(live.get(x.agent)).toMatchObject({ state: 'reserved', callId: x.call, reservationLive: true });
      expect(await b.callReservation(x.call)).toEqual({ agentId: x.agent, offerId: (x.r as { offerId: string }).offerId });
    }
  });

  it('lets a lapsed reservation go: the agent is ready again and can be offered another call', async () => {
    const store = new AgentLiveStore(r1, uniquePrefix('acd'));
    await readyAgents(store, ['x']);
    expect(await store.reserve('x', 'c1', 'o1', 150, 100)).toMatchObject({ ok: true });
    expect(await store.reserve('x', 'c2', 'o2', 150, 100)).toMatchObject({ ok: false, reason: 'busy', state: 'reserved' });
    await waitUntil(async () => (await store.get('x'))?.reservationLive === false, 'the reservation to lapse');
    expect(await store.callReservation('c1')).toBeUndefined();
    // The next offer sweeps the lapsed one first.
    expect(await store.reserve('x', 'c2', 'o2', 10_000, 500)).toMatchObject({ ok: true });
    expect(await store.get('x')).toMatchObject({ state: 'reserved', callId: 'c2', offerId: 'o2' });
  });

  it('confirms an answer only for the current offer and then frees the reservation keys', async () => {
    const store = new AgentLiveStore(r1, uniquePrefix('acd'));
    await readyAgents(store, ['y']);
    await store.reserve('y', 'c1', 'o1', 10_000, 100);
    expect(await store.apply('y', { type: 'answer' }, 200, 'stale')).toMatchObject({ ok: false, status: 409 });
    const ok = await store.apply('y', { type: 'answer' }, 200, 'o1');
    expect(ok).toMatchObject({ ok: true, change: { from: { state: 'reserved' }, to: { state: 'on_call', callId: 'c1' } } });
    expect(await store.callReservation('c1')).toBeUndefined();
    expect(await store.get('y')).toMatchObject({ state: 'on_call', reservationLive: false, offerId: null });
    expect(await store.apply('y', { type: 'ready' }, 300)).toMatchObject({ ok: false, status: 409, state: 'on_call' });
  });

  it('serialises concurrent changes of one agent: exactly one of a reservation and a not-ready wins first', async () => {
    const prefix = uniquePrefix('acd');
    const a = new AgentLiveStore(r1, prefix);
    const b = new AgentLiveStore(r2, prefix);
    for (let i = 0; i < 10; i++) {
      const id = `z${i}`;
      await readyAgents(a, [id]);
      const [res, nr] = await Promise.all([a.reserve(id, `c${i}`, `o${i}`, 10_000, 10), b.apply(id, { type: 'not_ready', reason: 'break' }, 10)]);
      const final = await a.get(id);
      expect(nr.ok).toBe(true);
      if (res.ok) {
        // Reserved first: the not-ready waits for the end of the call.
        expect(final).toMatchObject({ state: 'reserved', pendingNotReady: 'break' });
      } else {
        expect(final).toMatchObject({ state: 'not_ready', reason: 'break' });
      }
    }
  });

  it('lets a ring-all round reserve several agents for one call, and nobody else take the call meanwhile', async () => {
    const store = new AgentLiveStore(r1, uniquePrefix('acd'));
    await readyAgents(store, ['g1', 'g2', 'g3']);
    expect(await store.reserve('g1', 'c', 'o1', 10_000, 10, 'round')).toMatchObject({ ok: true });
    expect(await store.reserve('g2', 'c', 'o2', 10_000, 10, 'round')).toMatchObject({ ok: true });
    expect(await store.reserve('g3', 'c', 'o3', 10_000, 10)).toMatchObject({ ok: false, reason: 'call_taken' });
    expect(await store.reserve('g3', 'c', 'o3', 10_000, 10, 'other-round')).toMatchObject({ ok: false, reason: 'call_taken' });
    expect(await store.callReservation('c')).toBeUndefined();
    // g1 answers: the round is over, g2 is released, the call is free for a later offer.
    await store.apply('g1', { type: 'answer' }, 20, 'o1');
    await store.apply('g2', { type: 'release' }, 20, 'o2');
    await store.releaseGroup('c', 'round');
    expect(await store.get('g2')).toMatchObject({ state: 'ready' });
    expect(await store.reserve('g3', 'c', 'o4', 10_000, 30)).toMatchObject({ ok: true });
  });

  it('starts a change from what an instance remembers, and never writes over what changed since', async () => {
    const prefix = uniquePrefix('acd');
    const a = new AgentLiveStore(r1, prefix);
    const b = new AgentLiveStore(r2, prefix);
    await readyAgents(a, ['m1']);
    // Another instance moved the agent on: the first one's memory (ready) is old.
    expect((await b.apply('m1', { type: 'not_ready', reason: 'lunch' }, 3)).ok).toBe(true);
    const res = await a.apply('m1', { type: 'ready' }, 4);
    expect(res).toMatchObject({ ok: true, change: { from: { state: 'not_ready', reason: 'lunch' }, changed: true } });
    // Redis lost the agent and got it back rebuilt: its versions start again, the memory
    // (ready, a later version) still must not count as what is there.
    await r1.del(`${prefix}:acd:agent:m1`);
    expect(await b.restore('m1', { state: 'not_ready', reason: 'rebuilt', sinceMs: 5, callId: null, pendingNotReady: null }, true)).toBe(true);
    expect(await a.apply('m1', { type: 'ready' }, 6)).toMatchObject({ ok: true, change: { from: { state: 'not_ready', reason: 'rebuilt' }, changed: true } });
    // A refusal is decided on what Redis holds, not on the memory (ready, where login is refused).
    expect((await b.apply('m1', { type: 'logout' }, 7)).ok).toBe(true);
    expect(await a.apply('m1', { type: 'login' }, 8)).toMatchObject({ ok: true, change: { from: { state: 'logged_out' } } });
    expect((await a.apply('m1', { type: 'ready' }, 9)).ok).toBe(true);
    // A remembered reservation that lapsed is swept first, as one just read: the answer is too late.
    expect(await a.reserve('m1', 'c2', 'o2', 50, 10)).toMatchObject({ ok: true });
    await new Promise((r) => setTimeout(r, 120));
    expect(await a.apply('m1', { type: 'answer' }, 11, 'o2')).toMatchObject({ ok: false, status: 409 });
    expect(await b.get('m1')).toMatchObject({ state: 'ready' });
  });
});
