// Playbacks of the simulated PBX: media lists played item by item on a channel or bridge,
// with Asterisk's Started / Continuing / Finished sequence and its odd cases.
import { randomUUID } from 'node:crypto';
import type { DeskHost, MediaTarget } from './world-desk.js';
import { MSG, WorldError } from './world-errors.js';
import { planMedia, type MediaPlan, type SoundCatalog } from './world-media.js';
import type { PlaybackSnapshot } from './world-types.js';

interface Playback {
  snap: PlaybackSnapshot;
  target: MediaTarget;
  media: string[];
  index: number;
  plan?: MediaPlan;
  timer?: NodeJS.Timeout;
}

export class PlaybackDesk {
  private readonly playbacks = new Map<string, Playback>();

  constructor(
    private readonly host: DeskHost,
    private readonly sounds: SoundCatalog,
    private readonly storedRecordingMs: (name: string) => number | undefined,
  ) {}

  get(id: string): PlaybackSnapshot | undefined {
    const p = this.playbacks.get(id);
    return p ? { ...p.snap } : undefined;
  }

  /** Queues a playback; the target was validated by the world. */
  start(target: MediaTarget, media: string[], language: string, playbackId?: string): PlaybackSnapshot {
    const uris = media.filter((m) => m.length > 0);
    if (uris.length === 0 || uris.length !== media.length) throw new WorldError('internal', 'Failed to queue media for playback');
    if (playbackId && this.playbacks.has(playbackId)) throw new WorldError('conflict', 'Playback with given ID already exists');
    const p: Playback = {
      snap: { id: playbackId || randomUUID(), mediaUri: uris[0] ?? '', targetUri: `${target.kind}:${target.id}`, language, state: 'queued' },
      target,
      media: uris,
      index: 0,
    };
    if (uris.length > 1) p.snap.nextMediaUri = uris[1];
    this.playbacks.set(p.snap.id, p);
    const queued = { ...p.snap };
    this.host.after(1, () => this.playMedia(p, 0));
    return queued;
  }

  stop(id: string): void {
    const p = this.playbacks.get(id);
    if (!p) throw new WorldError('not-found', MSG.playbackNotFound);
    this.finish(p, 'done');
  }

  control(id: string, operation: string): void {
    const p = this.playbacks.get(id);
    if (!p) throw new WorldError('not-found', MSG.playbackNotFound);
    if (!['restart', 'pause', 'unpause', 'reverse', 'forward'].includes(operation)) throw new WorldError('bad-request', 'Invalid operation');
    if (p.snap.state !== 'playing' && p.snap.state !== 'paused' && p.snap.state !== 'continuing') {
      throw new WorldError('conflict', 'Playback not in a state that allows the operation');
    }
    if (operation === 'pause') p.snap.state = 'paused';
    if (operation === 'unpause') p.snap.state = 'playing';
  }

  /** Ends every playback on a target (hang-up: `failed`, leaving or bridge gone: `done`). */
  endAllOn(target: MediaTarget, state: 'done' | 'failed'): void {
    for (const p of [...this.playbacks.values()]) if (p.target.kind === target.kind && p.target.id === target.id) this.finish(p, state);
  }

  /**
   * Plays media `i`. Each item starts with PlaybackStarted; between items the playback is
   * `continuing`; the last one ends `done` (or `failed`). A missing recording or an unknown
   * URI scheme is skipped with no final event (README fact 20).
   */
  private playMedia(p: Playback, i: number): void {
    if (!this.playbacks.has(p.snap.id)) return;
    const uri = p.media[i];
    if (uri === undefined) {
      this.playbacks.delete(p.snap.id);
      return;
    }
    p.index = i;
    p.snap.mediaUri = uri;
    p.snap.nextMediaUri = p.media[i + 1];
    p.snap.state = 'playing';
    this.publish('PlaybackStarted', p);
    const plan = planMedia(this.sounds, uri, this.storedRecordingMs);
    p.plan = plan;
    if (plan.kind === 'finite') p.timer = this.host.after(plan.durationMs, () => this.mediaEnded(p, true));
    else if (plan.kind === 'missing') p.timer = this.host.after(5, () => this.mediaEnded(p, false));
    else if (plan.kind === 'unknown-scheme') p.timer = this.host.after(0, () => this.playMedia(p, i + 1));
  }

  private mediaEnded(p: Playback, ok: boolean): void {
    if (!this.playbacks.has(p.snap.id)) return;
    if (p.index >= p.media.length - 1) {
      this.finish(p, ok ? 'done' : 'failed');
      return;
    }
    p.snap.state = 'continuing';
    this.publish('PlaybackContinuing', p);
    this.playMedia(p, p.index + 1);
  }

  /** A playback stopped while still queued is cancelled silently, as Asterisk does. */
  private finish(p: Playback, state: 'done' | 'failed'): void {
    if (!this.playbacks.delete(p.snap.id)) return;
    if (p.timer) clearTimeout(p.timer);
    if (p.snap.state === 'queued' || p.plan?.kind === 'unknown-scheme') return;
    p.snap.state = state;
    this.publish('PlaybackFinished', p);
  }

  private publish(type: 'PlaybackStarted' | 'PlaybackContinuing' | 'PlaybackFinished', p: Playback): void {
    this.host.emit({ type, at: this.host.date(), apps: this.host.targetApps(p.target), playback: { ...p.snap } });
  }
}
