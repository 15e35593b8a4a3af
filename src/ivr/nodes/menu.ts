// menu: one key chooses the next node. The wait timer starts when the prompt ends, so a
// long prompt never eats into the caller's time to answer.
import type { MenuNode } from '../contract.js';
import type { Ctx, NodeHandler } from '../engine.js';
import { retryOrGiveUp } from './retry.js';

function choose(ctx: Ctx, id: string, node: MenuNode, digit: string): void {
  const target = Object.hasOwn(node.options, digit) ? node.options[digit] : undefined;
  if (target === undefined) return retryOrGiveUp(ctx, id, 'menu', node, 'invalid', node.invalidPrompt, digit);
  ctx.step(id, 'menu', 'option', digit);
  ctx.go(target);
}

export const menu: NodeHandler<MenuNode> = {
  enter(ctx, id, node, carry) {
    if (carry !== undefined) return choose(ctx, id, node, carry);
    if (!ctx.play(node.prompt, 'prompting')) ctx.fail('menu prompt is empty');
  },
  on(ctx, id, node, event) {
    const s = ctx.state;
    if (event.type === 'prompt_finished' && s.phase === 'prompting') {
      s.pendingPrompt = undefined;
      s.phase = 'waiting';
      ctx.startTimer(node.timeoutMs ?? 5000);
    } else if (event.type === 'dtmf' && (s.phase === 'waiting' || node.prompt.bargeIn !== false)) {
      choose(ctx, id, node, event.digit);
    } else if (event.type === 'timer' && s.phase === 'waiting') {
      s.pendingTimer = undefined;
      retryOrGiveUp(ctx, id, 'menu', node, 'timeout', node.timeoutPrompt);
    }
  },
};
