// play: a prompt, then the next node. With barge-in (the default) a key stops the prompt
// and is carried to the next node as type-ahead, like Asterisk's Background(): a menu or
// collect right after treats it as its first key and skips its own prompt. Other nodes
// drop it once a node that waits (http, play...) is reached.
import type { PlayNode } from '../contract.js';
import type { NodeHandler } from '../engine.js';

export const play: NodeHandler<PlayNode> = {
  enter(ctx, id, node) {
    if (!ctx.play(node.prompt, 'prompting')) {
      ctx.step(id, 'play', 'nothing to play');
      ctx.go(node.next);
    }
  },
  on(ctx, id, node, event) {
    if (event.type === 'prompt_finished') {
      ctx.state.pendingPrompt = undefined;
      const failed = ctx.promptFailure;
      if (failed) ctx.emit({ type: 'step', node: id, nodeType: 'play', outcome: failed.outcome, media: failed.media });
      else ctx.step(id, 'play', 'played');
      ctx.go(node.next);
    } else if (event.type === 'dtmf' && node.prompt.bargeIn !== false) {
      ctx.step(id, 'play', 'barged_in', event.digit);
      ctx.go(node.next, event.digit);
    }
  },
};
