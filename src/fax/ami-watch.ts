// Watches one AMI connection for what tells a fax send's outcome: OriginateResponse (by
// the Originate's ActionID), then SendFAX or Hangup of the channel it created (by
// Uniqueid). Events are kept until taken, as they may arrive before anyone waits: in
// capture 10 the fax events precede the OriginateResponse.
import type { AmiClient } from '../ami/index.js';
import type { AmiEvent } from '../ami/message.js';

const KEEP_MS = 60 * 60 * 1000;

interface Kept {
  at: number;
  event: AmiEvent;
}

export class FaxWatch {
  private readonly responses = new Map<string, Kept>();
  private readonly results = new Map<string, Kept>();
  private readonly hangups = new Map<string, Kept>();
  private readonly vars = new Map<string, { at: number; values: Record<string, string> }>();
  private readonly waiters = new Set<() => void>();
  private readonly listener = (e: AmiEvent) => this.onEvent(e);

  constructor(private readonly ami: AmiClient) {
    ami.on('event', this.listener);
  }

  stop(): void {
    this.ami.off('event', this.listener);
    for (const wake of this.waiters) wake();
    this.waiters.clear();
  }

  takeResponse(actionId: string): AmiEvent | undefined {
    return take(this.responses, actionId);
  }

  /** The SendFAX event of a channel, with its FAX* variables when they were seen. */
  takeResult(uniqueid: string): { event: AmiEvent; vars: Record<string, string> } | undefined {
    const r = take(this.results, uniqueid);
    if (!r) return undefined;
    const vars = this.vars.get(uniqueid)?.values ?? {};
    this.vars.delete(uniqueid);
    this.hangups.delete(uniqueid);
    return { event: r, vars };
  }

  hungUp(uniqueid: string): boolean {
    return this.hangups.has(uniqueid);
  }

  /** Resolves with the first value `probe` finds, or undefined after `timeoutMs`. */
  waitFor<T>(probe: () => T | undefined, timeoutMs: number): Promise<T | undefined> {
    const now = probe();
    if (now !== undefined) return Promise.resolve(now);
    return new Promise((resolve) => {
      const wake = () => {
        const v = probe();
        if (v === undefined && Date.now() < deadline) return;
        clearTimeout(timer);
        this.waiters.delete(wake);
        resolve(v);
      };
      const deadline = Date.now() + timeoutMs;
      const timer = setTimeout(() => {
        this.waiters.delete(wake);
        resolve(probe());
      }, timeoutMs);
      this.waiters.add(wake);
    });
  }

  private onEvent(e: AmiEvent): void {
    const now = Date.now();
    const uid = e.get('Uniqueid');
    switch (e.event) {
      case 'OriginateResponse': {
        const id = e.actionId;
        if (id) this.responses.set(id, { at: now, event: e });
        break;
      }
      case 'SendFAX':
        if (uid) this.results.set(uid, { at: now, event: e });
        break;
      case 'Hangup':
        if (uid && !this.results.has(uid)) this.hangups.set(uid, { at: now, event: e });
        break;
      case 'VarSet': {
        const name = e.get('Variable') ?? '';
        if (!uid || !/^FAX(STATUS|ERROR|STATUSSTRING|PAGES)$/.test(name)) return;
        const entry = this.vars.get(uid) ?? { at: now, values: {} };
        entry.values[name] = e.get('Value') ?? '';
        this.vars.set(uid, entry);
        return;
      }
      default:
        return;
    }
    this.purge(now);
    for (const wake of [...this.waiters]) wake();
  }

  private purge(now: number): void {
    for (const map of [this.responses, this.results, this.hangups, this.vars]) {
      for (const [k, v] of map) if (now - v.at > KEEP_MS) map.delete(k);
    }
  }
}

function take(map: Map<string, Kept>, key: string): AmiEvent | undefined {
  const v = map.get(key);
  if (v) map.delete(key);
  return v?.event;
}
