// Fan-out of committed domain events to live listeners (the WebSocket stream).
// The relay publishes after it has queued an event; every instance subscribes.
import type { DomainEvent } from './catalogue.js';

export type EventListener = (event: DomainEvent) => void;

export interface EventBus {
  publish(event: DomainEvent): Promise<void>;
  /** Several events, in order, as one batch where the bus can (one write to Redis). */
  publishMany?(events: readonly DomainEvent[]): Promise<void>;
  /** Returns the function that unsubscribes. Listeners must not block. */
  subscribe(listener: EventListener): () => void;
  close(): Promise<void>;
}

/** One-process bus: for a single instance and for tests of the pure parts. */
export class LocalEventBus implements EventBus {
  private listeners = new Set<EventListener>();
  async publish(event: DomainEvent): Promise<void> {
    for (const l of this.listeners) {
      try {
        l(event);
      } catch {
        // a broken listener must not stop the others
      }
    }
  }
  subscribe(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  async close(): Promise<void> {
    this.listeners.clear();
  }
}
