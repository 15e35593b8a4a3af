// Runs a flow against a scripted caller with no PBX: the interpreter is fed the events a
// real call would produce, on a virtual clock, and what it did is reported (path, prompts,
// variables, call-attached data, hand-over). For flow authors and CI.
//
// The virtual clock:
// - prompts finish instantly: before each scripted action every playing prompt is
//   reported finished, unless the action is `{dtmf, bargeIn: true}`, which presses the
//   keys while the current prompt is still playing;
// - time passes only with `{wait: ms}`: timers (menu timeouts, inter-digit timeouts,
//   filler delays) and lookup timeouts due within the wait fire in due order;
// - a lookup stays pending until `{http: ...}` answers it (oldest first), or until a
//   `wait` passes its timeoutMs, which answers it as a timeout; meanwhile a filler prompt
//   keeps playing (it is not finished instantly, as it would repeat forever);
// - `{agentHangup: true}` ends the agent leg after a queue hand-over that names a survey,
//   as the runner does, and the caller is kept for the rating question.
import type { Flow, IvrCommand, IvrEvent, IvrState, Interpret, Media, NodeType } from './contract.js';

export type ScriptAction =
  | { dtmf: string; bargeIn?: boolean }
  | { wait: number }
  | { http: { status: number; body?: unknown } | { error: string } | { timeout: true } }
  | { hangup: true }
  /** The agent leg ends after a queue hand-over that names a survey: the caller is surveyed. */
  | { agentHangup: true };

export interface SimulationInput {
  vars?: Record<string, string>;
  /** Start of the virtual clock (business hours are judged against it). */
  now?: Date;
  script?: ScriptAction[];
}

export interface SimulatedStep {
  node: string;
  nodeType: NodeType;
  input?: string;
  outcome: string;
  /** Virtual milliseconds since the call started. */
  atMs: number;
}

export interface SimulatedPrompt {
  media: Media[];
  atMs: number;
  /** Stopped by a key press (barge-in) or by the flow before it finished. */
  stopped?: boolean;
}

export interface SimulatedRequest {
  method: 'GET' | 'POST';
  url: string;
  /** Header name → secret name; the simulator never resolves secrets. */
  secretHeaders: Record<string, string>;
  body?: Record<string, string>;
  atMs: number;
}

export type SimulationEnd = 'hangup' | 'handover' | 'waiting' | 'caller_hangup';

export interface SimulationResult {
  path: SimulatedStep[];
  prompts: SimulatedPrompt[];
  requests: SimulatedRequest[];
  variables: Record<string, string>;
  data: Record<string, string>;
  handover?: { to: 'queue' | 'voicemail' | 'fax' | 'transfer'; node: string; params: Record<string, unknown> };
  surveyResult?: string | null;
  ended: SimulationEnd;
  /** Scripted actions used before the call ended; the rest were not needed. */
  scriptUsed: number;
  /** Virtual milliseconds from the start to the end of the simulation. */
  elapsedMs: number;
}

/** A script the flow cannot follow (e.g. answering a lookup nobody made). */
export class SimulationError extends Error {
  constructor(
    message: string,
    readonly pointer: string,
  ) {
    super(message);
  }
}

/** Events fed in one simulation at most: a guard against an interpreter that never settles. */
export const MAX_SIMULATED_EVENTS = 10_000;

interface PendingTimer {
  id: string;
  due: number;
  order: number;
  /** Set for a lookup's own timeout. */
  requestId?: string;
}

export function simulate(flow: Flow, interpret: Interpret, input: SimulationInput = {}): SimulationResult {
  const start = (input.now ?? new Date()).getTime();
  let clock = start;
  let order = 0;
  let events = 0;
  let state: IvrState | undefined;
  let ended: SimulationEnd | undefined;
  const playing = new Map<string, SimulatedPrompt>();
  const accepted: IvrEvent[] = [];
  const timers: PendingTimer[] = [];
  const requests: Array<{ id: string; timeoutTimer: PendingTimer }> = [];
  const out: Omit<SimulationResult, 'ended' | 'scriptUsed' | 'elapsedMs' | 'variables'> = {
    path: [],
    prompts: [],
    requests: [],
    data: {},
  };

  const at = () => clock - start;

  function apply(cmd: IvrCommand): void {
    switch (cmd.type) {
      case 'play': {
        const p: SimulatedPrompt = { media: [...cmd.media], atMs: at() };
        out.prompts.push(p);
        playing.set(cmd.promptId, p);
        break;
      }
      case 'stop_prompt': {
        const p = playing.get(cmd.promptId);
        if (p) p.stopped = true;
        playing.delete(cmd.promptId);
        break;
      }
      case 'start_timer':
        timers.push({ id: cmd.timerId, due: clock + Math.max(0, cmd.ms), order: order++ });
        break;
      case 'cancel_timer':
        removeTimer((t) => t.id === cmd.timerId && t.requestId === undefined);
        break;
      case 'http': {
        const timeoutTimer: PendingTimer = { id: cmd.requestId, due: clock + Math.max(0, cmd.timeoutMs), order: order++, requestId: cmd.requestId };
        timers.push(timeoutTimer);
        requests.push({ id: cmd.requestId, timeoutTimer });
        out.requests.push({
          method: cmd.method,
          url: cmd.url,
          secretHeaders: { ...cmd.secretHeaders },
          ...(cmd.body ? { body: { ...cmd.body } } : {}),
          atMs: at(),
        });
        break;
      }
      case 'set_data':
        Object.assign(out.data, cmd.values);
        break;
      case 'step':
        out.path.push({
          node: cmd.node,
          nodeType: cmd.nodeType,
          ...(cmd.input !== undefined ? { input: cmd.input } : {}),
          outcome: cmd.outcome,
          atMs: at(),
        });
        break;
      case 'handover':
        // Without a PBX a fax request is taken as accepted; the caller carries on.
        if (cmd.to === 'fax') {
          accepted.push({ type: 'handover_result', node: cmd.node, ok: true });
          break;
        }
        out.handover = { to: cmd.to, node: cmd.node, params: cmd.params };
        ended ??= 'handover';
        break;
      case 'survey_result':
        out.surveyResult = cmd.rating;
        break;
      case 'hangup':
        ended ??= 'hangup';
        break;
      case 'answer':
        break;
    }
  }

  function removeTimer(match: (t: PendingTimer) => boolean): void {
    for (let i = timers.length - 1; i >= 0; i--) if (match(timers[i]!)) timers.splice(i, 1);
  }

  function feed(event: IvrEvent): void {
    if (ended) return;
    if (++events > MAX_SIMULATED_EVENTS) {
      throw new SimulationError(`the flow did not settle within ${MAX_SIMULATED_EVENTS} events`, '');
    }
    const result = interpret(flow, state, event, new Date(clock));
    state = result.state;
    for (const cmd of result.commands) apply(cmd);
    for (const next of accepted.splice(0)) feed(next);
    // A lookup the flow no longer waits for (it left the node) is forgotten, as the runner does.
    for (const r of [...requests]) {
      if (r.id === state.pendingRequest) continue;
      requests.splice(requests.indexOf(r), 1);
      removeTimer((t) => t === r.timeoutTimer);
    }
    if (state.done) ended ??= 'hangup';
  }

  /**
   * Every playing prompt finishes now; prompts they lead to finish too. Not while a lookup
   * is pending: what plays then is the filler, which repeats until the answer comes.
   */
  function finishPrompts(): void {
    while (!ended && playing.size > 0 && requests.length === 0) {
      const [id] = playing.keys();
      playing.delete(id!);
      feed({ type: 'prompt_finished', promptId: id! });
    }
  }

  function answerRequest(result: IvrEvent & { type: 'http_result' }): void {
    const r = requests.shift()!;
    removeTimer((t) => t === r.timeoutTimer);
    feed(result);
  }

  /** Advances the clock to `until`, firing what falls due on the way, in due order. */
  function passTime(until: number): void {
    finishPrompts();
    while (!ended) {
      const next = timers.filter((t) => t.due <= until).sort((a, b) => a.due - b.due || a.order - b.order)[0];
      if (!next) break;
      clock = next.due;
      removeTimer((t) => t === next);
      if (next.requestId !== undefined) {
        const idx = requests.findIndex((r) => r.id === next.requestId);
        if (idx >= 0) requests.splice(idx, 1);
        feed({ type: 'http_result', requestId: next.requestId, outcome: 'timeout', detail: 'no answer within timeoutMs' });
      } else {
        feed({ type: 'timer', timerId: next.id });
      }
      finishPrompts();
    }
    if (!ended) clock = until;
  }

  feed({ type: 'start', vars: { ...(input.vars ?? {}) } });
  const script = input.script ?? [];
  let used = 0;
  for (const [i, action] of script.entries()) {
    if (ended && !(ended === 'handover' && 'agentHangup' in action)) break;
    used = i + 1;
    const pointer = `/script/${i}`;
    if ('dtmf' in action) {
      if (!action.bargeIn) finishPrompts();
      for (const digit of action.dtmf) {
        if (ended) break;
        feed({ type: 'dtmf', digit });
      }
    } else if ('wait' in action) {
      passTime(clock + action.wait);
    } else if ('http' in action) {
      finishPrompts();
      if (ended) break;
      const pending = requests[0];
      if (!pending) throw new SimulationError('no lookup is pending to answer', pointer);
      const h = action.http;
      if ('status' in h) {
        answerRequest({ type: 'http_result', requestId: pending.id, outcome: 'ok', status: h.status, body: h.body ?? null });
      } else if ('error' in h) {
        answerRequest({ type: 'http_result', requestId: pending.id, outcome: 'error', detail: h.error });
      } else {
        // The lookup's timeout elapses on the virtual clock before it is reported.
        clock = Math.max(clock, pending.timeoutTimer.due);
        answerRequest({ type: 'http_result', requestId: pending.id, outcome: 'timeout', detail: 'no answer within timeoutMs' });
      }
    } else if ('hangup' in action) {
      finishPrompts();
      if (ended) break;
      feed({ type: 'hangup' });
      // Whatever the flow says to a hangup, it was the caller who left.
      ended = out.handover ? 'handover' : 'caller_hangup';
    } else if ('agentHangup' in action) {
      const survey = out.handover?.params.survey;
      if (ended !== 'handover' || typeof survey !== 'string') {
        throw new SimulationError('no agent leg to end: the flow has not handed the call to a queue with a survey', pointer);
      }
      ended = undefined;
      feed({ type: 'survey', node: survey });
    }
  }
  finishPrompts();

  return {
    ...out,
    variables: { ...(state?.vars ?? {}) },
    ended: ended ?? 'waiting',
    scriptUsed: used,
    elapsedMs: at(),
  };
}
