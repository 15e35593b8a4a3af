// KPI reports are read, shaped and encoded on a thread of their own (report-thread-body.ts)
// with its own Postgres connections. The event loop that drives calls only hands the
// encoded pieces to the socket: parsing a year's rows, building the answer's objects,
// JSON and CSV encoding and the garbage they leave (collected on the thread's own heap)
// never take a turn from a call step, a health check or another request.
//
// The answer is pulled a piece at a time (one piece in flight): a slow client holds the
// thread's rows, not the service's memory. The thread reads every row before the answer
// starts, so a failed query is still an error response, not a cut-off body.
import { Readable } from 'node:stream';
import { Worker } from 'node:worker_threads';
import { threadEntry } from '../thread-entry.js';
import type { Kind } from './rollup-fold.js';
import type { RollupQuery } from './rollup-query.js';

export interface ReportAsk {
  kind: Kind;
  query: RollupQuery;
  /** JSON: `{...head, "items": [...]}`; CSV: these columns. */
  format: { json: Record<string, unknown> } | { csv: string[] };
}

/** Main thread to report thread. */
export type ToThread = ({ type: 'answer' } & ReportAsk & { id: number }) | { type: 'more' | 'cancel'; id: number };
/** Report thread to main thread. */
export type FromThread =
  | { type: 'ready' | 'end'; id: number }
  | { type: 'piece'; id: number; bytes: Uint8Array }
  | { type: 'error'; id: number; message: string };

export interface ReportThreadOptions {
  /** Postgres URL the thread connects to. */
  url: string;
  /** Connections of the thread's own pool: reports answered at the same time. */
  connections?: number;
}

interface Pending {
  ready: (body: Readable) => void;
  fail: (err: Error) => void;
  body?: Readable;
}

export class ReportThread {
  private worker: Worker | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();

  constructor(private readonly opts: ReportThreadOptions) {}

  /** The answer as a stream, once the thread has read its rows; rejects when it could not. */
  answer(ask: ReportAsk): Promise<Readable> {
    const worker = this.thread();
    const id = this.nextId++;
    return new Promise<Readable>((ready, fail) => {
      this.pending.set(id, { ready, fail });
      worker.postMessage({ type: 'answer', id, ...ask } satisfies ToThread);
    });
  }

  /** Ends the thread and its connections; answers under way fail. */
  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    if (worker) await worker.terminate();
  }

  private thread(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(threadEntry(import.meta.url, 'report-thread-body'), {
      workerData: { url: this.opts.url, connections: this.opts.connections ?? 4 },
    });
    // An idle thread does not keep the process alive; one answering holds its own handles.
    worker.unref();
    worker.on('message', (m: FromThread) => this.receive(worker, m));
    worker.on('error', (err) => this.gone(worker, err));
    worker.on('exit', (code) => this.gone(worker, new Error(`the report thread exited (${code})`)));
    this.worker = worker;
    return worker;
  }

  private receive(worker: Worker, m: FromThread): void {
    const p = this.pending.get(m.id);
    if (!p) return;
    if (m.type === 'ready') {
      p.body = new Readable({
        read: () => worker.postMessage({ type: 'more', id: m.id } satisfies ToThread),
        destroy: (err, done) => {
          // A client gone before the end: the thread drops the rows.
          if (this.pending.delete(m.id)) worker.postMessage({ type: 'cancel', id: m.id } satisfies ToThread);
          done(err);
        },
      });
      p.ready(p.body);
    } else if (m.type === 'piece') p.body?.push(m.bytes);
    else if (m.type === 'end') {
      this.pending.delete(m.id);
      p.body?.push(null);
    } else if (m.type === 'error') {
      this.pending.delete(m.id);
      const err = new Error(m.message);
      if (p.body) p.body.destroy(err);
      else p.fail(err);
    }
  }

  /** The thread failed or ended: every answer under way fails, the next one starts a new thread. */
  private gone(worker: Worker, err: Error): void {
    if (this.worker === worker) this.worker = undefined;
    const all = [...this.pending.values()];
    this.pending.clear();
    for (const p of all) {
      if (p.body) p.body.destroy(err);
      else p.fail(err);
    }
  }
}
