// The timers of one IVR call. Every timer of a call lives here so that a hang-up can
// cancel them all at once: a caller who is gone must never wake the flow up again.
export class CallTimers {
  private readonly pending = new Map<string, NodeJS.Timeout>();

  /** Starts (or restarts) the timer `id`; `fire` runs once unless cancelled first. */
  start(id: string, ms: number, fire: () => void): void {
    this.cancel(id);
    const handle = setTimeout(() => {
      this.pending.delete(id);
      fire();
    }, Math.max(0, ms));
    this.pending.set(id, handle);
  }

  cancel(id: string): void {
    const handle = this.pending.get(id);
    if (handle === undefined) return;
    clearTimeout(handle);
    this.pending.delete(id);
  }

  cancelAll(): void {
    for (const handle of this.pending.values()) clearTimeout(handle);
    this.pending.clear();
  }

  /** Timers still armed: zero after a hang-up (tests and /metrics read it). */
  get size(): number {
    return this.pending.size;
  }
}
