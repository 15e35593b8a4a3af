// The Stasis side of inbound calls: a channel that the dialplan hands to
// `Stasis(<app>,inbound,<DID>)` becomes a Call, is answered and greeted, and when it
// leaves Stasis the Call ends with its CDR. A DID with a published IVR flow runs that flow
// instead of the greeting (src/ivr/ivr-calls.ts); the shape stays: PBX events in,
// durable call changes and PBX commands out.
import { tryParseAriTimestamp } from '../ari/timestamp.js';
import type { Db } from '../db/pool.js';
import { callLogger, type Logger } from '../log.js';
import { callerText, MAX_NAME_CHARS, MAX_NUMBER_CHARS } from './caller-id.js';
import { advanceCall, createCall, endCall, findCallByChannel, liveCalls, noteCallEvent, type Call } from './repository.js';

/** What this handler needs from the PBX; the ARI client provides it. */
export interface CallChannelPort {
  answer(channelId: string): Promise<void>;
  /** Several media play one after the other as one playback. */
  play(channelId: string, media: string | string[], playbackId: string): Promise<void>;
  /** Stops a playback; one that already finished is not an error. */
  stopPlayback(playbackId: string): Promise<void>;
  hangup(channelId: string, reason: 'normal' | 'busy' | 'congestion'): Promise<void>;
  getVariable(channelId: string, name: string): Promise<string | undefined>;
  /** False once the playback has finished (the PBX forgets finished playbacks). */
  playbackActive(playbackId: string): Promise<boolean>;
}

/** The subset of an ARI channel the call model reads. */
export interface StasisChannel {
  id: string;
  name: string;
  state: string;
  caller?: { name?: string; number?: string };
  dialplan?: { context?: string; exten?: string; app_name?: string; app_data?: string };
  creationtime?: string;
}

export type StasisEvent =
  | { type: 'StasisStart'; args?: string[]; channel: StasisChannel; timestamp?: string }
  | { type: 'StasisEnd'; channel: StasisChannel; timestamp?: string }
  | { type: 'ChannelHangupRequest'; channel: StasisChannel; cause?: number; soft?: boolean; timestamp?: string }
  | { type: 'ChannelDestroyed'; channel: StasisChannel; cause?: number; cause_txt?: string; timestamp?: string }
  | { type: 'PlaybackFinished'; playback: { id: string; target_uri?: string; state?: string }; timestamp?: string }
  | { type: 'ChannelDtmfReceived'; channel: StasisChannel; digit: string; duration_ms?: number; timestamp?: string };

/** Where calls with an IVR flow go; without one, every call gets the greeting. */
export interface IvrRouter {
  /**
   * Starts reading the flow of a DID before its call is stored, so the two round trips
   * run side by side; hand the result to offer(). Never rejects.
   */
  flowFor(did: string | null): Promise<unknown>;
  /** Takes a new call when its DID has a published flow (`flow`: from flowFor); false means: greet it. */
  offer(call: Call, channelState: string, flow?: Promise<unknown>): Promise<boolean>;
  /** Hands a call's event to its IVR session; false when no session wants it. */
  route(event: StasisEvent): Promise<boolean>;
  callerGone(channelId: string): Promise<void>;
  /** Resync of a live call in state `ivr`. */
  resume(call: Call, channel: StasisChannel): Promise<void>;
}

export interface InboundCallsOptions {
  db: Db;
  pbx: CallChannelPort;
  pbxNode: string;
  greetingMedia: string;
  log: Logger;
  /** Set once with `attachIvr`; absent means no IVR on this node. */
  ivr?: IvrRouter;
}

const GREETING_PREFIX = 'greeting-';
/** The end reason of a call whose channel ended while no instance listened to the PBX. */
export const ENDED_UNSEEN = 'ended while the service was away';

/** A channel id as Asterisk writes one (`1795384317.33`, or a name an originate chose). */
const LINKEDID = /^[\w.-]{1,128}$/;

/** How many handled channel ends are remembered (a few minutes of calls at a busy node). */
const MAX_SETTLED = 10_000;

/** The cause Asterisk puts on every channel's hang-up request while it shuts down. */
const CAUSE_PBX_SHUTDOWN = 4;
/** The end reason of a call the PBX hung up as it shut down (CDR disposition `pbx_restart`). */
export const PBX_SHUTDOWN_REASON = 'pbx restart: the PBX hung up every call as it shut down';

export class InboundCalls {
  /** Channels the PBX hung up because it is shutting down (cause 4, soft). */
  private readonly shutdownHangups = new Set<string>();
  /** Hang-up causes seen before StasisEnd, keyed by channel id (dropped at StasisEnd). */
  private readonly causes = new Map<string, number>();
  /** Channels we hung up ourselves: their cause is Normal Clearing whatever the PBX says. */
  private readonly ownHangups = new Set<string>();
  /**
   * The calls this instance created or took up, by their caller's channel: a call's end
   * then needs no read to find it (a caller's channel is a leg of its own call only).
   */
  private readonly callers = new Map<string, Call>();
  /**
   * Channels whose end is handled: the PBX reports one end twice (StasisEnd, then
   * ChannelDestroyed) and the second finds nothing left to do. Bounded, as a channel that
   * goes back to the dialplan sends no ChannelDestroyed here.
   */
  private readonly settled = new Set<string>();
  /**
   * When each inbound channel's StasisStart was taken up, as a count: a resync's snapshot
   * says nothing about a channel that came after it (the first call of a fresh connection
   * races the resync), so such a call is left to its own events.
   */
  private arrivals = 0;
  private readonly arrivedAt = new Map<string, number>();

  constructor(private readonly opts: InboundCallsOptions) {}

  attachIvr(ivr: IvrRouter): void {
    this.opts.ivr = ivr;
  }

  /** Hangs up a channel as the call's normal end (cause 16, reason completed). */
  async hangupOwn(channelId: string): Promise<void> {
    this.ownHangups.add(channelId);
    await this.opts.pbx.hangup(channelId, 'normal');
  }

  /**
   * Taken when the PBX's snapshot for a resync is taken (or just after it): channels whose
   * StasisStart is handled after this are not in that snapshot.
   */
  arrivalMark(): number {
    return this.arrivals;
  }

  /** Feed every event of the Stasis app; unrelated events are ignored. */
  async handle(event: StasisEvent): Promise<void> {
    if (this.opts.ivr && (await this.opts.ivr.route(event))) return;
    switch (event.type) {
      case 'StasisStart':
        if (event.args?.[0] === 'inbound') await this.onInbound(event.channel, event.args[1], event.args[2]);
        return;
      case 'PlaybackFinished':
        return this.onPlaybackFinished(event.playback.id);
      case 'ChannelHangupRequest':
        if (event.cause !== undefined && !this.causes.has(event.channel.id)) this.causes.set(event.channel.id, event.cause);
        // Asterisk shutting down (`core restart now`, `core stop now`) hangs every channel up
        // softly with cause 4 before its sockets close: such an end is a PBX restart, not a
        // caller who left.
        if (event.cause === CAUSE_PBX_SHUTDOWN && event.soft === true) this.shutdownHangups.add(event.channel.id);
        // The caller is going: stop the flow's timers and lookups before StasisEnd arrives.
        await this.opts.ivr?.callerGone(event.channel.id);
        return;
      case 'StasisEnd':
        return this.onGone(event.channel.id, 'left stasis', event.timestamp);
      case 'ChannelDestroyed':
        if (event.cause !== undefined) this.causes.set(event.channel.id, event.cause);
        return this.onGone(event.channel.id, event.cause_txt ?? 'channel destroyed', event.timestamp);
    }
  }

  /** `linkedidArg`: what the dialplan passed as Stasis()'s third argument, `${CHANNEL(linkedid)}`. */
  private async onInbound(channel: StasisChannel, did: string | undefined, linkedidArg?: string): Promise<void> {
    const { db, pbx, pbxNode, log } = this.opts;
    // Counted before the call's row can exist, so a resync that reads the row sees the count.
    this.arrivedAt.set(channel.id, ++this.arrivals);
    // An inbound channel is the first of its call, so its linkedid is its own id; but a
    // Local channel pair or a transfer can make it differ. The dialplan hands it over with
    // the call; a dialplan that does not is asked, one ARI request per call.
    const linkedid =
      (linkedidArg && LINKEDID.test(linkedidArg) ? linkedidArg : undefined) ??
      (await pbx.getVariable(channel.id, 'CHANNEL(linkedid)').catch(() => undefined)) ??
      channel.id;
    const dnis = callerText(did ?? channel.dialplan?.exten, MAX_NUMBER_CHARS);
    // Read while the call is written: one wait for both instead of one after the other.
    const flow = this.opts.ivr?.flowFor(dnis);
    const { call, created } = await createCall(db, {
      pbxNode,
      channelId: channel.id,
      linkedid,
      direction: 'inbound',
      callerNumber: callerText(channel.caller?.number, MAX_NUMBER_CHARS),
      callerName: callerText(channel.caller?.name, MAX_NAME_CHARS),
      dnis,
      at: createdAt(channel.creationtime),
    });
    const clog = callLogger(log, call);
    if (!created) {
      clog.info({ channelId: channel.id }, 'stasis start for a known call ignored');
      return;
    }
    clog.info({ channelId: channel.id, dnis: call.dnis, event: 'call.created' }, 'inbound call');
    this.callers.set(call.channelId, call);
    await this.serve(call, channel.state, flow);
  }

  private async serve(call: Call, channelState: string, flow?: Promise<unknown>): Promise<void> {
    if (this.opts.ivr && (await this.opts.ivr.offer(call, channelState, flow))) return;
    await this.greet(call, channelState);
  }

  private async greet(call: Call, channelState: string): Promise<void> {
    const { db, pbx, greetingMedia, log } = this.opts;
    const clog = callLogger(log, call);
    try {
      if (channelState !== 'Up') await pbx.answer(call.channelId);
      if (call.state === 'ringing') await advanceCall(db, call, [{ to: 'answered' }]);
      clog.info({ event: 'call.answered' }, 'call answered');
      await pbx.play(call.channelId, greetingMedia, `${GREETING_PREFIX}${call.id}`);
      await noteCallEvent(db, call.id, 'prompt.started', { media: greetingMedia });
    } catch (err) {
      // The caller may hang up while we act; that ends the call through StasisEnd.
      clog.warn({ err: (err as Error).message }, 'greeting interrupted');
    }
  }

  private async onPlaybackFinished(playbackId: string): Promise<void> {
    if (!playbackId.startsWith(GREETING_PREFIX)) return;
    const callId = playbackId.slice(GREETING_PREFIX.length);
    const { db, pbx, log } = this.opts;
    const { rows } = await db.query<{ channel_id: string; pbx_node: string; linkedid: string | null; state: string }>(
      'SELECT channel_id, pbx_node, linkedid, state FROM calls WHERE id = $1',
      [callId],
    );
    const row = rows[0];
    if (!row || row.state === 'ended') return;
    await noteCallEvent(db, callId, 'prompt.finished', {});
    // A playback also finishes because the caller hung up; then there is nothing to do.
    if (this.causes.has(row.channel_id)) return;
    const clog = callLogger(log, { id: callId, linkedid: row.linkedid, pbxNode: row.pbx_node });
    clog.info({ event: 'prompt.finished' }, 'greeting played; hanging up');
    this.ownHangups.add(row.channel_id);
    await pbx.hangup(row.channel_id, 'normal').catch((err: Error) => clog.warn({ err: err.message }, 'hangup failed'));
  }

  /** `timestamp`: when the PBX saw it, so an end handled late (after a Postgres outage) keeps its true time. */
  private async onGone(channelId: string, reason: string, timestamp?: string): Promise<void> {
    const { db, pbxNode, log } = this.opts;
    // The IVR hears the hang-up first: a survey not answered is recorded before the CDR.
    await this.opts.ivr?.callerGone(channelId);
    if (this.settled.delete(channelId)) {
      this.forget(channelId);
      return;
    }
    // Read, and forgotten only once the end is stored: a run again after a failure
    // (Postgres away) must still know who hung up and why.
    // A PBX shutting down hangs every channel up at once: when we hung the caller up too
    // (the agent's leg ended first), the shutdown is still why the call ended.
    const shutdown = this.shutdownHangups.has(channelId);
    const own = !shutdown && this.ownHangups.has(channelId);
    const cause = shutdown ? CAUSE_PBX_SHUTDOWN : own ? 16 : (this.causes.get(channelId) ?? null);
    if (shutdown) reason = PBX_SHUTDOWN_REASON;
    const call = this.callers.get(channelId) ?? (await findCallByChannel(db, pbxNode, channelId));
    const at = eventTime(timestamp);
    const ended =
      call && call.channelId === channelId
        ? await endCall(db, call.id, { cause, reason: own ? 'completed' : reason, ...(at ? { at } : {}) })
        : undefined;
    this.forget(channelId);
    if (this.settled.size >= MAX_SETTLED) this.settled.delete(this.settled.values().next().value as string);
    this.settled.add(channelId);
    if (call && ended) {
      callLogger(log, call).info(
        { event: 'call.ended', cause, disposition: ended.cdr.disposition, durationMs: ended.cdr.durationMs },
        'call ended',
      );
    }
  }

  private forget(channelId: string): void {
    this.ownHangups.delete(channelId);
    this.causes.delete(channelId);
    this.shutdownHangups.delete(channelId);
    this.callers.delete(channelId);
    this.arrivedAt.delete(channelId);
  }

  /**
   * After a reconnect the events of the gap are gone: end the calls whose channels no
   * longer exist, and take up channels that entered Stasis while we were away. A call
   * whose channel is gone is recorded as lost to a PBX restart only when the PBX says it
   * started after the call did (`pbxStartedAt`, ARI's startup_time); otherwise the caller
   * or the PBX ended it normally while nobody listened, and its record says that.
   * `arrivalMark` (from arrivalMark() when the snapshot was taken): inbound calls whose
   * StasisStart came later are being served by their own events and are left alone.
   */
  async resync(snapshot: {
    channels: StasisChannel[];
    appChannelIds: string[];
    pbxStartedAt?: number;
    arrivalMark?: number;
  }): Promise<{ ended: number; adopted: number }> {
    const { db, pbxNode, log } = this.opts;
    const alive = new Map(snapshot.channels.map((c) => [c.id, c]));
    const mark = snapshot.arrivalMark;
    let ended = 0;
    let adopted = 0;
    for (const call of await liveCalls(db, pbxNode)) {
      // Not in the snapshot because it came after it: ending it would cut off a live caller.
      if (mark !== undefined && call.direction === 'inbound' && (this.arrivedAt.get(call.channelId) ?? 0) > mark) continue;
      const channel = alive.get(call.channelId);
      if (call.direction !== 'inbound') {
        // A click-to-dial call is call control's (adopted there); it lives on while any of
        // its legs does, the agent's ringing before the customer is even dialled.
        if (channel || (await anyLegAlive(db, call, alive))) continue;
      } else if (channel) {
        this.callers.set(channel.id, call);
        // Created but never answered: the previous owner died in between.
        if (call.state === 'ringing') await this.serve(call, channel.state);
        else if (call.state === 'ivr' && this.opts.ivr) await this.opts.ivr.resume(call, channel);
        // A greeting that finished during the gap sent its PlaybackFinished to nobody.
        else if (call.state === 'answered' && !(await this.opts.pbx.playbackActive(`${GREETING_PREFIX}${call.id}`))) {
          await this.onPlaybackFinished(`${GREETING_PREFIX}${call.id}`);
        }
        continue;
      }
      this.callers.delete(call.channelId);
      const restarted = snapshot.pbxStartedAt !== undefined && snapshot.pbxStartedAt > call.createdAt.getTime();
      const reason = restarted ? 'pbx restarted while the service was away' : ENDED_UNSEEN;
      if (await endCall(db, call.id, { cause: null, reason })) ended++;
      callLogger(log, call).info({ event: 'call.ended', reason }, 'call ended during disconnect');
    }
    const inApp = new Set(snapshot.appChannelIds);
    for (const channel of snapshot.channels) {
      if (!inApp.has(channel.id)) continue;
      const known = this.callers.has(channel.id) || (await findCallByChannel(db, pbxNode, channel.id));
      if (known) continue;
      // Only channels that the dialplan sent as inbound calls are ours to adopt:
      // app_data is what Stasis() was given, e.g. "cti-bridge,inbound,100,1795384317.33".
      const args = (channel.dialplan?.app_data ?? '').split(',');
      if (channel.dialplan?.app_name !== 'Stasis' || args[1] !== 'inbound') continue;
      await this.onInbound(channel, args[2], args[3]);
      adopted++;
    }
    return { ended, adopted };
  }
}

async function anyLegAlive(db: Db, call: Call, alive: ReadonlyMap<string, unknown>): Promise<boolean> {
  if (call.linkedid && alive.has(call.linkedid)) return true;
  const { rows } = await db.query<{ channel_id: string }>('SELECT channel_id FROM call_legs WHERE call_id = $1 AND ended_at IS NULL', [call.id]);
  return rows.some((r) => alive.has(r.channel_id));
}

/** The PBX's time of an event; none (or one from the future, a clock apart) means now. */
function eventTime(timestamp: string | undefined): Date | undefined {
  const ms = tryParseAriTimestamp(timestamp);
  return ms === undefined || ms > Date.now() ? undefined : new Date(ms);
}

/** The channel's creation time; ARI writes `+0000` offsets that Date cannot always read. */
function createdAt(creationtime: string | undefined): Date | undefined {
  const ms = tryParseAriTimestamp(creationtime);
  return ms === undefined ? undefined : new Date(ms);
}
