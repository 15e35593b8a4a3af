// Flow authors write regular expressions; callers choose the text they run on (caller
// id, keyed digits). A backtracking engine (JavaScript's RegExp) takes exponential time
// on patterns like ^(1+)+$, so one call could hold the event loop for minutes. These
// patterns run instead on a Thompson NFA simulated breadth-first (a Pike VM without
// captures): time is proportional to pattern size × input length, whatever the pattern.
// The subset is what flows need: literals, `.`, classes, \d \w \s, groups, alternation,
// greedy or lazy quantifiers and ^ $. Backreferences and lookaround, which no linear
// engine can run, are refused when the flow is validated. The parser is safe-regex-parse.ts.
import { Parser, PatternError, type CharSet, type Node } from './safe-regex-parse.js';

export { PatternError } from './safe-regex-parse.js';

/** Instructions beyond this (large counted repeats, huge alternations) are refused. */
export const MAX_PROGRAM = 4_000;
/** Longer text never matches: caller ids and keyed digits are short. */
export const MAX_INPUT = 1_024;

const enum Op {
  Set,
  Split,
  Jmp,
  Bol,
  Eol,
  Match,
}

/** A compiled pattern: run with `test`, in time linear in the input. */
export interface SafePattern {
  readonly source: string;
  test(input: string): boolean;
}

class Program {
  readonly op: Op[] = [];
  readonly a: number[] = [];
  readonly b: number[] = [];
  readonly sets: CharSet[] = [];

  emit(op: Op, a = 0, b = 0): number {
    if (this.op.length >= MAX_PROGRAM) throw new PatternError('the pattern is too large (simplify its repeats or alternatives)');
    this.op.push(op);
    this.a.push(a);
    this.b.push(b);
    return this.op.length - 1;
  }

  compile(node: Node): void {
    switch (node.t) {
      case 'set':
        this.sets.push(node.set);
        this.emit(Op.Set, this.sets.length - 1);
        return;
      case 'bol':
        this.emit(Op.Bol);
        return;
      case 'eol':
        this.emit(Op.Eol);
        return;
      case 'cat':
        for (const item of node.items) this.compile(item);
        return;
      case 'alt': {
        const jumps: number[] = [];
        node.options.forEach((option, k) => {
          const last = k === node.options.length - 1;
          const split = last ? -1 : this.emit(Op.Split);
          if (!last) this.a[split] = split + 1;
          this.compile(option);
          if (!last) {
            jumps.push(this.emit(Op.Jmp));
            this.b[split] = this.op.length;
          }
        });
        for (const j of jumps) this.a[j] = this.op.length;
        return;
      }
      case 'rep': {
        for (let k = 0; k < node.min; k++) this.compile(node.node);
        if (node.max === Infinity) {
          const split = this.emit(Op.Split);
          this.a[split] = split + 1;
          this.compile(node.node);
          this.emit(Op.Jmp, split);
          this.b[split] = this.op.length;
          return;
        }
        const splits: number[] = [];
        for (let k = node.min; k < node.max; k++) {
          const split = this.emit(Op.Split);
          this.a[split] = split + 1;
          splits.push(split);
          this.compile(node.node);
        }
        for (const s of splits) this.b[s] = this.op.length;
        return;
      }
    }
  }
}

function inSet(set: CharSet, c: number): boolean {
  const r = set.ranges;
  let hit = false;
  for (let k = 0; k < r.length; k += 2) {
    if (c >= r[k]! && c <= r[k + 1]!) {
      hit = true;
      break;
    }
  }
  return hit !== set.negate;
}

/**
 * Compiles `source` with JavaScript's meaning for the subset; `whole`: the pattern must
 * match the entire input (as `^(?:source)$`), else anywhere in it (as RegExp.test).
 * Throws PatternError naming what is not supported.
 */
export function compileSafePattern(source: string, whole = false): SafePattern {
  const ast = new Parser(source).parse();
  const prog = new Program();
  prog.compile(whole ? { t: 'cat', items: [{ t: 'bol' }, ast, { t: 'eol' }] } : ast);
  prog.emit(Op.Match);
  const { op, a, b, sets } = prog;
  const n = op.length;
  const mark = new Int32Array(n);
  const stack: number[] = [];
  let clist = new Int32Array(n);
  let nlist = new Int32Array(n);

  return {
    source,
    test(input: string): boolean {
      if (input.length > MAX_INPUT) return false;
      mark.fill(0);
      let gen = 0;
      let cc = 0;
      let nc = 0;
      let matched = false;
      /** Follows jumps, splits and anchors from pc at pos; adds the threads that wait for a character. */
      const add = (list: Int32Array, count: number, start: number, pos: number): number => {
        stack.length = 0;
        stack.push(start);
        while (stack.length) {
          const pc = stack.pop()!;
          if (mark[pc] === gen) continue;
          mark[pc] = gen;
          switch (op[pc]) {
            case Op.Jmp:
              stack.push(a[pc]!);
              break;
            case Op.Split:
              stack.push(b[pc]!, a[pc]!);
              break;
            case Op.Bol:
              if (pos === 0) stack.push(pc + 1);
              break;
            case Op.Eol:
              if (pos === input.length) stack.push(pc + 1);
              break;
            case Op.Match:
              matched = true;
              break;
            default:
              list[count++] = pc;
          }
        }
        return count;
      };
      gen = 1;
      cc = add(clist, 0, 0, 0);
      for (let pos = 0; pos < input.length && !matched; pos++) {
        const c = input.charCodeAt(pos);
        gen++;
        nc = 0;
        for (let k = 0; k < cc; k++) {
          const pc = clist[k]!;
          if (inSet(sets[a[pc]!]!, c)) nc = add(nlist, nc, pc + 1, pos + 1);
        }
        // Unanchored search: a match may also start at the next position.
        if (!whole) nc = add(nlist, nc, 0, pos + 1);
        [clist, nlist] = [nlist, clist];
        cc = nc;
        if (cc === 0 && !matched && whole) return false;
      }
      return matched;
    },
  };
}

const cache = new Map<string, SafePattern>();

/** compileSafePattern with a small cache: flows test the same few patterns over and over. */
export function safePattern(source: string, whole = false): SafePattern {
  const key = `${whole ? 'w' : 'a'}:${source}`;
  let p = cache.get(key);
  if (!p) {
    if (cache.size >= 500) cache.clear();
    p = compileSafePattern(source, whole);
    cache.set(key, p);
  }
  return p;
}
