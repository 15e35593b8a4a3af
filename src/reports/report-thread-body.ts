// The report thread (report-thread.ts): reads a report's rows over its own pool, then
// shapes and encodes them a chunk at a time as the main thread asks for more.
import { setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { createPool } from '../db/pool.js';
import { csvBody, jsonBody } from './chunked.js';
import { kpiShape, reportRows } from './rollup-query.js';
import type { FromThread, ToThread } from './report-thread.js';

/** The report thread's nice value: the loop (nice 0) gets about ten times its share of a busy CPU. */
const REPORT_NICE = 10;

const { url, connections } = workerData as { url: string; connections: number };
// A thread of its own still competes for the CPU: on a machine short of it the scheduler
// would share it evenly between a report and the loop that drives calls. Linux keeps a
// nice value per thread, so this thread alone yields to the loop (elsewhere the call would
// lower the whole process, so it is left out).
if (process.platform === 'linux') {
  try {
    setPriority(REPORT_NICE);
  } catch {
    // Not allowed here (a sandbox): the thread runs at the process's priority.
  }
}
const port = parentPort!;
const db = createPool(url, connections);
const post = (m: FromThread, transfer: ArrayBuffer[] = []) => port.postMessage(m, transfer);
const encoder = new TextEncoder();

/** Answers under way: pieces the main thread asked for and not yet sent, and who waits for one. */
const asks = new Map<number, { credit: number; cancelled: boolean; wake?: () => void }>();

/** Resolves when the main thread wants another piece; false once it stopped reading. */
async function wanted(id: number): Promise<boolean> {
  const a = asks.get(id)!;
  while (!a.credit && !a.cancelled) await new Promise<void>((wake) => (a.wake = wake));
  a.credit--;
  return !a.cancelled;
}

async function answer(m: Extract<ToThread, { type: 'answer' }>): Promise<void> {
  const rows = await reportRows(db, m.kind, m.query);
  const shape = kpiShape(m.kind);
  const body = 'json' in m.format ? jsonBody(m.format.json, rows, shape) : csvBody(m.format.csv, rows, shape as never);
  post({ type: 'ready', id: m.id });
  for await (const piece of body) {
    if (!(await wanted(m.id))) return;
    const bytes = encoder.encode(piece as string);
    post({ type: 'piece', id: m.id, bytes }, [bytes.buffer as ArrayBuffer]);
  }
  post({ type: 'end', id: m.id });
}

port.on('message', (m: ToThread) => {
  if (m.type === 'answer') {
    asks.set(m.id, { credit: 0, cancelled: false });
    answer(m)
      .catch((err: Error) => post({ type: 'error', id: m.id, message: err.message }))
      .finally(() => asks.delete(m.id));
    return;
  }
  const a = asks.get(m.id);
  if (!a) return;
  if (m.type === 'cancel') a.cancelled = true;
  else a.credit++;
  a.wake?.();
  a.wake = undefined;
});
