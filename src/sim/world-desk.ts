// What the playback and recording desks need from the world that owns them.
import type { WorldEvent } from './world-types.js';

export type MediaTarget = { kind: 'channel' | 'bridge'; id: string };

export interface DeskHost {
  emit(e: WorldEvent): void;
  /** Runs `fn` after simulated milliseconds (scaled by the world's speed). */
  after(simulatedMs: number, fn: () => void): NodeJS.Timeout | undefined;
  date(): Date;
  now(): number;
  readonly speed: number;
  /** Stasis apps subscribed to a channel or bridge right now. */
  targetApps(target: MediaTarget): string[];
}
