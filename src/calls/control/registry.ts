// The API reaches the call control of the PBX node a call lives on through this registry.
// Only the instance holding a node's lease drives it: a command for a node this instance
// drives runs here; one for a node another instance drives goes there over the command bus
// (without a bus, as in tests of the routes alone, it is a 503).
import { ProblemError } from '../../api/problem.js';
import type { CommandBus } from '../../pbx/command-bus.js';
import { CONTROL_COMMANDS, isControlCommand, runControlCommand, type CommandArgs, type CommandResult, type ControlCommand } from './commands.js';
import type { CallControl } from './service.js';

export interface RegistryOptions {
  bus?: CommandBus | undefined;
  /** Every configured PBX node, tried in order for a command that names none. */
  pbxNodes?: readonly string[];
}

export class CallControlRegistry {
  private readonly nodes = new Map<string, CallControl>();

  constructor(private readonly o: RegistryOptions = {}) {
    for (const name of Object.keys(CONTROL_COMMANDS)) o.bus?.register(name, (pbxNode, args) => this.handle(pbxNode, name, args));
  }

  set(control: CallControl): void {
    this.nodes.set(control.pbxNode, control);
    void this.o.bus?.serve(control.pbxNode);
  }

  delete(control: CallControl): void {
    if (this.nodes.get(control.pbxNode) !== control) return;
    this.nodes.delete(control.pbxNode);
    void this.o.bus?.unserve(control.pbxNode);
  }

  get(pbxNode: string): CallControl | undefined {
    return this.nodes.get(pbxNode);
  }

  any(): CallControl | undefined {
    return this.nodes.values().next().value;
  }

  /** Runs a command on the node, here or on the instance that drives it. */
  async run<K extends ControlCommand>(pbxNode: string, name: K, args: CommandArgs<K>): Promise<CommandResult<K>> {
    const local = this.nodes.get(pbxNode);
    if (local) return runControlCommand(local, name, args);
    if (!this.o.bus) throw new ProblemError(503, `this instance does not drive PBX node ${pbxNode} now; retry`);
    return (await this.o.bus.send(pbxNode, name, args)) as CommandResult<K>;
  }

  /** The named node, or (naming none) a node this instance drives, else the first one any instance drives. */
  async runOnAny<K extends ControlCommand>(pbxNode: string | undefined, name: K, args: CommandArgs<K>): Promise<CommandResult<K>> {
    if (pbxNode) {
      // No instance will ever drive a node that is not configured: not worth a retry.
      if (this.o.pbxNodes && !this.o.pbxNodes.includes(pbxNode)) throw new ProblemError(422, "body 'pbxNode' is not a configured PBX node");
      return this.run(pbxNode, name, args);
    }
    const local = this.any();
    if (local) return runControlCommand(local, name, args);
    if (!this.o.bus) throw new ProblemError(503, 'this instance drives no PBX node now; retry');
    return (await this.o.bus.sendToAny(this.o.pbxNodes ?? [], name, args)) as CommandResult<K>;
  }

  /** A forwarded command, run on the node this instance drives. */
  private async handle(pbxNode: string, name: string, args: unknown): Promise<unknown> {
    const local = this.nodes.get(pbxNode);
    if (!local) throw new ProblemError(503, `the instance asked no longer drives PBX node ${pbxNode}; retry`);
    if (!isControlCommand(name)) throw new ProblemError(500, `unknown command ${name}`);
    return runControlCommand(local, name, args as never);
  }
}
