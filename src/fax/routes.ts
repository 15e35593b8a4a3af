// The fax REST API: the fax-on-demand catalogue (documents uploaded as PDF or TIFF and
// stored fax-ready) and faxes sent to a number, from the catalogue or a one-off upload.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { ProblemError, notFound } from '../api/problem.js';
import { keyId } from '../calls/control/lookup.js';
import { authProblems, problemResponses } from '../api/schemas.js';
import type { FaxConfig } from '../config.js';
import type { Db } from '../db/pool.js';
import { registerCollector } from '../api/metrics.js';
import { ConversionPool } from './conversion-pool.js';
import { pdfToFaxTiff } from './convert.js';
import { UPLOAD_TYPES, prepareUpload } from './document.js';
import type { FaxSender } from './queue.js';
import { ownerFilter } from '../api/ownership.js';
import { deleteDocument, getDocument, getFax, listDocuments, listFaxes, putDocument } from './repository.js';
import {
  Deleted,
  DocumentParams,
  DocumentQuery,
  FaxDocumentList,
  FaxDocumentSchema,
  FaxList,
  FaxParams,
  FaxSchema,
  FaxesQuery,
  FileBody,
  SendFaxBody,
  UploadQuery,
} from './schemas.js';

export interface FaxRouteOptions {
  db: Db;
  config: FaxConfig;
  sender: FaxSender;
}

const TAGS = ['fax'];
const UPLOAD_NOTE = 'The body is the file itself, `Content-Type: application/pdf` or `image/tiff`. A PDF is converted (Ghostscript, a bounded number at once: 503 with Retry-After while the conversion queue is full); a TIFF must already be fax-ready (1728 pixels wide, CCITT G3/G4, 204x98 or 204x196 dpi). Anything else, an oversized file, unsupported pages or a conversion past its time or size limit: 422 with the reason.';

export async function faxRoutes(app: FastifyInstance, opts: FaxRouteOptions): Promise<void> {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const { db, config, sender } = opts;
  // Files arrive as they are. The upload routes set their own bodyLimit (FAX_MAX_UPLOAD_BYTES):
  // a larger file is a 413 naming that limit, refused before it is buffered whole.
  app.addContentTypeParser(UPLOAD_TYPES, { parseAs: 'buffer' }, (_req, body, done) => done(null, body));

  const conversions = new ConversionPool(config.conversion);
  registerConversionMetrics(conversions);
  const convert = (pdf: Buffer) => conversions.run(() => pdfToFaxTiff(pdf, config.conversion));
  const prepare = (req: { body: unknown; log: FastifyBaseLogger }) => {
    if (!Buffer.isBuffer(req.body)) throw new ProblemError(415, `send the file itself as ${UPLOAD_TYPES.join(' or ')}`);
    return prepareUpload(req.body, { maxBytes: config.maxUploadBytes, convert, log: req.log });
  };

  r.put(
    '/v1/fax-documents/:code',
    {
      bodyLimit: config.maxUploadBytes,
      config: { scopes: ['fax:write'] },
      schema: {
        tags: TAGS,
        summary: 'Create or replace a catalogue document',
        description: UPLOAD_NOTE,
        consumes: UPLOAD_TYPES,
        body: FileBody,
        params: DocumentParams,
        querystring: DocumentQuery,
        response: { 200: FaxDocumentSchema, 201: FaxDocumentSchema, ...problemResponses(...authProblems, 413, 415, 422, 503) },
      },
    },
    async (req, reply) => {
      const ready = await prepare(req);
      const { document, created } = await putDocument(db, { code: req.params.code, title: req.query.title, pages: ready.pages, tiff: ready.tiff, sourceType: ready.sourceType });
      return reply.code(created ? 201 : 200).send(document);
    },
  );

  r.get(
    '/v1/fax-documents',
    {
      config: { scopes: ['fax:read'] },
      schema: { tags: TAGS, summary: 'The catalogue', response: { 200: FaxDocumentList, ...problemResponses(...authProblems) } },
    },
    async () => ({ items: await listDocuments(db) }),
  );

  r.get(
    '/v1/fax-documents/:code',
    {
      config: { scopes: ['fax:read'] },
      schema: { tags: TAGS, summary: 'One catalogue document', params: DocumentParams, response: { 200: FaxDocumentSchema, ...problemResponses(...authProblems, 404) } },
    },
    async (req) => {
      const d = await getDocument(db, req.params.code);
      if (!d) throw notFound('fax document', req.params.code);
      return d;
    },
  );

  r.delete(
    '/v1/fax-documents/:code',
    {
      config: { scopes: ['fax:write'] },
      schema: {
        tags: TAGS,
        summary: 'Remove a document from the catalogue',
        description: 'Faxes of it not yet sent fail with reason no_document.',
        params: DocumentParams,
        response: { 204: Deleted, ...problemResponses(...authProblems, 404) },
      },
    },
    async (req, reply) => {
      if (!(await deleteDocument(db, req.params.code))) throw notFound('fax document', req.params.code);
      return reply.code(204).send(null);
    },
  );

  r.post(
    '/v1/faxes',
    {
      config: { scopes: ['fax:write'] },
      schema: {
        tags: TAGS,
        summary: 'Fax a catalogue document to a number',
        description: 'Accepted at once (202) and sent by a PBX node, with retries on busy, no answer or failure. fax.queued, then fax.sent or fax.failed. The destination passes the key’s dial policy (422 naming the rule) and its daily fax budget (429); a refusal is announced as fax.refused.',
        body: SendFaxBody,
        response: { 202: FaxSchema, ...problemResponses(...authProblems, 404, 422, 429) },
      },
    },
    async (req, reply) => {
      const d = await getDocument(db, req.body.documentCode);
      if (!d) throw notFound('fax document', req.body.documentCode);
      const fax = await sender.send({ destination: req.body.destination, documentCode: d.code, pages: d.pages, apiKeyId: keyId(req) });
      return reply.code(202).header('location', `/v1/faxes/${fax.id}`).send(fax);
    },
  );

  r.post(
    '/v1/faxes/upload',
    {
      bodyLimit: config.maxUploadBytes,
      config: { scopes: ['fax:write'] },
      schema: {
        tags: TAGS,
        summary: 'Fax a one-off document (PDF or TIFF) to a number',
        description: UPLOAD_NOTE,
        consumes: UPLOAD_TYPES,
        body: FileBody,
        querystring: UploadQuery,
        response: { 202: FaxSchema, ...problemResponses(...authProblems, 413, 415, 422, 429, 503) },
      },
    },
    async (req, reply) => {
      const ready = await prepare(req);
      const fax = await sender.send({ destination: req.query.destination, tiff: ready.tiff, pages: ready.pages, apiKeyId: keyId(req) });
      return reply.code(202).header('location', `/v1/faxes/${fax.id}`).send(fax);
    },
  );

  r.get(
    '/v1/faxes/:id',
    {
      config: { scopes: ['fax:read'] },
      schema: { tags: TAGS, summary: 'One fax with its attempts and outcome', params: FaxParams, response: { 200: FaxSchema, ...problemResponses(...authProblems, 404) } },
    },
    async (req) => {
      const f = await getFax(db, req.params.id, ownerFilter(req));
      if (!f) throw notFound('fax', req.params.id);
      return f;
    },
  );

  r.get(
    '/v1/faxes',
    {
      config: { scopes: ['fax:read'] },
      schema: { tags: TAGS, summary: 'Faxes, newest first', querystring: FaxesQuery, response: { 200: FaxList, ...problemResponses(...authProblems) } },
    },
    async (req) => ({ items: await listFaxes(db, { status: req.query.status, limit: req.query.limit ?? 100, owner: ownerFilter(req) }) }),
  );
}

function registerConversionMetrics(pool: ConversionPool): void {
  registerCollector('cti_fax_conversions_running', 'PDF conversions (Ghostscript) running now', () => pool.stats().running);
  registerCollector('cti_fax_conversions_waiting', 'PDF conversions waiting for a turn', () => pool.stats().waiting);
  registerCollector('cti_fax_conversions_peak', 'The most PDF conversions that ran at once since start', () => pool.stats().peak);
  registerCollector('cti_fax_conversions_refused', 'PDF conversions refused because the queue was full, since start', () => pool.stats().refused);
}
