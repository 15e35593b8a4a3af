// The ACD on the instance that owns a PBX node: callers wait in a holding bridge with
// music, offers ring agents' phones (originated into our Stasis app with our own channel
// ids), an answer bridges caller and agent, no answer sends the call back to the head of
// its queue. It reacts to events only — a call arrives, an agent becomes ready, a
// channel answers or hangs up, a timer (ring, widening, max wait, wrap-up) fires.
// Live state is in Redis so the next owner of the node carries on after a crash.
import type { AriEvent } from '../ari/types.js';
import { getCall } from '../calls/repository.js';
import type { IvrHandover } from '../ivr/ivr-calls.js';
import type { NodeCapability } from '../pbx/capability.js';
import type { ResyncSnapshot } from '../ari/client.js';
import { phoneEventSources, readPhoneState, type PhoneState } from './phones.js';
import { lastQueueOf } from './records.js';
import { offerFailureOf } from './runtime-offers.js';
import { AcdTakeover } from './runtime-takeover.js';

export class AcdRuntime extends AcdTakeover implements NodeCapability {
  /** Endpoint event sources this connection is subscribed to. */
  private readonly phoneSources = new Set<string>();

  get handovers() {
    return { queue: (h: IvrHandover) => this.fromIvr(h) };
  }

  /**
   * Call control gives a caller back: their transfer failed and nobody of it is left on
   * the call. A caller who came through a queue goes back to the front of it (out of any
   * bridge by now); false when the call is not this node's or never was in a queue.
   */
  async takeBack(callId: string, channelId: string): Promise<boolean> {
    await this.ready;
    const call = await getCall(this.ctx.db, callId);
    if (!call || call.pbxNode !== this.ctx.pbxNode || call.state === 'ended') return false;
    const queueId = await lastQueueOf(this.ctx.db, callId);
    if (!queueId || !(await this.knownQueue(queueId))) return false;
    this.log.info({ callId, queueId, event: 'acd.returned' }, 'caller back at the front of the queue after a failed transfer');
    await this.serial(callId, async () => {
      await this.enqueue(call, channelId, queueId, { asked: 0, survey: null, overflowFrom: null, front: true, inSerial: true });
      // A caller who hung up while being handed back was heard by nobody here: abandoned now.
      if (!(await this.channelExists(channelId))) await this.callerGone(callId);
    });
    return true;
  }

  /** After every (re)connect: the PBX forgets an app's subscriptions when it restarts. */
  override async resync(snapshot: ResyncSnapshot): Promise<void> {
    await super.resync(snapshot);
    this.phoneSources.clear();
    await this.watchPhones();
  }

  /** An agent added or changed may have a phone of a technology not watched yet. */
  override async agentChanged(agentId: string): Promise<void> {
    await super.agentChanged(agentId);
    await this.watchPhones();
  }

  private async watchPhones(): Promise<void> {
    if (this.stopped) return;
    for (const source of phoneEventSources([...this.agentDefs.values()].map((a) => a.endpoint))) {
      if (this.phoneSources.has(source)) continue;
      this.phoneSources.add(source);
      try {
        await this.ctx.ari.applications.subscribe(this.ctx.ari.app, source);
      } catch (err) {
        this.phoneSources.delete(source);
        this.log.warn({ err: (err as Error).message, source }, "could not subscribe to the agents' phones: their going offline and online is not seen");
      }
    }
  }

  /** A phone went offline or came back: its agent is paused as unreachable, or ready again. */
  private async phoneChanged(phone: PhoneState): Promise<void> {
    for (const def of this.agentDefs.values()) {
      if (def.endpoint !== phone.endpoint) continue;
      const res = await this.core.agents.change(def.id, { type: phone.online ? 'phone_online' : 'phone_offline' });
      if (!res.ok || !res.change.changed) continue;
      this.log.info({ agentId: def.id, endpoint: phone.endpoint, online: phone.online, event: 'acd.phone_state' }, 'agent phone state changed');
      this.putAgent(def, await this.core.agentsLive.get(def.id));
    }
  }

  async route(event: AriEvent): Promise<boolean> {
    return this.onEvent(event);
  }

  private async onEvent(event: AriEvent): Promise<boolean> {
    await this.ready;
    const e = event as { type: string; channel?: { id: string; state?: string }; args?: string[]; cause?: number; digit?: string; playback?: { id: string } };
    if (e.type === 'PlaybackFinished' || e.type === 'PlaybackStarted' || e.type === 'PlaybackContinuing') return !!e.playback?.id.startsWith('acd-');
    const phone = readPhoneState(event);
    if (phone) {
      await this.phoneChanged(phone);
      return true;
    }
    const channelId = e.channel?.id;
    if (!channelId) return false;
    const leg = this.legs.get(channelId);
    if (!leg && e.type === 'StasisStart' && e.args?.[0] === 'acd-agent') {
      // An offer we no longer make (timed out, caller gone) answered late: let it go.
      await this.ctx.ari.channels.hangup(channelId, { reason: 'normal' }).catch(() => false);
      return true;
    }
    if (leg) {
      // A followed leg is answered as soon as any of its events shows it up: its
      // ChannelStateChange may have gone by before the leg was followed.
      const answeredNow = (e.type === 'StasisStart' && e.args?.[0] === 'acd-agent') || (leg.observed && e.channel?.state === 'Up');
      const gone = e.type === 'ChannelDestroyed' || e.type === 'StasisEnd' || e.type === 'ChannelHangupRequest';
      if (leg.observed) {
        if (answeredNow && !leg.answered) await this.core.desk.observedAnswer(leg.agentId, leg.callId, leg.offerId);
        if (answeredNow) leg.answered = true;
        if (gone) await this.observedGone(leg);
        return false;
      }
      await this.serial(leg.callId, async () => {
        if (answeredNow && !leg.answered) await this.answered(leg);
        else if (gone && leg.answered && this.legs.has(channelId)) await this.agentLegEnded(leg);
        else if (gone && !leg.answered) await this.offerFailed(leg, offerFailureOf(e.cause));
      });
      return true;
    }
    const callId = this.callerChannels.get(channelId);
    if (callId && e.type === 'ChannelDtmfReceived') {
      // The queue owns its callers' keys, waiting or talking to an agent.
      await this.serial(callId, () => this.digitPressed(callId, e.digit ?? ''));
      return true;
    }
    if (callId && (e.type === 'ChannelHangupRequest' || e.type === 'StasisEnd' || e.type === 'ChannelDestroyed')) {
      await this.serial(callId, () => this.callerGone(callId));
    }
    // The caller's own events go on to the call handler (the call ends with its CDR).
    return false;
  }

  stop(): void {
    this.stopped = true;
    this.timers.stop();
    this.core.detach(this);
  }
}
