// Staffing for one interval: the fewest agents meeting the service-level target (and the
// occupancy ceiling, when given) under Erlang C and, with a caller patience, Erlang A.
import { UnstableQueue, erlangA, erlangC, round, type ErlangAResult, type ErlangCResult } from './erlang.js';

export interface StaffingInput {
  calls: number;
  intervalMinutes: number;
  ahtSeconds: number;
  /** e.g. 0.8 for 80 % ... */
  serviceLevel: number;
  /** ... answered within this many seconds. */
  targetSeconds: number;
  /** Share of paid time agents are not on the phones (breaks, training); 0 ≤ s < 1. */
  shrinkage?: number;
  /** Mean caller patience, seconds: enables Erlang A. */
  patienceSeconds?: number;
  /** Upper bound on occupancy, e.g. 0.85. */
  maxOccupancy?: number;
  /** Evaluate this many agents instead of searching for the fewest. */
  agents?: number;
  maxAgents?: number;
}

export interface StaffingModelResult {
  agents: number;
  /** Agents to schedule so that `agents` are on the phones after shrinkage. */
  scheduled: number;
  serviceLevel: number;
  asaSeconds: number;
  occupancy: number;
  waitProbability: number;
  abandonRate?: number;
  meetsTarget: boolean;
}

export interface StaffingResult {
  /** Offered load in Erlangs. */
  load: number;
  erlangC: StaffingModelResult;
  erlangA?: StaffingModelResult;
}

export class StaffingError extends Error {}

export function staffing(input: StaffingInput): StaffingResult {
  const load = (input.calls * input.ahtSeconds) / (input.intervalMinutes * 60);
  const shrinkage = input.shrinkage ?? 0;
  const maxAgents = input.maxAgents ?? 10_000;
  if (shrinkage < 0 || shrinkage >= 1) throw new StaffingError('shrinkage must be at least 0 and below 1');
  const meets = (r: ErlangCResult) =>
    r.serviceLevel >= input.serviceLevel && (input.maxOccupancy === undefined || r.occupancy <= input.maxOccupancy);
  const shape = (r: ErlangCResult | ErlangAResult): StaffingModelResult => ({
    agents: r.agents,
    scheduled: Math.ceil(r.agents / (1 - shrinkage) - 1e-9),
    serviceLevel: round(r.serviceLevel, 4),
    asaSeconds: round(r.asaSeconds, 2),
    occupancy: round(r.occupancy, 4),
    waitProbability: round(r.waitProbability, 4),
    ...('abandonRate' in r ? { abandonRate: round(r.abandonRate, 4) } : {}),
    meetsTarget: meets(r),
  });
  const c = (n: number) => erlangC(n, load, input.ahtSeconds, input.targetSeconds);
  const a = (n: number) => erlangA(n, load, input.ahtSeconds, input.targetSeconds, input.patienceSeconds!);

  if (input.agents !== undefined) {
    if (load >= input.agents) throw new UnstableQueue(input.agents, load);
    return {
      load: round(load, 4),
      erlangC: shape(c(input.agents)),
      ...(input.patienceSeconds !== undefined ? { erlangA: shape(a(input.agents)) } : {}),
    };
  }

  // Service level rises and occupancy falls with every agent added, so "meets the target"
  // is monotone in N: a binary search needs ~14 evaluations even for 10,000 agents.
  const search = <R extends ErlangCResult>(from: number, evaluate: (n: number) => R, model: string): R => {
    let lo = Math.max(1, from);
    let hi = maxAgents;
    const top = lo <= hi ? evaluate(hi) : undefined;
    if (!top || !meets(top)) {
      throw new StaffingError(
        `${model}: no staffing up to ${maxAgents} agents meets ${input.serviceLevel} within ${input.targetSeconds} s` +
          (input.maxOccupancy !== undefined ? ` at occupancy ≤ ${input.maxOccupancy}` : '') +
          ` for an offered load of ${round(load, 3)} Erlangs`,
      );
    }
    let best = top;
    while (lo < hi) {
      const mid = Math.floor((lo + hi) / 2);
      const r = evaluate(mid);
      if (meets(r)) {
        best = r;
        hi = mid;
      } else lo = mid + 1;
    }
    return best.agents === lo ? best : evaluate(lo);
  };
  const cResult = search(Math.floor(load) + 1, c, 'Erlang C');
  // Abandons shed load, so Erlang A may need fewer agents than the load itself: search from one.
  const aResult =
    input.patienceSeconds !== undefined ? search(1, a, 'Erlang A') : undefined;
  return { load: round(load, 4), erlangC: shape(cResult), ...(aResult ? { erlangA: shape(aResult) } : {}) };
}
