// Where a process spent its CPU, from a V8 CPU profile (`node --cpu-prof`, or the
// inspector's Profiler): self time per function and per module (a file of ours, an npm
// package, a Node internal area, or V8's own work such as the garbage collector). Pure.

export interface CpuProfile {
  nodes: Array<{ id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }>;
  samples: number[];
  /** Microseconds before each sample. */
  timeDeltas: number[];
}

export interface SelfTime {
  name: string;
  ms: number;
  /** Share of the busy time (idle excluded). */
  share: number;
}

export interface ProfileSummary {
  busyMs: number;
  functions: SelfTime[];
  modules: SelfTime[];
  /** Total time (self and below) charged to the nearest function of ours up the stack: which of our code causes the cost. */
  ours: SelfTime[];
}

/** The module a frame belongs to: `src/acd/runtime.ts`, `pg`, `@fastify/x`, `node:internal/streams`, `(garbage collector)`. */
export function moduleOf(url: string, functionName: string, root: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  const path = url.replace(/^file:\/\//, '');
  const nm = path.lastIndexOf('/node_modules/');
  if (nm >= 0) {
    const parts = path.slice(nm + '/node_modules/'.length).split('/');
    return parts[0]!.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]!;
  }
  if (path.startsWith('node:')) return path.split('/').slice(0, 2).join('/');
  return path.startsWith(root) ? path.slice(root.length).replace(/^\//, '') : path;
}

function ranked(totals: Map<string, number>, busyUs: number, top: number): SelfTime[] {
  return [...totals]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([name, us]) => ({ name, ms: Math.round(us) / 1000, share: busyUs ? us / busyUs : 0 }));
}

const add = <K>(m: Map<K, number>, key: K, us: number) => m.set(key, (m.get(key) ?? 0) + us);

/**
 * Self time by function and by module, and time by the nearest of our functions (a file
 * under `ours`, e.g. `src/`), the `top` largest of each. Idle time and the profiler's
 * own work (the inspector) are left out.
 */
export function summariseProfile(profile: CpuProfile, root: string, top = 15, ours = 'src/'): ProfileSummary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) => add(selfUs, id, profile.timeDeltas[i] ?? 0));
  const functions = new Map<string, number>();
  const modules = new Map<string, number>();
  const charged = new Map<string, number>();
  let busyUs = 0;
  const label = (frame: CpuProfile['nodes'][number]['callFrame'], mod: string) =>
    !frame.url ? (mod === '(native)' ? `${frame.functionName} (native)` : mod) : `${frame.functionName || '(anonymous)'} ${mod}${frame.lineNumber > 0 ? `:${frame.lineNumber + 1}` : ''}`;
  for (const [id, us] of selfUs) {
    const frame = byId.get(id)?.callFrame;
    if (!frame || frame.functionName === '(idle)') continue;
    let owner = '(none of ours)';
    let inspector = false;
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const f = byId.get(at)!.callFrame;
      if (f.url === 'node:inspector') inspector = true;
      const mod = moduleOf(f.url, f.functionName, root);
      if (owner === '(none of ours)' && mod.startsWith(ours)) owner = label(f, mod);
    }
    if (inspector) continue;
    busyUs += us;
    const mod = moduleOf(frame.url, frame.functionName, root);
    add(functions, label(frame, mod), us);
    add(modules, mod, us);
    add(charged, owner, us);
  }
  return {
    busyMs: Math.round(busyUs) / 1000,
    functions: ranked(functions, busyUs, top),
    modules: ranked(modules, busyUs, top),
    ours: ranked(charged, busyUs, top),
  };
}
