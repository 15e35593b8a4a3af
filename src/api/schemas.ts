// Schemas shared by every capability's routes: the problem document and the error
// responses each route declares for OpenAPI.
import { Type, type TSchema } from 'typebox';

export const ProblemSchema = Type.Object(
  {
    type: Type.String({ description: 'URI reference identifying the problem type; about:blank when only the status matters' }),
    title: Type.String(),
    status: Type.Integer(),
    detail: Type.Optional(Type.String({ description: 'What went wrong, for a human' })),
    instance: Type.Optional(Type.String()),
    requestId: Type.Optional(Type.String({ description: 'Quote it to the operator; it is in their logs' })),
    errors: Type.Optional(
      Type.Array(Type.Object({ instancePath: Type.String(), message: Type.String() }), {
        description: 'Every schema violation, for validation errors',
      }),
    ),
  },
  { $id: 'Problem', title: 'Problem', description: 'RFC 9457 problem details', additionalProperties: true },
);

const DESCRIPTIONS: Record<number, string> = {
  400: 'Invalid request (malformed JSON, schema violation, oversized body)',
  401: 'Missing, invalid or revoked API key',
  403: 'The API key lacks the required scope',
  404: 'No such resource',
  409: 'Conflict with the current state',
  410: 'Gone: removed by retention (the problem names what is still available)',
  415: 'Unsupported content type',
  422: 'Well-formed but not acceptable',
  426: 'This endpoint needs a WebSocket upgrade',
  429: 'Rate limit exceeded; see Retry-After',
  500: 'Unexpected error; quote the requestId',
  503: 'A dependency is unavailable',
  504: 'The instance driving the PBX node did not answer in time; the command may have run',
};

/** `{ 400: ..., 401: ... }` response entries with problem+json bodies, for route schemas. */
export function problemResponses(...statuses: number[]): Record<number, TSchema> {
  const out: Record<number, TSchema> = {};
  for (const s of statuses) {
    out[s] = {
      description: DESCRIPTIONS[s] ?? 'Error',
      content: { 'application/problem+json': { schema: Type.Ref('Problem') } },
    } as unknown as TSchema;
  }
  return out;
}

/** The errors any authenticated /v1 route can answer with. */
export const authProblems = [400, 401, 403, 429, 500] as const;
