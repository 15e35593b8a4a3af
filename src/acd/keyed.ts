// Timers and serial chains by key (a call, an agent, an offer): the runtime's only two
// ways of waiting, so stopping the runtime stops everything it scheduled.

export class KeyedTimers {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private stopped = false;

  constructor(private readonly onError: (err: Error, key: string) => void) {}

  /** Runs `fn` once after `ms`, replacing any timer of the same key. */
  set(key: string, ms: number, fn: () => unknown): void {
    this.clear(key);
    if (this.stopped) return;
    const t = setTimeout(() => {
      this.timers.delete(key);
      if (this.stopped) return;
      Promise.resolve()
        .then(fn)
        .catch((err: Error) => this.onError(err, key));
    }, Math.max(0, ms));
    t.unref();
    this.timers.set(key, t);
  }

  has(key: string): boolean {
    return this.timers.has(key);
  }

  clear(key: string): void {
    const t = this.timers.get(key);
    if (t) clearTimeout(t);
    this.timers.delete(key);
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }
}

/** Work for one key runs one piece after the other, whatever event or timer starts it. */
export class KeyedSerial {
  private readonly chains = new Map<string, Promise<unknown>>();

  run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.chains.get(key) ?? Promise.resolve();
    const next = prev.then(fn, fn);
    const settled = next.catch(() => undefined);
    this.chains.set(key, settled);
    void settled.then(() => {
      if (this.chains.get(key) === settled) this.chains.delete(key);
    });
    return next;
  }
}
