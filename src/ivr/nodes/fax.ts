// fax: fax-on-demand is sent after the call, so the hand-over is a request and the caller
// carries on to `next` (typically a confirmation and goodbye).
import type { FaxNode } from '../contract.js';
import type { NodeHandler } from '../engine.js';

export const fax: NodeHandler<FaxNode> = {
  enter(ctx, id, node) {
    const vars = ctx.state.vars;
    const document = vars[node.documentVar];
    if (!document) return ctx.fail(`no document code in "${node.documentVar}"`);
    const destination = vars[node.destinationVar ?? 'caller'] ?? '';
    ctx.emit({ type: 'handover', to: 'fax', node: id, params: { document, destination } });
    ctx.step(id, 'fax', 'requested', document);
    ctx.go(node.next);
  },
  on() {},
};
