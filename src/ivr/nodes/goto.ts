// goto: a jump. Sub-flows are inlined by linkFlows before the call runs, so a goto that
// still names a flow here was never linked: that is a runtime error, not a silent stop.
import type { GotoNode } from '../contract.js';
import type { NodeHandler } from '../engine.js';

export const gotoNode: NodeHandler<GotoNode> = {
  enter(ctx, id, node, carry) {
    if (node.node === undefined) return ctx.fail(node.flow ? `sub-flow "${node.flow}" is not linked` : 'goto has no target');
    ctx.step(id, 'goto', 'jump');
    ctx.go(node.node, carry);
  },
  on() {},
};
