// Time-ordered UUIDs (version 7, RFC 9562) for rows written on every call's path.
// Random (v4) keys land on any page of a year-old index, and a page first touched
// since the last checkpoint costs a full-page image in the write-ahead log; keys that
// grow with time land on the index's right edge, which is already hot. These ids are
// names, never secrets: tokens, API keys and links keep crypto-random v4 ids.
import { randomBytes } from 'node:crypto';

const POOL_BYTES = 4096;
let pool = Buffer.alloc(0);
let poolAt = POOL_BYTES;
let lastMs = -1;
/** 12-bit counter in rand_a (RFC 9562 method 1): later ids in one millisecond sort after. */
let seq = 0;

function random(n: number): Buffer {
  if (poolAt + n > pool.length) {
    pool = randomBytes(POOL_BYTES);
    poolAt = 0;
  }
  const out = pool.subarray(poolAt, poolAt + n);
  poolAt += n;
  return out;
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** A version 7 UUID; monotonic within this process even when the clock steps back. */
export function uuidv7(now: number = Date.now()): string {
  let ms = now;
  if (ms > lastMs) {
    lastMs = ms;
    // Start the counter low in its range so a burst has room before it overflows.
    seq = random(1)[0]! & 0x7f;
  } else {
    ms = lastMs;
    seq += 1;
    if (seq > 0xfff) {
      // Counter spent: borrow the next millisecond rather than lose the order.
      lastMs = ms = lastMs + 1;
      seq = 0;
    }
  }
  const b = Buffer.allocUnsafe(16);
  b.writeUIntBE(ms, 0, 6);
  b[6] = 0x70 | (seq >> 8);
  b[7] = seq & 0xff;
  random(8).copy(b, 8);
  b[8] = 0x80 | (b[8]! & 0x3f);
  let s = '';
  for (let i = 0; i < 16; i++) {
    if (i === 4 || i === 6 || i === 8 || i === 10) s += '-';
    s += HEX[b[i]!];
  }
  return s;
}
