// Agent state changes the call flow asks for (answer, hang-up, release, wrap-up done)
// while Redis does not answer. Such a change is not lost and does not end the call: it is
// kept, in order per agent, and applied once Redis answers; changes asked for meanwhile
// queue behind it so an agent never skips a step (wrap-up done before the hang-up). A
// change that no longer fits when it is finally applied (a supervisor forced the agent
// ready meanwhile, an offer that lapsed) is refused by the state machine like any other.
import type { Logger } from '../log.js';
import { isStoreOutage, outageRetryDelay } from '../pbx/outage.js';
import type { AgentCommand } from './agent-state.js';
import type { AgentsService, ChangeOptions } from './agents-service.js';
import type { ChangeResult } from './live-store.js';

export type HeldResult = ChangeResult | { ok: false; status: 503; held: true; detail: string };

interface Pending {
  cmd: AgentCommand;
  options: ChangeOptions;
  since: number;
}

/** How long a held change keeps being retried; past it the agent shows as stuck (see stuck.ts). */
const HOLD_MS = 10 * 60_000;

export class HeldChanges {
  private readonly pending = new Map<string, Pending[]>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private stopped = false;

  constructor(
    private readonly agents: Pick<AgentsService, 'change' | 'changeNow'>,
    private readonly log: Logger,
    /** A held change was applied: the agent's routing inputs changed. */
    private readonly applied: (agentId: string) => void,
    private readonly holdMs = HOLD_MS,
  ) {}

  /** Changes held for this agent (tests, readiness). */
  heldFor(agentId: string): number {
    return this.pending.get(agentId)?.length ?? 0;
  }

  get size(): number {
    let n = 0;
    for (const list of this.pending.values()) n += list.length;
    return n;
  }

  async change(agentId: string, cmd: AgentCommand, options: ChangeOptions = {}): Promise<HeldResult> {
    const { result, journaled } = await this.changeNow(agentId, cmd, options);
    await journaled;
    return result;
  }

  /** `change` as soon as Redis took it (or held it); `journaled` as in AgentsService.changeNow. */
  async changeNow(agentId: string, cmd: AgentCommand, options: ChangeOptions = {}): Promise<{ result: HeldResult; journaled: Promise<void> }> {
    const queue = this.pending.get(agentId);
    if (queue) return { result: this.hold(agentId, cmd, options), journaled: Promise.resolve() };
    try {
      return await this.agents.changeNow(agentId, cmd, options);
    } catch (err) {
      if (!isStoreOutage(err) || this.stopped) throw err;
      this.log.warn({ agentId, command: cmd.type, err: (err as Error).message }, 'agent state change held until Redis answers');
      return { result: this.hold(agentId, cmd, options), journaled: Promise.resolve() };
    }
  }

  private hold(agentId: string, cmd: AgentCommand, options: ChangeOptions): HeldResult {
    const list = this.pending.get(agentId) ?? [];
    list.push({ cmd, options, since: Date.now() });
    this.pending.set(agentId, list);
    if (!this.timers.has(agentId)) this.schedule(agentId, 1);
    return { ok: false, status: 503, held: true, detail: `agent ${agentId}: ${cmd.type} held until Redis answers` };
  }

  private schedule(agentId: string, attempt: number): void {
    const t = setTimeout(() => void this.flush(agentId, attempt), outageRetryDelay(attempt));
    t.unref();
    this.timers.set(agentId, t);
  }

  private async flush(agentId: string, attempt: number): Promise<void> {
    this.timers.delete(agentId);
    const list = this.pending.get(agentId);
    while (list?.length && !this.stopped) {
      const next = list[0]!;
      try {
        const res = await this.agents.change(agentId, next.cmd, next.options);
        if (!res.ok) this.log.info({ agentId, command: next.cmd.type, detail: res.detail }, 'held agent state change no longer applies');
        list.shift();
        this.applied(agentId);
      } catch (err) {
        if (isStoreOutage(err) && Date.now() - next.since < this.holdMs) {
          this.schedule(agentId, attempt + 1);
          return;
        }
        this.log.error({ agentId, command: next.cmd.type, err: (err as Error).message }, 'held agent state change given up');
        list.shift();
      }
    }
    this.pending.delete(agentId);
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }
}
