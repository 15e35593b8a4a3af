// fax: fax-on-demand is sent after the call, so the hand-over is a request: the flow
// waits for it to be accepted (the caller goes on to `next`, typically a confirmation and
// goodbye) or refused (an unknown document code, a number outside the allow-list: the
// invalid prompt, then `onInvalid`).
import type { FaxNode } from '../contract.js';
import type { NodeHandler } from '../engine.js';

export const fax: NodeHandler<FaxNode> = {
  enter(ctx, id, node) {
    const vars = ctx.state.vars;
    const document = vars[node.documentVar];
    if (!document) return ctx.fail(`no document code in "${node.documentVar}"`);
    const destination = vars[node.destinationVar ?? 'caller'] ?? '';
    ctx.state.phase = 'requesting';
    // The flow waits on the request as on a lookup: never a silent state without something pending.
    ctx.state.pendingRequest = ctx.nextId('f');
    ctx.emit({ type: 'handover', to: 'fax', node: id, params: { document, destination } });
  },
  on(ctx, id, node, event) {
    const s = ctx.state;
    const document = s.vars[node.documentVar];
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
