// The voicemail REST API: mailboxes, their messages, and the messages' audio (with Range,
// so players can seek). Every change of a message's heard state updates the PBX's lamp.
import { Readable } from 'node:stream';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { ProblemError, notFound } from '../api/problem.js';
import { authProblems, problemResponses } from '../api/schemas.js';
import type { Db } from '../db/pool.js';
import { MAX_GREETING_SECONDS, checkGreetingWav, greetingSha } from './greeting.js';
import { parseRange } from './range.js';
import { keyId } from '../calls/control/lookup.js';
import {
  createMailbox,
  deleteMailbox,
  deleteMessage,
  getGreetingAudio,
  getMailbox,
  getMessage,
  listMailboxes,
  listMessages,
  messageCounts,
  readAudio,
  setGreetingAudio,
  setHeard,
  updateMailbox,
  type Mailbox,
} from './repository.js';
import {
  CreateMailboxBody,
  Deleted,
  MailboxList,
  MailboxParams,
  MailboxSchema,
  MessageList,
  MessageParams,
  MessageSchema,
  MessagesQuery,
  RecordGreetingAccepted,
  RecordGreetingBody,
  UpdateMailboxBody,
  UpdateMessageBody,
  WAV_TYPES,
  WavBody,
} from './schemas.js';

export interface VoicemailRouteOptions {
  db: Db;
  /** Best effort: publishes a mailbox's counts to the PBX when this instance holds a node. */
  publishMwi: (mailboxId: string) => Promise<void>;
  /** Calls a phone to record the greeting; undefined when this instance holds no PBX node. */
  recordGreeting: (mailboxId: string, number: string) => Promise<string | undefined>;
  /** The extension as the dial gate lets it through (the key's or the configured policy), or a 4xx problem. */
  checkExtension: (apiKeyId: string, extension: string) => Promise<string>;
}

const TAGS = ['voicemail'];
/** Audio is read from Postgres in pieces of this size, so a long message is never all in memory. */
const CHUNK = 256 * 1024;
/** 120 s of 8 kHz 16-bit mono is 1.92 MB; a little more for headers. */
const GREETING_LIMIT = 2 * 1024 * 1024;

export async function voicemailRoutes(app: FastifyInstance, opts: VoicemailRouteOptions): Promise<void> {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const { db } = opts;

  const withCounts = async ({ greetingSha, ...m }: Mailbox) => ({ ...m, greetingUploaded: greetingSha !== null, ...(await messageCounts(db, m.id)) });
  const mustMailbox = async (id: string) => {
    const m = await getMailbox(db, id);
    if (!m) throw notFound('mailbox', id);
    return m;
  };
  const lamp = (id: string) => opts.publishMwi(id).catch(() => undefined);

  r.post(
    '/v1/mailboxes',
    {
      config: { scopes: ['voicemail:write'] },
      schema: {
        tags: TAGS,
        summary: 'Create a mailbox',
        description: 'Flows name the mailbox id in their `voicemail` node; the PBX sees it as `<id>@<VOICEMAIL_MWI_CONTEXT>` for message-waiting lamps.',
        body: CreateMailboxBody,
        response: { 201: MailboxSchema, ...problemResponses(...authProblems, 409) },
      },
    },
    async (req, reply) => {
      const { id, ...input } = req.body;
      const created = await createMailbox(db, id, input);
      if (!created) throw new ProblemError(409, `mailbox ${id} already exists`);
      await lamp(id);
      return reply.code(201).header('location', `/v1/mailboxes/${id}`).send(await withCounts(created));
    },
  );

  r.get(
    '/v1/mailboxes',
    {
      config: { scopes: ['voicemail:read'] },
      schema: { tags: TAGS, summary: 'List mailboxes with their message counts', response: { 200: MailboxList, ...problemResponses(...authProblems) } },
    },
    async () => ({ items: await Promise.all((await listMailboxes(db)).map(withCounts)) }),
  );

  r.get(
    '/v1/mailboxes/:id',
    {
      config: { scopes: ['voicemail:read'] },
      schema: { tags: TAGS, summary: 'One mailbox', params: MailboxParams, response: { 200: MailboxSchema, ...problemResponses(...authProblems, 404) } },
    },
    async (req) => withCounts(await mustMailbox(req.params.id)),
  );

  r.patch(
    '/v1/mailboxes/:id',
    {
      config: { scopes: ['voicemail:write'] },
      schema: {
        tags: TAGS,
        summary: 'Change a mailbox (greeting, limit, notification targets...)',
        params: MailboxParams,
        body: UpdateMailboxBody,
        response: { 200: MailboxSchema, ...problemResponses(...authProblems, 404) },
      },
    },
    async (req) => {
      const updated = await updateMailbox(db, req.params.id, req.body);
      if (!updated) throw notFound('mailbox', req.params.id);
      return withCounts(updated);
    },
  );

  r.delete(
    '/v1/mailboxes/:id',
    {
      config: { scopes: ['voicemail:write'] },
      schema: {
        tags: TAGS,
        summary: 'Delete a mailbox and its messages',
        params: MailboxParams,
        response: { 204: Deleted, ...problemResponses(...authProblems, 404) },
      },
    },
    async (req, reply) => {
      if (!(await deleteMailbox(db, req.params.id))) throw notFound('mailbox', req.params.id);
      await lamp(req.params.id);
      return reply.code(204).send(null);
    },
  );

  // A greeting arrives as the WAV file itself.
  app.addContentTypeParser(WAV_TYPES, { parseAs: 'buffer', bodyLimit: GREETING_LIMIT }, (_req, body, done) => done(null, body));

  r.put(
    '/v1/mailboxes/:id/greeting',
    {
      config: { scopes: ['voicemail:write'] },
      schema: {
        tags: TAGS,
        summary: 'Upload the greeting callers hear before the beep',
        description: `The body is a WAV file (\`Content-Type: audio/wav\`): 8 kHz, 16-bit, mono PCM, at most ${MAX_GREETING_SECONDS} s. Anything else: 422 with the reason. The PBX plays it from \`VOICEMAIL_PBX_GREETING_DIR\`.`,
        consumes: WAV_TYPES,
        body: WavBody,
        params: MailboxParams,
        response: { 200: MailboxSchema, ...problemResponses(...authProblems, 404, 415, 422) },
      },
    },
    async (req) => {
      await mustMailbox(req.params.id);
      if (!Buffer.isBuffer(req.body)) throw new ProblemError(415, 'send the greeting itself as audio/wav');
      const check = checkGreetingWav(req.body);
      if (!check.ok) throw new ProblemError(422, check.reason);
      return withCounts((await setGreetingAudio(db, req.params.id, req.body, greetingSha(req.body)))!);
    },
  );

  r.post(
    '/v1/mailboxes/:id/greeting/record',
    {
      config: { scopes: ['voicemail:write'] },
      schema: {
        tags: TAGS,
        summary: 'Record the greeting by phone: the PBX calls the given extension',
        description:
          'The phone hears the record prompt and a beep; `#` or hanging up ends the greeting, which then replaces any uploaded one. The extension passes the key’s dial policy (422 naming the rule) and goes through `VOICEMAIL_PHONE_TEMPLATE`. 202 once the PBX places the call; Any instance takes it (the PBX node owner places the call); 503 while no instance holds a PBX node (retry).',
        params: MailboxParams,
        body: RecordGreetingBody,
        response: { 202: RecordGreetingAccepted, ...problemResponses(...authProblems, 404, 422, 503, 504) },
      },
    },
    async (req, reply) => {
      await mustMailbox(req.params.id);
      const extension = await opts.checkExtension(keyId(req), req.body.extension);
      const channelId = await opts.recordGreeting(req.params.id, extension);
      if (!channelId) throw new ProblemError(503, 'no PBX node is connected now; retry');
      return reply.code(202).send({ channelId, extension });
    },
  );

  r.get(
    '/v1/mailboxes/:id/greeting',
    {
      config: { scopes: ['voicemail:read'] },
      schema: { tags: TAGS, summary: 'The uploaded greeting (audio/wav)', params: MailboxParams, response: problemResponses(...authProblems, 404) },
    },
    async (req, reply) => {
      const audio = await getGreetingAudio(db, req.params.id);
      if (!audio) throw notFound('uploaded greeting of mailbox', req.params.id);
      return reply.type('audio/wav').send(audio);
    },
  );

  r.delete(
    '/v1/mailboxes/:id/greeting',
    {
      config: { scopes: ['voicemail:write'] },
      schema: {
        tags: TAGS,
        summary: 'Remove the uploaded greeting (back to `greeting` or the default)',
        params: MailboxParams,
        response: { 204: Deleted, ...problemResponses(...authProblems, 404) },
      },
    },
    async (req, reply) => {
      if (!(await setGreetingAudio(db, req.params.id, null, null))) throw notFound('mailbox', req.params.id);
      return reply.code(204).send(null);
    },
  );

  r.get(
    '/v1/mailboxes/:id/messages',
    {
      config: { scopes: ['voicemail:read'] },
      schema: {
        tags: TAGS,
        summary: "A mailbox's messages, newest first",
        params: MailboxParams,
        querystring: MessagesQuery,
        response: { 200: MessageList, ...problemResponses(...authProblems, 404) },
      },
    },
    async (req) => {
      await mustMailbox(req.params.id);
      return { items: await listMessages(db, req.params.id, { heard: req.query.heard, limit: req.query.limit ?? 100 }) };
    },
  );

  r.get(
    '/v1/mailboxes/:id/messages/:messageId',
    {
      config: { scopes: ['voicemail:read'] },
      schema: { tags: TAGS, summary: 'One message', params: MessageParams, response: { 200: MessageSchema, ...problemResponses(...authProblems, 404) } },
    },
    async (req) => {
      const m = await getMessage(db, req.params.id, req.params.messageId);
      if (!m) throw notFound('message', req.params.messageId);
      return m;
    },
  );

  r.patch(
    '/v1/mailboxes/:id/messages/:messageId',
    {
      config: { scopes: ['voicemail:write'] },
      schema: {
        tags: TAGS,
        summary: 'Mark a message heard (or new again)',
        params: MessageParams,
        body: UpdateMessageBody,
        response: { 200: MessageSchema, ...problemResponses(...authProblems, 404) },
      },
    },
    async (req) => {
      const m = await setHeard(db, req.params.id, req.params.messageId, req.body.heard);
      if (!m) throw notFound('message', req.params.messageId);
      await lamp(req.params.id);
      return m;
    },
  );

  r.delete(
    '/v1/mailboxes/:id/messages/:messageId',
    {
      config: { scopes: ['voicemail:write'] },
      schema: {
        tags: TAGS,
        summary: 'Delete a message',
        params: MessageParams,
        response: { 204: Deleted, ...problemResponses(...authProblems, 404) },
      },
    },
    async (req, reply) => {
      if (!(await deleteMessage(db, req.params.id, req.params.messageId))) throw notFound('message', req.params.messageId);
      await lamp(req.params.id);
      return reply.code(204).send(null);
    },
  );

  r.get(
    '/v1/mailboxes/:id/messages/:messageId/audio',
    {
      config: { scopes: ['voicemail:read'] },
      schema: {
        tags: TAGS,
        summary: "A message's audio (audio/wav), streamed; honours a single Range",
        params: MessageParams,
        response: problemResponses(...authProblems, 404),
      },
    },
    async (req, reply) => {
      const m = await getMessage(db, req.params.id, req.params.messageId);
      if (!m) throw notFound('message', req.params.messageId);
      const size = m.sizeBytes;
      const range = parseRange(req.headers.range, size);
      if (range === 'unsatisfiable') {
        return reply.code(416).header('content-range', `bytes */${size}`).type('application/problem+json').send({
          type: 'about:blank',
          title: 'Range Not Satisfiable',
          status: 416,
          detail: `the audio has ${size} bytes`,
        });
      }
      const start = range?.start ?? 0;
      const end = range?.end ?? size - 1;
      reply
        .code(range ? 206 : 200)
        .header('accept-ranges', 'bytes')
        .header('content-length', String(Math.max(0, end - start + 1)))
        .type(m.format === 'wav' ? 'audio/wav' : 'application/octet-stream');
      if (range) reply.header('content-range', `bytes ${start}-${end}/${size}`);
      const { mailboxId, id } = m;
      async function* pieces(): AsyncGenerator<Buffer> {
        for (let at = start; at <= end; at += CHUNK) yield await readAudio(db, mailboxId, id, at, Math.min(CHUNK, end - at + 1));
      }
      return reply.send(Readable.from(pieces()));
    },
  );
}
