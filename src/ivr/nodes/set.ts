// set: fill the templates and attach the values to the call's data.
import type { SetNode } from '../contract.js';
import type { NodeHandler } from '../engine.js';
import { fillTemplate } from '../template.js';

export const set: NodeHandler<SetNode> = {
  enter(ctx, id, node, carry) {
    const values: Record<string, string> = {};
    for (const [name, template] of Object.entries(node.values)) values[name] = fillTemplate(template, ctx.state.vars);
    Object.assign(ctx.state.vars, values);
    ctx.emit({ type: 'set_data', values });
    ctx.step(id, 'set', 'set');
    ctx.go(node.next, carry);
  },
  on() {},
};
