// The PBX moves of call control over ARI: bridges, hold with music, hanging up a leg we
// own. Each tolerates a party that has just gone: a hang-up races every command.
import type { AriClient } from '../../ari/client.js';
import type { Logger } from '../../log.js';
import type { LiveCall, LiveCalls } from './live.js';

export class ControlPbx {
  constructor(
    private readonly ari: AriClient,
    private readonly live: LiveCalls,
    private readonly mohClass: string,
    private readonly log: Logger,
  ) {}

  get client(): AriClient {
    return this.ari;
  }

  /** Puts channels in the call's main bridge (moving them out of any other bridge). */
  async join(call: LiveCall, ...channelIds: string[]): Promise<void> {
    const present = channelIds.filter((id) => this.alive(id));
    if (present.length) await this.quiet('join', () => this.ari.bridges.addChannel(call.mainBridge, present));
  }

  async leaveMain(call: LiveCall, channelId: string): Promise<void> {
    if (this.alive(channelId)) await this.quiet('leave', () => this.ari.bridges.removeChannel(call.mainBridge, channelId));
  }

  /** The customer alone with music: they hear neither agent. */
  async hold(call: LiveCall): Promise<void> {
    if (!call.holdBridge) {
      const id = `${call.callId}-hold`;
      await this.ari.bridges.create({ type: 'holding', bridgeId: id, name: `hold ${call.callId}` });
      await this.ari.bridges.startMoh(id, this.mohClass);
      call.holdBridge = id;
    }
    if (this.alive(call.customer)) await this.quiet('hold', () => this.ari.bridges.addChannel(call.holdBridge!, call.customer));
  }

  async hangup(channelId: string): Promise<void> {
    const leg = this.live.leg(channelId);
    if (!leg || leg.gone) return;
    leg.leaving = true;
    await this.quiet('hangup', () => this.ari.channels.hangup(channelId, { reason: 'normal' }));
  }

  /**
   * The call's bridges again after `dismantle` (a queue was asked to take the caller back
   * and did not): the main bridge under its id, the holding bridge made anew on hold.
   */
  async rebuild(call: LiveCall): Promise<void> {
    call.holdBridge = undefined;
    await this.quiet('rebuild', () => this.ari.bridges.create({ type: 'mixing', bridgeId: call.mainBridge, name: `call ${call.callId}` }));
  }

  /** No bridge of the call stays behind it. */
  async dismantle(call: LiveCall): Promise<void> {
    await this.quiet('destroy', () => this.ari.bridges.destroy(call.mainBridge));
    if (call.holdBridge) await this.quiet('destroy', () => this.ari.bridges.destroy(call.holdBridge!));
  }

  private alive(channelId: string): boolean {
    const leg = this.live.leg(channelId);
    return !!leg && leg.up && !leg.gone;
  }

  private async quiet(what: string, fn: () => Promise<unknown>): Promise<void> {
    try {
      await fn();
    } catch (err) {
      this.log.debug({ err: (err as Error).message, what }, 'PBX command on a departing party failed');
    }
  }
}
