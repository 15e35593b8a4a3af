// What every node handler shares: the step being computed (state copy + commands), id
// allocation from state.seq, prompts and timers that are tracked so stale events are
// recognised, and the one way out on any error.
import type { Flow, FlowNode, IvrCommand, IvrEvent, IvrState, Media, NodeType, Prompt } from './contract.js';
import { fillMedia } from './template.js';

/** A real Asterisk core sound: "An error has occurred." */
export const SORRY_MEDIA: Media[] = ['sound:an-error-has-occurred'];
export const DEFAULT_MAX_STEPS = 200;
/** Extra steps granted to the error node once the call is failing. */
const ERROR_STEP_BUDGET = 50;

export interface NodeHandler<N extends FlowNode = FlowNode> {
  /** Enter the node; `carry` is a key pressed during a previous barge-in prompt (type-ahead). */
  enter(ctx: Ctx, id: string, node: N, carry?: string): void;
  /** An event while the node is current. Stale ids have already been filtered out. */
  on(ctx: Ctx, id: string, node: N, event: IvrEvent): void;
}

export class Ctx {
  readonly commands: IvrCommand[] = [];
  /** Set while a failed prompt is handled as ended: the play node reports it instead of `played`. */
  promptFailure: { outcome: string; media: string[] } | undefined;
  constructor(
    readonly flow: Flow,
    public state: IvrState,
    readonly now: Date,
    private readonly handlers: Record<NodeType, NodeHandler>,
  ) {}

  nextId(prefix: string): string {
    this.state.seq += 1;
    return `${prefix}${this.state.seq}`;
  }

  emit(cmd: IvrCommand): void {
    this.commands.push(cmd);
  }

  step(node: string, nodeType: NodeType, outcome: string, input?: string): void {
    this.emit(input === undefined ? { type: 'step', node, nodeType, outcome } : { type: 'step', node, nodeType, input, outcome });
  }

  /** Plays media (with variables filled); returns false when nothing is left to play. */
  playMedia(media: Media[], phase: string): boolean {
    const filled = fillMedia(media, this.state.vars);
    if (filled.length === 0) return false;
    const promptId = this.nextId('p');
    this.state.pendingPrompt = promptId;
    this.state.phase = phase;
    this.emit({ type: 'play', promptId, media: filled });
    return true;
  }

  play(prompt: Prompt, phase: string): boolean {
    return this.playMedia(prompt.media, phase);
  }

  stopPrompt(): void {
    if (this.state.pendingPrompt) this.emit({ type: 'stop_prompt', promptId: this.state.pendingPrompt });
    this.state.pendingPrompt = undefined;
  }

  startTimer(ms: number): void {
    this.cancelTimer();
    const timerId = this.nextId('t');
    this.state.pendingTimer = timerId;
    this.emit({ type: 'start_timer', timerId, ms });
  }

  cancelTimer(): void {
    if (this.state.pendingTimer) this.emit({ type: 'cancel_timer', timerId: this.state.pendingTimer });
    this.state.pendingTimer = undefined;
  }

  /** Leaves nothing of the current node running: its prompt, timer or request. */
  clearPending(): void {
    this.stopPrompt();
    this.cancelTimer();
    this.state.pendingRequest = undefined;
  }

  /** Leaves the current node for `id`. Instant nodes chain inside the same call. */
  go(id: string, carry?: string): void {
    this.clearPending();
    const s = this.state;
    s.steps += 1;
    const max = this.flow.maxSteps ?? DEFAULT_MAX_STEPS;
    if (!s.failing && s.steps > max) return this.fail(`step limit ${max} exceeded`);
    if (s.failing && s.steps > max + ERROR_STEP_BUDGET) return this.sorry();
    const node = this.flow.nodes[id];
    if (!node || typeof node !== 'object') return this.fail(`unknown node "${id}"`);
    const handler = this.handlers[node.type];
    if (!handler) return this.fail(`unknown node type "${String(node.type)}"`);
    s.node = id;
    s.phase = 'entered';
    s.digits = '';
    s.tries = 0;
    handler.enter(this, id, node, carry);
  }

  dispatch(event: IvrEvent): void {
    const node = this.flow.nodes[this.state.node];
    if (!node) return this.fail(`unknown node "${this.state.node}"`);
    const handler = this.handlers[node.type];
    if (!handler) return this.fail(`unknown node type "${String(node.type)}"`);
    handler.on(this, this.state.node, node, event);
  }

  /** Any runtime error: the flow's error node once, else the sorry prompt and hang up. */
  fail(reason: string): void {
    this.clearPending();
    const nodeType = this.flow.nodes[this.state.node]?.type;
    if (nodeType) this.step(this.state.node, nodeType, `error: ${reason}`);
    const errorNode = this.flow.errorNode;
    if (errorNode && !this.state.failing && this.flow.nodes[errorNode] && this.state.node !== errorNode) {
      this.state.failing = true;
      this.go(errorNode);
      return;
    }
    this.sorry();
  }

  sorry(): void {
    this.clearPending();
    this.state.failing = true;
    this.state.done = false;
    this.playMedia(SORRY_MEDIA, 'sorry');
  }

  /** The IVR's part of the call is over: the caller hangs up, is handed over, or we hang up. */
  finish(phase: string): void {
    this.clearPending();
    this.state.phase = phase;
    this.state.done = true;
  }

  hangup(): void {
    this.finish('hung_up');
    this.emit({ type: 'hangup' });
  }
}
