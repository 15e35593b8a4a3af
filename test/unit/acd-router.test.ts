import { describe, expect, it } from 'vitest';
import { entryPriority, nextWideningMs, requiredSkills } from '../../src/acd/priority.js';
import { RoutingEngine } from '../../src/acd/router.js';
import type { WaitingCall } from '../../src/acd/model.js';
import { agentRouting, queueDef } from '../helpers/acd.js';

const call = (callId: string, queueId: string, enteredMs: number, priority = 0, skills = {}): WaitingCall => ({ callId, queueId, enteredMs, priority, skills });

describe('routing engine', () => {
  it('serves VIPs first, then by arrival', () => {
    const q = queueDef({ id: 'sales', priorityRules: [{ field: 'vip', equals: 'true', add: 10 }] });
    const e = new RoutingEngine();
    e.putQueue(q);
    e.enqueue(call('c1', 'sales', 1000, entryPriority(q, {})));
    e.enqueue(call('c2', 'sales', 2000, entryPriority(q, { vip: true })));
    e.enqueue(call('c3', 'sales', 3000, entryPriority(q, { vip: 'false' })));
    expect(e.waitingIn('sales').map((c) => c.callId)).toEqual(['c2', 'c1', 'c3']);
    expect(e.position('c1')).toBe(2);
    e.putAgent(agentRouting({ id: 'a1' }));
    expect(e.callFor('a1', 4000)?.callId).toBe('c2');
  });

  it('ages priority so a long wait overtakes a later VIP', () => {
    // One level per 10 s: a priority-0 call waiting 60 s beats a priority-5 call that just came.
    const q = queueDef({ id: 'q', agingSecondsPerLevel: 10 });
    const e = new RoutingEngine();
    e.putQueue(q);
    e.enqueue(call('old', 'q', 0, 0));
    e.enqueue(call('vip', 'q', 60_000, 5));
    expect(e.waitingIn('q').map((c) => c.callId)).toEqual(['old', 'vip']);
    e.enqueue(call('vip2', 'q', 60_000, 7));
    expect(e.waitingIn('q').map((c) => c.callId)).toEqual(['vip2', 'old', 'vip']);
  });

  it('offers only agents with the skills at their levels, widening with the wait', () => {
    const q = queueDef({ id: 'de', skills: { german: 4 }, wideningSteps: [{ afterSeconds: 20, lowerBy: 2 }] });
    const e = new RoutingEngine();
    e.putQueue(q);
    e.putAgent(agentRouting({ id: 'weak', skills: { german: 2 } }));
    e.putAgent(agentRouting({ id: 'other', skills: { french: 5 } }));
    const c = call('c1', 'de', 0);
    e.enqueue(c);
    expect(e.agentFor(c, 5_000)).toBeUndefined();
    expect(nextWideningMs(q, c, 5_000)).toBe(20_000);
    expect(requiredSkills(q, c, 20_000)).toEqual({ german: 2 });
    expect(e.agentFor(c, 20_000)?.id).toBe('weak');
    expect(e.callFor('other', 20_000)).toBeUndefined();
    expect(e.callFor('weak', 10_000)).toBeUndefined();
    expect(e.callFor('weak', 20_000)?.callId).toBe('c1');
  });

  it('adds the call\'s own skills (language from the IVR) to the queue\'s', () => {
    const e = new RoutingEngine();
    e.putQueue(queueDef({ id: 'support', skills: { product_x: 1 } }));
    e.putAgent(agentRouting({ id: 'en', skills: { product_x: 3, english: 5 }, idleSinceMs: 0 }));
    e.putAgent(agentRouting({ id: 'es', skills: { product_x: 3, spanish: 4 }, idleSinceMs: 100 }));
    expect(e.agentFor(call('c', 'support', 0, 0, { spanish: 3 }), 0)?.id).toBe('es');
    expect(e.agentFor(call('c', 'support', 0, 0, {}), 0)?.id).toBe('en');
  });

  it('forgets agents who are not ready and honours exclusions', () => {
    const e = new RoutingEngine();
    e.putQueue(queueDef({ id: 'q' }));
    e.putAgent(agentRouting({ id: 'a1', idleSinceMs: 0 }));
    e.putAgent(agentRouting({ id: 'a2', idleSinceMs: 5 }));
    const c = call('c', 'q', 0);
    expect(e.agentFor(c, 0)?.id).toBe('a1');
    e.setAgentState('a1', 'reserved');
    expect(e.agentFor(c, 0)?.id).toBe('a2');
    expect(e.agentFor(c, 0, new Set(['a2']))).toBeUndefined();
    e.setAgentState('a1', 'ready', 10);
    expect(e.offerOrder(c, 0).map((a) => a.id)).toEqual(['a2', 'a1']);
  });

  it('picks across queues by effective priority', () => {
    const e = new RoutingEngine();
    e.putQueue(queueDef({ id: 'low', skills: { en: 1 } }));
    e.putQueue(queueDef({ id: 'high', skills: { billing: 1 }, priority: 3 }));
    e.putAgent(agentRouting({ id: 'a', skills: { en: 2, billing: 2 }, state: 'not_ready' }));
    e.enqueue(call('l', 'low', 0, 0));
    e.enqueue(call('h', 'high', 5000, 3));
    e.setAgentState('a', 'ready');
    expect(e.callFor('a', 6000)?.callId).toBe('h');
    e.dequeue('h');
    expect(e.callFor('a', 6000)?.callId).toBe('l');
    e.dequeue('l');
    expect(e.callFor('a', 6000)).toBeUndefined();
  });

  it('round robin rotates through the agents', () => {
    const e = new RoutingEngine();
    e.putQueue(queueDef({ id: 'q', strategy: 'round_robin' }));
    for (const id of ['a', 'b', 'c']) e.putAgent(agentRouting({ id }));
    const c = call('c', 'q', 0);
    const seen: string[] = [];
    for (let i = 0; i < 4; i++) {
      const a = e.agentFor(c, 0)!;
      seen.push(a.id);
      e.noteOffered('q', a.id);
    }
    expect(seen).toEqual(['a', 'b', 'c', 'a']);
  });
});

describe('skills asked for by call data', () => {
  it('reads skill_<name> levels set by the IVR and ignores anything else', async () => {
    const { skillsFromData } = await import('../../src/acd/priority.js');
    expect(skillsFromData({ skill_german: '4', skill_billing: 2, vip: 'true', skill_bad: '9', skill_x: 'two' })).toEqual({ german: 4, billing: 2 });
  });
});
