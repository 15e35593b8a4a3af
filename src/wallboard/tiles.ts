// The order of agent tiles: what needs a supervisor's attention first. Not ready longest
// first (the break that ran over), then wrap-up longest first (the note that never ends),
// then calls in progress, offers ringing, and the ready ones last, longest idle first.
export interface AgentTile {
  id: string;
  name: string;
  state: string;
  reason: string | null;
  /** Epoch ms the agent entered the state. */
  since: number;
}

const RANK: Record<string, number> = { not_ready: 0, wrap_up: 1, on_call: 2, reserved: 3, ready: 4 };

export function compareTiles(a: AgentTile, b: AgentTile): number {
  const r = (RANK[a.state] ?? 5) - (RANK[b.state] ?? 5);
  if (r !== 0) return r;
  if (a.since !== b.since) return a.since - b.since;
  return a.name.localeCompare(b.name) || a.id.localeCompare(b.id);
}

export const orderTiles = <T extends AgentTile>(tiles: T[]): T[] => [...tiles].sort(compareTiles);
