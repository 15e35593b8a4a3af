// The report thread (report-thread.ts): reads a report's rows over its own pool, then
// shapes and encodes them a chunk at a time as the main thread asks for more.
import { parentPort, workerData } from 'node:worker_threads';
import { createPool } from '../db/pool.js';
import { csvBody, jsonBody } from './chunked.js';
import { kpiShape, reportRows } from './rollup-query.js';
import type { FromThread, ToThread } from './report-thread.js';

const { url, connections } = workerData as { url: string; connections: number };
const port = parentPort!;
const db = createPool(url, connections);
const post = (m: FromThread, transfer: ArrayBuffer[] = []) => port.postMessage(m, transfer);
const encoder = new TextEncoder();

/** Answers under way: how to hand the next piece over once the main thread asks. */
const wanted = new Map<number, () => void>();
const cancelled = new Set<number>();

async function answer(m: Extract<ToThread, { type: 'answer' }>): Promise<void> {
  const rows = await reportRows(db, m.kind, m.query);
  const shape = kpiShape(m.kind);
  const body = 'json' in m.format ? jsonBody(m.format.json, rows, shape) : csvBody(m.format.csv, rows, shape as never);
  if (cancelled.delete(m.id)) return;
  post({ type: 'ready', id: m.id });
  for await (const piece of body) {
    await new Promise<void>((more) => wanted.set(m.id, more));
    if (cancelled.delete(m.id)) return;
    const bytes = encoder.encode(piece as string);
    post({ type: 'piece', id: m.id, bytes }, [bytes.buffer as ArrayBuffer]);
  }
  post({ type: 'end', id: m.id });
}

port.on('message', (m: ToThread) => {
  if (m.type === 'answer') {
    answer(m).catch((err: Error) => post({ type: 'error', id: m.id, message: err.message }));
  } else {
    if (m.type === 'cancel') cancelled.add(m.id);
    const more = wanted.get(m.id);
    wanted.delete(m.id);
    more?.();
  }
});
