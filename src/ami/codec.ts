// AMI wire codec. The parser is fed TCP chunks split at any byte and returns whole
// messages; the serializer writes actions and refuses anything that could smuggle a
// second action into the stream (CR or LF in a key or value).
import { isAscii } from 'node:buffer';
import { AmiMessage } from './message.js';

export const DEFAULT_MAX_MESSAGE_BYTES = 1024 * 1024;

export interface AmiParserOptions {
  /** The stream starts with the one-line greeting `Asterisk Call Manager/x.y.z` (client side). */
  expectGreeting?: boolean;
  /** A message (or a single unterminated line) larger than this is skipped and counted. */
  maxMessageBytes?: number;
}

const LF = 10;
const CR = 13;
const COLON = 58;
/** The end of a header line and the blank line after it, in either line ending. */
const BLANK_LINE = /\n\r?\n/g;

/**
 * The text of `buf[start, end)`. AMI traffic is nearly all ASCII, where Latin-1 decoding
 * gives the same string for a third less work than UTF-8 (checking costs little).
 */
function decode(buf: Buffer, start: number, end: number): string {
  return isAscii(buf.subarray(start, end)) ? buf.toString('latin1', start, end) : buf.toString('utf8', start, end);
}

/** Counts shared by a parser and the messages it produced (headers are split lazily). */
export interface AmiParseCounters {
  badLines: number;
}

export class AmiParser {
  /** The greeting line once seen, e.g. `Asterisk Call Manager/11.0.0`. */
  greeting: string | undefined;
  /** Messages dropped because they grew past maxMessageBytes. */
  oversizedMessages = 0;

  private readonly counters: AmiParseCounters = { badLines: 0 };
  private readonly maxBytes: number;
  private awaitingGreeting: boolean;
  /** Bytes after the last LF: an unfinished line, kept as bytes until it ends. */
  private rest: Buffer | undefined;
  /** Complete lines of the unfinished message, already decoded. */
  private partial = '';
  /** Inside an oversized message: discard until its blank line. */
  private skipping = false;
  /** An oversized line was dropped: the next text starts in the middle of that line. */
  private midLine = false;

  constructor(options: AmiParserOptions = {}) {
    this.awaitingGreeting = options.expectGreeting ?? false;
    this.maxBytes = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
  }

  /**
   * Header lines that were neither `Key: Value` nor `Key:`. Messages split their headers
   * when first read, so this counts the lines of the messages read so far.
   */
  get badLines(): number {
    return this.counters.badLines;
  }

  /** Bytes and characters held back waiting for the end of a message. */
  get pendingBytes(): number {
    return (this.rest?.length ?? 0) + this.partial.length;
  }

  /** Feed one chunk; returns the messages it completed (possibly none). Never throws on input. */
  push(chunk: Buffer): AmiMessage[] {
    const lastLf = chunk.lastIndexOf(LF);
    if (lastLf < 0) {
      if (this.rest !== undefined) this.keepRest(Buffer.concat([this.rest, chunk]), true);
      else this.keepRest(chunk, false);
      return [];
    }
    // LF never occurs inside a multi-byte UTF-8 sequence, so decoding up to an LF never
    // cuts a character in half; what follows the last LF waits for the next chunk as
    // bytes. One decode per chunk, then string searches: far cheaper than per message.
    const out: AmiMessage[] = [];
    if (this.rest !== undefined) {
      // Finish the held-back line with this chunk's first line (a small copy), then the rest.
      const firstLf = chunk.indexOf(LF);
      const head = Buffer.concat([this.rest, chunk.subarray(0, firstLf + 1)]);
      this.rest = undefined;
      this.parseText(decode(head, 0, head.length), out);
      if (firstLf < lastLf) this.parseText(decode(chunk, firstLf + 1, lastLf + 1), out);
    } else {
      this.parseText(decode(chunk, 0, lastLf + 1), out);
    }
    if (lastLf + 1 < chunk.length) this.keepRest(chunk.subarray(lastLf + 1), false);
    return out;
  }

  /** `owned`: the bytes are the parser's own (a concatenation), not the caller's memory. */
  private keepRest(tail: Buffer, owned: boolean): void {
    if (tail.length + this.partial.length > this.maxBytes) {
      // One endless line or message: drop it and skip to its blank line.
      if (!this.skipping) this.oversizedMessages++;
      this.skipping = true;
      this.midLine = true;
      this.partial = '';
      this.rest = undefined;
      return;
    }
    // The caller may read its next chunk into the same memory (a socket's onread buffer),
    // so its bytes are copied: the end of one line, rarely more than a hundred bytes.
    this.rest = owned ? tail : Buffer.from(tail);
  }

  private parseText(text: string, out: AmiMessage[]): void {
    const n = text.length;
    let pos = 0;
    if (this.midLine) {
      pos = text.indexOf('\n') + 1; // the end of the dropped line
      this.midLine = false;
    }
    if (this.awaitingGreeting && pos < n) {
      const nl = text.indexOf('\n', pos);
      this.greeting = text.slice(pos, nl > pos && text.charCodeAt(nl - 1) === CR ? nl - 1 : nl);
      this.awaitingGreeting = false;
      pos = nl + 1;
    }
    // One scan finds the next blank line of either spelling (CRLF as Asterisk writes
    // it, or a bare LF): searching each spelling apart read the text twice, and the text
    // is most of what this parser costs.
    const blankLine = BLANK_LINE;
    while (pos < n) {
      // pos is always at the start of a line here.
      const c = text.charCodeAt(pos);
      const blank = c === LF ? 1 : c === CR && text.charCodeAt(pos + 1) === LF ? 2 : 0;
      if (blank > 0) {
        // A blank line: ends the message carried over from the previous chunk, if any.
        if (this.partial.length > 0) this.emit(out, this.partial);
        this.partial = '';
        this.skipping = false;
        pos += blank;
        continue;
      }
      blankLine.lastIndex = pos;
      if (!blankLine.test(text)) {
        // Unfinished message: keep its complete lines for the next chunk.
        if (!this.skipping) {
          this.partial += text.slice(pos);
          if (this.partial.length > this.maxBytes) {
            this.oversizedMessages++;
            this.skipping = true;
            this.partial = '';
          }
        }
        break;
      }
      const next = blankLine.lastIndex;
      // The message keeps its last line's LF; the blank line (LF or CRLF) is dropped.
      const end = text.charCodeAt(next - 2) === CR ? next - 2 : next - 1;
      if (this.skipping) {
        this.skipping = false; // the end of an oversized message
      } else if (this.partial.length > 0) {
        this.emit(out, this.partial + text.slice(pos, end));
      } else {
        this.emit(out, text.slice(pos, end));
      }
      this.partial = '';
      pos = next;
    }
  }

  private emit(out: AmiMessage[], raw: string): void {
    if (raw.length > this.maxBytes) this.oversizedMessages++;
    else out.push(new AmiMessage(raw, this.counters));
  }
}

export type AmiFieldValue = string | number | boolean | ReadonlyArray<string | number>;
/** An action as a record (arrays repeat the key) or as ordered pairs. */
export type AmiActionFields =
  | Readonly<Record<string, AmiFieldValue | undefined>>
  | ReadonlyArray<readonly [string, string | number | boolean]>;

export class AmiSerializeError extends Error {
  override readonly name = 'AmiSerializeError';
}

function checkKey(key: string): void {
  if (key.length === 0) throw new AmiSerializeError('AMI header name is empty');
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    if (c === CR || c === LF || c === COLON || c === 0) {
      throw new AmiSerializeError(`AMI header name ${JSON.stringify(key)} contains a forbidden character`);
    }
  }
}

function checkValue(key: string, value: string): void {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === CR || c === LF || c === 0) {
      // A CR/LF here would end the header and let the value inject a second action.
      throw new AmiSerializeError(`AMI header ${key} contains CR, LF or NUL`);
    }
  }
}

function pairsOf(fields: AmiActionFields): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  if (Array.isArray(fields)) {
    for (const [k, v] of fields as ReadonlyArray<readonly [string, string | number | boolean]>) out.push([k, String(v)]);
    return out;
  }
  for (const [k, v] of Object.entries(fields as Record<string, AmiFieldValue | undefined>)) {
    if (v === undefined) continue;
    if (Array.isArray(v)) for (const item of v as ReadonlyArray<string | number>) out.push([k, String(item)]);
    else out.push([k, String(v)]);
  }
  return out;
}

/** Serialize ordered headers to wire text ending with the blank line. Throws AmiSerializeError on CR/LF. */
export function formatMessage(pairs: ReadonlyArray<readonly [string, string]>): string {
  let out = '';
  for (const [k, v] of pairs) {
    checkKey(k);
    checkValue(k, v);
    out += `${k}: ${v}\r\n`;
  }
  return out + '\r\n';
}

/** Serialize an action; `Action` is written first whatever the input order. */
export function serializeAction(fields: AmiActionFields): string {
  const pairs = pairsOf(fields);
  const idx = pairs.findIndex(([k]) => k.toLowerCase() === 'action');
  if (idx < 0) throw new AmiSerializeError('AMI action has no Action header');
  if (idx > 0) pairs.unshift(...pairs.splice(idx, 1));
  return formatMessage(pairs);
}

/** Ordered header pairs of an action (after validation), e.g. to inspect an ActionID. */
export function actionPairs(fields: AmiActionFields): Array<[string, string]> {
  return pairsOf(fields);
}
