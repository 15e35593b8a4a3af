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
import { randomUUID } from 'node:crypto';
import type { AmiEvent } from '../ami/message.js';
import { phoneBookingsAt, phoneEventSources, phoneStateOf, readPhoneDial, readPhoneState, type PhoneDial, type PhoneState } from './phones.js';
import { lastQueueOf } from './records.js';
import { offerFailureOf } from './runtime-offers.js';
import { AcdTakeover } from './runtime-takeover.js';

/** A phone call the PBX rings outside our app holds its agent at most this long before answering. */
const PHONE_CALL_RESERVATION_MS = 5 * 60_000;

export class AcdRuntime extends AcdTakeover implements NodeCapability {
  /** Endpoint event sources this connection is subscribed to. */
  private readonly phoneSources = new Set<string>();
  /** Calls agents' phones placed or took through the dialplan (consultations), by the agent's channel. */
  private readonly phoneCalls = new Map<string, { agentId: string; offerId: string; callId: string; answered: boolean }>();
  private readonly onAmi = (e: AmiEvent): void => {
    const dial = readPhoneDial(e);
    if (!dial) return;
    this.serial(`phone:${dial.channelId}`, () => this.phoneDialled(dial)).catch((err: Error) =>
      this.log.error({ err: err.message, channelId: dial.channelId }, 'following a phone call failed'),
    );
  };
  private amiWatched = false;

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
    const queueId = await lastQueueOf(this.ctx.db, callId);
    if (!queueId) return false;
    return this.queueAgain(callId, channelId, queueId, true);
  }

  /**
   * An agent transferred the caller to a queue (blind): they enter it by their priority
   * there, like any arriving call (see decisions: transfer to a queue). The caller is out
   * of call control's bridges; false when the call or the queue is not this node's.
   */
  async requeue(callId: string, channelId: string, queueId: string): Promise<boolean> {
    await this.ready;
    return this.queueAgain(callId, channelId, queueId, false);
  }

  private async queueAgain(callId: string, channelId: string, queueId: string, front: boolean): Promise<boolean> {
    const call = await getCall(this.ctx.db, callId);
    if (!call || call.pbxNode !== this.ctx.pbxNode || call.state === 'ended') return false;
    if (!(await this.knownQueue(queueId))) return false;
    if (front) this.log.info({ callId, queueId, event: 'acd.returned' }, 'caller back at the front of the queue after a failed transfer');
    else this.log.info({ callId, queueId, event: 'acd.transferred_in' }, 'caller transferred into the queue');
    await this.serial(callId, async () => {
      await this.enqueue(call, channelId, queueId, { asked: 0, survey: null, overflowFrom: null, front, inSerial: true });
      // A caller who hung up while being handed over was heard by nobody here: abandoned now.
      if (!(await this.channelExists(channelId))) await this.callerGone(callId);
    });
    return true;
  }

  /** After every (re)connect: the PBX forgets an app's subscriptions when it restarts. */
  override async resync(snapshot: ResyncSnapshot): Promise<void> {
    await super.resync(snapshot);
    if (!this.amiWatched && !this.stopped) {
      this.ctx.ami.on('event', this.onAmi);
      this.amiWatched = true;
    }
    this.phoneSources.clear();
    await this.watchPhones();
    await this.phonesNow();
    await this.phoneBookingsNow(snapshot);
  }

  /**
   * Phone call bookings are followed in memory: after a reconnect or a take-over, those
   * whose agent's phone still has a channel are followed again, the others released.
   */
  private async phoneBookingsNow(snapshot: ResyncSnapshot): Promise<void> {
    const defs = [...this.agentDefs.values()];
    const live = await this.core.agentsLive.getMany(defs.map((d) => d.id));
    const followed = new Set([...this.phoneCalls.values()].map((c) => c.agentId));
    const bookings = defs.flatMap((d) => {
      const a = live.get(d.id);
      if (!a?.callId?.startsWith('phone:') || followed.has(d.id) || (a.state !== 'reserved' && a.state !== 'on_call')) return [];
      return [{ agentId: d.id, endpoint: d.endpoint, callId: a.callId, offerId: a.offerId, answered: a.state === 'on_call' }];
    });
    const { kept, gone } = phoneBookingsAt(bookings, snapshot.channels, (id) => this.legs.has(id) || this.callerChannels.has(id));
    for (const b of kept) this.phoneCalls.set(b.channelId, { agentId: b.agentId, offerId: b.offerId ?? '', callId: b.callId, answered: b.answered });
    for (const b of gone) {
      const res = await this.core.agents.change(b.agentId, b.answered ? { type: 'hangup' } : { type: 'release' }, b.answered ? { callId: b.callId } : { offerId: b.offerId ?? undefined, callId: b.callId });
      if (res.ok && b.answered) this.scheduleWrapUp(b.agentId, Date.now());
    }
  }

  /**
   * A phone that went offline or came back while we were not connected sent its event to
   * nobody: the PBX's endpoint list says how each agent's phone is now.
   */
  private async phonesNow(): Promise<void> {
    if (this.stopped) return;
    let endpoints;
    try {
      endpoints = await this.ctx.ari.endpoints.list();
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, "could not list the PBX's endpoints: phones that changed while disconnected are seen at their next change");
      return;
    }
    const agentPhones = new Set([...this.agentDefs.values()].map((a) => a.endpoint));
    for (const endpoint of endpoints) {
      const phone = phoneStateOf(endpoint);
      if (phone && agentPhones.has(phone.endpoint)) await this.phoneChanged(phone);
    }
  }

  /**
   * An agent added or changed may have a phone of a technology not watched yet. Checked on
   * every signal, not only on definition changes: a subscription the PBX refused (its app
   * not registered yet) is tried again at the next one, and the check costs no round trip
   * once every technology is watched.
   */
  override async agentChanged(agentId: string, definitionChanged = true, version?: string): Promise<void> {
    await super.agentChanged(agentId, definitionChanged, version);
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

  /**
   * An agent's phone rang for a call placed through the dialplan, outside our app (the
   * consultation of an attended transfer from another phone's transfer key): the agent
   * is booked like for an offer (reserved, on_call on answer, wrap-up when the phone hangs
   * up), so the ACD never offers them a caller meanwhile. Calls `phone:<linkedid>`.
   */
  private async phoneDialled(d: PhoneDial): Promise<void> {
    if (d.kind === 'ringing') {
      if (this.legs.has(d.channelId) || this.phoneCalls.has(d.channelId)) return;
      const def = [...this.agentDefs.values()].find((a) => a.endpoint === d.endpoint);
      if (!def) return;
      const callId = `phone:${d.linkedid}`;
      const offerId = randomUUID();
      const res = await this.core.agentsLive.reserve(def.id, callId, offerId, PHONE_CALL_RESERVATION_MS, Date.now(), '', { callId });
      if (!res.ok) return; // busy with a call of ours, paused or logged out: nothing to book
      this.phoneCalls.set(d.channelId, { agentId: def.id, offerId, callId, answered: false });
      await this.core.agents.announce(def.id);
      return;
    }
    const call = this.phoneCalls.get(d.channelId);
    if (!call) return;
    if (d.kind === 'answered') {
      if (call.answered) return;
      call.answered = true;
      await this.core.agents.change(call.agentId, { type: 'answer' }, { offerId: call.offerId, callId: call.callId });
      return;
    }
    if (d.kind === 'failed' && call.answered) return;
    this.phoneCalls.delete(d.channelId);
    const res = await this.core.agents.change(call.agentId, call.answered ? { type: 'hangup' } : { type: 'release' }, call.answered ? { callId: call.callId } : { offerId: call.offerId, callId: call.callId });
    if (res.ok && call.answered) this.scheduleWrapUp(call.agentId, Date.now());
  }

  /**
   * A channel an agent's phone took outside our app (a consultation) is now a leg of
   * `callId` (the phone that consulted handed its call over, REFER with Replaces): the
   * booking follows the call. The agent, or undefined when that channel is no booked talk.
   */
  async phoneCallJoined(channelId: string, callId: string): Promise<string | undefined> {
    return this.serial(`phone:${channelId}`, async () => {
      const call = this.phoneCalls.get(channelId);
      if (!call?.answered) return undefined;
      const res = await this.core.agents.change(call.agentId, { type: 'joined', callId }, { callId });
      if (!res.ok) return undefined;
      call.callId = callId;
      return call.agentId;
    });
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
      await this.serial(callId, () => this.callerGone(callId, e.type !== 'StasisEnd'));
    }
    // The caller's own events go on to the call handler (the call ends with its CDR).
    return false;
  }

  stop(): void {
    this.stopped = true;
    this.ctx.ami.off('event', this.onAmi);
    this.timers.stop();
    this.core.detach(this);
  }
}
