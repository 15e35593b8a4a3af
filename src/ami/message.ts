// One AMI message (response, event or action) as Asterisk sent it: an ordered list of
// headers in which a key may repeat (`Output:` per CLI line, `Variable:` per variable).
// Keys compare case-insensitively because Asterisk itself reads them that way.

function sameKey(a: string, b: string): boolean {
  // Length first: most keys differ in length, so the lower-casing below is rare.
  return a.length === b.length && (a === b || a.toLowerCase() === b.toLowerCase());
}

const COLON = 58;
const CR = 13;

/**
 * Headers of one message's wire text (its lines, without the blank line). Lines that are
 * neither `Key: Value` nor `Key:` are skipped; the parser has counted them already.
 */
export function parseHeaderLines(raw: string, counters?: { badLines: number }): string[] {
  const fields: string[] = [];
  const n = raw.length;
  let pos = 0;
  // Position of the next ": " at or after pos, found once and reused by the lines before
  // it, so colon-free lines cost nothing extra (no rescans).
  let sep = -1;
  while (pos < n) {
    let nl = raw.indexOf('\n', pos);
    if (nl < 0) nl = n;
    let end = nl;
    if (end > pos && raw.charCodeAt(end - 1) === CR) end--;
    if (sep < pos) {
      sep = raw.indexOf(': ', pos);
      if (sep < 0) sep = n + 1;
    }
    if (sep > pos && sep < end) fields.push(raw.slice(pos, sep), raw.slice(sep + 2, end));
    else if (sep >= end && end - pos >= 2 && raw.charCodeAt(end - 1) === COLON) fields.push(raw.slice(pos, end - 1), '');
    else if (counters) counters.badLines++;
    pos = nl + 1;
  }
  return fields;
}

/** Value of the first `Key: ` line, matching the key's case exactly; undefined if absent. */
function exactHeader(raw: string, key: string): string | undefined {
  let at: number;
  if (raw.startsWith(key) && raw.startsWith(': ', key.length)) at = 0;
  else {
    at = raw.indexOf(`\n${key}: `);
    if (at < 0) return undefined;
    at++;
  }
  const from = at + key.length + 2;
  let nl = raw.indexOf('\n', from);
  if (nl < 0) nl = raw.length;
  if (nl > from && raw.charCodeAt(nl - 1) === CR) nl--;
  return from > nl ? '' : raw.slice(from, nl);
}

export class AmiMessage {
  // Declared, then assigned once in the constructor in a fixed order: one object shape
  // and no field initialisers on the hot path (one AmiMessage per event received).
  private declare parsed: readonly string[] | undefined;
  /** The message's wire text when it came from the parser (headers are split on demand). */
  private declare readonly raw: string | undefined;
  private declare cachedName: string | undefined;
  /** Where to count malformed lines when the headers get split. */
  private declare readonly counters: { badLines: number } | undefined;

  /**
   * From a flat `[key0, value0, ...]` list, or from wire text. The parser passes wire
   * text: most events are routed on two headers and never need splitting further.
   */
  constructor(source: readonly string[] | string, counters?: { badLines: number }) {
    const isText = typeof source === 'string';
    this.parsed = isText ? undefined : source;
    this.raw = isText ? source : undefined;
    this.cachedName = undefined;
    this.counters = counters;
  }

  /** Flat `[key0, value0, key1, value1, ...]`, in wire order. */
  get fields(): readonly string[] {
    if (this.parsed === undefined) this.parsed = parseHeaderLines(this.raw ?? '', this.counters);
    return this.parsed;
  }

  /** Build from ordered pairs (handy in tests and in the simulator). */
  static fromPairs(pairs: ReadonlyArray<readonly [string, string]>): AmiMessage {
    const flat: string[] = [];
    for (const [k, v] of pairs) flat.push(k, v);
    return new AmiMessage(flat);
  }

  /** 'event' or 'response' from the first header, as Asterisk always writes it first. */
  get kind(): 'event' | 'response' | 'other' {
    const raw = this.raw;
    if (raw !== undefined && this.parsed === undefined) {
      if (raw.startsWith('Event: ')) return 'event';
      if (raw.startsWith('Response: ')) return 'response';
    }
    const first = (this.fields[0] ?? '').toLowerCase();
    if (first === 'event') return 'event';
    if (first === 'response') return 'response';
    if (this.get('Event') !== undefined) return 'event';
    if (this.get('Response') !== undefined) return 'response';
    return 'other';
  }

  /** Number of header lines. */
  get size(): number {
    return this.fields.length >> 1;
  }

  /** The first value of `key`, or undefined. */
  get(key: string): string | undefined {
    const f = this.fields;
    for (let i = 0; i < f.length; i += 2) {
      if (sameKey(f[i] as string, key)) return f[i + 1];
    }
    return undefined;
  }

  /** Every value of a repeatable key, in order (`Output`, `Variable`). */
  getAll(key: string): string[] {
    const out: string[] = [];
    const f = this.fields;
    for (let i = 0; i < f.length; i += 2) {
      if (sameKey(f[i] as string, key)) out.push(f[i + 1] as string);
    }
    return out;
  }

  has(key: string): boolean {
    return this.get(key) !== undefined;
  }

  /** Header names in wire order (repeats kept). */
  keys(): string[] {
    const out: string[] = [];
    for (let i = 0; i < this.fields.length; i += 2) out.push(this.fields[i] as string);
    return out;
  }

  pairs(): Array<[string, string]> {
    const out: Array<[string, string]> = [];
    for (let i = 0; i < this.fields.length; i += 2) out.push([this.fields[i] as string, this.fields[i + 1] as string]);
    return out;
  }

  /** Plain object for logs and JSON: repeated keys become arrays. */
  toObject(): Record<string, string | string[]> {
    const out: Record<string, string | string[]> = {};
    for (let i = 0; i < this.fields.length; i += 2) {
      const k = this.fields[i] as string;
      const v = this.fields[i + 1] as string;
      const prev = out[k];
      if (prev === undefined) out[k] = v;
      else if (Array.isArray(prev)) prev.push(v);
      else out[k] = [prev, v];
    }
    return out;
  }

  /** `Event:` value when this is an event. */
  get event(): string | undefined {
    if (this.cachedName === undefined) {
      const raw = this.raw;
      if (raw !== undefined && this.parsed === undefined && raw.startsWith('Event: ')) this.cachedName = exactHeader(raw, 'Event');
      else this.cachedName = this.get('Event');
    }
    return this.cachedName;
  }

  /** `Response:` value when this is a response (Success, Error, Goodbye). */
  get response(): string | undefined {
    return this.fields[0] === 'Response' ? this.fields[1] : this.get('Response');
  }

  get actionId(): string | undefined {
    const raw = this.raw;
    if (raw !== undefined && this.parsed === undefined) {
      const exact = exactHeader(raw, 'ActionID');
      if (exact !== undefined) return exact;
    }
    // Another spelling (ActionId, actionid) is rare enough to pay for a full split.
    return this.get('ActionID');
  }
}

/** An unsolicited event, or an item of an event list. */
export type AmiEvent = AmiMessage;

/** The answer to one action; list actions carry their items and the closing `...Complete` event. */
export class AmiResponse extends AmiMessage {
  readonly events: AmiEvent[];
  complete: AmiEvent | undefined;

  constructor(fields: readonly string[], events: AmiEvent[] = []) {
    super(fields);
    this.events = events;
  }

  get message(): string | undefined {
    return this.get('Message');
  }
}
