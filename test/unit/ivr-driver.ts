// A tiny driver for interpreter tests: keeps the state between events and finds the ids
// the interpreter handed out, as the runner would.
import type { Flow, IvrCommand, IvrEvent, IvrState } from '../../src/ivr/contract.js';
import { interpret } from '../../src/ivr/interpreter.js';

export const NOON_SHANGHAI = new Date('2026-11-23T04:00:00Z'); // Monday 12:00 in Asia/Shanghai

export class Call {
  state: IvrState | undefined;
  log: IvrCommand[] = [];
  constructor(
    readonly flow: Flow,
    public now: Date = NOON_SHANGHAI,
  ) {}

  send(event: IvrEvent): IvrCommand[] {
    const r = interpret(this.flow, this.state, event, this.now);
    this.state = r.state;
    this.log.push(...r.commands);
    return r.commands;
  }
  start(vars: Record<string, string> = {}): IvrCommand[] {
    return this.send({ type: 'start', vars });
  }
  finishPrompt(): IvrCommand[] {
    const id = this.state?.pendingPrompt;
    if (!id) throw new Error(`no pending prompt at ${this.state?.node}/${this.state?.phase}`);
    return this.send({ type: 'prompt_finished', promptId: id });
  }
  fireTimer(): IvrCommand[] {
    const id = this.state?.pendingTimer;
    if (!id) throw new Error(`no pending timer at ${this.state?.node}/${this.state?.phase}`);
    return this.send({ type: 'timer', timerId: id });
  }
  press(digits: string): IvrCommand[] {
    const out: IvrCommand[] = [];
    for (const d of digits) out.push(...this.send({ type: 'dtmf', digit: d }));
    return out;
  }
  steps(): Array<{ node: string; outcome: string; input?: string }> {
    return this.log.filter((c) => c.type === 'step').map((c) => (c.type === 'step' ? { node: c.node, outcome: c.outcome, ...(c.input !== undefined ? { input: c.input } : {}) } : { node: '', outcome: '' }));
  }
}

export function of<T extends IvrCommand['type']>(cmds: IvrCommand[], type: T): Array<Extract<IvrCommand, { type: T }>> {
  return cmds.filter((c): c is Extract<IvrCommand, { type: T }> => c.type === type);
}
