// What a Stasis app does to the media of a channel or bridge: playbacks, recordings,
// DTMF in both directions, hold, mute and music on hold.
import { MSG, WorldError } from './world-errors.js';
import type { RecordParams } from './world-params.js';
import type { MediaTarget } from './world-desk.js';
import { assertDtmf, muteDirections } from './world-util.js';
import type { LiveRecordingSnapshot, PlaybackSnapshot, StoredRecording } from './world-types.js';
import type { Channel } from './world-model.js';
import { WorldBridges } from './world-bridges.js';

export abstract class WorldMedia extends WorldBridges {
  play(target: MediaTarget, media: string[], o: { lang?: string; playbackId?: string } = {}): PlaybackSnapshot {
    let language = o.lang || 'en';
    if (target.kind === 'channel') {
      const c = this.stasisChannel(target.id);
      if (c.origin === 'created' && !c.dialStarted) throw new WorldError('invalid-state', MSG.invalidState);
      language = o.lang || c.language;
    } else {
      this.mustBridge(target.id);
    }
    return this.player.start(target, media, language, o.playbackId);
  }

  stopPlayback(playbackId: string): void {
    this.player.stop(playbackId);
  }

  controlPlayback(playbackId: string, operation: string): void {
    this.player.control(playbackId, operation);
  }

  record(target: MediaTarget, o: RecordParams): LiveRecordingSnapshot {
    let bridged = false;
    if (target.kind === 'channel') bridged = this.stasisChannel(target.id).bridgeId !== undefined;
    else this.mustBridge(target.id);
    return this.recorder.start(target, bridged, o);
  }

  stopRecording(name: string): void {
    this.recorder.stop(name);
  }

  pauseRecording(name: string, paused: boolean): void {
    this.recorder.pause(name, paused);
  }

  /** DELETE /recordings/live/{name}: stop and throw the file away. */
  cancelRecording(name: string): void {
    this.recorder.cancel(name);
  }

  copyStoredRecording(name: string, destination: string): StoredRecording {
    return this.recorder.copy(name, destination);
  }

  deleteStoredRecording(name: string): void {
    this.recorder.delete(name);
  }

  /** The far end presses keys on its phone: DTMF received on this channel. */
  remoteDtmf(channelId: string, digits: string, gapMs = 250, durationMs = 100): void {
    const c = this.mustChannel(channelId);
    assertDtmf(digits);
    let offset = 0;
    for (const d of digits) {
      const at = offset;
      this.after(at, () => this.deliverDtmf(c, d, durationMs, 'Received'), c);
      offset += durationMs + gapMs;
    }
  }

  /** ARI /dtmf: sends digits into the channel (its far end hears them). */
  sendDtmf(channelId: string, dtmf: string, o: { before?: number; between?: number; duration?: number; after?: number } = {}): void {
    const c = this.mustChannel(channelId);
    if (!dtmf) throw new WorldError('bad-request', 'DTMF is required');
    assertDtmf(dtmf);
    this.sendDtmfFrom(c, dtmf, o.between ?? 100, o.duration ?? 100, o.before ?? 0);
  }

  /**
   * A key press's time. A real key sounds for tens of milliseconds, so two presses on one
   * channel never share a millisecond; at a simulated speed they would, and the two events
   * would read alike, as the copies of one event do that an endpoint subscription adds.
   */
  protected dtmfDate(c: Channel): Date {
    const at = Math.max(this.now(), (c.lastDtmfAt ?? 0) + 1);
    c.lastDtmfAt = at;
    return new Date(at);
  }

  /** Digits sent out of `c`: its Local peer (or dialplan partner) receives them. */
  protected sendDtmfFrom(c: Channel, digits: string, between: number, duration: number, before: number): void {
    let offset = before;
    for (const d of digits) {
      if (d === 'w' || d === 'W') {
        offset += 500;
        continue;
      }
      this.after(offset, () => {
        this.emit({ type: 'DtmfBegin', at: this.dtmfDate(c), apps: [...c.apps], channel: this.snap(c), digit: d, direction: 'Sent' });
        const receiverId = c.localPeerId ?? c.partnerId;
        const receiver = receiverId ? this.chans.get(receiverId) : undefined;
        this.after(duration, () => {
          if (!c.gone) this.emit({ type: 'DtmfEnd', at: this.dtmfDate(c), apps: [...c.apps], channel: this.snap(c), digit: d, direction: 'Sent', durationMs: duration });
          if (receiver && !receiver.gone) this.deliverDtmf(receiver, d, duration, 'Received', true);
        }, c);
      }, c);
      offset += duration + between;
    }
  }

  protected deliverDtmf(c: Channel, digit: string, durationMs: number, direction: 'Received', endOnly = false): void {
    if (c.gone) return;
    if (!endOnly) this.emit({ type: 'DtmfBegin', at: this.dtmfDate(c), apps: [...c.apps], channel: this.snap(c), digit, direction });
    const end = () => {
      if (c.gone) return;
      if (endOnly) this.emit({ type: 'DtmfBegin', at: this.dtmfDate(c), apps: [...c.apps], channel: this.snap(c), digit, direction });
      this.emit({ type: 'DtmfEnd', at: this.dtmfDate(c), apps: [...c.apps], channel: this.snap(c), digit, direction, durationMs });
      this.recorder.digitHeard(c.id, digit);
    };
    if (endOnly) end();
    else this.after(durationMs, end, c);
  }

  hold(channelId: string): void {
    const c = this.stasisChannel(channelId);
    c.onHold = true;
    if (c.tech !== 'Local') this.emit({ type: 'ChannelHold', at: this.date(), apps: [...c.apps], channel: this.snap(c) });
  }

  unhold(channelId: string): void {
    const c = this.stasisChannel(channelId);
    c.onHold = false;
    if (c.tech !== 'Local') this.emit({ type: 'ChannelUnhold', at: this.date(), apps: [...c.apps], channel: this.snap(c) });
    this.refreshBridgePeersOf(c);
  }

  mute(channelId: string, direction = 'both'): void {
    const dirs = muteDirections(direction);
    const c = this.stasisChannel(channelId);
    for (const d of dirs) c.muted.add(d);
    this.refreshBridgePeersOf(c);
  }

  unmute(channelId: string, direction = 'both'): void {
    const dirs = muteDirections(direction);
    const c = this.stasisChannel(channelId);
    for (const d of dirs) c.muted.delete(d);
  }

  startMoh(channelId: string, mohClass = 'default'): void {
    const c = this.stasisChannel(channelId);
    if (c.moh) this.emit({ type: 'MusicOnHoldStopped', at: this.date(), apps: [], channel: this.snap(c) });
    c.moh = mohClass || 'default';
    this.emit({ type: 'MusicOnHoldStarted', at: this.date(), apps: [], channel: this.snap(c), mohClass: c.moh });
  }

  stopMoh(channelId: string): void {
    const c = this.stasisChannel(channelId);
    if (!c.moh) return;
    c.moh = undefined;
    this.emit({ type: 'MusicOnHoldStopped', at: this.date(), apps: [], channel: this.snap(c) });
  }
}
