// Reconnect delays: exponential, capped, jittered so that several instances (or many
// clients after a PBX restart) do not knock on Asterisk's door in the same millisecond.

export interface BackoffOptions {
  minMs: number;
  maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { minMs: 500, maxMs: 30_000 };

/**
 * Delay before reconnect attempt number `attempt` (0 for the first): uniform between
 * minMs and min(maxMs, minMs * 2^attempt). Always within [minMs, maxMs].
 */
export function backoffDelay(attempt: number, opts: BackoffOptions, random: () => number = Math.random): number {
  const minMs = Math.max(0, opts.minMs);
  const maxMs = Math.max(minMs, opts.maxMs);
  const exponent = Math.min(Math.max(0, Math.floor(attempt)), 52);
  const ceiling = Math.min(maxMs, minMs * 2 ** exponent);
  const r = Math.min(Math.max(random(), 0), 1);
  return Math.round(minMs + r * (ceiling - minMs));
}

/** Fill unset bounds from the defaults; a max below the min is raised to the min. */
export function resolveBackoff(opts: Partial<BackoffOptions> | undefined): BackoffOptions {
  const minMs = opts?.minMs ?? DEFAULT_BACKOFF.minMs;
  const maxMs = Math.max(minMs, opts?.maxMs ?? Math.max(DEFAULT_BACKOFF.maxMs, minMs));
  if (!Number.isFinite(minMs) || minMs < 0 || !Number.isFinite(maxMs)) {
    throw new RangeError(`reconnect backoff needs finite 0 <= minMs <= maxMs (got ${opts?.minMs}..${opts?.maxMs})`);
  }
  return { minMs, maxMs };
}

/**
 * The longest wait after an attempt the PBX refused outright (nothing listening: it is
 * down or restarting). Such an attempt costs the PBX nothing, and a PBX that comes back
 * should be driven again within about a second, not after a long backoff step.
 */
export const REFUSED_MAX_MS = 1_000;

/** `backoffDelay`, held to REFUSED_MAX_MS (or minMs if larger) while connections are refused. */
export function reconnectWait(attempt: number, opts: BackoffOptions, refused: boolean, random: () => number = Math.random): number {
  const delay = backoffDelay(attempt, opts, random);
  return refused ? Math.min(delay, Math.max(REFUSED_MAX_MS, opts.minMs)) : delay;
}
