// queue, voicemail, transfer: the call leaves the IVR. The runner executes the hand-over
// (or refuses it while the capability is missing) and may come back with a survey event.
import type { QueueNode, TransferNode, VoicemailNode } from '../contract.js';
import type { NodeHandler } from '../engine.js';

export const queue: NodeHandler<QueueNode> = {
  enter(ctx, id, node) {
    ctx.step(id, 'queue', 'handover');
    ctx.finish('handed_over');
    const params: Record<string, unknown> = { queue: node.queue };
    if (node.priority !== undefined) params.priority = node.priority;
    if (node.survey !== undefined) params.survey = node.survey;
    ctx.emit({ type: 'handover', to: 'queue', node: id, params });
  },
  on() {},
};

export const voicemail: NodeHandler<VoicemailNode> = {
  enter(ctx, id, node) {
    ctx.step(id, 'voicemail', 'handover');
    ctx.finish('handed_over');
    ctx.emit({ type: 'handover', to: 'voicemail', node: id, params: { mailbox: node.mailbox } });
  },
  on() {},
};

export const transfer: NodeHandler<TransferNode> = {
  enter(ctx, id, node) {
    ctx.step(id, 'transfer', 'handover');
    ctx.finish('handed_over');
    ctx.emit({ type: 'handover', to: 'transfer', node: id, params: { to: node.to } });
  },
  on() {},
};
