// The IVR interpreter: a pure, deterministic function (flow, state, event, now) →
// (state, commands). Ids come from state.seq and time only from `now`, so a call can be
// replayed, simulated, or resumed by another instance from its persisted state.
//
// Events that name a prompt, timer or request other than the pending one are stale (the
// prompt was stopped, the timer cancelled, the node left) and are ignored. Any error —
// an unknown node, a bad state, the step limit, an exception in a node — goes to the
// flow's error node once, then to a "sorry" prompt and hang-up: no caller is left in silence.
import type { Flow, FlowNode, Interpret, IvrEvent, IvrState, NodeType, StepResult } from './contract.js';
import { Ctx, type NodeHandler } from './engine.js';
import { branch } from './nodes/branch.js';
import { collect } from './nodes/collect.js';
import { fax } from './nodes/fax.js';
import { gotoNode } from './nodes/goto.js';
import { queue, transfer, voicemail } from './nodes/handover.js';
import { hangup } from './nodes/hangup.js';
import { http } from './nodes/http.js';
import { menu } from './nodes/menu.js';
import { play } from './nodes/play.js';
import { set } from './nodes/set.js';
import { survey } from './nodes/survey.js';

const HANDLERS = { play, menu, collect, http, branch, set, queue, voicemail, fax, transfer, survey, goto: gotoNode, hangup } as unknown as Record<
  NodeType,
  NodeHandler<FlowNode>
>;

const DIGIT = /^[0-9*#A-D]$/;

export function initialState(flow: Flow, vars: Record<string, string> = {}): IvrState {
  return { node: flow.entry, phase: 'new', vars: { ...vars }, digits: '', tries: 0, steps: 0, seq: 0, done: false };
}

function copyState(s: IvrState): IvrState {
  return { ...s, vars: { ...s.vars } };
}

function isState(s: unknown): s is IvrState {
  if (s === null || typeof s !== 'object') return false;
  const o = s as Record<string, unknown>;
  return (
    typeof o.node === 'string' &&
    typeof o.phase === 'string' &&
    o.vars !== null &&
    typeof o.vars === 'object' &&
    typeof o.digits === 'string' &&
    Number.isInteger(o.tries) &&
    Number.isInteger(o.steps) &&
    Number.isInteger(o.seq) &&
    typeof o.done === 'boolean'
  );
}

function stale(s: IvrState, e: IvrEvent): boolean {
  switch (e.type) {
    case 'prompt_finished':
    case 'prompt_failed':
      return e.promptId !== s.pendingPrompt;
    case 'timer':
      return e.timerId !== s.pendingTimer;
    case 'http_result':
      return e.requestId !== s.pendingRequest;
    case 'handover_result':
      return e.node !== s.node || s.phase !== 'requesting';
    case 'dtmf':
      return typeof e.digit !== 'string' || !DIGIT.test(e.digit);
    default:
      return false;
  }
}

function run(ctx: Ctx, event: IvrEvent): void {
  const s = ctx.state;
  if (event.type === 'start') {
    ctx.emit({ type: 'answer' });
    ctx.go(ctx.flow.entry);
    return;
  }
  if (event.type === 'hangup') {
    if (s.done) {
      if (s.phase === 'handed_over') s.phase = 'caller_hung_up'; // no survey for a caller who left
      return;
    }
    const nodeType = ctx.flow.nodes[s.node]?.type;
    if (nodeType) ctx.step(s.node, nodeType, 'caller hung up');
    ctx.finish('caller_hung_up');
    return;
  }
  if (event.type === 'survey') {
    // only after a hand-over: a survey cannot interrupt the IVR or revive a finished call
    if (!(s.done && s.phase === 'handed_over')) return;
    const node = ctx.flow.nodes[event.node];
    if (node?.type !== 'survey') return ctx.fail(`"${event.node}" is not a survey node`);
    s.done = false;
    s.failing = false;
    s.steps = 0; // the survey is a new, short dialogue after the agent leg
    ctx.go(event.node);
    return;
  }
  if (s.done || stale(s, event)) return;
  if (s.phase === 'sorry') {
    if (event.type === 'prompt_finished' || event.type === 'prompt_failed') ctx.hangup();
    return;
  }
  if (event.type === 'prompt_failed') {
    // The flow goes on as if the prompt had ended: a play node to its next node, a menu or
    // collect to its wait for keys. A play node names the failure in its own step.
    const nodeType = ctx.flow.nodes[s.node]?.type;
    const outcome = `prompt_failed: ${event.reason}`;
    if (nodeType === 'play') ctx.promptFailure = { outcome, media: event.media };
    else if (nodeType) ctx.emit({ type: 'step', node: s.node, nodeType, outcome, media: event.media });
    ctx.dispatch({ type: 'prompt_finished', promptId: event.promptId });
    return;
  }
  ctx.dispatch(event);
}

export const interpret: Interpret = (flow, state, event, now) => {
  if (state !== undefined && !isState(state)) {
    const ctx = new Ctx(flow, { ...initialState(flow), node: '' }, now, HANDLERS);
    ctx.fail('bad state');
    return { state: ctx.state, commands: ctx.commands };
  }
  if (state === undefined && event?.type !== 'start') {
    const ctx = new Ctx(flow, { ...initialState(flow), node: '' }, now, HANDLERS);
    ctx.emit({ type: 'answer' });
    ctx.fail('no state for a call that has not started');
    return { state: ctx.state, commands: ctx.commands };
  }
  const before = state ?? initialState(flow, event.type === 'start' ? event.vars : {});
  const ctx = new Ctx(flow, copyState(before), now, HANDLERS);
  try {
    run(ctx, event);
  } catch (err) {
    // A node threw (a bad regex, a malformed flow that skipped validation): keep the
    // commands already emitted that stop things, and take the error path.
    try {
      ctx.fail(err instanceof Error ? err.message : 'internal error');
    } catch {
      ctx.sorry(); // the error node itself threw
    }
  }
  return { state: ctx.state, commands: ctx.commands };
};

/** Enters a survey node after the agent leg ended (the same as feeding {type:'survey'}). */
export function startSurvey(flow: Flow, state: IvrState, surveyNodeId: string, now: Date): StepResult {
  return interpret(flow, state, { type: 'survey', node: surveyNodeId }, now);
}
