// /mailboxes: message-waiting state the PBX publishes to phones (res_mwi_external).
import type { AriHttp } from './http.js';
import { segment } from './query.js';

export interface AriMailbox {
  name: string;
  old_messages: number;
  new_messages: number;
}

export class MailboxesApi {
  constructor(private readonly http: AriHttp) {}

  async list(): Promise<AriMailbox[]> {
    return (await this.http.request<AriMailbox[]>('GET', '/mailboxes')) as AriMailbox[];
  }

  async get(name: string): Promise<AriMailbox> {
    return (await this.http.request<AriMailbox>('GET', `/mailboxes/${segment(name)}`)) as AriMailbox;
  }

  /** Sets the counts; the PBX creates the mailbox on first use. */
  async update(name: string, oldMessages: number, newMessages: number): Promise<void> {
    await this.http.request<void>('PUT', `/mailboxes/${segment(name)}`, { query: { oldMessages, newMessages }, response: 'none' });
  }

  async delete(name: string): Promise<void> {
    await this.http.request<void>('DELETE', `/mailboxes/${segment(name)}`, { response: 'none' });
  }
}
