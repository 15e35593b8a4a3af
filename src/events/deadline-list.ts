// One timer for many deadlines that all lie the same distance after their start. Every
// webhook send has the sender's timeout, so deadlines expire in the order the sends began:
// a doubly linked list in start order, its head the next to expire, and one timer armed
// for the head. A send costs two pointer moves instead of a setTimeout and a clearTimeout
// (a timer-list insert and removal per send, visible in the delivery profile), and the
// timer fires about once per timeout while sends keep flowing, not once per send.

/** An entry of the list: the owner's object itself (no wrapper allocated per send). */
export interface Expiring {
  /** performance.now() at which expire() is due; set by add(). */
  deadline: number;
  prevDue: Expiring | undefined;
  nextDue: Expiring | undefined;
  /** Whether the entry is in the list (so remove() after expiry is harmless). */
  listed: boolean;
  /** Called once, at or after the deadline, unless removed before. */
  expire(): void;
}

export class DeadlineList {
  private head: Expiring | undefined;
  private tail: Expiring | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly afterMs: number) {}

  /** Starts `item`'s deadline now. */
  add(item: Expiring): void {
    item.deadline = performance.now() + this.afterMs;
    item.prevDue = this.tail;
    item.nextDue = undefined;
    item.listed = true;
    if (this.tail) this.tail.nextDue = item;
    else this.head = item;
    this.tail = item;
    if (!this.timer) this.arm(item.deadline);
  }

  /** Takes `item` out (it settled in time). */
  remove(item: Expiring): void {
    if (!item.listed) return;
    item.listed = false;
    if (item.prevDue) item.prevDue.nextDue = item.nextDue;
    else this.head = item.nextDue;
    if (item.nextDue) item.nextDue.prevDue = item.prevDue;
    else this.tail = item.prevDue;
    item.prevDue = item.nextDue = undefined;
    // Nothing left to watch: no timer keeps the process awake or alive for nobody. While
    // entries remain, the timer stays armed for an older deadline; firing early, it only
    // re-arms for the current head.
    if (!this.head) this.disarm();
  }

  private arm(at: number): void {
    // Rounded up: a timer never fires before its time, so an entry is never expired early.
    this.timer = setTimeout(this.fire, Math.max(1, Math.ceil(at - performance.now())));
  }

  private disarm(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private readonly fire = (): void => {
    this.timer = undefined;
    const now = performance.now();
    while (this.head && this.head.deadline <= now) {
      const due = this.head;
      this.remove(due);
      due.expire();
    }
    if (this.head && !this.timer) this.arm(this.head.deadline);
  };
}
