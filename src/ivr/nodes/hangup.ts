// hangup: an optional goodbye, then hang up. Keys during the goodbye are ignored.
import type { HangupNode } from '../contract.js';
import type { NodeHandler } from '../engine.js';

export const hangup: NodeHandler<HangupNode> = {
  enter(ctx, id, node) {
    ctx.step(id, 'hangup', 'hangup');
    if (!node.prompt || !ctx.play(node.prompt, 'goodbye')) ctx.hangup();
  },
  on(ctx, _id, _node, event) {
    if (event.type === 'prompt_finished') ctx.hangup();
  },
};
