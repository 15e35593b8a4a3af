// Asterisk sends an app some events twice, byte for byte: an app subscribed to an endpoint
// or a whole technology (the service's `endpoint:PJSIP`, for its agents' phones) gets each
// channel event of that technology's channels through the endpoint as well as through the
// channel itself (checked on 22.10.1). A repeated ChannelDtmfReceived would put each of a
// caller's digits into the IVR twice; a repeated Dial or ChannelDestroyed would be handled
// twice. A second copy is always a recent frame with the very same text (the same message,
// serialised once per delivery), which no genuine event can be: each carries its own
// millisecond timestamp and content.

/** The last frames' texts; `repeat()` says whether a frame is one of them, and remembers it. */
export class RecentFrames {
  private readonly ring: Array<string | undefined>;
  private readonly present = new Map<string, number>();
  private next = 0;

  constructor(private readonly size = 64) {
    this.ring = new Array<string | undefined>(size);
  }

  repeat(text: string): boolean {
    if (this.present.has(text)) return true;
    const old = this.ring[this.next];
    if (old !== undefined) {
      const n = this.present.get(old)! - 1;
      if (n === 0) this.present.delete(old);
      else this.present.set(old, n);
    }
    this.ring[this.next] = text;
    this.present.set(text, (this.present.get(text) ?? 0) + 1);
    this.next = (this.next + 1) % this.size;
    return false;
  }

  clear(): void {
    this.ring.fill(undefined);
    this.present.clear();
    this.next = 0;
  }
}
