// /bridges: where calls meet (mixing) or wait (holding).
import { AriArgumentError } from './errors.js';
import { NOT_FOUND, type AriHttp } from './http.js';
import { commaList, segment } from './query.js';
import { playQuery, recordQuery, type PlayParams, type RecordParams } from './rest-channels.js';
import type { Bridge, LiveRecording, Playback } from './types.js';

export type BridgeType = 'mixing' | 'holding' | 'dtmf_events' | 'proxy_media' | 'video_sfu' | 'video_single' | 'sdp_label';

export interface CreateBridgeParams {
  /** One type or a combination, e.g. `['mixing', 'dtmf_events']`. */
  type: BridgeType | readonly BridgeType[];
  name?: string;
  /** Our own id, so events for the bridge can be matched before the response. */
  bridgeId?: string;
}

export type BridgeRole = 'participant' | 'announcer' | (string & {});

export class BridgesApi {
  constructor(private readonly http: AriHttp) {}

  async list(): Promise<Bridge[]> {
    return (await this.http.request<Bridge[]>('GET', '/bridges')) as Bridge[];
  }

  async get(bridgeId: string): Promise<Bridge> {
    return (await this.http.request<Bridge>('GET', `/bridges/${segment(bridgeId)}`)) as Bridge;
  }

  async create(p: CreateBridgeParams): Promise<Bridge> {
    const types = typeof p.type === 'string' ? [p.type] : p.type;
    if (types.length === 0) throw new AriArgumentError('a bridge needs at least one type');
    if (p.bridgeId !== undefined && p.bridgeId === '') throw new AriArgumentError('bridgeId must not be empty');
    return (await this.http.request<Bridge>('POST', '/bridges', {
      query: { type: commaList('type', types), name: p.name, bridgeId: p.bridgeId },
    })) as Bridge;
  }

  /** Destroy; resolves false when the bridge was already gone (404 is "done"). */
  async destroy(bridgeId: string): Promise<boolean> {
    const res = await this.http.request<void>('DELETE', `/bridges/${segment(bridgeId)}`, {
      response: 'none',
      notFoundIsDone: true,
    });
    return res !== NOT_FOUND;
  }

  async addChannel(
    bridgeId: string,
    channel: string | readonly string[],
    opts: { role?: BridgeRole; absorbDTMF?: boolean; mute?: boolean; inhibitConnectedLineUpdates?: boolean } = {},
  ): Promise<void> {
    await this.http.request<void>('POST', `/bridges/${segment(bridgeId)}/addChannel`, {
      query: { channel: channelList(channel), role: opts.role, absorbDTMF: opts.absorbDTMF, mute: opts.mute, inhibitConnectedLineUpdates: opts.inhibitConnectedLineUpdates },
      response: 'none',
    });
  }

  async removeChannel(bridgeId: string, channel: string | readonly string[]): Promise<void> {
    await this.http.request<void>('POST', `/bridges/${segment(bridgeId)}/removeChannel`, {
      query: { channel: channelList(channel) },
      response: 'none',
    });
  }

  async startMoh(bridgeId: string, mohClass?: string): Promise<void> {
    await this.http.request<void>('POST', `/bridges/${segment(bridgeId)}/moh`, { query: { mohClass }, response: 'none' });
  }

  async stopMoh(bridgeId: string): Promise<void> {
    await this.http.request<void>('DELETE', `/bridges/${segment(bridgeId)}/moh`, { response: 'none' });
  }

  async play(bridgeId: string, p: PlayParams): Promise<Playback> {
    return (await this.http.request<Playback>('POST', `/bridges/${segment(bridgeId)}/play`, {
      query: playQuery(p),
    })) as Playback;
  }

  async record(bridgeId: string, p: RecordParams): Promise<LiveRecording> {
    return (await this.http.request<LiveRecording>('POST', `/bridges/${segment(bridgeId)}/record`, {
      query: recordQuery(p),
    })) as LiveRecording;
  }
}

function channelList(channel: string | readonly string[]): string {
  const ids = typeof channel === 'string' ? [channel] : channel;
  if (ids.length === 0 || ids.some((id) => id === '')) throw new AriArgumentError('channel ids must be non-empty');
  return commaList('channel', ids);
}
