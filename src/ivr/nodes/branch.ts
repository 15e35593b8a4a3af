// branch: the first case whose conditions all hold; no input, no waiting.
import type { BranchNode } from '../contract.js';
import type { NodeHandler } from '../engine.js';
import { holds } from '../conditions.js';

export const branch: NodeHandler<BranchNode> = {
  enter(ctx, id, node, carry) {
    const index = node.cases.findIndex((c) => c.when.every((w) => holds(w, ctx.flow, ctx.state.vars, ctx.now)));
    const target = index >= 0 ? (node.cases[index] as { next: string }).next : node.otherwise;
    ctx.step(id, 'branch', index >= 0 ? `case ${index}` : 'otherwise');
    ctx.go(target, carry);
  },
  on() {},
};
