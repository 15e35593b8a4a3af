// fax: fax-on-demand is sent after the call, so the hand-over is a request: the flow
// waits for it to be accepted (the caller goes on to `next`, typically a confirmation and
// goodbye) or refused (an unknown document code, a number outside the allow-list: the
// invalid prompt, then `onInvalid`). With `confirm`, a keyed number is read back first and
// sent only after the caller presses 1 (a mistyped digit would fax a stranger, at our cost).
import type { FaxNode } from '../contract.js';
import type { Ctx, NodeHandler } from '../engine.js';

const DEFAULT_CONFIRM_TRIES = 3;
const DEFAULT_CONFIRM_TIMEOUT_MS = 5000;

const destinationOf = (ctx: Ctx, node: FaxNode) => ctx.state.vars[node.destinationVar ?? 'caller'] ?? '';

function request(ctx: Ctx, id: string, node: FaxNode): void {
  const document = ctx.state.vars[node.documentVar] ?? '';
  ctx.state.phase = 'requesting';
  // The flow waits on the request as on a lookup: never a silent state without something pending.
  ctx.state.pendingRequest = ctx.nextId('f');
  ctx.emit({ type: 'handover', to: 'fax', node: id, params: { document, destination: destinationOf(ctx, node) } });
}

/** Reads the number back once more, or gives up when the caller has been asked `tries` times. */
function askToConfirm(ctx: Ctx, id: string, node: FaxNode, outcome?: string): void {
  const confirm = node.confirm!;
  const asked = (ctx.state.confirmations ??= {});
  const n = (asked[id] ?? 0) + 1;
  const destination = destinationOf(ctx, node);
  if (outcome) ctx.step(id, 'fax', outcome, destination);
  if (n > triesOf(node)) return giveUp(ctx, id, node);
  asked[id] = n;
  ctx.clearPending();
  // Only the digits are spoken: the number came from the caller's keypad or caller id.
  const spoken = destination.replace(/[^0-9*#]/g, '');
  const media = [...confirm.prompt.media, ...(spoken ? [`digits:${spoken}`] : []), ...confirm.question.media];
  if (!ctx.playMedia(media, 'confirming')) ctx.fail('fax confirm prompt is empty');
}

const triesOf = (node: FaxNode) => node.confirm?.tries ?? DEFAULT_CONFIRM_TRIES;

function giveUp(ctx: Ctx, id: string, node: FaxNode): void {
  delete ctx.state.confirmations?.[id];
  ctx.step(id, 'fax', 'not confirmed, tries exhausted', destinationOf(ctx, node));
  const fallback = node.confirm?.fallback ?? node.onInvalid;
  return fallback ? ctx.go(fallback) : ctx.fail('fax number not confirmed');
}

function answer(ctx: Ctx, id: string, node: FaxNode, digit: string): void {
  const confirm = node.confirm!;
  ctx.clearPending();
  const destination = destinationOf(ctx, node);
  if (digit === '1') {
    delete ctx.state.confirmations?.[id];
    ctx.step(id, 'fax', 'confirmed', destination);
    return request(ctx, id, node);
  }
  if (digit === '2') {
    ctx.step(id, 'fax', 'reenter', destination);
    // No read-back left for a new number: not worth keying it.
    if ((ctx.state.confirmations?.[id] ?? 0) >= triesOf(node)) return giveUp(ctx, id, node);
    // The count stays: coming back here after re-entering asks again, within the same tries.
    return ctx.go(confirm.reenter);
  }
  askToConfirm(ctx, id, node, `invalid confirmation ${digit}`);
}

export const fax: NodeHandler<FaxNode> = {
  enter(ctx, id, node) {
    if (!ctx.state.vars[node.documentVar]) return ctx.fail(`no document code in "${node.documentVar}"`);
    if (node.confirm) return askToConfirm(ctx, id, node);
    request(ctx, id, node);
  },
  on(ctx, id, node, event) {
    const s = ctx.state;
    const document = s.vars[node.documentVar];
    if (node.confirm && (s.phase === 'confirming' || s.phase === 'awaiting_confirmation')) {
      if (event.type === 'prompt_finished' && s.phase === 'confirming') {
        s.pendingPrompt = undefined;
        s.phase = 'awaiting_confirmation';
        ctx.startTimer(node.confirm.timeoutMs ?? DEFAULT_CONFIRM_TIMEOUT_MS);
      } else if (event.type === 'dtmf' && (s.phase === 'awaiting_confirmation' || node.confirm.question.bargeIn !== false)) {
        answer(ctx, id, node, event.digit);
      } else if (event.type === 'timer' && s.phase === 'awaiting_confirmation') {
        s.pendingTimer = undefined;
        askToConfirm(ctx, id, node, 'no confirmation');
      }
      return;
    }
    if (event.type === 'handover_result') {
      s.pendingRequest = undefined;
      if (event.ok) {
        ctx.step(id, 'fax', 'requested', document);
        return ctx.go(node.next);
      }
      ctx.step(id, 'fax', `refused: ${event.detail ?? 'refused'}`, document);
      if (node.invalidPrompt && ctx.play(node.invalidPrompt, 'invalid')) return;
      return ctx.go(node.onInvalid ?? node.next);
    }
    if (event.type === 'prompt_finished' && s.phase === 'invalid') {
      s.pendingPrompt = undefined;
      ctx.go(node.onInvalid ?? node.next);
    }
  },
};
