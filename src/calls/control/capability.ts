// Call control as a capability of each PBX node: built when this instance takes the node,
// registered for the API, and fed the ARI events of the legs it created.
import type { CallControlConfig } from '../../config.js';
import type { CapabilityFactory } from '../../pbx/capability.js';
import type { AgentDesk } from '../agent-desk.js';
import type { CallControlRegistry } from './registry.js';
import { CallControl } from './service.js';

export function callControlCapability(opts: {
  registry: CallControlRegistry;
  config: CallControlConfig;
  /** The ARI application name per node id. */
  appFor: (pbxNode: string) => string;
  desk?: AgentDesk | undefined;
}): CapabilityFactory {
  return (ctx) => {
    const control = new CallControl({
      db: ctx.db,
      pbxNode: ctx.pbxNode,
      app: opts.appFor(ctx.pbxNode),
      ari: ctx.ari,
      ami: ctx.ami,
      log: ctx.log.child({ capability: 'call-control' }),
      config: opts.config,
      desk: opts.desk,
    });
    opts.registry.set(control);
    return {
      route: (event) => control.route(event),
      handovers: { transfer: (h) => control.takeInbound(h) },
      resync: (snapshot) =>
        control.resync({ channelIds: new Set(snapshot.channels.map((c) => c.id)), bridgeIds: new Set(snapshot.bridges.map((b) => b.id)) }),
      stop: () => {
        control.stop();
        opts.registry.delete(control);
      },
    };
  };
}
