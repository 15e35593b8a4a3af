// Voicemail on a PBX node: a caller handed over (by an IVR `voicemail` node or by the ACD
// on overflow) hears the mailbox greeting, a beep, and is recorded until `#`, silence, the
// mailbox's limit or hang-up. The finished recording's audio is fetched from the PBX over
// ARI, stored with its message, announced (voicemail.created), and the mailbox's
// message-waiting lamp updated.
import type { AriEvent, KnownAriEvent } from '../ari/types.js';
import type { VoicemailConfig } from '../config.js';
import { noteCallEvent, type Call } from '../calls/repository.js';
import type { HandoverTaker, IvrHandover } from '../ivr/ivr-calls.js';
import { callLogger, type Logger } from '../log.js';
import type { CapabilityFactory, NodeCapability, NodeContext } from '../pbx/capability.js';
import { publishMwi } from './mwi.js';
import { VM_PREFIX, keepRecording, recordLimits, recordingName } from './policy.js';
import { greetingMedia } from './greeting.js';
import { PhoneGreetings } from './phone-greeting.js';
import { getGreetingAudio, getMailbox, listMailboxes, saveMessage, type Mailbox } from './repository.js';

interface Leaving {
  call: Call;
  channelId: string;
  mailbox: Mailbox;
  ref: string;
  log: Logger;
  phase: 'greeting' | 'recording' | 'goodbye';
  callerGone: boolean;
}

/** Takers of the capability running on each node here, for callers outside the IVR (ACD overflow). */
const takers = new Map<string, HandoverTaker>();
/** Phone greeting recorders of the nodes this instance holds. */
const recorders = new Map<string, PhoneGreetings>();

/**
 * Calls `number` (checked by the caller against the dial allow-list) so the mailbox's owner
 * records its greeting; rejects when this instance holds no PBX node with voicemail.
 */
export async function recordGreetingByPhone(pbxNode: string, mailboxId: string, number: string): Promise<string> {
  const recorder = recorders.get(pbxNode);
  if (!recorder) throw new Error(`voicemail is not running for PBX node ${pbxNode} on this instance`);
  return recorder.start(mailboxId, number);
}

/**
 * Sends a caller to a mailbox without an IVR session (the ACD on overflow): the same
 * hand-over the IVR `voicemail` node makes, `params.mailbox` naming the mailbox. The
 * caller's channel must be answered, in our Stasis app and out of any bridge (Asterisk
 * cannot record a bridged channel). Rejects when no voicemail runs for that node here.
 */
export async function sendToVoicemail(pbxNode: string, handover: IvrHandover): Promise<void> {
  const take = takers.get(pbxNode);
  if (!take) throw new Error(`voicemail is not running for PBX node ${pbxNode} on this instance`);
  await take(handover);
}

export function voicemailCapability(config: VoicemailConfig): CapabilityFactory {
  return (ctx) => new VoicemailNode(ctx, config).capability();
}

class VoicemailNode {
  private readonly byChannel = new Map<string, Leaving>();
  private readonly byRef = new Map<string, Leaving>();
  private readonly greetings: PhoneGreetings;
  private stopped = false;

  constructor(
    private readonly ctx: NodeContext,
    private readonly config: VoicemailConfig,
  ) {
    this.greetings = new PhoneGreetings(ctx, config);
  }

  capability(): NodeCapability {
    const take: HandoverTaker = (h) => this.take(h);
    takers.set(this.ctx.pbxNode, take);
    recorders.set(this.ctx.pbxNode, this.greetings);
    return {
      handovers: { voicemail: take },
      route: async (event) => !this.stopped && ((await this.greetings.route(event as KnownAriEvent)) || (await this.route(event))),
      resync: () => this.republishAll(),
      stop: () => {
        this.stopped = true;
        if (takers.get(this.ctx.pbxNode) === take) takers.delete(this.ctx.pbxNode);
        if (recorders.get(this.ctx.pbxNode) === this.greetings) recorders.delete(this.ctx.pbxNode);
        this.greetings.stop();
        this.byChannel.clear();
        this.byRef.clear();
      },
    };
  }

  private async take(h: IvrHandover): Promise<void> {
    const mailboxId = String(h.params.mailbox ?? '');
    const mailbox = await getMailbox(this.ctx.db, mailboxId);
    // Thrown before we own the channel: the IVR says sorry and hangs up.
    if (!mailbox) throw new Error(`mailbox ${mailboxId} does not exist`);
    const ref = `${h.call.id}-${Date.now().toString(36)}`;
    const leaving: Leaving = {
      call: h.call,
      channelId: h.channelId,
      mailbox,
      ref,
      log: callLogger(this.ctx.log, h.call).child({ mailboxId }),
      phase: 'greeting',
      callerGone: false,
    };
    this.byChannel.set(h.channelId, leaving);
    this.byRef.set(ref, leaving);
    await noteCallEvent(this.ctx.db, h.call.id, 'call.voicemail', { mailboxId, node: h.node });
    leaving.log.info({ event: 'voicemail.greeting' }, 'caller sent to voicemail');
    try {
      await this.ctx.pbx.play(h.channelId, [await this.greetingOf(mailbox)], `${VM_PREFIX}${ref}-greeting`);
    } catch (err) {
      leaving.log.warn({ err: (err as Error).message }, 'voicemail greeting could not be played; recording at once');
      await this.record(leaving);
    }
  }

  /** The uploaded greeting (written for the PBX on first use), else the mailbox's prompt, else the default. */
  private async greetingOf(mailbox: Mailbox): Promise<string> {
    if (mailbox.greetingSha) {
      const media = await greetingMedia(this.config, mailbox.id, mailbox.greetingSha, () => getGreetingAudio(this.ctx.db, mailbox.id)).catch((err: Error) => {
        this.ctx.log.warn({ err: err.message, mailboxId: mailbox.id }, 'uploaded greeting could not be written; using the default');
        return undefined;
      });
      if (media) return media;
    }
    return mailbox.greeting ?? this.config.greetingMedia;
  }

  private async route(any: AriEvent): Promise<boolean> {
    if (this.stopped) return false;
    const event = any as KnownAriEvent;
    switch (event.type) {
      case 'PlaybackFinished': {
        const id = event.playback.id;
        if (!id.startsWith(VM_PREFIX)) return false;
        const leaving = this.byRef.get(id.slice(VM_PREFIX.length).replace(/-(greeting|goodbye)$/, ''));
        if (!leaving) return true;
        if (id.endsWith('-greeting') && leaving.phase === 'greeting' && !leaving.callerGone) await this.record(leaving);
        else if (id.endsWith('-goodbye')) await this.hangup(leaving);
        return true;
      }
      case 'RecordingFinished':
      case 'RecordingFailed': {
        const name = event.recording.name;
        if (!name.startsWith(VM_PREFIX)) return false;
        const leaving = this.byRef.get(name.slice(VM_PREFIX.length));
        if (leaving) await this.finished(leaving, event.recording.state, event.recording.duration, name);
        return true;
      }
      case 'RecordingStarted': {
        return event.recording.name.startsWith(VM_PREFIX);
      }
      case 'ChannelDtmfReceived':
        // `#` ends the recording on the PBX itself; no digit is for anyone else meanwhile.
        return this.byChannel.has(event.channel.id);
      case 'StasisEnd':
      case 'ChannelDestroyed': {
        // Observed only: InboundCalls still ends the call with its CDR.
        const leaving = this.byChannel.get(event.channel.id);
        if (leaving) {
          leaving.callerGone = true;
          if (leaving.phase !== 'recording') this.forget(leaving);
        }
        return false;
      }
      default:
        return false;
    }
  }

  private async record(leaving: Leaving): Promise<void> {
    leaving.phase = 'recording';
    const limits = recordLimits(leaving.mailbox.maxMessageSeconds, this.config.maxSilenceSeconds);
    try {
      await this.ctx.ari.rest.channels.record(leaving.channelId, {
        name: recordingName(leaving.ref),
        format: 'wav',
        maxDurationSeconds: limits.maxDurationSeconds,
        ...(limits.maxSilenceSeconds > 0 ? { maxSilenceSeconds: limits.maxSilenceSeconds } : {}),
        beep: true,
        terminateOn: '#',
        ifExists: 'fail',
      });
    } catch (err) {
      leaving.log.error({ err: (err as Error).message }, 'voicemail recording could not start');
      this.forget(leaving);
      if (!leaving.callerGone) await this.hangup(leaving);
    }
  }

  private async finished(leaving: Leaving, state: string, durationSeconds: number | undefined, name: string): Promise<void> {
    const { db, ari, pbxNode } = this.ctx;
    const keep = keepRecording({ state, durationSeconds }, this.config.minSeconds);
    if (keep) {
      try {
        const audio = await ari.rest.recordings.stored.file(name);
        const message = await saveMessage(db, {
          mailbox: leaving.mailbox,
          callId: leaving.call.id,
          callerNumber: leaving.call.callerNumber ?? null,
          callerName: leaving.call.callerName ?? null,
          durationSeconds: durationSeconds ?? 0,
          format: 'wav',
          audio,
          pbxNode,
        });
        leaving.log.info({ event: 'voicemail.created', messageId: message.id, durationSeconds }, 'voicemail message stored');
        await publishMwi(ari, db, leaving.mailbox.id, this.config.mwiContext, leaving.log);
      } catch (err) {
        leaving.log.error({ err: (err as Error).message }, 'voicemail message could not be stored');
      }
    } else {
      leaving.log.info({ event: 'voicemail.discarded', state, durationSeconds }, 'voicemail recording too short or failed: not kept');
    }
    // Our copy is in Postgres (or not wanted): the PBX's disk is not an archive.
    if (state === 'done') await ari.rest.recordings.stored.delete(name).catch(() => undefined);
    if (leaving.callerGone) {
      this.forget(leaving);
      return;
    }
    leaving.phase = 'goodbye';
    try {
      await this.ctx.pbx.play(leaving.channelId, [this.config.goodbyeMedia], `${VM_PREFIX}${leaving.ref}-goodbye`);
    } catch {
      await this.hangup(leaving);
    }
  }

  private async hangup(leaving: Leaving): Promise<void> {
    this.forget(leaving);
    await this.ctx.calls.hangupOwn(leaving.channelId).catch((err: Error) => leaving.log.warn({ err: err.message }, 'voicemail hang-up failed'));
  }

  private forget(leaving: Leaving): void {
    if (this.byChannel.get(leaving.channelId) === leaving) this.byChannel.delete(leaving.channelId);
    this.byRef.delete(leaving.ref);
  }

  /** After a (re)connect the PBX may have lost its lamps: publish every mailbox again. */
  private async republishAll(): Promise<void> {
    const { db, ari, log } = this.ctx;
    const mailboxes = await listMailboxes(db).catch(() => []);
    for (const m of mailboxes) await publishMwi(ari, db, m.id, this.config.mwiContext, log);
  }
}
