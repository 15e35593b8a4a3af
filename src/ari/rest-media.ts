// /playbacks and /recordings: media that runs on a channel or bridge.
import { AriArgumentError } from './errors.js';
import { NOT_FOUND, type AriHttp } from './http.js';
import { segment } from './query.js';
import type { LiveRecording, Playback, StoredRecording } from './types.js';

export type PlaybackOperation = 'restart' | 'pause' | 'unpause' | 'reverse' | 'forward';

export class PlaybacksApi {
  constructor(private readonly http: AriHttp) {}

  async get(playbackId: string): Promise<Playback> {
    return (await this.http.request<Playback>('GET', `/playbacks/${segment(playbackId)}`)) as Playback;
  }

  /** Stop; resolves false when the playback had already finished (404 is "done"). */
  async stop(playbackId: string): Promise<boolean> {
    const res = await this.http.request<void>('DELETE', `/playbacks/${segment(playbackId)}`, {
      response: 'none',
      notFoundIsDone: true,
    });
    return res !== NOT_FOUND;
  }

  async control(playbackId: string, operation: PlaybackOperation): Promise<void> {
    await this.http.request<void>('POST', `/playbacks/${segment(playbackId)}/control`, {
      query: { operation },
      response: 'none',
    });
  }
}

/** Recordings in progress, addressed by the name we gave them. */
export class LiveRecordingsApi {
  constructor(private readonly http: AriHttp) {}

  async get(name: string): Promise<LiveRecording> {
    return (await this.http.request<LiveRecording>('GET', `/recordings/live/${segment(name)}`)) as LiveRecording;
  }

  /** Stop and keep the file. A second stop answers 404 and throws: the recording is stored by then. */
  async stop(name: string): Promise<void> {
    await this.post(name, '/stop');
  }

  /** Stop and discard; resolves false when it was no longer live (404 is "done"). */
  async cancel(name: string): Promise<boolean> {
    const res = await this.http.request<void>('DELETE', `/recordings/live/${segment(name)}`, {
      response: 'none',
      notFoundIsDone: true,
    });
    return res !== NOT_FOUND;
  }

  async pause(name: string): Promise<void> {
    await this.post(name, '/pause');
  }

  async unpause(name: string): Promise<void> {
    await this.http.request<void>('DELETE', `/recordings/live/${segment(name)}/pause`, { response: 'none' });
  }

  async mute(name: string): Promise<void> {
    await this.post(name, '/mute');
  }

  async unmute(name: string): Promise<void> {
    await this.http.request<void>('DELETE', `/recordings/live/${segment(name)}/mute`, { response: 'none' });
  }

  private async post(name: string, suffix: string): Promise<void> {
    await this.http.request<void>('POST', `/recordings/live/${segment(name)}${suffix}`, { response: 'none' });
  }
}

/** Finished recordings on the PBX's disk. */
export class StoredRecordingsApi {
  constructor(private readonly http: AriHttp) {}

  async list(): Promise<StoredRecording[]> {
    return (await this.http.request<StoredRecording[]>('GET', '/recordings/stored')) as StoredRecording[];
  }

  async get(name: string): Promise<StoredRecording> {
    return (await this.http.request<StoredRecording>('GET', `/recordings/stored/${segment(name)}`)) as StoredRecording;
  }

  /** The audio file's bytes (e.g. a WAV). */
  async file(name: string, opts: { timeoutMs?: number } = {}): Promise<Buffer> {
    return (await this.http.request<Buffer>('GET', `/recordings/stored/${segment(name)}/file`, {
      response: 'binary',
      timeoutMs: opts.timeoutMs,
    })) as Buffer;
  }

  async copy(name: string, destinationRecordingName: string): Promise<StoredRecording> {
    if (!destinationRecordingName) throw new AriArgumentError('copy needs a destination name');
    return (await this.http.request<StoredRecording>('POST', `/recordings/stored/${segment(name)}/copy`, {
      query: { destinationRecordingName },
    })) as StoredRecording;
  }

  /** Delete; resolves false when it did not exist (404 is "done"). */
  async delete(name: string): Promise<boolean> {
    const res = await this.http.request<void>('DELETE', `/recordings/stored/${segment(name)}`, {
      response: 'none',
      notFoundIsDone: true,
    });
    return res !== NOT_FOUND;
  }
}
