// The API reaches the call control of the PBX node a call lives on through this registry.
// Only the instance holding a node's lease drives it; the others answer 503 for its calls.
import type { CallControl } from './service.js';

export class CallControlRegistry {
  private readonly nodes = new Map<string, CallControl>();

  set(control: CallControl): void {
    this.nodes.set(control.pbxNode, control);
  }

  delete(control: CallControl): void {
    if (this.nodes.get(control.pbxNode) === control) this.nodes.delete(control.pbxNode);
  }

  get(pbxNode: string): CallControl | undefined {
    return this.nodes.get(pbxNode);
  }

  any(): CallControl | undefined {
    return this.nodes.values().next().value;
  }
}
