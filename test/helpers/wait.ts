// Polling until a condition holds: tests wait for what a real system does eventually
// (an event delivered, a reconnect, a row written) with a deadline that names it.

/** Resolves with the first truthy value `probe` returns; fails after `timeoutMs`. */
export async function waitFor<T>(what: string, probe: () => T | Promise<T>, timeoutMs = 20_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** The same with the condition first, for boolean checks. */
export async function waitUntil(pred: () => boolean | Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  await waitFor(what, pred, timeoutMs);
}
