// Request and response schemas of the voicemail routes (validation and OpenAPI).
import { Type } from 'typebox';

const Timestamp = Type.String({ format: 'date-time' });
const MailboxId = Type.String({ pattern: '^[a-z0-9][a-z0-9_-]{0,63}$', description: 'Mailbox slug, e.g. sales or agent-1001' });
const Kind = Type.Union([Type.Literal('agent'), Type.Literal('queue'), Type.Literal('general')], { description: 'Whose mailbox it is' });
const Greeting = Type.String({
  pattern: '^(sound|recording):[A-Za-z0-9_/.-]{1,200}$',
  description: 'A prompt on the PBX (sound:custom/sales-vm, recording:greeting-sales); absent or null: the default greeting',
});
const Notify = Type.Array(Type.String({ minLength: 1, maxLength: 200 }), {
  maxItems: 20,
  description: 'Who should hear about new messages (addresses, user ids); carried in voicemail.created for the receivers to act on',
});

export const MailboxParams = Type.Object({ id: MailboxId }, { additionalProperties: false });
export const MessageParams = Type.Object({ id: MailboxId, messageId: Type.String({ format: 'uuid' }) }, { additionalProperties: false });

export const CreateMailboxBody = Type.Object(
  {
    id: MailboxId,
    name: Type.String({ minLength: 1, maxLength: 200 }),
    kind: Kind,
    owner: Type.Optional(Type.Union([Type.String({ minLength: 1, maxLength: 100 }), Type.Null()], { description: 'Agent id or queue id the mailbox belongs to' })),
    greeting: Type.Optional(Type.Union([Greeting, Type.Null()])),
    maxMessageSeconds: Type.Optional(Type.Integer({ minimum: 5, maximum: 3600, default: 180 })),
    notify: Type.Optional(Notify),
  },
  { additionalProperties: false },
);

export const UpdateMailboxBody = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    kind: Type.Optional(Kind),
    owner: Type.Optional(Type.Union([Type.String({ minLength: 1, maxLength: 100 }), Type.Null()])),
    greeting: Type.Optional(Type.Union([Greeting, Type.Null()])),
    maxMessageSeconds: Type.Optional(Type.Integer({ minimum: 5, maximum: 3600 })),
    notify: Type.Optional(Notify),
  },
  { additionalProperties: false, minProperties: 1 },
);

export const MailboxSchema = Type.Object({
  id: MailboxId,
  name: Type.String(),
  kind: Kind,
  owner: Type.Union([Type.String(), Type.Null()]),
  greeting: Type.Union([Type.String(), Type.Null()]),
  greetingUploaded: Type.Boolean({ description: 'A greeting was uploaded (PUT .../greeting); it plays instead of `greeting`' }),
  maxMessageSeconds: Type.Integer(),
  notify: Type.Array(Type.String()),
  newMessages: Type.Integer(),
  oldMessages: Type.Integer(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});

export const MailboxList = Type.Object({ items: Type.Array(MailboxSchema) });

export const MessageSchema = Type.Object({
  id: Type.String({ format: 'uuid' }),
  mailboxId: MailboxId,
  callId: Type.Union([Type.String({ format: 'uuid' }), Type.Null()]),
  callerNumber: Type.Union([Type.String(), Type.Null()]),
  callerName: Type.Union([Type.String(), Type.Null()]),
  durationSeconds: Type.Integer(),
  format: Type.String({ description: 'Audio format of GET .../audio (wav: 8 kHz 16-bit mono)' }),
  sizeBytes: Type.Integer(),
  heard: Type.Boolean(),
  createdAt: Timestamp,
});

export const MessageList = Type.Object({ items: Type.Array(MessageSchema) });

export const MessagesQuery = Type.Object(
  {
    heard: Type.Optional(Type.Boolean({ description: 'Only heard (true) or new (false) messages' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, description: 'At most this many (default 100)' })),
  },
  { additionalProperties: false },
);

export const UpdateMessageBody = Type.Object({ heard: Type.Boolean() }, { additionalProperties: false });

export const RecordGreetingBody = Type.Object(
  { extension: Type.String({ minLength: 1, maxLength: 20, description: 'The phone to call, e.g. 1001' }) },
  { additionalProperties: false },
);
export const RecordGreetingAccepted = Type.Object({ channelId: Type.String(), extension: Type.String() });

/** A WAV file as the request body (checked by the route), documented as such. */
export const WavBody = Type.Unsafe<Buffer>({ description: 'The WAV file itself (8 kHz, 16-bit, mono PCM)' });
export const WAV_TYPES = ['audio/wav', 'audio/x-wav', 'audio/wave'];

export const Deleted = Type.Null({ description: 'Deleted' });
