// Recording API: start, pause, resume, stop, list, and the audio with Range support.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { ProblemError, notFound } from '../../api/problem.js';
import { authProblems, problemResponses } from '../../api/schemas.js';
import type { Db } from '../../db/pool.js';
import { mayChangeCall, nodeOfCall } from '../control/lookup.js';
import type { CallControlRegistry } from '../control/registry.js';
import { getCall } from '../repository.js';
import { CallIdParams } from '../schemas.js';
import { parseRange } from './range.js';
import { getRecording, listRecordings } from './repository.js';
import { recordingJson } from './json.js';
import { RecordingIdParams, RecordingList, RecordingSchema } from './schemas.js';

export async function recordingRoutes(app: FastifyInstance, opts: { db: Db; registry: CallControlRegistry }): Promise<void> {
  const { db, registry } = opts;
  const r = app.withTypeProvider<TypeBoxTypeProvider>();

  r.post(
    '/v1/calls/:id/recordings',
    {
      config: { scopes: ['calls:write'] },
      schema: { tags: ['recordings'], summary: "Start recording the call's conversation", params: CallIdParams, response: { 201: RecordingSchema, ...problemResponses(...authProblems, 404, 409, 503, 504) } },
    },
    async (req, reply) => {
      const node = await nodeOfCall(db, req.params.id, req);
      return reply.code(201).send(await registry.run(node, 'startRecording', { callId: req.params.id }));
    },
  );

  r.get(
    '/v1/calls/:id/recordings',
    {
      config: { scopes: ['recordings:read'] },
      schema: { tags: ['recordings'], summary: "The call's recordings, oldest first", params: CallIdParams, response: { 200: RecordingList, ...problemResponses(...authProblems, 404) } },
    },
    async (req) => {
      if (!(await getCall(db, req.params.id))) throw notFound('call', req.params.id);
      return { items: (await listRecordings(db, req.params.id)).map(recordingJson) };
    },
  );

  r.get(
    '/v1/recordings/:id',
    {
      config: { scopes: ['recordings:read'] },
      schema: { tags: ['recordings'], summary: 'One recording', params: RecordingIdParams, response: { 200: RecordingSchema, ...problemResponses(...authProblems, 404) } },
    },
    async (req) => {
      const rec = await getRecording(db, req.params.id);
      if (!rec) throw notFound('recording', req.params.id);
      return recordingJson(rec);
    },
  );

  for (const op of ['stop', 'pause', 'resume'] as const) {
    r.post(
      `/v1/recordings/:id/${op}`,
      {
        config: { scopes: ['calls:write'] },
        schema: { tags: ['recordings'], summary: `${op[0]!.toUpperCase()}${op.slice(1)} the recording`, params: RecordingIdParams, response: { 200: RecordingSchema, ...problemResponses(...authProblems, 404, 409, 503, 504) } },
      },
      async (req) => {
        const rec = await getRecording(db, req.params.id);
        if (!rec) throw notFound('recording', req.params.id);
        if (!(await mayChangeCall(db, rec.callId, req))) throw notFound('recording', req.params.id);
        return registry.run(rec.pbxNode, 'recordingControl', { recordingId: rec.id, op });
      },
    );
  }

  r.get(
    '/v1/recordings/:id/audio',
    {
      config: { scopes: ['recordings:read'] },
      schema: {
        tags: ['recordings'],
        summary: 'The recorded audio (WAV); one byte range per request (Range: bytes=…)',
        params: RecordingIdParams,
        response: { ...problemResponses(...authProblems, 404, 409, 416, 503, 504) },
      },
    },
    async (req, reply) => {
      const rec = await getRecording(db, req.params.id);
      if (!rec) throw notFound('recording', req.params.id);
      const bytes = Buffer.from(await registry.run(rec.pbxNode, 'recordingAudio', { recordingId: rec.id }), 'base64');
      const range = parseRange(req.headers.range, bytes.length);
      reply.header('accept-ranges', 'bytes').header('content-type', 'audio/wav');
      if (range.kind === 'unsatisfiable') {
        reply.header('content-range', `bytes */${bytes.length}`);
        throw new ProblemError(416, `the recording has ${bytes.length} bytes`, {}, 'Range Not Satisfiable');
      }
      if (range.kind === 'full') return reply.code(200).send(bytes);
      reply.header('content-range', `bytes ${range.start}-${range.end}/${bytes.length}`);
      return reply.code(206).send(bytes.subarray(range.start, range.end + 1));
    },
  );
}
