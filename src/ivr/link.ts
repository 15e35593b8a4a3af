// Sub-flows: before a call runs, every goto that names a flow is replaced by a jump into
// a copy of that flow's nodes, namespaced "<flowId>/<nodeId>" so ids never collide. Its
// calendars are namespaced the same way. The interpreter stays pure: it never loads flows.
// A flow reached twice (or recursively) is inlined once and shared; a flow that cannot be
// resolved is left as is, and the interpreter sends that goto to error handling.
import type { BusinessCalendar, Flow, FlowNode } from './contract.js';

export type ResolveFlow = (flowId: string) => Flow | undefined | Promise<Flow | undefined>;

function renamed(node: FlowNode, ns: (id: string) => string, cal: (name: string) => string): FlowNode {
  const n = structuredClone(node);
  switch (n.type) {
    case 'play':
    case 'set':
      n.next = ns(n.next);
      break;
    case 'fax':
      n.next = ns(n.next);
      if (n.onInvalid !== undefined) n.onInvalid = ns(n.onInvalid);
      if (n.confirm) {
        n.confirm.reenter = ns(n.confirm.reenter);
        if (n.confirm.fallback !== undefined) n.confirm.fallback = ns(n.confirm.fallback);
      }
      break;
    case 'menu':
      for (const k of Object.keys(n.options)) n.options[k] = ns(n.options[k] as string);
      if (n.fallback !== undefined) n.fallback = ns(n.fallback);
      break;
    case 'collect':
      n.next = ns(n.next);
      if (n.fallback !== undefined) n.fallback = ns(n.fallback);
      break;
    case 'http':
      n.next = ns(n.next);
      n.onError = ns(n.onError);
      if (n.onTimeout !== undefined) n.onTimeout = ns(n.onTimeout);
      break;
    case 'branch':
      for (const c of n.cases) {
        c.next = ns(c.next);
        for (const w of c.when) if (w.op === 'open' || w.op === 'closed') w.calendar = cal(w.calendar);
      }
      n.otherwise = ns(n.otherwise);
      break;
    case 'queue':
      if (n.survey !== undefined) n.survey = ns(n.survey);
      break;
    case 'goto':
      if (n.node !== undefined) n.node = ns(n.node);
      break;
    default:
      break;
  }
  return n;
}

export async function linkFlows(flow: Flow, resolve: ResolveFlow): Promise<Flow> {
  const out: Flow = structuredClone(flow);
  const calendars: Record<string, BusinessCalendar> = { ...(out.calendars ?? {}) };
  const linked = new Map<string, string>(); // flow id → namespaced entry
  linked.set(flow.id, flow.entry);

  const link = async (nodes: Record<string, FlowNode>): Promise<void> => {
    for (const node of Object.values(nodes)) {
      if (node.type !== 'goto' || node.flow === undefined || node.node !== undefined) continue;
      const target = node.flow;
      let entry = linked.get(target);
      if (entry === undefined) {
        const sub = await resolve(target);
        if (!sub) continue;
        const ns = (id: string) => `${target}/${id}`;
        const cal = (name: string) => `${target}/${name}`;
        entry = ns(sub.entry);
        linked.set(target, entry);
        const added: Record<string, FlowNode> = {};
        for (const [id, n] of Object.entries(sub.nodes)) added[ns(id)] = renamed(n, ns, cal);
        for (const [name, c] of Object.entries(sub.calendars ?? {})) calendars[cal(name)] = structuredClone(c);
        Object.assign(out.nodes, added);
        await link(added);
      }
      node.node = entry;
      delete node.flow;
    }
  };
  await link(out.nodes);
  if (Object.keys(calendars).length > 0) out.calendars = calendars;
  return out;
}
