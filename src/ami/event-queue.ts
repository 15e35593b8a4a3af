// Bounded FIFO between the socket reader and event handlers. When handlers fall behind,
// the oldest events go first: fresher state is worth more, and the reader must never wait.
export class BoundedQueue<T> {
  // A ring whose size is a power of two, so wrapping is a mask rather than a division.
  private items: Array<T | undefined>;
  private mask: number;
  private head = 0;
  private count = 0;
  dropped = 0;

  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`queue limit must be a positive integer, got ${limit}`);
    this.items = new Array<T | undefined>(64);
    this.mask = 63;
  }

  get length(): number {
    return this.count;
  }

  push(item: T): void {
    if (this.count === this.limit) {
      this.items[this.head] = undefined;
      this.head = (this.head + 1) & this.mask;
      this.count--;
      this.dropped++;
    } else if (this.count === this.items.length) {
      this.grow();
    }
    this.items[(this.head + this.count) & this.mask] = item;
    this.count++;
  }

  shift(): T | undefined {
    if (this.count === 0) return undefined;
    const item = this.items[this.head];
    this.items[this.head] = undefined;
    this.head = (this.head + 1) & this.mask;
    this.count--;
    return item;
  }

  clear(): void {
    this.items = new Array<T | undefined>(64);
    this.mask = 63;
    this.head = 0;
    this.count = 0;
  }

  private grow(): void {
    const size = this.items.length * 2;
    const next = new Array<T | undefined>(size);
    for (let i = 0; i < this.count; i++) next[i] = this.items[(this.head + i) & this.mask];
    this.items = next;
    this.mask = size - 1;
    this.head = 0;
  }
}
