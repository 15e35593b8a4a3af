// Recording a call's conversation: the PBX records the call's mixing bridge, so the
// recording follows the call through transfers (during a consultation it holds what the
// agents say to each other; the customer waits outside the bridge).
import type { AriClient } from '../../ari/client.js';
import { AriHttpError } from '../../ari/errors.js';
import type { AriEvent, RecordingFailed, RecordingFinished } from '../../ari/types.js';
import { ProblemError } from '../../api/problem.js';
import type { Db } from '../../db/pool.js';
import type { Logger } from '../../log.js';
import type { LiveCalls } from '../control/live.js';
import { newId } from '../control/repository.js';
import { getRecording, insertRecording, moveRecording, setDuration, type Recording } from './repository.js';

export class RecordingService {
  constructor(
    private readonly o: { db: Db; ari: AriClient; live: LiveCalls; pbxNode: string; log: Logger },
  ) {}

  async start(callId: string): Promise<Recording> {
    const live = this.o.live.call(callId);
    if (!live || live.ended) throw new ProblemError(409, `call ${callId} is not up under call control`);
    const id = newId();
    try {
      await this.o.ari.bridges.record(live.mainBridge, { name: id, format: 'wav', ifExists: 'fail', beep: false, terminateOn: 'none' });
    } catch (err) {
      if (err instanceof AriHttpError && err.status === 404) throw new ProblemError(409, 'the call has no conversation to record yet');
      throw err;
    }
    return insertRecording(this.o.db, { id, callId, pbxNode: this.o.pbxNode, format: 'wav' });
  }

  async control(id: string, op: 'stop' | 'pause' | 'resume'): Promise<Recording> {
    const rec = await getRecording(this.o.db, id);
    if (!rec) throw new ProblemError(404, `recording ${id} does not exist`);
    if (rec.state === 'done' || rec.state === 'failed') throw new ProblemError(409, `the recording is already ${rec.state}`);
    if (op === 'pause' && rec.state === 'paused') throw new ProblemError(409, 'the recording is already paused');
    if (op === 'resume' && rec.state !== 'paused') throw new ProblemError(409, 'the recording is not paused');
    const live = this.o.ari.recordings.live;
    if (op === 'stop') await live.stop(id);
    else if (op === 'pause') await live.pause(id);
    else await live.unpause(id);
    if (op === 'stop') return (await this.finished(id, undefined)) ?? ((await getRecording(this.o.db, id)) as Recording);
    return (await moveRecording(this.o.db, id, op === 'pause' ? 'paused' : 'recording')) ?? rec;
  }

  /** Takes RecordingFinished / RecordingFailed of our recordings (the call ended, or stop). */
  async route(event: AriEvent): Promise<boolean> {
    if (event.type !== 'RecordingFinished' && event.type !== 'RecordingFailed') return false;
    const recording = (event as RecordingFinished | RecordingFailed).recording;
    const name = recording.name;
    if (!/^[0-9a-f-]{36}$/.test(name)) return false;
    const rec = await getRecording(this.o.db, name).catch(() => undefined);
    if (!rec || rec.pbxNode !== this.o.pbxNode) return false;
    if (event.type === 'RecordingFailed') await moveRecording(this.o.db, name, 'failed', { cause: recording.cause ?? 'failed' });
    else await this.finished(name, recording.duration);
    return true;
  }

  /** Bytes of the stored file, for the download route. */
  async audio(id: string): Promise<{ rec: Recording; bytes: Buffer }> {
    const rec = await getRecording(this.o.db, id);
    if (!rec) throw new ProblemError(404, `recording ${id} does not exist`);
    if (rec.state !== 'done') throw new ProblemError(409, `the recording is ${rec.state}; its audio is there once it is done`);
    try {
      return { rec, bytes: await this.o.ari.recordings.stored.file(id) };
    } catch (err) {
      if (err instanceof AriHttpError && err.status === 404) throw new ProblemError(404, `the PBX no longer has the audio of recording ${id}`);
      throw err;
    }
  }

  private async finished(name: string, durationSeconds: number | undefined): Promise<Recording | undefined> {
    let durationMs = durationSeconds !== undefined ? Math.round(durationSeconds * 1000) : null;
    if (durationMs === null) {
      const live = await this.o.ari.recordings.live.get(name).catch(() => undefined);
      if (live?.duration !== undefined) durationMs = Math.round(live.duration * 1000);
    }
    const moved = await moveRecording(this.o.db, name, 'done', { durationMs });
    // Stopped through the API first: the PBX's own report brings the length.
    if (!moved && durationMs !== null) await setDuration(this.o.db, name, durationMs);
    return moved;
  }
}
