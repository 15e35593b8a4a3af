// /channels: the calls themselves. Every channel-creating call takes our own id,
// because StasisStart for that id can arrive before the HTTP response does.
import { randomUUID } from 'node:crypto';
import { AriArgumentError, AriHttpError } from './errors.js';
import { NOT_FOUND, type AriHttp } from './http.js';
import { commaList, segment } from './query.js';
import type { Channel, LiveRecording, Playback, TransferProgress, Variable } from './types.js';

export type ChannelVariables = Record<string, string>;

interface OriginateCommon {
  /** Dial string, e.g. `PJSIP/1001` or `Local/100@from-pstn`. */
  endpoint: string;
  /** Our id for the channel: StasisStart may beat the HTTP response. */
  channelId: string;
  /** Our id for the other half of a Local channel pair. */
  otherChannelId?: string;
  /** Id of the channel that causes this one (links CDRs and linkedid). */
  originator?: string;
  /** Comma-separated codec list, e.g. `ulaw,alaw`. */
  formats?: string;
  variables?: ChannelVariables;
}

export interface OriginateToApp extends OriginateCommon {
  app: string;
  appArgs?: readonly string[];
  callerId?: string;
  /** Seconds to wait for an answer (Asterisk's default is 30). */
  timeout?: number;
}

export interface OriginateToDialplan extends OriginateCommon {
  context: string;
  extension: string;
  priority?: number;
  label?: string;
  callerId?: string;
  timeout?: number;
}

export type OriginateParams = OriginateToApp | OriginateToDialplan;

export interface CreateChannelParams extends OriginateCommon {
  app: string;
  appArgs?: readonly string[];
}

export interface PlayParams {
  /** One or more media URIs (`sound:hello-world`, `recording:...`, `digits:123`). */
  media: string | readonly string[];
  /** Our id for the playback, so PlaybackFinished can be matched before the response. Default: a UUID. */
  playbackId?: string;
  lang?: string;
  offsetms?: number;
  skipms?: number;
}

export interface RecordParams {
  name: string;
  format: string;
  maxDurationSeconds?: number;
  maxSilenceSeconds?: number;
  ifExists?: 'fail' | 'overwrite' | 'append';
  beep?: boolean;
  terminateOn?: 'none' | 'any' | '*' | '#';
}

export type MuteDirection = 'both' | 'in' | 'out';

/** `reason` values ARI accepts for a hangup (mapped by Asterisk to Q.850 causes). */
export type HangupReason =
  | 'normal'
  | 'busy'
  | 'congestion'
  | 'no_answer'
  | 'timeout'
  | 'rejected'
  | 'unallocated'
  | 'normal_unspecified'
  | 'number_incomplete'
  | 'codec_mismatch'
  | 'interworking'
  | 'failure'
  | 'answered_elsewhere';

// Asterisk answers an unset variable with `404 Variable Not Found`; a missing channel is a plain 404.
const VARIABLE_NOT_FOUND = 'Provided variable was not found';

export class ChannelsApi {
  constructor(private readonly http: AriHttp) {}

  async list(): Promise<Channel[]> {
    return (await this.http.request<Channel[]>('GET', '/channels')) as Channel[];
  }

  async get(channelId: string): Promise<Channel> {
    return (await this.http.request<Channel>('GET', `/channels/${segment(channelId)}`)) as Channel;
  }

  /** Originate into the Stasis app (`app`) or into the dialplan (`context`/`extension`). */
  async originate(p: OriginateParams): Promise<Channel> {
    const target =
      'app' in p
        ? { app: p.app, appArgs: p.appArgs ? commaList('appArgs', p.appArgs) : undefined }
        : { extension: p.extension, context: p.context, priority: p.priority, label: p.label };
    if (!('app' in p) && (!p.context || !p.extension)) {
      throw new AriArgumentError('originate needs either app or both context and extension');
    }
    const query = {
      endpoint: p.endpoint,
      ...target,
      callerId: p.callerId,
      timeout: p.timeout,
      otherChannelId: p.otherChannelId,
      originator: p.originator,
      formats: p.formats,
    };
    return (await this.http.request<Channel>('POST', `/channels/${segment(p.channelId)}`, {
      query,
      body: variablesBody(p.variables),
    })) as Channel;
  }

  /** Create a channel in the app without dialing it; `dial` it afterwards (once!). */
  async create(p: CreateChannelParams): Promise<Channel> {
    return (await this.http.request<Channel>('POST', '/channels/create', {
      query: {
        endpoint: p.endpoint,
        app: p.app,
        appArgs: p.appArgs ? commaList('appArgs', p.appArgs) : undefined,
        channelId: segmentValue(p.channelId),
        otherChannelId: p.otherChannelId,
        originator: p.originator,
        formats: p.formats,
      },
      body: variablesBody(p.variables),
    })) as Channel;
  }

  /**
   * Dial a created channel. Never issue two overlapping dials for one channel:
   * Asterisk 22.10.1 accepts both and then crashes.
   */
  async dial(channelId: string, opts: { caller?: string; timeout?: number } = {}): Promise<void> {
    await this.action('POST', channelId, '/dial', { caller: opts.caller, timeout: opts.timeout });
  }

  async answer(channelId: string): Promise<void> {
    await this.action('POST', channelId, '/answer');
  }

  async ring(channelId: string): Promise<void> {
    await this.action('POST', channelId, '/ring');
  }

  async ringStop(channelId: string): Promise<void> {
    await this.action('DELETE', channelId, '/ring');
  }

  async progress(channelId: string): Promise<void> {
    await this.action('POST', channelId, '/progress');
  }

  /**
   * Hang up. Resolves true when this call hung the channel up, false when it was
   * already gone (404): hanging up twice is not an error.
   */
  async hangup(channelId: string, opts: { reason?: HangupReason; reasonCode?: string } = {}): Promise<boolean> {
    const res = await this.http.request<void>('DELETE', `/channels/${segment(channelId)}`, {
      query: { reason_code: opts.reasonCode, reason: opts.reason },
      response: 'none',
      notFoundIsDone: true,
    });
    return res !== NOT_FOUND;
  }

  async play(channelId: string, p: PlayParams): Promise<Playback> {
    return (await this.http.request<Playback>('POST', `/channels/${segment(channelId)}/play`, {
      query: playQuery(p),
    })) as Playback;
  }

  async record(channelId: string, p: RecordParams): Promise<LiveRecording> {
    return (await this.http.request<LiveRecording>('POST', `/channels/${segment(channelId)}/record`, {
      query: recordQuery(p),
    })) as LiveRecording;
  }

  /** The variable's value, or undefined when it is not set on the channel. */
  async getVariable(channelId: string, variable: string): Promise<string | undefined> {
    try {
      const res = await this.http.request<Variable>('GET', `/channels/${segment(channelId)}/variable`, {
        query: { variable },
      });
      return (res as Variable).value;
    } catch (err) {
      if (err instanceof AriHttpError && err.status === 404 && (err.ariMessage === VARIABLE_NOT_FOUND || err.statusText === 'Variable Not Found')) {
        return undefined;
      }
      throw err;
    }
  }

  async setVariable(channelId: string, variable: string, value: string): Promise<void> {
    await this.action('POST', channelId, '/variable', { variable, value });
  }

  async sendDtmf(
    channelId: string,
    dtmf: string,
    opts: { before?: number; between?: number; duration?: number; after?: number } = {},
  ): Promise<void> {
    await this.action('POST', channelId, '/dtmf', { dtmf, ...opts });
  }

  async hold(channelId: string): Promise<void> {
    await this.action('POST', channelId, '/hold');
  }

  async unhold(channelId: string): Promise<void> {
    await this.action('DELETE', channelId, '/hold');
  }

  async mute(channelId: string, direction: MuteDirection = 'both'): Promise<void> {
    await this.action('POST', channelId, '/mute', { direction });
  }

  async unmute(channelId: string, direction: MuteDirection = 'both'): Promise<void> {
    await this.action('DELETE', channelId, '/mute', { direction });
  }

  async startMoh(channelId: string, mohClass?: string): Promise<void> {
    await this.action('POST', channelId, '/moh', { mohClass });
  }

  async stopMoh(channelId: string): Promise<void> {
    await this.action('DELETE', channelId, '/moh');
  }

  async startSilence(channelId: string): Promise<void> {
    await this.action('POST', channelId, '/silence');
  }

  async stopSilence(channelId: string): Promise<void> {
    await this.action('DELETE', channelId, '/silence');
  }

  /** Leave Stasis and continue in the dialplan (a missing context still answers 204, then hangs up). */
  async continueInDialplan(
    channelId: string,
    to: { context?: string; extension?: string; priority?: number; label?: string } = {},
  ): Promise<void> {
    await this.action('POST', channelId, '/continue', {
      context: to.context,
      extension: to.extension,
      priority: to.priority,
      label: to.label,
    });
  }

  /** Transfer at the channel driver (SIP REFER/302); Local channels answer 204 and ignore it. */
  async redirect(channelId: string, endpoint: string): Promise<void> {
    await this.action('POST', channelId, '/redirect', { endpoint });
  }

  /** Tells a phone whose REFER Asterisk left to us (ari-only) how its transfer goes (NOTIFY sipfrag). */
  async transferProgress(channelId: string, state: TransferProgress): Promise<void> {
    await this.action('POST', channelId, '/transfer_progress', { states: state });
  }

  async move(channelId: string, app: string, appArgs?: readonly string[]): Promise<void> {
    await this.action('POST', channelId, '/move', { app, appArgs: appArgs ? commaList('appArgs', appArgs) : undefined });
  }

  /** A spy/whisper channel on `channelId`, placed into `app` under our own `snoopId`. */
  async snoop(
    channelId: string,
    p: { app: string; snoopId: string; appArgs?: readonly string[]; spy?: MuteDirection | 'none'; whisper?: MuteDirection | 'none' },
  ): Promise<Channel> {
    return (await this.http.request<Channel>('POST', `/channels/${segment(channelId)}/snoop`, {
      query: {
        app: p.app,
        appArgs: p.appArgs ? commaList('appArgs', p.appArgs) : undefined,
        spy: p.spy,
        whisper: p.whisper,
        snoopId: segmentValue(p.snoopId),
      },
    })) as Channel;
  }

  private async action(
    method: 'POST' | 'DELETE',
    channelId: string,
    suffix: string,
    query?: Record<string, string | number | boolean | undefined>,
  ): Promise<void> {
    await this.http.request<void>(method, `/channels/${segment(channelId)}${suffix}`, { query, response: 'none' });
  }
}

export function variablesBody(variables: ChannelVariables | undefined): { variables: ChannelVariables } | undefined {
  if (!variables || Object.keys(variables).length === 0) return undefined;
  for (const [k, v] of Object.entries(variables)) {
    if (typeof v !== 'string') throw new AriArgumentError(`variable ${k} must be a string`);
  }
  return { variables };
}

export function playQuery(p: PlayParams): Record<string, string | number | undefined> {
  const media = typeof p.media === 'string' ? [p.media] : p.media;
  if (media.length === 0) throw new AriArgumentError('play needs at least one media URI');
  return {
    media: commaList('media', media),
    lang: p.lang,
    offsetms: p.offsetms,
    skipms: p.skipms,
    playbackId: p.playbackId ?? randomUUID(),
  };
}

export function recordQuery(p: RecordParams): Record<string, string | number | boolean | undefined> {
  if (!p.name) throw new AriArgumentError('record needs a name');
  if (!p.format) throw new AriArgumentError('record needs a format');
  return {
    name: p.name,
    format: p.format,
    ifExists: p.ifExists,
    maxDurationSeconds: p.maxDurationSeconds,
    maxSilenceSeconds: p.maxSilenceSeconds,
    beep: p.beep,
    terminateOn: p.terminateOn,
  };
}

function segmentValue(id: string): string {
  if (typeof id !== 'string' || id === '') throw new AriArgumentError('an ARI id must be a non-empty string');
  return id;
}
