// Save-time validation: the schema first (each node against its own type, so errors
// point at the right field), then the graph: unknown references, unreachable nodes, dead
// ends, menus without options, loops that never wait for the caller, regexes, calendars,
// secrets and capabilities. Every problem is reported, each with its JSON pointer.
import type { TSchema } from 'typebox';
import { Value } from 'typebox/value';
import { isTimeZone } from '../local-time.js';
import { compileSafePattern } from './safe-regex.js';
import { mediaProblem } from './media.js';
import { parseInterval } from './calendar.js';
import type { Condition, Flow, FlowNode, FlowProblem } from './contract.js';
import { FlowShellSchema, NodeSchemas } from './schema.js';

export type Capability = 'queue' | 'voicemail' | 'fax' | 'transfer';

export interface ValidateOptions {
  /** Hand-over capabilities this deployment has; default none. */
  availableCapabilities?: Capability[];
  /** Secret names configured for http headers; unchecked when omitted. */
  knownSecrets?: string[];
  /** Flow ids a goto may name; unchecked when omitted. */
  knownFlows?: string[];
}

const CAPABILITIES: readonly string[] = ['queue', 'voicemail', 'fax', 'transfer'];
/** Nodes after which the IVR is finished with the call (or another flow takes over). */
const TERMINAL = new Set(['hangup', 'queue', 'voicemail', 'transfer']);
/** Nodes that wait for the caller's keys; a loop through one of them is a legitimate retry. */
const WAITS_FOR_INPUT = new Set(['menu', 'collect', 'survey']);

function esc(segment: string): string {
  return segment.replace(/~/g, '~0').replace(/\//g, '~1');
}

export function pointer(...segments: Array<string | number>): string {
  return segments.map((s) => `/${esc(String(s))}`).join('');
}

/** Schema errors as problems: unknown and missing properties point at the property itself. */
function schemaProblems(schema: TSchema, value: unknown, prefix: string): FlowProblem[] {
  const out: FlowProblem[] = [];
  for (const e of Value.Errors(schema, value)) {
    const at = `${prefix}${e.instancePath}`;
    if (e.keyword === 'boolean' && e.schemaPath.endsWith('additionalProperties')) continue; // reported below, by name
    if (e.keyword === 'additionalProperties') {
      for (const name of e.params.additionalProperties) out.push({ pointer: `${at}/${esc(name)}`, message: `unknown property "${name}"` });
    } else if (e.keyword === 'required') {
      for (const name of (e.params as { requiredProperties: string[] }).requiredProperties) out.push({ pointer: `${at}/${esc(name)}`, message: `required property "${name}" is missing` });
    } else {
      out.push({ pointer: at, message: e.message });
    }
  }
  return out;
}

interface Edge {
  from: string;
  to: string;
  at: string; // pointer of the reference
  survey?: boolean; // entered by the runner after the agent leg, not a flow path
}

function edgesOf(id: string, n: FlowNode): Edge[] {
  const at = (...s: Array<string | number>) => pointer('nodes', id, ...s);
  const out: Edge[] = [];
  const add = (to: string | undefined, p: string, survey = false) => {
    if (to !== undefined) out.push({ from: id, to, at: p, ...(survey ? { survey } : {}) });
  };
  switch (n.type) {
    case 'play':
    case 'set':
      add(n.next, at('next'));
      break;
    case 'fax':
      add(n.next, at('next'));
      add(n.onInvalid, at('onInvalid'));
      add(n.confirm?.reenter, at('confirm', 'reenter'));
      add(n.confirm?.fallback, at('confirm', 'fallback'));
      break;
    case 'menu':
      for (const [digit, to] of Object.entries(n.options)) add(to, at('options', digit));
      add(n.fallback, at('fallback'));
      break;
    case 'collect':
      add(n.next, at('next'));
      add(n.fallback, at('fallback'));
      break;
    case 'http':
      add(n.next, at('next'));
      add(n.onError, at('onError'));
      add(n.onTimeout, at('onTimeout'));
      break;
    case 'branch':
      n.cases.forEach((c, i) => add(c.next, at('cases', i, 'next')));
      add(n.otherwise, at('otherwise'));
      break;
    case 'queue':
      add(n.survey, at('survey'), true);
      break;
    case 'goto':
      add(n.node, at('node'));
      break;
    default:
      break;
  }
  return out;
}

/** Every prompt of a node (any `media` list, however nested) with what may not be played. */
function mediaProblems(value: unknown, path: Array<string | number>): FlowProblem[] {
  if (value === null || typeof value !== 'object') return [];
  const out: FlowProblem[] = [];
  for (const [key, child] of Object.entries(value)) {
    if (key === 'media' && Array.isArray(child)) {
      child.forEach((m, i) => {
        if (typeof m !== 'string') return;
        // A placeholder stands for a value checked again when it is filled in.
        const why = mediaProblem(m.replace(/\{\{[^}]*\}\}/g, m.startsWith('digits:') || m.startsWith('number:') ? '1' : 'x'));
        if (why) out.push({ pointer: pointer('nodes', ...path, 'media', i), message: why });
      });
    } else {
      out.push(...mediaProblems(child, [...path, key]));
    }
  }
  return out;
}

function regexProblem(source: string, p: string, anchored: boolean): FlowProblem[] {
  try {
    compileSafePattern(source, anchored);
    return [];
  } catch (err) {
    // Callers choose the text these run on: only what runs in linear time is accepted.
    return [{ pointer: p, message: `regular expression is refused: ${(err as Error).message}` }];
  }
}

function calendarProblems(flow: Flow): FlowProblem[] {
  const out: FlowProblem[] = [];
  for (const [name, cal] of Object.entries(flow.calendars ?? {})) {
    if (!isTimeZone(cal.timeZone)) out.push({ pointer: pointer('calendars', name, 'timeZone'), message: `unknown time zone "${cal.timeZone}"` });
    for (const [day, intervals] of Object.entries(cal.weekly)) {
      (intervals ?? []).forEach((text, i) => {
        if (!parseInterval(text)) out.push({ pointer: pointer('calendars', name, 'weekly', day, i), message: `"${text}" is not an interval HH:MM-HH:MM with its end after its start` });
      });
    }
    (cal.holidays ?? []).forEach((d, i) => {
      const t = Date.parse(`${d}T00:00:00Z`);
      if (Number.isNaN(t) || new Date(t).toISOString().slice(0, 10) !== d) out.push({ pointer: pointer('calendars', name, 'holidays', i), message: `"${d}" is not a date` });
    });
  }
  return out;
}

function nodeProblems(flow: Flow, id: string, n: FlowNode, opts: ValidateOptions): FlowProblem[] {
  const out: FlowProblem[] = [];
  const at = (...s: Array<string | number>) => pointer('nodes', id, ...s);
  if (CAPABILITIES.includes(n.type) && !(opts.availableCapabilities ?? []).includes(n.type as Capability)) {
    out.push({ pointer: at(), message: `capability ${n.type} is not available yet` });
  }
  out.push(...mediaProblems(n, [id]));
  if (n.type === 'menu' && Object.keys(n.options).length === 0) out.push({ pointer: at('options'), message: 'menu has no options' });
  if (n.type === 'collect') {
    if (n.pattern !== undefined) out.push(...regexProblem(n.pattern, at('pattern'), true));
    if ((n.minDigits ?? 1) > n.maxDigits) out.push({ pointer: at('minDigits'), message: 'minDigits is greater than maxDigits' });
  }
  if (n.type === 'branch') {
    n.cases.forEach((c, i) =>
      c.when.forEach((w: Condition, j) => {
        if (w.op === 'matches') out.push(...regexProblem(w.regex, at('cases', i, 'when', j, 'regex'), false));
        if ((w.op === 'open' || w.op === 'closed') && !flow.calendars?.[w.calendar]) {
          out.push({ pointer: at('cases', i, 'when', j, 'calendar'), message: `calendar "${w.calendar}" is not defined` });
        }
      }),
    );
  }
  if (n.type === 'http' && opts.knownSecrets) {
    for (const [header, secret] of Object.entries(n.secretHeaders ?? {})) {
      if (!opts.knownSecrets.includes(secret)) out.push({ pointer: at('secretHeaders', header), message: `secret "${secret}" is not configured` });
    }
  }
  if (n.type === 'goto') {
    if (n.node === undefined && n.flow === undefined) out.push({ pointer: at(), message: 'goto needs a node or a flow' });
    if (n.node !== undefined && n.flow !== undefined) out.push({ pointer: at(), message: 'goto names both a node and a flow' });
    if (n.flow !== undefined && opts.knownFlows && !opts.knownFlows.includes(n.flow)) out.push({ pointer: at('flow'), message: `flow "${n.flow}" does not exist` });
  }
  return out;
}

/** Strongly connected components (Tarjan), iteratively so deep flows cannot overflow the stack. */
function components(ids: string[], next: (id: string) => string[]): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const out: string[][] = [];
  let counter = 0;
  for (const root of ids) {
    if (index.has(root)) continue;
    const work: Array<{ id: string; i: number }> = [{ id: root, i: 0 }];
    index.set(root, counter);
    low.set(root, counter++);
    stack.push(root);
    onStack.add(root);
    while (work.length > 0) {
      const frame = work[work.length - 1] as { id: string; i: number };
      const succ = next(frame.id);
      if (frame.i < succ.length) {
        const w = succ[frame.i++] as string;
        if (!index.has(w)) {
          index.set(w, counter);
          low.set(w, counter++);
          stack.push(w);
          onStack.add(w);
          work.push({ id: w, i: 0 });
        } else if (onStack.has(w)) {
          low.set(frame.id, Math.min(low.get(frame.id) as number, index.get(w) as number));
        }
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent) low.set(parent.id, Math.min(low.get(parent.id) as number, low.get(frame.id) as number));
      if (low.get(frame.id) === index.get(frame.id)) {
        const comp: string[] = [];
        let w: string;
        do {
          w = stack.pop() as string;
          onStack.delete(w);
          comp.push(w);
        } while (w !== frame.id);
        out.push(comp.reverse());
      }
    }
  }
  return out;
}

/** References to nodes that do not exist; `wellFormed` are the nodes that passed the schema. */
function referenceProblems(flow: Flow, wellFormed: Set<string>): FlowProblem[] {
  const out: FlowProblem[] = [];
  const known = (id: string) => Object.hasOwn(flow.nodes, id);
  for (const id of wellFormed) {
    for (const e of edgesOf(id, flow.nodes[id] as FlowNode)) if (!known(e.to)) out.push({ pointer: e.at, message: `unknown node "${e.to}"` });
  }
  if (!known(flow.entry)) out.push({ pointer: '/entry', message: `unknown node "${flow.entry}"` });
  if (flow.errorNode !== undefined && !known(flow.errorNode)) out.push({ pointer: '/errorNode', message: `unknown node "${flow.errorNode}"` });
  return out;
}

/** Reachability, dead ends and input-less loops: only meaningful when every node is well-formed. */
function graphProblems(flow: Flow): FlowProblem[] {
  const out: FlowProblem[] = [];
  const nodes = flow.nodes;
  const ids = Object.keys(nodes);
  const known = (id: string) => Object.hasOwn(nodes, id);
  const edges = new Map<string, Edge[]>();
  for (const id of ids) edges.set(id, edgesOf(id, nodes[id] as FlowNode).filter((e) => known(e.to)));

  // reachable from the entry, the error node, and (via queue.survey) survey nodes
  const reached = new Set<string>();
  const todo = [flow.entry, flow.errorNode].filter((x): x is string => x !== undefined && known(x));
  while (todo.length > 0) {
    const id = todo.pop() as string;
    if (reached.has(id)) continue;
    reached.add(id);
    for (const e of edges.get(id) ?? []) todo.push(e.to);
  }
  for (const id of ids) if (!reached.has(id)) out.push({ pointer: pointer('nodes', id), message: `node "${id}" is unreachable from the entry` });

  // dead ends: from here no path reaches a hand-over, a hang-up, caller input or a sub-flow
  const live = new Set<string>();
  const isSink = (n: FlowNode) => TERMINAL.has(n.type) || WAITS_FOR_INPUT.has(n.type) || (n.type === 'goto' && n.flow !== undefined && n.node === undefined);
  for (const id of ids) if (isSink(nodes[id] as FlowNode)) live.add(id);
  for (let changed = true; changed; ) {
    changed = false;
    for (const id of ids) {
      if (live.has(id)) continue;
      if ((edges.get(id) ?? []).some((e) => !e.survey && live.has(e.to))) {
        live.add(id);
        changed = true;
      }
    }
  }
  for (const id of ids) {
    if (!live.has(id)) out.push({ pointer: pointer('nodes', id), message: `dead end: no path from "${id}" reaches caller input, a hand-over or a hang-up` });
  }

  // loops that never wait for the caller: cycles among nodes that do not take input
  const passive = (id: string) => !WAITS_FOR_INPUT.has((nodes[id] as FlowNode).type) && !TERMINAL.has((nodes[id] as FlowNode).type);
  const passiveIds = ids.filter(passive);
  const succ = (id: string) => (edges.get(id) ?? []).filter((e) => !e.survey && passive(e.to)).map((e) => e.to);
  for (const comp of components(passiveIds, succ)) {
    const first = comp[0] as string;
    const selfLoop = comp.length === 1 && succ(first).includes(first);
    if (comp.length > 1 || selfLoop) {
      out.push({ pointer: pointer('nodes', first), message: `loop that waits for no input: ${[...comp, first].join(' → ')}` });
    }
  }
  return out;
}

/** Every problem of a flow document; an empty list means it can be saved and run. */
export function validateFlow(doc: unknown, opts: ValidateOptions = {}): FlowProblem[] {
  const shell = schemaProblems(FlowShellSchema, doc, '');
  const problems: FlowProblem[] = [...shell];
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) return problems.length ? problems : [{ pointer: '', message: 'a flow must be a JSON object' }];
  const rawNodes = (doc as { nodes?: unknown }).nodes;
  if (rawNodes === null || typeof rawNodes !== 'object' || Array.isArray(rawNodes)) return problems;
  const wellFormed = new Set<string>();
  for (const [id, raw] of Object.entries(rawNodes as Record<string, unknown>)) {
    const type = raw !== null && typeof raw === 'object' ? (raw as { type?: unknown }).type : undefined;
    const schema = typeof type === 'string' && Object.hasOwn(NodeSchemas, type) ? NodeSchemas[type as keyof typeof NodeSchemas] : undefined;
    if (!schema) {
      if (raw !== null && typeof raw === 'object') {
        problems.push({ pointer: pointer('nodes', id, 'type'), message: `unknown node type ${JSON.stringify(type)}; expected one of ${Object.keys(NodeSchemas).join(', ')}` });
      }
      continue;
    }
    const errs = schemaProblems(schema, raw, pointer('nodes', id));
    if (errs.length === 0) wellFormed.add(id);
    problems.push(...errs);
  }
  if (shell.length) return problems;
  // the shell is sound: check what can be checked on the well-formed nodes, so one typo
  // does not hide the other problems; whole-graph checks need every node well-formed
  const flow = doc as Flow;
  problems.push(...calendarProblems(flow));
  for (const id of wellFormed) problems.push(...nodeProblems(flow, id, flow.nodes[id] as FlowNode, opts));
  problems.push(...referenceProblems(flow, wellFormed));
  if (wellFormed.size === Object.keys(flow.nodes).length) problems.push(...graphProblems(flow));
  return problems;
}
