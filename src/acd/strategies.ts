// How a queue chooses among agents who all qualify for a call. `best` is what routing
// runs on every decision (one pass, no sort); `rank` is the whole offer order, for the
// routing simulation and for ring-all. best(...) is always rank(...)[0].
import type { AgentRouting, Skills, Strategy } from './model.js';

export interface StrategyContext {
  /** Round robin: the agent this queue offered last. */
  lastOffered?: string;
  /** Random: a source in [0, 1); injected so tests and simulation are reproducible. */
  random?: () => number;
}

type Compare = (a: AgentRouting, b: AgentRouting) => number;

const byId: Compare = (a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
const longestIdle: Compare = (a, b) => a.idleSinceMs - b.idleSinceMs || byId(a, b);

function skillScore(a: AgentRouting, required: Skills): number {
  let sum = 0;
  for (const s in required) sum += a.skills[s] ?? 0;
  return sum;
}

function comparator(strategy: Strategy, required: Skills, ctx: StrategyContext): Compare {
  switch (strategy) {
    case 'longest_idle':
    case 'ring_all':
      return longestIdle;
    case 'fewest_calls':
      return (a, b) => a.callsTaken - b.callsTaken || longestIdle(a, b);
    case 'best_skill':
      return (a, b) => skillScore(b, required) - skillScore(a, required) || longestIdle(a, b);
    case 'round_robin': {
      // Ids after the last offered come first, in id order, then the ones up to it.
      const last = ctx.lastOffered;
      const wrapped = (a: AgentRouting) => (last !== undefined && a.id <= last ? 1 : 0);
      return (a, b) => wrapped(a) - wrapped(b) || byId(a, b);
    }
    case 'random':
      return byId;
  }
}

export function rank(strategy: Strategy, agents: readonly AgentRouting[], required: Skills, ctx: StrategyContext = {}): AgentRouting[] {
  const sorted = [...agents].sort(comparator(strategy, required, ctx));
  if (strategy !== 'random') return sorted;
  // Draw one at a time from what is left (id order), so the first draw is `best`'s.
  const rnd = ctx.random ?? Math.random;
  const out: AgentRouting[] = [];
  while (sorted.length) out.push(sorted.splice(Math.floor(rnd() * sorted.length), 1)[0]!);
  return out;
}

export function best(strategy: Strategy, agents: Iterable<AgentRouting>, required: Skills, ctx: StrategyContext = {}): AgentRouting | undefined {
  if (strategy === 'random') {
    // Id order first: the draw must not depend on how the index happens to iterate.
    const all = [...agents].sort(byId);
    return all.length ? all[Math.floor((ctx.random ?? Math.random)() * all.length)] : undefined;
  }
  const cmp = comparator(strategy, required, ctx);
  let top: AgentRouting | undefined;
  for (const a of agents) if (top === undefined || cmp(a, top) < 0) top = a;
  return top;
}
