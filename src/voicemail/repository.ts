// Mailboxes and messages in Postgres. A message row holds its audio; lists never read it.
import { randomUUID } from 'node:crypto';
import { withTransaction, type Db, type Queryable } from '../db/pool.js';
import { appendOutbox } from '../events/outbox.js';

export type MailboxKind = 'agent' | 'queue' | 'general';

export interface Mailbox {
  id: string;
  name: string;
  kind: MailboxKind;
  owner: string | null;
  greeting: string | null;
  /** Set when a greeting was uploaded: it plays instead of `greeting`. */
  greetingSha: string | null;
  maxMessageSeconds: number;
  notify: string[];
  createdAt: string;
  updatedAt: string;
}

export interface MailboxInput {
  name: string;
  kind: MailboxKind;
  owner?: string | null;
  greeting?: string | null;
  maxMessageSeconds?: number;
  notify?: string[];
}

export interface VoicemailMessage {
  id: string;
  mailboxId: string;
  callId: string | null;
  callerNumber: string | null;
  callerName: string | null;
  durationSeconds: number;
  format: string;
  sizeBytes: number;
  heard: boolean;
  createdAt: string;
}

export const DEFAULT_MAX_MESSAGE_SECONDS = 180;

const MAILBOX_COLUMNS = 'id, name, kind, owner, greeting, greeting_sha, max_message_seconds, notify, created_at, updated_at';

function mailboxOf(r: Record<string, unknown>): Mailbox {
  return {
    id: r.id as string,
    name: r.name as string,
    kind: r.kind as MailboxKind,
    owner: (r.owner as string | null) ?? null,
    greeting: (r.greeting as string | null) ?? null,
    greetingSha: (r.greeting_sha as string | null) ?? null,
    maxMessageSeconds: r.max_message_seconds as number,
    notify: r.notify as string[],
    createdAt: (r.created_at as Date).toISOString(),
    updatedAt: (r.updated_at as Date).toISOString(),
  };
}

const MESSAGE_COLUMNS = 'id, mailbox_id, call_id, caller_number, caller_name, duration_seconds, format, octet_length(audio) AS size_bytes, heard, created_at';

function messageOf(r: Record<string, unknown>): VoicemailMessage {
  return {
    id: r.id as string,
    mailboxId: r.mailbox_id as string,
    callId: (r.call_id as string | null) ?? null,
    callerNumber: (r.caller_number as string | null) ?? null,
    callerName: (r.caller_name as string | null) ?? null,
    durationSeconds: r.duration_seconds as number,
    format: r.format as string,
    sizeBytes: Number(r.size_bytes),
    heard: r.heard as boolean,
    createdAt: (r.created_at as Date).toISOString(),
  };
}

/** False when the id is taken. */
export async function createMailbox(db: Queryable, id: string, m: MailboxInput): Promise<Mailbox | undefined> {
  const { rows } = await db.query(
    `INSERT INTO mailboxes (id, name, kind, owner, greeting, max_message_seconds, notify)
     VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (id) DO NOTHING RETURNING ${MAILBOX_COLUMNS}`,
    [id, m.name, m.kind, m.owner ?? null, m.greeting ?? null, m.maxMessageSeconds ?? DEFAULT_MAX_MESSAGE_SECONDS, JSON.stringify(m.notify ?? [])],
  );
  return rows[0] ? mailboxOf(rows[0]) : undefined;
}

export async function updateMailbox(db: Queryable, id: string, m: Partial<MailboxInput>): Promise<Mailbox | undefined> {
  const { rows } = await db.query(
    `UPDATE mailboxes SET
       name = COALESCE($2, name), kind = COALESCE($3, kind),
       owner = CASE WHEN $4::boolean THEN $5 ELSE owner END,
       greeting = CASE WHEN $6::boolean THEN $7 ELSE greeting END,
       max_message_seconds = COALESCE($8, max_message_seconds),
       notify = COALESCE($9, notify), updated_at = now()
     WHERE id = $1 RETURNING ${MAILBOX_COLUMNS}`,
    [
      id,
      m.name ?? null,
      m.kind ?? null,
      m.owner !== undefined,
      m.owner ?? null,
      m.greeting !== undefined,
      m.greeting ?? null,
      m.maxMessageSeconds ?? null,
      m.notify ? JSON.stringify(m.notify) : null,
    ],
  );
  return rows[0] ? mailboxOf(rows[0]) : undefined;
}

export async function getMailbox(db: Queryable, id: string): Promise<Mailbox | undefined> {
  const { rows } = await db.query(`SELECT ${MAILBOX_COLUMNS} FROM mailboxes WHERE id = $1`, [id]);
  return rows[0] ? mailboxOf(rows[0]) : undefined;
}

export async function listMailboxes(db: Queryable): Promise<Mailbox[]> {
  const { rows } = await db.query(`SELECT ${MAILBOX_COLUMNS} FROM mailboxes ORDER BY id`);
  return rows.map(mailboxOf);
}

/** Stores (or with null removes) the uploaded greeting. */
export async function setGreetingAudio(db: Queryable, id: string, audio: Buffer | null, sha: string | null): Promise<Mailbox | undefined> {
  const { rows } = await db.query(
    `UPDATE mailboxes SET greeting_audio = $2, greeting_sha = $3, updated_at = now() WHERE id = $1 RETURNING ${MAILBOX_COLUMNS}`,
    [id, audio, sha],
  );
  return rows[0] ? mailboxOf(rows[0]) : undefined;
}

export async function getGreetingAudio(db: Queryable, id: string): Promise<Buffer | undefined> {
  const { rows } = await db.query<{ greeting_audio: Buffer | null }>('SELECT greeting_audio FROM mailboxes WHERE id = $1', [id]);
  return rows[0]?.greeting_audio ?? undefined;
}

export async function deleteMailbox(db: Queryable, id: string): Promise<boolean> {
  const { rowCount } = await db.query('DELETE FROM mailboxes WHERE id = $1', [id]);
  return (rowCount ?? 0) > 0;
}

export interface NewMessage {
  mailbox: Mailbox;
  callId: string | null;
  callerNumber: string | null;
  callerName: string | null;
  durationSeconds: number;
  format: string;
  audio: Buffer;
  pbxNode?: string;
}

/** Stores the message and announces it (voicemail.created) in one transaction. */
export async function saveMessage(db: Db, m: NewMessage): Promise<VoicemailMessage> {
  const id = randomUUID();
  return withTransaction(db, async (tx) => {
    const { rows } = await tx.query(
      `INSERT INTO voicemail_messages (id, mailbox_id, call_id, caller_number, caller_name, duration_seconds, format, audio)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING ${MESSAGE_COLUMNS}`,
      [id, m.mailbox.id, m.callId, m.callerNumber, m.callerName, m.durationSeconds, m.format, m.audio],
    );
    const message = messageOf(rows[0]!);
    await appendOutbox(tx, {
      type: 'voicemail.created',
      ...(m.callId ? { callId: m.callId } : {}),
      ...(m.pbxNode ? { pbxNode: m.pbxNode } : {}),
      data: {
        messageId: message.id,
        mailboxId: m.mailbox.id,
        mailboxKind: m.mailbox.kind,
        owner: m.mailbox.owner,
        callerNumber: message.callerNumber,
        callerName: message.callerName,
        durationSeconds: message.durationSeconds,
        format: message.format,
        notify: m.mailbox.notify,
      },
    });
    return message;
  });
}

export async function listMessages(db: Queryable, mailboxId: string, o: { heard?: boolean; limit: number }): Promise<VoicemailMessage[]> {
  const { rows } = await db.query(
    `SELECT ${MESSAGE_COLUMNS} FROM voicemail_messages
     WHERE mailbox_id = $1 AND ($2::boolean IS NULL OR heard = $2)
     ORDER BY created_at DESC, id DESC LIMIT $3`,
    [mailboxId, o.heard ?? null, o.limit],
  );
  return rows.map(messageOf);
}

export async function getMessage(db: Queryable, mailboxId: string, id: string): Promise<VoicemailMessage | undefined> {
  const { rows } = await db.query(`SELECT ${MESSAGE_COLUMNS} FROM voicemail_messages WHERE mailbox_id = $1 AND id = $2`, [mailboxId, id]);
  return rows[0] ? messageOf(rows[0]) : undefined;
}

export async function setHeard(db: Queryable, mailboxId: string, id: string, heard: boolean): Promise<VoicemailMessage | undefined> {
  const { rows } = await db.query(
    `UPDATE voicemail_messages SET heard = $3 WHERE mailbox_id = $1 AND id = $2 RETURNING ${MESSAGE_COLUMNS}`,
    [mailboxId, id, heard],
  );
  return rows[0] ? messageOf(rows[0]) : undefined;
}

export async function deleteMessage(db: Queryable, mailboxId: string, id: string): Promise<boolean> {
  const { rowCount } = await db.query('DELETE FROM voicemail_messages WHERE mailbox_id = $1 AND id = $2', [mailboxId, id]);
  return (rowCount ?? 0) > 0;
}

/** A byte range of a message's audio (offset from 0), without reading the rest. */
export async function readAudio(db: Queryable, mailboxId: string, id: string, offset: number, length: number): Promise<Buffer> {
  const { rows } = await db.query<{ part: Buffer }>(
    'SELECT substring(audio FROM $3 FOR $4) AS part FROM voicemail_messages WHERE mailbox_id = $1 AND id = $2',
    [mailboxId, id, offset + 1, length],
  );
  return rows[0]?.part ?? Buffer.alloc(0);
}

export interface MailboxCounts {
  oldMessages: number;
  newMessages: number;
}

export async function messageCounts(db: Queryable, mailboxId: string): Promise<MailboxCounts> {
  const { rows } = await db.query<{ old: string; new: string }>(
    `SELECT count(*) FILTER (WHERE heard) AS old, count(*) FILTER (WHERE NOT heard) AS new
     FROM voicemail_messages WHERE mailbox_id = $1`,
    [mailboxId],
  );
  return { oldMessages: Number(rows[0]?.old ?? 0), newMessages: Number(rows[0]?.new ?? 0) };
}
