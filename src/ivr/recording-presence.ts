// Which stored recordings the PBX has, asked before a prompt is played (Asterisk starts a
// playback of a recording it does not have and never ends it). Answers are kept briefly so
// a busy IVR does not ask for every prompt of every call; a recording that appears or goes
// away is seen within the TTL. When the PBX cannot be asked, the recording counts as
// present: the prompt watchdog still bounds the wait.

export interface PresenceOptions {
  /** True when the PBX has it, false when it says it has not; throws when it cannot tell. */
  exists: (name: string) => Promise<boolean>;
  presentTtlMs?: number;
  absentTtlMs?: number;
  /** Names remembered at most (a flow's prompts are few; templated names may be many). */
  maxEntries?: number;
  now?: () => number;
}

export class RecordingPresence {
  private readonly known = new Map<string, { present: boolean; until: number }>();

  constructor(private readonly o: PresenceOptions) {}

  /** The names the PBX says it does not have. */
  async missing(names: readonly string[]): Promise<string[]> {
    const answers = await Promise.all(names.map(async (name) => ((await this.present(name)) ? undefined : name)));
    return answers.filter((n): n is string => n !== undefined);
  }

  private async present(name: string): Promise<boolean> {
    const now = (this.o.now ?? Date.now)();
    const hit = this.known.get(name);
    if (hit && hit.until > now) return hit.present;
    let present: boolean;
    try {
      present = await this.o.exists(name);
    } catch {
      return true;
    }
    if (this.known.size >= (this.o.maxEntries ?? 1000)) this.known.clear();
    this.known.set(name, { present, until: now + (present ? (this.o.presentTtlMs ?? 60_000) : (this.o.absentTtlMs ?? 5_000)) });
    return present;
  }
}
