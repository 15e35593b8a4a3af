// Request and response schemas of the fax routes (validation and OpenAPI).
import { Type } from 'typebox';

const Timestamp = Type.String({ format: 'date-time' });
const Code = Type.String({ pattern: '^[0-9]{1,12}$', description: 'What the caller keys to ask for the document' });
const Destination = Type.String({ minLength: 1, maxLength: 40, description: 'Fax number; checked against the dial allow-list' });

export const DocumentParams = Type.Object({ code: Code }, { additionalProperties: false });
export const DocumentQuery = Type.Object({ title: Type.String({ minLength: 1, maxLength: 200 }) }, { additionalProperties: false });
export const FaxParams = Type.Object({ id: Type.String({ format: 'uuid' }) }, { additionalProperties: false });

export const FaxDocumentSchema = Type.Object({
  code: Code,
  title: Type.String(),
  pages: Type.Integer(),
  sourceType: Type.String({ description: 'pdf (converted) or tiff (as uploaded)' }),
  sizeBytes: Type.Integer({ description: 'Size of the stored fax-ready TIFF' }),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export const FaxDocumentList = Type.Object({ items: Type.Array(FaxDocumentSchema) });

export const SendFaxBody = Type.Object({ destination: Destination, documentCode: Code }, { additionalProperties: false });
export const UploadQuery = Type.Object({ destination: Destination }, { additionalProperties: false });

const Status = Type.Union([Type.Literal('queued'), Type.Literal('sending'), Type.Literal('retrying'), Type.Literal('sent'), Type.Literal('failed')]);

export const FaxSchema = Type.Object({
  id: Type.String({ format: 'uuid' }),
  destination: Type.String(),
  documentCode: Type.Union([Code, Type.Null()], { description: 'Null for an uploaded one-off document' }),
  pages: Type.Integer(),
  callId: Type.Union([Type.String({ format: 'uuid' }), Type.Null()], { description: 'The call that asked for it (fax-on-demand)' }),
  status: Status,
  attempts: Type.Integer(),
  maxAttempts: Type.Integer(),
  pagesSent: Type.Union([Type.Integer(), Type.Null()]),
  lastError: Type.Union([Type.String(), Type.Null()]),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export const FaxList = Type.Object({ items: Type.Array(FaxSchema) });
export const FaxesQuery = Type.Object(
  {
    status: Type.Optional(Status),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, description: 'At most this many (default 100)' })),
  },
  { additionalProperties: false },
);

/** A file as the request body: any bytes (checked by the route), documented as binary. */
export const FileBody = Type.Unsafe<Buffer>({ description: 'The file itself (binary: application/pdf or image/tiff)' });

export const Deleted = Type.Null({ description: 'Deleted' });
