// Queueing models for staffing: Erlang C (M/M/N, callers wait for ever) and Erlang A
// (Palm's M/M/N+M, callers abandon after an exponential patience; Garnett, Mandelbaum and
// Reiman). Every quantity is computed by recurrences or in the log domain, so nothing
// overflows at a thousand agents (no factorials, no powers of the load).

export interface ErlangCResult {
  agents: number;
  /** P(a caller waits at all). */
  waitProbability: number;
  /** Share of callers answered within the target time. */
  serviceLevel: number;
  /** Average speed of answer, seconds. */
  asaSeconds: number;
  occupancy: number;
}

export interface ErlangAResult extends ErlangCResult {
  /** Share of callers who hang up before an agent answers. */
  abandonRate: number;
}

/** Erlang B blocking probability by the stable recurrence B(n) = A·B(n-1) / (n + A·B(n-1)). */
export function erlangB(agents: number, load: number): number {
  let b = 1;
  for (let n = 1; n <= agents; n++) b = (load * b) / (n + load * b);
  return b;
}

/** P(wait) in M/M/N; 1 when the queue is unstable (load ≥ agents). */
export function erlangCWait(agents: number, load: number): number {
  if (load >= agents) return 1;
  const b = erlangB(agents, load);
  return (agents * b) / (agents - load * (1 - b));
}

/**
 * Erlang C for `agents` agents, `load` = arrival rate × handle time (Erlangs), handle
 * time and target answer time in seconds. Throws when the queue is unstable.
 */
export function erlangC(agents: number, load: number, ahtSeconds: number, targetSeconds: number): ErlangCResult {
  if (load >= agents) throw new UnstableQueue(agents, load);
  const pw = erlangCWait(agents, load);
  return {
    agents,
    waitProbability: pw,
    serviceLevel: 1 - pw * Math.exp((-(agents - load) * targetSeconds) / ahtSeconds),
    asaSeconds: (pw * ahtSeconds) / (agents - load),
    occupancy: load / agents,
  };
}

export class UnstableQueue extends Error {
  constructor(
    readonly agents: number,
    readonly load: number,
  ) {
    super(
      `the queue is unstable: the offered load of ${round(load, 3)} Erlangs needs more than ${agents} agents ` +
        '(callers who never give up wait without bound when load ≥ agents)',
    );
  }
}

/** Stationary distribution of the number of callers present in M/M/N+M, by ratio. */
function palmDistribution(lambda: number, mu: number, theta: number, agents: number, maxStates: number): Float64Array {
  // log p(n) - log p(0); truncated once terms are negligible and falling.
  const logs: number[] = [0];
  let peak = 0;
  for (let n = 1; ; n++) {
    const death = Math.min(n, agents) * mu + Math.max(n - agents, 0) * theta;
    const v = logs[n - 1]! + Math.log(lambda / death);
    logs.push(v);
    if (v > peak) peak = v;
    if (n > agents && v < logs[n - 1]! && v < peak - 60) break;
    if (n >= maxStates) throw new RangeError(`the Erlang A state space passed ${maxStates} states; patience is too long for this load`);
  }
  const p = new Float64Array(logs.length);
  let sum = 0;
  for (let i = 0; i < logs.length; i++) sum += p[i] = Math.exp(logs[i]! - peak);
  for (let i = 0; i < p.length; i++) p[i]! /= sum;
  return p;
}

/**
 * Erlang A. A caller who finds k others queued is answered when the k ahead and then one
 * agent have moved on (phase rates Nμ + iθ, i = 1..k+1) before their own patience runs
 * out; that happens with probability Nμ / (Nμ + (k+1)θ), and the time to it given that it
 * happens is the sum of those phases, whose CDF is a regularized incomplete beta with an
 * integer first argument — a finite negative-binomial sum, accumulated across k.
 * Service level = answered within the target over all callers (abandons count against).
 */
export function erlangA(
  agents: number,
  load: number,
  ahtSeconds: number,
  targetSeconds: number,
  patienceSeconds: number,
  maxStates = 2_000_000,
): ErlangAResult {
  const mu = 1 / ahtSeconds;
  const lambda = load * mu;
  const theta = 1 / patienceSeconds;
  const p = palmDistribution(lambda, mu, theta, agents, maxStates);
  const a = agents * mu;
  const b = a / theta + 1;
  const logOneMinusX = -theta * targetSeconds; // x = 1 - e^{-θT}
  const logX = Math.log(-Math.expm1(-theta * targetSeconds));
  let wait = 0;
  let abandoned = 0;
  let answeredWithin = 0;
  let waitOfAnswered = 0;
  // Running negative-binomial sum Σ_{i<m} C(b+i-1, i) x^i (1-x)^b and Σ_{i≤m} 1/(a+iθ).
  let logTerm = b * logOneMinusX;
  let tail = 0;
  let meanPhases = 0;
  for (let n = 0; n < p.length; n++) {
    const pn = p[n]!;
    if (n < agents) {
      answeredWithin += pn;
      continue;
    }
    const k = n - agents;
    const m = k + 1;
    if (m > 1) logTerm += Math.log((b + m - 2) / (m - 1)) + logX;
    tail += Math.exp(logTerm);
    meanPhases += 1 / (a + m * theta);
    const answered = a / (a + m * theta);
    wait += pn;
    abandoned += pn * (1 - answered);
    answeredWithin += pn * answered * Math.max(0, 1 - tail);
    waitOfAnswered += pn * answered * meanPhases;
  }
  const answeredShare = 1 - abandoned;
  return {
    agents,
    waitProbability: wait,
    serviceLevel: answeredWithin,
    asaSeconds: answeredShare > 0 ? waitOfAnswered / answeredShare : 0,
    occupancy: Math.min(1, (load * answeredShare) / agents),
    abandonRate: abandoned,
  };
}

export function round(v: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}
