// A greeting recorded through the phone: the API asks, the PBX calls the owner's phone
// into our Stasis app, it hears the "record your message" prompt and a beep, speaks, and
// presses # (or hangs up). The recording becomes the mailbox's uploaded greeting.
import { randomUUID } from 'node:crypto';
import type { KnownAriEvent } from '../ari/types.js';
import type { VoicemailConfig } from '../config.js';
import type { Logger } from '../log.js';
import type { NodeContext } from '../pbx/capability.js';
import { MAX_GREETING_SECONDS, checkGreetingWav, greetingSha } from './greeting.js';
import { setGreetingAudio } from './repository.js';

/** Our channels, playbacks and recordings for phone greetings are named `vmg-<uuid>...`. */
export const VMG_PREFIX = 'vmg-';
const APP_ARG = 'vm-greeting';

interface Session {
  mailboxId: string;
  channelId: string;
  log: Logger;
  recording: boolean;
}

export class PhoneGreetings {
  private readonly sessions = new Map<string, Session>();

  constructor(
    private readonly ctx: NodeContext,
    private readonly config: VoicemailConfig,
  ) {}

  /** Calls `number` (already through the dial allow-list); resolves once the PBX took the call. */
  async start(mailboxId: string, number: string): Promise<string> {
    const channelId = `${VMG_PREFIX}${randomUUID()}`;
    const log = this.ctx.log.child({ mailboxId, channelId });
    this.sessions.set(channelId, { mailboxId, channelId, log, recording: false });
    try {
      await this.ctx.ari.rest.channels.originate({
        endpoint: this.config.phoneTemplate.split('{number}').join(number),
        app: this.ctx.ari.app,
        appArgs: [APP_ARG, mailboxId],
        channelId,
        callerId: `"Voicemail" <${mailboxId.slice(0, 20)}>`,
        timeout: 30,
      });
    } catch (err) {
      this.sessions.delete(channelId);
      throw err;
    }
    log.info({ event: 'voicemail.greeting_call' }, 'calling the phone to record a greeting');
    return channelId;
  }

  /** True for the events of our greeting calls. */
  async route(event: KnownAriEvent): Promise<boolean> {
    const id = 'channel' in event && event.channel ? event.channel.id : 'playback' in event ? event.playback.id : 'recording' in event ? event.recording.name : '';
    if (!id.startsWith(VMG_PREFIX)) return false;
    const session = this.sessions.get(id.slice(0, VMG_PREFIX.length + 36));
    if (!session) return true;
    switch (event.type) {
      case 'StasisStart':
        await this.ctx.ari.rest.channels.answer(session.channelId).catch(() => undefined);
        await this.ctx.pbx.play(session.channelId, [this.config.recordGreetingMedia], `${session.channelId}-prompt`).catch(() => this.record(session));
        return true;
      case 'PlaybackFinished':
        if (id.endsWith('-prompt') && !session.recording) await this.record(session);
        else if (id.endsWith('-bye')) await this.hangup(session);
        return true;
      case 'RecordingFinished':
      case 'RecordingFailed':
        await this.finished(session, event.recording.state, event.recording.name);
        return true;
      case 'StasisEnd':
      case 'ChannelDestroyed':
        if (!session.recording) this.sessions.delete(session.channelId);
        return true;
      default:
        return true;
    }
  }

  stop(): void {
    this.sessions.clear();
  }

  private async record(session: Session): Promise<void> {
    session.recording = true;
    try {
      await this.ctx.ari.rest.channels.record(session.channelId, {
        name: session.channelId,
        format: 'wav',
        maxDurationSeconds: MAX_GREETING_SECONDS,
        beep: true,
        terminateOn: '#',
        ifExists: 'overwrite',
      });
    } catch (err) {
      session.log.warn({ err: (err as Error).message }, 'greeting recording could not start');
      await this.hangup(session);
    }
  }

  private async finished(session: Session, state: string, name: string): Promise<void> {
    const { ari, db } = this.ctx;
    if (state === 'done') {
      try {
        const audio = await ari.rest.recordings.stored.file(name);
        const check = checkGreetingWav(audio);
        if (check.ok) {
          await setGreetingAudio(db, session.mailboxId, audio, greetingSha(audio));
          session.log.info({ event: 'voicemail.greeting_recorded', durationMs: check.durationMs }, 'greeting recorded by phone');
        } else {
          session.log.warn({ reason: check.reason }, 'greeting recorded by phone not kept');
        }
      } catch (err) {
        session.log.error({ err: (err as Error).message }, 'greeting recorded by phone could not be stored');
      }
      await ari.rest.recordings.stored.delete(name).catch(() => undefined);
    }
    session.recording = false;
    await this.ctx.pbx.play(session.channelId, [this.config.goodbyeMedia], `${session.channelId}-bye`).catch(() => this.hangup(session));
  }

  private async hangup(session: Session): Promise<void> {
    this.sessions.delete(session.channelId);
    await this.ctx.pbx.hangup(session.channelId, 'normal').catch(() => undefined);
  }
}
