// Request and response schemas of the IVR routes: flows, versions, numbers, simulation.
// The flow document itself is `FlowSchema` (schema.ts), published in the OpenAPI.
import { Type } from 'typebox';
import { FlowSchema } from './schema.js';

const Timestamp = Type.String({ format: 'date-time' });
const NullableTimestamp = Type.Union([Timestamp, Type.Null()]);
const FlowId = Type.String({ minLength: 1, maxLength: 100, pattern: '^[a-z0-9][a-z0-9-]*$', description: 'Flow slug, e.g. order-hotline' });
const VersionNumber = Type.Integer({ minimum: 1, maximum: 2_147_483_647 });
const Did = Type.String({ minLength: 1, maxLength: 33, pattern: '^\\+?[0-9]{1,32}$', description: 'Dialled number (DID), digits with an optional leading +' });
const StoredDocument = Type.Object({}, { additionalProperties: true, description: 'The stored Flow document (see the Flow schema)' });

export const FlowIdParams = Type.Object({ id: FlowId }, { additionalProperties: false });
export const VersionParams = Type.Object({ id: FlowId, version: VersionNumber }, { additionalProperties: false });
export const DidParams = Type.Object({ did: Did }, { additionalProperties: false });

export const PageQuery = Type.Object(
  {
    limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
    cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 400, description: 'nextCursor of the previous page' })),
  },
  { additionalProperties: false },
);

export const NumbersQuery = Type.Object(
  {
    limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
    cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 400, description: 'nextCursor of the previous page' })),
    flowId: Type.Optional(FlowId),
  },
  { additionalProperties: false },
);

export const CreateFlowBody = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'Display name; default the document name or id' })),
    document: FlowSchema,
  },
  { additionalProperties: false },
);
/** The envelope alone: a body failing only inside `document` is a 422 with flow problems. */
export const CreateFlowEnvelope = Type.Object(
  { name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })), document: Type.Unknown() },
  { additionalProperties: false },
);

export const NewVersionBody = Type.Object({ document: FlowSchema }, { additionalProperties: false });
export const NewVersionEnvelope = Type.Object({ document: Type.Unknown() }, { additionalProperties: false });

export const FlowSummary = Type.Object(
  {
    id: FlowId,
    name: Type.String(),
    createdAt: Timestamp,
    updatedAt: Timestamp,
    publishedVersion: Type.Union([VersionNumber, Type.Null()]),
    latestVersion: Type.Integer(),
  },
  { additionalProperties: false },
);

const Status = Type.Union([Type.Literal('draft'), Type.Literal('published'), Type.Literal('retired')]);

export const FlowVersionSummary = Type.Object(
  { flowId: FlowId, version: VersionNumber, status: Status, createdAt: Timestamp, publishedAt: NullableTimestamp },
  { additionalProperties: false },
);

export const FlowVersion = Type.Object({ ...FlowVersionSummary.properties, document: StoredDocument }, { additionalProperties: false });

export const FlowDetail = Type.Object(
  {
    ...FlowSummary.properties,
    published: Type.Union([FlowVersion, Type.Null()], { description: 'The version calls run' }),
    latestDraft: Type.Union([FlowVersion, Type.Null()], { description: 'The newest unpublished version' }),
  },
  { additionalProperties: false },
);

export const FlowPage = Type.Object({ items: Type.Array(FlowSummary), nextCursor: Type.Union([Type.String(), Type.Null()]) }, { additionalProperties: false });
export const VersionList = Type.Object({ items: Type.Array(FlowVersionSummary) }, { additionalProperties: false });

export const PublishResult = Type.Object(
  {
    flowId: FlowId,
    version: VersionNumber,
    status: Status,
    publishedAt: NullableTimestamp,
    changed: Type.Boolean({ description: 'false when this version was already the published one' }),
    promptsChecked: Type.Boolean({
      description: 'false when a PBX could not be asked whether the `recording:` prompts exist (publishing is not blocked then)',
    }),
  },
  { additionalProperties: false },
);

export const NumberBody = Type.Object(
  { flowId: FlowId, description: Type.Optional(Type.String({ maxLength: 500 })) },
  { additionalProperties: false },
);

export const NumberRecord = Type.Object(
  { did: Did, flowId: FlowId, description: Type.Union([Type.String(), Type.Null()]), createdAt: Timestamp, updatedAt: Timestamp },
  { additionalProperties: false },
);
export const NumberPage = Type.Object({ items: Type.Array(NumberRecord), nextCursor: Type.Union([Type.String(), Type.Null()]) }, { additionalProperties: false });

const Vars = Type.Record(Type.String({ minLength: 1, maxLength: 64 }), Type.String({ maxLength: 1000 }));

export const ScriptActionSchema = Type.Union(
  [
    Type.Object(
      {
        dtmf: Type.String({ minLength: 1, maxLength: 64, pattern: '^[0-9*#]+$', description: 'Keys pressed, one event each' }),
        bargeIn: Type.Optional(Type.Boolean({ description: 'Press while the current prompt still plays (default: after it finished)' })),
      },
      { additionalProperties: false },
    ),
    Type.Object({ wait: Type.Integer({ minimum: 0, maximum: 86_400_000, description: 'Virtual ms pass; due timers fire' }) }, { additionalProperties: false }),
    Type.Object(
      {
        http: Type.Union([
          Type.Object({ status: Type.Integer({ minimum: 100, maximum: 599 }), body: Type.Optional(Type.Unknown()) }, { additionalProperties: false }),
          Type.Object({ error: Type.String({ minLength: 1, maxLength: 500 }) }, { additionalProperties: false }),
          Type.Object({ timeout: Type.Literal(true) }, { additionalProperties: false }),
        ]),
      },
      { additionalProperties: false, description: 'The answer to the oldest pending lookup' },
    ),
    Type.Object({ hangup: Type.Literal(true) }, { additionalProperties: false, description: 'The caller hangs up' }),
    Type.Object(
      { agentHangup: Type.Literal(true) },
      { additionalProperties: false, description: 'The agent leg ends after a queue hand-over naming a survey: the survey starts' },
    ),
  ],
  { description: 'One caller action' },
);

export const SimulateBody = Type.Object(
  {
    version: Type.Optional(VersionNumber),
    vars: Type.Optional(Vars),
    now: Type.Optional(Type.String({ format: 'date-time', description: 'Start of the virtual clock; default the current time' })),
    script: Type.Array(ScriptActionSchema, { maxItems: 1000, default: [] }),
  },
  { additionalProperties: false },
);

const NodeTypeName = Type.String();
export const SimulationResultSchema = Type.Object(
  {
    flowId: FlowId,
    version: VersionNumber,
    path: Type.Array(
      Type.Object({
        node: Type.String(),
        nodeType: NodeTypeName,
        input: Type.Optional(Type.String()),
        outcome: Type.String(),
        atMs: Type.Number(),
      }),
    ),
    prompts: Type.Array(Type.Object({ media: Type.Array(Type.String()), atMs: Type.Number(), stopped: Type.Optional(Type.Boolean()) })),
    requests: Type.Array(
      Type.Object({
        method: Type.String(),
        url: Type.String(),
        secretHeaders: Type.Record(Type.String(), Type.String()),
        body: Type.Optional(Type.Record(Type.String(), Type.String())),
        atMs: Type.Number(),
      }),
    ),
    variables: Type.Record(Type.String(), Type.String()),
    data: Type.Record(Type.String(), Type.String(), { description: 'Call-attached data the flow set' }),
    handover: Type.Optional(
      Type.Object({ to: Type.String(), node: Type.String(), params: Type.Record(Type.String(), Type.Unknown()) }),
    ),
    surveyResult: Type.Optional(Type.Union([Type.String(), Type.Null()])),
    ended: Type.Union([Type.Literal('hangup'), Type.Literal('handover'), Type.Literal('waiting'), Type.Literal('caller_hangup')]),
    scriptUsed: Type.Integer(),
    elapsedMs: Type.Number(),
  },
  { additionalProperties: false },
);
