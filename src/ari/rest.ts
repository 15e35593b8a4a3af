// Typed ARI REST: one object per resource family over one AriHttp transport.
// Usage: `rest.channels.originate({...})`, `rest.bridges.addChannel(id, [a, b])`.
import { AriHttpError } from './errors.js';
import { AriHttp, type AriHttpOptions } from './http.js';
import { segment } from './query.js';
import { BridgesApi } from './rest-bridges.js';
import { ChannelsApi } from './rest-channels.js';
import { MailboxesApi } from './rest-mailboxes.js';
import { LiveRecordingsApi, PlaybacksApi, StoredRecordingsApi } from './rest-media.js';
import type { Application, AsteriskInfo, AsteriskPing, Endpoint, Variable } from './types.js';

export class AsteriskApi {
  constructor(private readonly http: AriHttp) {}

  async info(): Promise<AsteriskInfo> {
    return (await this.http.request<AsteriskInfo>('GET', '/asterisk/info')) as AsteriskInfo;
  }

  async ping(): Promise<AsteriskPing> {
    return (await this.http.request<AsteriskPing>('GET', '/asterisk/ping')) as AsteriskPing;
  }

  /** A global variable's value, or undefined when it is not set. */
  async getVariable(variable: string): Promise<string | undefined> {
    try {
      return ((await this.http.request<Variable>('GET', '/asterisk/variable', { query: { variable } })) as Variable).value;
    } catch (err) {
      if (err instanceof AriHttpError && err.status === 404) return undefined;
      throw err;
    }
  }

  async setVariable(variable: string, value: string): Promise<void> {
    await this.http.request<void>('POST', '/asterisk/variable', { query: { variable, value }, response: 'none' });
  }
}

export class ApplicationsApi {
  constructor(private readonly http: AriHttp) {}

  async list(): Promise<Application[]> {
    return (await this.http.request<Application[]>('GET', '/applications')) as Application[];
  }

  async get(name: string): Promise<Application> {
    return (await this.http.request<Application>('GET', `/applications/${segment(name)}`)) as Application;
  }

  /** Events of `eventSource` (e.g. `endpoint:PJSIP`, every PJSIP endpoint) reach the app from now on. */
  async subscribe(name: string, eventSource: string): Promise<Application> {
    return (await this.http.request<Application>('POST', `/applications/${segment(name)}/subscription`, { query: { eventSource } })) as Application;
  }

  /** Sets the app's event type filter (Asterisk 13.26/16.3+); a list left out keeps its value. */
  async filter(name: string, filter: { allowed?: { type: string }[]; disallowed?: { type: string }[] }): Promise<Application> {
    return (await this.http.request<Application>('PUT', `/applications/${segment(name)}/eventFilter`, { body: filter })) as Application;
  }
}

export class EndpointsApi {
  constructor(private readonly http: AriHttp) {}

  /** Every endpoint the PBX knows, with its state: what a reconnect may have missed of phones. */
  async list(): Promise<Endpoint[]> {
    return (await this.http.request<Endpoint[]>('GET', '/endpoints')) as Endpoint[];
  }
}

export type AriRestOptions = AriHttpOptions;

export class AriRest {
  readonly http: AriHttp;
  readonly asterisk: AsteriskApi;
  readonly applications: ApplicationsApi;
  readonly channels: ChannelsApi;
  readonly bridges: BridgesApi;
  readonly playbacks: PlaybacksApi;
  readonly recordings: { live: LiveRecordingsApi; stored: StoredRecordingsApi };
  readonly mailboxes: MailboxesApi;
  readonly endpoints: EndpointsApi;

  constructor(opts: AriRestOptions) {
    this.http = new AriHttp(opts);
    this.asterisk = new AsteriskApi(this.http);
    this.applications = new ApplicationsApi(this.http);
    this.channels = new ChannelsApi(this.http);
    this.bridges = new BridgesApi(this.http);
    this.playbacks = new PlaybacksApi(this.http);
    this.recordings = { live: new LiveRecordingsApi(this.http), stored: new StoredRecordingsApi(this.http) };
    this.mailboxes = new MailboxesApi(this.http);
    this.endpoints = new EndpointsApi(this.http);
  }
}
