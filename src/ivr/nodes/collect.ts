// collect: digits into a variable, ended by the terminator, by reaching maxDigits, or by
// the inter-digit timeout; then checked against minDigits and the pattern.
import type { CollectNode } from '../contract.js';
import type { Ctx, NodeHandler } from '../engine.js';
import { retryOrGiveUp } from './retry.js';
import { safePattern } from '../safe-regex.js';

function finishInput(ctx: Ctx, id: string, node: CollectNode): void {
  const digits = ctx.state.digits;
  const min = node.minDigits ?? 1;
  let ok = digits.length >= min && digits.length <= node.maxDigits;
  if (ok && node.pattern !== undefined) ok = safePattern(node.pattern, true).test(digits);
  if (!ok) return retryOrGiveUp(ctx, id, 'collect', node, 'invalid', node.invalidPrompt, digits);
  ctx.state.vars[node.variable] = digits;
  ctx.step(id, 'collect', 'collected', digits);
  ctx.go(node.next);
}

function key(ctx: Ctx, id: string, node: CollectNode, digit: string): void {
  ctx.stopPrompt();
  ctx.cancelTimer();
  if (digit === (node.terminator ?? '#')) return finishInput(ctx, id, node);
  ctx.state.digits += digit;
  if (ctx.state.digits.length >= node.maxDigits) return finishInput(ctx, id, node);
  ctx.state.phase = 'collecting';
  ctx.startTimer(node.interDigitTimeoutMs ?? 3000);
}

export const collect: NodeHandler<CollectNode> = {
  enter(ctx, id, node, carry) {
    if (carry !== undefined) return key(ctx, id, node, carry);
    if (!ctx.play(node.prompt, 'prompting')) ctx.fail('collect prompt is empty');
  },
  on(ctx, id, node, event) {
    const s = ctx.state;
    if (event.type === 'prompt_finished' && s.phase === 'prompting') {
      s.pendingPrompt = undefined;
      s.phase = 'collecting';
      ctx.startTimer(node.firstDigitTimeoutMs ?? 5000);
    } else if (event.type === 'dtmf' && (s.phase === 'collecting' || node.prompt.bargeIn !== false)) {
      key(ctx, id, node, event.digit);
    } else if (event.type === 'timer' && s.phase === 'collecting') {
      s.pendingTimer = undefined;
      if (s.digits === '') retryOrGiveUp(ctx, id, 'collect', node, 'timeout', node.invalidPrompt);
      else finishInput(ctx, id, node);
    }
  },
};
