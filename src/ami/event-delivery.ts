// Events leave the socket reader through a bounded queue and reach their handlers on a
// later turn of the event loop, a time slice at a time: Asterisk drops a reader that
// blocks, so a slow handler must never keep the socket waiting.
import type { EventEmitter } from 'node:events';
import { BoundedQueue } from './event-queue.js';
import type { AmiEvent } from './message.js';

/**
 * Handlers get at most this long per turn of the event loop before the socket is read
 * again: a slow handler must never keep the reader waiting (Asterisk drops slow readers).
 */
const DRAIN_SLICE_MS = 10;

export interface EventDeliveryOptions {
  /** Events waiting for handlers beyond which the oldest are dropped. */
  limit: number;
  /** Whose 'event' listeners receive the events (and are their `this`). */
  emitter: EventEmitter;
  /** A handler threw: counted and logged by the owner; delivery goes on. */
  onHandlerError: (err: unknown, event: AmiEvent) => void;
  /** Runs after each batch (the owner folds counters into its stats there). */
  afterBatch?: () => void;
}

export class EventDelivery {
  private readonly queue: BoundedQueue<AmiEvent>;
  private scheduled = false;

  constructor(private readonly opts: EventDeliveryOptions) {
    this.queue = new BoundedQueue<AmiEvent>(opts.limit);
  }

  /** Events waiting for handlers right now. */
  get length(): number {
    return this.queue.length;
  }

  /** Events dropped so far because handlers fell behind. */
  get dropped(): number {
    return this.queue.dropped;
  }

  push(event: AmiEvent): void {
    this.queue.push(event);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.drain);
    }
  }

  // Handlers run here, off the reader, a batch at a time so socket reads interleave.
  private readonly drain = (): void => {
    this.scheduled = false;
    const { emitter, onHandlerError } = this.opts;
    // The listener list is read once per batch: calling them directly is much cheaper
    // than emit() per event at tens of thousands of events a second.
    const listeners = emitter.listeners('event') as Array<(e: AmiEvent) => void>;
    // What is queued now, and no more, within a time slice: events read meanwhile wait
    // for the next turn, so reading and handling alternate and the backlog stays young.
    const batch = this.queue.length;
    const deadline = performance.now() + DRAIN_SLICE_MS;
    for (let i = 0; i < batch; i++) {
      if ((i & 31) === 31 && performance.now() > deadline) break;
      const event = this.queue.shift();
      if (event === undefined) break;
      for (let j = 0; j < listeners.length; j++) {
        try {
          (listeners[j] as (e: AmiEvent) => void).call(emitter, event);
        } catch (err) {
          onHandlerError(err, event);
        }
      }
    }
    this.opts.afterBatch?.();
    if (this.queue.length > 0 && !this.scheduled) {
      this.scheduled = true;
      setImmediate(this.drain);
    }
  };
}
