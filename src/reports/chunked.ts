// Large answers leave a piece at a time: rows are shaped and encoded a chunk at a time and
// the event loop gets a turn between chunks, so a year of rows never holds the calls,
// lease renewals and other requests this instance serves.
import { Readable } from 'node:stream';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { csvHeader, csvLines } from './csv.js';

const CHUNK = 250;

async function* pieces<R, T>(rows: R[], shape: (r: R) => T, encode: (items: T[], first: boolean) => string): AsyncGenerator<string> {
  for (let i = 0; i < rows.length; i += CHUNK) {
    if (i > 0) await yieldToLoop();
    yield encode(rows.slice(i, i + CHUNK).map(shape), i === 0);
  }
}

/** `{...head, "items": [...]}` as a stream. */
export function jsonBody<R, T>(head: Record<string, unknown>, rows: R[], shape: (r: R) => T): Readable {
  const open = `${JSON.stringify(head).slice(0, -1)}${Object.keys(head).length ? ',' : ''}"items":[`;
  return Readable.from(
    (async function* () {
      yield open;
      yield* pieces(rows, shape, (items, first) => (first ? '' : ',') + items.map((x) => JSON.stringify(x)).join(','));
      yield ']}';
    })(),
  );
}

export function csvBody<R, T extends Record<string, unknown>>(columns: string[], rows: R[], shape: (r: R) => T): Readable {
  return Readable.from(
    (async function* () {
      yield csvHeader(columns);
      yield* pieces(rows, shape, (items) => csvLines(columns, items));
    })(),
  );
}
