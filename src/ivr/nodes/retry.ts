// The retry rule shared by menu and collect: replay the prompt (after the invalid or
// timeout prompt) while tries remain, then the fallback node or the flow's error handling.
import type { Prompt } from '../contract.js';
import type { Ctx } from '../engine.js';

export function retryOrGiveUp(
  ctx: Ctx,
  id: string,
  nodeType: 'menu' | 'collect',
  node: { prompt: Prompt; retries?: number; fallback?: string },
  outcome: 'invalid' | 'timeout',
  notice: Prompt | undefined,
  input?: string,
): void {
  ctx.clearPending();
  ctx.state.digits = '';
  ctx.state.tries += 1;
  if (ctx.state.tries > (node.retries ?? 2)) {
    ctx.step(id, nodeType, `${outcome}, retries exhausted`, input);
    if (node.fallback) ctx.go(node.fallback);
    else ctx.fail(`${nodeType} retries exhausted`);
    return;
  }
  ctx.step(id, nodeType, outcome, input);
  if (!ctx.playMedia([...(notice?.media ?? []), ...node.prompt.media], 'prompting')) ctx.fail(`${nodeType} prompt is empty`);
}
