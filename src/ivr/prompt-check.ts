// Publishing a flow whose `recording:` prompts are not on the PBX is refused: a caller
// would otherwise meet the prompt watchdog on every call. The PBX is asked at publish time
// (every node of the deployment that can be asked); a PBX that cannot be asked does not
// block publishing, since flows must be publishable while a PBX is down for maintenance.
import type { Flow, FlowProblem } from './contract.js';
import { pointer } from './validate.js';

/** A `recording:` prompt of a flow and where it is named. */
export interface RecordingRef {
  pointer: string;
  name: string;
}

/** What the PBX nodes said about some recordings. */
export interface RecordingCheck {
  /** Recording name → the PBX nodes that do not have it. */
  missing: Record<string, string[]>;
  /** Nodes that could not be asked (no owner, ARI down). */
  unchecked: string[];
}

export type CheckRecordings = (names: string[]) => Promise<RecordingCheck>;

/** Every `recording:` prompt of a flow with a fixed name (a templated name is known only on the call). */
export function recordingRefs(flow: Flow): RecordingRef[] {
  const out: RecordingRef[] = [];
  const walk = (value: unknown, path: Array<string | number>): void => {
    if (value === null || typeof value !== 'object') return;
    for (const [key, child] of Object.entries(value)) {
      if (key === 'media' && Array.isArray(child)) {
        child.forEach((m, i) => {
          if (typeof m === 'string' && m.startsWith('recording:') && !m.includes('{{')) out.push({ pointer: pointer('nodes', ...path, 'media', i), name: m.slice('recording:'.length) });
        });
      } else {
        walk(child, [...path, key]);
      }
    }
  };
  for (const [id, node] of Object.entries(flow.nodes ?? {})) walk(node, [id]);
  return out;
}

/** The problems of recordings the PBX does not have, each at the prompt that names it. */
export function missingRecordingProblems(refs: RecordingRef[], check: RecordingCheck): FlowProblem[] {
  return refs
    .filter((r) => (check.missing[r.name]?.length ?? 0) > 0)
    .map((r) => ({ pointer: r.pointer, message: `recording "${r.name}" does not exist on the PBX (node ${check.missing[r.name]!.join(', ')})` }));
}
