// Steps of a call that do not depend on each other go out at once: their round trips
// overlap, and their answers wake the process once or twice instead of once each.

/**
 * Waits for every step (none is left running behind the caller, so a failure never
 * leaves half of them unseen), then throws the first failure. Undefined: a step skipped.
 */
export async function together(...steps: Array<Promise<unknown> | undefined>): Promise<void> {
  const settled = await Promise.allSettled(steps);
  for (const s of settled) if (s.status === 'rejected') throw s.reason;
}
