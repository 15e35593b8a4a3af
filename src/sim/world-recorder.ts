// Live and stored recordings of the simulated PBX, with the conflicts and failures
// Asterisk reports (README facts 17 and 20).
import type { DeskHost, MediaTarget } from './world-desk.js';
import { MSG, WorldError } from './world-errors.js';
import type { RecordParams } from './world-params.js';
import type { LiveRecordingSnapshot, StoredRecording } from './world-types.js';

const FORMATS = new Set(['wav', 'wav16', 'gsm', 'ulaw', 'alaw', 'sln', 'slin', 'g722', 'g729', 'ogg', 'wav49']);

export interface RecorderHost extends DeskHost {
  /** A Recorder channel joins the bridge (BRIDGEPEER noise); returns its name. */
  recorderJoins(bridgeId: string): string;
  recorderLeaves(bridgeId: string, name: string): void;
}

interface LiveRecording {
  snap: LiveRecordingSnapshot;
  target: MediaTarget;
  startedAt?: number;
  /** When the current pause began, and the paused time so far: paused audio is not written. */
  pausedAt?: number;
  pausedMs?: number;
  terminateOn: string;
  timer?: NodeJS.Timeout;
  recorder?: string;
}

export class RecordingDesk {
  private readonly live = new Map<string, LiveRecording>();
  private readonly stored = new Map<string, StoredRecording>();

  constructor(private readonly host: RecorderHost) {}

  liveRecording(name: string): LiveRecordingSnapshot | undefined {
    const r = this.live.get(name);
    return r ? { ...r.snap } : undefined;
  }

  storedRecordings(): StoredRecording[] {
    return [...this.stored.values()].map((r) => ({ ...r }));
  }

  storedRecording(name: string): StoredRecording | undefined {
    const r = this.stored.get(name);
    return r ? { ...r } : undefined;
  }

  /** Starts recording a target the world validated; `bridged` is a channel sitting in a bridge. */
  start(target: MediaTarget, bridged: boolean, o: RecordParams): LiveRecordingSnapshot {
    if (!o.name) throw new WorldError('bad-request', 'Recording name is required');
    if (!o.format) throw new WorldError('bad-request', 'Format is required');
    if (!FORMATS.has(o.format)) throw new WorldError('unprocessable', `Unknown format ${o.format}`);
    if (o.name.includes('..') || o.name.startsWith('/')) throw new WorldError('bad-request', 'Invalid recording name');
    const ifExists = o.ifExists ?? 'fail';
    if (!['fail', 'overwrite', 'append'].includes(ifExists)) throw new WorldError('bad-request', 'ifExists invalid');
    const name = o.name;
    if (this.live.has(name) || (ifExists === 'fail' && this.stored.has(name))) {
      if (target.kind === 'bridge') {
        // The recorder joins the bridge, finds the file taken, and leaves.
        this.host.recorderLeaves(target.id, this.host.recorderJoins(target.id));
      }
      throw new WorldError('conflict', `Recording '${name}' already exists and can not be overwritten`);
    }
    const r: LiveRecording = {
      snap: { name, format: o.format, state: 'queued', targetUri: `${target.kind}:${target.id}` },
      target,
      terminateOn: o.terminateOn ?? 'none',
    };
    this.live.set(name, r);
    const queued = { ...r.snap };
    if (bridged) {
      this.host.after(1, () => {
        this.live.delete(name);
        r.snap.state = 'failed';
        r.snap.cause = 'Cannot record channel while in bridge';
        this.publish('RecordingFailed', r);
      });
      return queued;
    }
    const begin = () => {
      if (!this.live.has(name)) return;
      if (target.kind === 'bridge') r.recorder = this.host.recorderJoins(target.id);
      r.snap.state = 'recording';
      r.startedAt = this.host.now();
      this.publish('RecordingStarted', r);
      if (o.maxDurationSeconds && o.maxDurationSeconds > 0) r.timer = this.host.after(o.maxDurationSeconds * 1000, () => this.finish(r));
    };
    if (o.beep) this.host.after(300, begin);
    else begin();
    return queued;
  }

  stop(name: string): void {
    const r = this.live.get(name);
    if (!r) throw new WorldError('not-found', MSG.recordingNotFound);
    this.finish(r);
  }

  /** POST / DELETE /recordings/live/{name}/pause: the state reads `paused` until unpaused. */
  pause(name: string, paused: boolean): void {
    const r = this.live.get(name);
    if (!r) throw new WorldError('not-found', MSG.recordingNotFound);
    if (paused && r.snap.state === 'recording') {
      r.snap.state = 'paused';
      r.pausedAt = this.host.now();
    } else if (!paused && r.snap.state === 'paused') {
      r.snap.state = 'recording';
      r.pausedMs = (r.pausedMs ?? 0) + (this.host.now() - (r.pausedAt ?? this.host.now()));
      r.pausedAt = undefined;
    }
  }

  cancel(name: string): void {
    const r = this.live.get(name);
    if (!r) throw new WorldError('not-found', MSG.recordingNotFound);
    this.finish(r, true);
  }

  /** Finishes every recording of a target (hang-up, bridge destroyed). */
  endAllOn(target: MediaTarget): void {
    for (const r of [...this.live.values()]) if (r.target.kind === target.kind && r.target.id === target.id) this.finish(r);
  }

  /** A digit heard on a channel stops the recordings whose terminateOn includes it. */
  digitHeard(channelId: string, digit: string): void {
    for (const r of [...this.live.values()]) {
      if (r.target.kind === 'channel' && r.target.id === channelId && r.snap.state === 'recording' && terminates(r.terminateOn, digit)) this.finish(r);
    }
  }

  copy(name: string, destination: string): StoredRecording {
    const r = this.stored.get(name);
    if (!r) throw new WorldError('not-found', MSG.recordingNotFound);
    if (!destination) throw new WorldError('bad-request', 'destinationRecordingName is required');
    if (this.stored.has(destination)) throw new WorldError('conflict', 'A recording with the same name already exists on the system');
    const copy = { ...r, name: destination };
    this.stored.set(destination, copy);
    return { ...copy };
  }

  /** A prompt put on the PBX's disk from outside (an integrator copying files to the recordings directory). */
  place(name: string, format: string, durationMs: number): StoredRecording {
    const r = { name, format, durationMs };
    this.stored.set(name, r);
    return { ...r };
  }

  delete(name: string): void {
    if (!this.stored.delete(name)) throw new WorldError('not-found', MSG.recordingNotFound);
  }

  private finish(r: LiveRecording, discard = false): void {
    if (!this.live.delete(r.snap.name)) return;
    if (r.timer) clearTimeout(r.timer);
    const pausedMs = (r.pausedMs ?? 0) + (r.pausedAt !== undefined ? this.host.now() - r.pausedAt : 0);
    const elapsedMs = r.startedAt !== undefined ? (this.host.now() - r.startedAt - pausedMs) * this.host.speed : 0;
    r.snap.state = discard ? 'canceled' : 'done';
    r.snap.durationSeconds = Math.floor(elapsedMs / 1000);
    if (!discard) this.stored.set(r.snap.name, { name: r.snap.name, format: r.snap.format, durationMs: Math.round(elapsedMs) });
    this.publish('RecordingFinished', r);
    if (r.target.kind === 'bridge' && r.recorder) this.host.recorderLeaves(r.target.id, r.recorder);
  }

  private publish(type: 'RecordingStarted' | 'RecordingFinished' | 'RecordingFailed', r: LiveRecording): void {
    this.host.emit({ type, at: this.host.date(), apps: this.host.targetApps(r.target), recording: { ...r.snap } });
  }
}

function terminates(terminateOn: string, digit: string): boolean {
  if (terminateOn === 'none' || !terminateOn) return false;
  if (terminateOn === 'any') return true;
  return terminateOn.includes(digit);
}
