// Reconnect delays: exponential, capped, with jitter so a fleet of bridges does not
// hammer a restarted Asterisk in lock-step.
export interface BackoffOptions {
  minMs: number;
  maxMs: number;
}

/** Delay before reconnect attempt `attempt` (0-based), in [cap/2, cap] where cap = min(max, min*2^attempt). */
export function reconnectDelay(attempt: number, opts: BackoffOptions, random: () => number = Math.random): number {
  const cap = Math.min(opts.maxMs, opts.minMs * 2 ** Math.min(attempt, 30));
  return Math.round(cap / 2 + (random() * cap) / 2);
}

/**
 * The longest wait after a connection the PBX refused outright (nothing listening: down
 * or restarting). Refused attempts cost the PBX nothing; one that comes back should be
 * logged into again within about a second, not after a long backoff step.
 */
export const REFUSED_MAX_MS = 1_000;

/** `reconnectDelay`, held to REFUSED_MAX_MS (or the minimum if larger) while connections are refused. */
export function reconnectWait(attempt: number, opts: BackoffOptions, refused: boolean, random: () => number = Math.random): number {
  const delay = reconnectDelay(attempt, opts, random);
  return refused ? Math.min(delay, Math.max(REFUSED_MAX_MS, opts.minMs)) : delay;
}
