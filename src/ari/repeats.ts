// Asterisk sends an app the same event once per route it is subscribed through: a channel
// in the app's Stasis whose technology (or endpoint) the app also watches (`endpoint:PJSIP`,
// for the agents' phones) has each of its events delivered twice, byte for byte (once
// through the channel's topic, once through the endpoint's), once more per further matching
// subscription. Read twice, a caller's `4711` becomes `44771111` and every step of a call
// is taken twice. A repeat is recognised by its text: every ARI event carries a timestamp
// to the millisecond and its channel snapshot, so two distinct events of a real channel
// (two presses of one key last at least tens of milliseconds) never read alike.

/** How many recent frames a repeat is looked for among: the copies arrive together. */
const REMEMBERED = 32;

export class RepeatedFrames {
  private readonly recent: (string | undefined)[] = new Array<string | undefined>(REMEMBERED);
  private readonly seen = new Set<string>();
  private next = 0;
  /** Repeats dropped so far. */
  dropped = 0;

  /** True when `text` repeats one of the last frames (drop it); otherwise remembers it. */
  repeats(text: string): boolean {
    if (this.seen.has(text)) {
      this.dropped++;
      return true;
    }
    const old = this.recent[this.next];
    if (old !== undefined) this.seen.delete(old);
    this.recent[this.next] = text;
    this.seen.add(text);
    this.next = (this.next + 1) % REMEMBERED;
    return false;
  }
}
