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
