// What this instance knows of the calls it drives on one PBX node: which channel plays
// which part, which bridges hold them. The PBX is the truth; this is the map to it.

/** `recall`: the transferring agent's phone rung back after a failed transfer (an `agent` once answered). */
export type LegRole = 'agent' | 'customer' | 'target' | 'recall';

export interface LiveLeg {
  channelId: string;
  callId: string;
  role: LegRole;
  agentId: string | null;
  transferId?: string;
  up: boolean;
  gone: boolean;
  /** We hung this leg up on purpose; its end is not a party hanging up. */
  leaving: boolean;
  /** Put in Stasis by the PBX itself (a phone's transfer): its answer is a state change, not a StasisStart. */
  swapped?: boolean;
  cause?: number;
}

export interface LiveCall {
  callId: string;
  customer: string;
  /** The agent currently on the call (the initiator of a transfer in progress). */
  agent: string;
  mainBridge: string;
  holdBridge?: string;
  /** Set while the customer is on hold through the API. */
  heldAt?: number;
  heldBy?: string | null;
  transferId?: string;
  /** Click-to-dial: what the customer leg is dialled with, once the agent answered. */
  dialOut?: { endpoint: string; callerId: string | null };
  /** An inbound call handed over by the IVR: its caller's channel is the inbound handler's too. */
  inbound?: boolean;
  ended: boolean;
  /** Its parties were hung up and its bridges removed; its end may still wait for Postgres. */
  released?: boolean;
}

export class LiveCalls {
  private readonly calls = new Map<string, LiveCall>();
  private readonly legs = new Map<string, LiveLeg>();
  private readonly chains = new Map<string, Promise<unknown>>();

  addCall(call: LiveCall): void {
    this.calls.set(call.callId, call);
  }

  call(callId: string): LiveCall | undefined {
    return this.calls.get(callId);
  }

  dropCall(callId: string): void {
    this.calls.delete(callId);
    for (const [id, leg] of this.legs) if (leg.callId === callId) this.legs.delete(id);
  }

  addLeg(leg: Omit<LiveLeg, 'up' | 'gone' | 'leaving'>): LiveLeg {
    const full: LiveLeg = { ...leg, up: false, gone: false, leaving: false };
    this.legs.set(leg.channelId, full);
    return full;
  }

  leg(channelId: string): LiveLeg | undefined {
    return this.legs.get(channelId);
  }

  legsOf(callId: string): LiveLeg[] {
    return [...this.legs.values()].filter((l) => l.callId === callId);
  }

  all(): LiveCall[] {
    return [...this.calls.values()];
  }

  /** Runs fn after everything already queued for this call: one call changes one step at a time. */
  serial<T>(callId: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.chains.get(callId) ?? Promise.resolve();
    const next = prev.then(fn, fn);
    const tail = next.catch(() => undefined);
    this.chains.set(callId, tail);
    void tail.then(() => {
      if (this.chains.get(callId) === tail) this.chains.delete(callId);
    });
    return next;
  }
}
