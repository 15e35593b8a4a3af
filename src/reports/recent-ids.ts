// The last N ids seen, for dropping repeats: a fixed ring beside a set, so remembering one
// more id costs the same however many are kept (an array's shift would move them all).
export class RecentIds {
  private readonly ring: Array<string | undefined>;
  private readonly set = new Set<string>();
  private next = 0;

  constructor(readonly capacity: number) {
    this.ring = new Array<string | undefined>(capacity);
  }

  has(id: string): boolean {
    return this.set.has(id);
  }

  /** Remembers `id`, forgetting the oldest when full; false when it was already known. */
  add(id: string): boolean {
    if (this.set.has(id)) return false;
    const old = this.ring[this.next];
    if (old !== undefined) this.set.delete(old);
    this.ring[this.next] = id;
    this.set.add(id);
    this.next = (this.next + 1) % this.capacity;
    return true;
  }

  get size(): number {
    return this.set.size;
  }
}
