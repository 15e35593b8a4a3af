// The engine's indexed choices equal a brute-force reference that looks at every agent
// and every call, on random agents, skills, queues and calls.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { STRATEGIES, type AgentRouting, type QueueDefinition, type WaitingCall } from '../../src/acd/model.js';
import { effectivePriority, qualifies, requiredSkills } from '../../src/acd/priority.js';
import { RoutingEngine } from '../../src/acd/router.js';
import { rank } from '../../src/acd/strategies.js';
import { agentRouting, queueDef } from '../helpers/acd.js';

const SKILLS = ['en', 'de', 'fr', 'billing', 'tech'];
const skillsArb = (maxKeys: number) => fc.dictionary(fc.constantFrom(...SKILLS), fc.integer({ min: 1, max: 5 }), { maxKeys });

const agentArb = fc.record({
  skills: skillsArb(4),
  state: fc.constantFrom('ready', 'ready', 'not_ready', 'on_call' as const),
  idleSinceMs: fc.integer({ min: 0, max: 50 }),
  callsTaken: fc.integer({ min: 0, max: 3 }),
});
const queueArb = fc.record({
  skills: skillsArb(2),
  strategy: fc.constantFrom(...STRATEGIES),
  agingSecondsPerLevel: fc.constantFrom(0, 5, 30),
  wideningSteps: fc.array(fc.record({ afterSeconds: fc.integer({ min: 0, max: 60 }), lowerBy: fc.integer({ min: 1, max: 3 }) }), { maxLength: 2 }),
});
const callArb = fc.record({
  queue: fc.nat(),
  priority: fc.integer({ min: 0, max: 3 }),
  enteredMs: fc.integer({ min: 0, max: 60_000 }),
  skills: skillsArb(1),
});

const world = fc.record({
  agents: fc.array(agentArb, { maxLength: 25 }),
  queues: fc.array(queueArb, { minLength: 1, maxLength: 4 }),
  calls: fc.array(callArb, { maxLength: 25 }),
  nowMs: fc.integer({ min: 60_000, max: 120_000 }),
  seed: fc.double({ min: 0, max: 0.999, noNaN: true }),
  /** Round robin: the agent (index) each queue offered last, if any. */
  lastOffered: fc.array(fc.option(fc.nat({ max: 30 }), { nil: undefined }), { minLength: 4, maxLength: 4 }),
});

type World = typeof world extends fc.Arbitrary<infer T> ? T : never;

function build(w: World) {
  const queues: QueueDefinition[] = w.queues.map((q, i) => queueDef({ id: `q${i}`, ...q }));
  const agents: AgentRouting[] = w.agents.map((a, i) => agentRouting({ id: `a${String(i).padStart(2, '0')}`, ...a }));
  const calls: WaitingCall[] = w.calls.map((c, i) => ({
    callId: `c${String(i).padStart(2, '0')}`,
    queueId: queues[c.queue % queues.length]!.id,
    priority: c.priority,
    enteredMs: c.enteredMs,
    skills: c.skills,
  }));
  const engine = new RoutingEngine();
  engine.random = () => w.seed;
  for (const q of queues) engine.putQueue(q);
  for (const a of agents) engine.putAgent(a);
  for (const c of calls) engine.enqueue(c);
  const last = new Map<string, string>();
  queues.forEach((q, i) => {
    const n = w.lastOffered[i];
    if (n === undefined) return;
    const id = `a${String(n).padStart(2, '0')}`;
    engine.noteOffered(q.id, id);
    last.set(q.id, id);
  });
  return { queues, agents, calls, engine, last };
}

describe('router property: equals brute force', () => {
  it('chooses the same agent for every call', () => {
    fc.assert(
      fc.property(world, (w) => {
        const { queues, agents, calls, engine, last } = build(w);
        for (const c of calls) {
          const q = queues.find((x) => x.id === c.queueId)!;
          const req = requiredSkills(q, c, w.nowMs);
          const eligible = agents.filter((a) => a.state === 'ready' && qualifies(a.skills, req));
          const expected = rank(q.strategy, eligible, req, { random: () => w.seed, lastOffered: last.get(q.id) })[0]?.id;
          expect(engine.agentFor(c, w.nowMs)?.id).toBe(expected);
          expect(engine.offerOrder(c, w.nowMs).map((a) => a.id).sort()).toEqual(eligible.map((a) => a.id).sort());
        }
      }),
      { numRuns: 300 },
    );
  });

  it('chooses the same call for every agent', () => {
    fc.assert(
      fc.property(world, (w) => {
        const { queues, agents, calls, engine } = build(w);
        for (const a of agents) {
          const options = calls
            .map((c) => ({ c, q: queues.find((x) => x.id === c.queueId)! }))
            .filter(({ c, q }) => qualifies(a.skills, requiredSkills(q, c, w.nowMs)))
            .sort(
              (x, y) =>
                effectivePriority(y.c, y.q, w.nowMs) - effectivePriority(x.c, x.q, w.nowMs) ||
                x.c.enteredMs - y.c.enteredMs ||
                (x.c.callId < y.c.callId ? -1 : 1),
            );
          expect(engine.callFor(a.id, w.nowMs)?.callId).toBe(options[0]?.c.callId);
        }
      }),
      { numRuns: 300 },
    );
  });
});
