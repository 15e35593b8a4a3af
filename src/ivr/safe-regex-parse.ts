// The parser of the safe pattern subset: a pattern's text to a tree of character sets,
// sequences, alternatives, repeats and anchors, with JavaScript's meaning for each; what
// the subset lacks (or a repeat count too large) is a PatternError naming it.

export class PatternError extends Error {
  override name = 'PatternError';
}

const MAX_COUNT = 1_000;

/** Inclusive UTF-16 code-unit ranges, as pairs, possibly negated. */
export interface CharSet {
  ranges: number[];
  negate: boolean;
}

export type Node =
  | { t: 'set'; set: CharSet }
  | { t: 'cat'; items: Node[] }
  | { t: 'alt'; options: Node[] }
  | { t: 'rep'; node: Node; min: number; max: number }
  | { t: 'bol' }
  | { t: 'eol' };

const DIGIT = [48, 57];
const WORD = [48, 57, 65, 90, 95, 95, 97, 122];
const SPACE = [9, 13, 32, 32, 160, 160, 0x1680, 0x1680, 0x2000, 0x200a, 0x2028, 0x2029, 0x202f, 0x202f, 0x205f, 0x205f, 0x3000, 0x3000, 0xfeff, 0xfeff];
const LINE_TERMINATORS = [10, 10, 13, 13, 0x2028, 0x2029];

const single = (c: number): CharSet => ({ ranges: [c, c], negate: false });

export class Parser {
  private i = 0;
  constructor(private readonly src: string) {}

  parse(): Node {
    const node = this.alternation();
    if (this.i < this.src.length) throw this.fail(`unmatched ')' at position ${this.i}`);
    return node;
  }

  private fail(message: string): PatternError {
    return new PatternError(message);
  }

  private alternation(): Node {
    const options = [this.sequence()];
    while (this.src[this.i] === '|') {
      this.i++;
      options.push(this.sequence());
    }
    return options.length === 1 ? options[0]! : { t: 'alt', options };
  }

  private sequence(): Node {
    const items: Node[] = [];
    while (this.i < this.src.length && this.src[this.i] !== '|' && this.src[this.i] !== ')') items.push(this.repeat());
    return { t: 'cat', items };
  }

  private repeat(): Node {
    let node = this.atom();
    const q = this.quantifier();
    if (q) {
      if (node.t === 'bol' || node.t === 'eol') throw this.fail('an anchor cannot be repeated');
      node = { t: 'rep', node, min: q[0], max: q[1] };
      if (this.src[this.i] === '?') this.i++; // lazy: the same answer for a yes/no match
      if (this.quantifier()) throw this.fail(`nothing to repeat at position ${this.i - 1}`);
    }
    return node;
  }

  private quantifier(): [number, number] | undefined {
    const c = this.src[this.i];
    if (c === '*') return this.i++, [0, Infinity];
    if (c === '+') return this.i++, [1, Infinity];
    if (c === '?') return this.i++, [0, 1];
    if (c !== '{') return undefined;
    const m = /^\{(\d+)(,(\d*))?\}/.exec(this.src.slice(this.i));
    if (!m) throw this.fail(`'{' at position ${this.i} must be escaped or a repeat count {n}, {n,} or {n,m}`);
    this.i += m[0].length;
    const min = Number(m[1]);
    const max = m[2] === undefined ? min : m[3] === '' ? Infinity : Number(m[3]);
    if (min > MAX_COUNT || (max !== Infinity && max > MAX_COUNT)) throw this.fail(`repeat counts above ${MAX_COUNT} are not supported`);
    if (max < min) throw this.fail(`repeat count {${min},${max}} is out of order`);
    return [min, max];
  }

  private atom(): Node {
    const c = this.src[this.i]!;
    switch (c) {
      case '(': {
        this.i++;
        if (this.src[this.i] === '?') {
          if (this.src[this.i + 1] !== ':') throw this.fail('lookaround and named groups are not supported');
          this.i += 2;
        }
        const inner = this.alternation();
        if (this.src[this.i] !== ')') throw this.fail("missing ')'");
        this.i++;
        return inner;
      }
      case '[':
        return { t: 'set', set: this.charClass() };
      case '.':
        this.i++;
        return { t: 'set', set: { ranges: LINE_TERMINATORS, negate: true } };
      case '^':
        this.i++;
        return { t: 'bol' };
      case '$':
        this.i++;
        return { t: 'eol' };
      case '*':
      case '+':
      case '?':
      case '{':
        throw this.fail(`nothing to repeat at position ${this.i}`);
      case '\\': {
        this.i++;
        return { t: 'set', set: this.escape(false) };
      }
      default:
        this.i++;
        return { t: 'set', set: single(c.charCodeAt(0)) };
    }
  }

  /** After a backslash; inside a class \b is a backspace, outside it is refused. */
  private escape(inClass: boolean): CharSet {
    const c = this.src[this.i];
    if (c === undefined) throw this.fail('the pattern ends with a backslash');
    this.i++;
    switch (c) {
      case 'd':
        return { ranges: DIGIT, negate: false };
      case 'D':
        return { ranges: DIGIT, negate: true };
      case 'w':
        return { ranges: WORD, negate: false };
      case 'W':
        return { ranges: WORD, negate: true };
      case 's':
        return { ranges: SPACE, negate: false };
      case 'S':
        return { ranges: SPACE, negate: true };
      case 'n':
        return single(10);
      case 'r':
        return single(13);
      case 't':
        return single(9);
      case 'f':
        return single(12);
      case 'v':
        return single(11);
      case '0':
        return single(0);
      case 'b':
        if (inClass) return single(8);
        throw this.fail('word boundaries (\\b) are not supported');
      case 'x':
      case 'u': {
        const len = c === 'x' ? 2 : 4;
        const hex = this.src.slice(this.i, this.i + len);
        if (hex.length !== len || !/^[0-9a-fA-F]+$/.test(hex)) throw this.fail(`\\${c} needs ${len} hex digits`);
        this.i += len;
        return single(parseInt(hex, 16));
      }
      default:
        if (/[1-9]/.test(c)) throw this.fail('backreferences are not supported');
        if (/[A-Za-z0-9]/.test(c)) throw this.fail(`\\${c} is not supported`);
        return single(c.charCodeAt(0));
    }
  }

  private charClass(): CharSet {
    this.i++; // [
    const negate = this.src[this.i] === '^';
    if (negate) this.i++;
    const ranges: number[] = [];
    const complements: CharSet[] = [];
    const item = (): CharSet => {
      const c = this.src[this.i];
      if (c === undefined) throw this.fail("missing ']'");
      this.i++;
      return c === '\\' ? this.escape(true) : single(c.charCodeAt(0));
    };
    while (this.src[this.i] !== ']') {
      const lo = item();
      const isSingle = !lo.negate && lo.ranges.length === 2 && lo.ranges[0] === lo.ranges[1];
      if (isSingle && this.src[this.i] === '-' && this.src[this.i + 1] !== ']' && this.src[this.i + 1] !== undefined) {
        this.i++;
        const hi = item();
        if (hi.negate || hi.ranges.length !== 2 || hi.ranges[0] !== hi.ranges[1]) throw this.fail('a class range must end with a single character');
        if (hi.ranges[0]! < lo.ranges[0]!) throw this.fail('a class range is out of order');
        ranges.push(lo.ranges[0]!, hi.ranges[0]!);
      } else if (lo.negate) {
        complements.push(lo);
      } else {
        ranges.push(...lo.ranges);
      }
    }
    this.i++; // ]
    if (complements.length === 0) return { ranges, negate };
    // [\D5] and the like: the union of a range list and complements, as code-unit ranges.
    const allowed = complement(union([...ranges, ...complements.flatMap((s) => complement(s.ranges))]));
    return { ranges: negate ? allowed : complement(allowed), negate: false };
  }
}

function union(ranges: number[]): number[] {
  const pairs: Array<[number, number]> = [];
  for (let k = 0; k < ranges.length; k += 2) pairs.push([ranges[k]!, ranges[k + 1]!]);
  pairs.sort((a, b) => a[0] - b[0]);
  const out: number[] = [];
  for (const [lo, hi] of pairs) {
    if (out.length && lo <= out[out.length - 1]! + 1) out[out.length - 1] = Math.max(out[out.length - 1]!, hi);
    else out.push(lo, hi);
  }
  return out;
}

function complement(ranges: number[]): number[] {
  const sorted = union(ranges);
  const out: number[] = [];
  let next = 0;
  for (let k = 0; k < sorted.length; k += 2) {
    if (sorted[k]! > next) out.push(next, sorted[k]! - 1);
    next = sorted[k + 1]! + 1;
  }
  if (next <= 0xffff) out.push(next, 0xffff);
  return out;
}
