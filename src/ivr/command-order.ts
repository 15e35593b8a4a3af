// Which of the commands one IVR event returns may go out together. A step's write and a
// prompt's stop need no answer before the next command: they run beside it, and anything
// that depends on them (a hand-over, a hang-up, a data write) waits until they are done.
import type { IvrCommand } from './contract.js';
import type { IvrStep } from './call-store.js';

/** Commands that go out while the steps and prompt stops before them are still on their way. */
export const OVERLAPS: ReadonlySet<IvrCommand['type']> = new Set(['step', 'stop_prompt', 'start_timer', 'cancel_timer', 'play']);

/** Requests of one event that nothing in between waits for; settled() before anything that must. */
export class InFlight {
  private all: Promise<unknown> = Promise.resolve();

  add(request: Promise<unknown>): void {
    this.all = Promise.all([this.all, request]);
    // Observed at once: a request that fails while another command is awaited is reported
    // by settled(), not as an unhandled rejection.
    this.all.catch(() => undefined);
  }

  settled(): Promise<unknown> {
    return this.all;
  }
}

/** Commands that neither write nor hand the call on: a step may be written before them. */
const STEP_MAY_PASS: ReadonlySet<IvrCommand['type']> = new Set(['step', 'stop_prompt', 'start_timer', 'cancel_timer']);

/**
 * The steps one event takes (a menu choice, then the hand-over it leads to) written
 * together, one round trip instead of one each: the step at `i` and those after it up to
 * the first command that writes or moves the call (data, a survey, a hand-over, a
 * hang-up, a prompt), so the timeline keeps the order the flow took them in.
 */
export function stepsWrittenWith(commands: readonly IvrCommand[], i: number): IvrStep[] {
  const run: IvrStep[] = [];
  for (let j = i; j < commands.length && STEP_MAY_PASS.has(commands[j]!.type); j++) {
    const c = commands[j]!;
    if (c.type === 'step') run.push(c);
  }
  return run;
}
