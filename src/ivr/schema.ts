// The flow document's TypeBox schema, published in the OpenAPI. It mirrors `Flow` in
// contract.ts; the graph rules (references, reachability, loops) live in validate.ts
// because a schema cannot express them.
import { Type, type TSchema } from 'typebox';

const NodeId = Type.String({ minLength: 1, maxLength: 100, description: 'Id of a node of this flow' });

export const PromptSchema = Type.Object(
  {
    media: Type.Array(
      Type.String({
        minLength: 1,
        maxLength: 500,
        pattern: '^(sound|recording|digits|number):.+$',
        description: 'ARI media URI: sound:, recording:, digits: or number:',
      }),
      { minItems: 1, maxItems: 20 },
    ),
    bargeIn: Type.Optional(Type.Boolean({ description: 'A key pressed during the prompt stops it and counts as input (default true)' })),
  },
  { additionalProperties: false, description: 'Media played in order' },
);

const VarName = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z_][A-Za-z0-9_.]*$', description: 'Variable name' });
const Digit = '^[0-9*#]$';

const base = { name: Type.Optional(Type.String({ maxLength: 200, description: 'Label for reports and the timeline' })) };
const obj = (props: Record<string, TSchema>, description: string) =>
  Type.Object({ ...base, ...props }, { additionalProperties: false, description });

const ms = (description: string) => Type.Optional(Type.Integer({ minimum: 100, maximum: 600_000, description }));

export const ConditionSchema = Type.Union(
  [
    Type.Object({ var: VarName, op: Type.Union([Type.Literal('equals'), Type.Literal('not_equals')]), value: Type.String() }, { additionalProperties: false }),
    Type.Object({ var: VarName, op: Type.Union([Type.Literal('in'), Type.Literal('not_in')]), values: Type.Array(Type.String()) }, { additionalProperties: false }),
    Type.Object({ var: VarName, op: Type.Literal('matches'), regex: Type.String({ maxLength: 500 }) }, { additionalProperties: false }),
    Type.Object(
      { var: VarName, op: Type.Union([Type.Literal('lt'), Type.Literal('lte'), Type.Literal('gt'), Type.Literal('gte')]), value: Type.Number() },
      { additionalProperties: false },
    ),
    Type.Object({ var: VarName, op: Type.Union([Type.Literal('exists'), Type.Literal('missing')]) }, { additionalProperties: false }),
    Type.Object(
      { op: Type.Union([Type.Literal('open'), Type.Literal('closed')]), calendar: Type.String({ minLength: 1, description: 'Name of a calendar of this flow' }) },
      { additionalProperties: false },
    ),
  ],
  { description: 'A test on a variable, or on business hours now' },
);

export const CalendarSchema = Type.Object(
  {
    timeZone: Type.String({ minLength: 1, description: 'IANA time zone, e.g. Asia/Shanghai' }),
    weekly: Type.Object(
      Object.fromEntries(
        ['0', '1', '2', '3', '4', '5', '6'].map((d) => [d, Type.Optional(Type.Array(Type.String({ description: 'Local opening interval HH:MM-HH:MM' })))]),
      ),
      { additionalProperties: false, description: 'Weekday 0 (Sunday) .. 6 → opening intervals in local time' },
    ),
    holidays: Type.Optional(Type.Array(Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$' }), { description: 'Local dates YYYY-MM-DD closed all day' })),
  },
  { additionalProperties: false, description: 'Business hours' },
);

/** One schema per node type, so the validator reports errors against the right variant. */
export const NodeSchemas = {
  play: obj({ type: Type.Literal('play'), prompt: PromptSchema, next: NodeId }, 'Play a prompt, then go on'),
  menu: obj(
    {
      type: Type.Literal('menu'),
      prompt: PromptSchema,
      options: Type.Record(Type.String({ pattern: Digit }), NodeId, { description: 'Digit → node id' }),
      timeoutMs: ms('Wait after the prompt (default 5000)'),
      retries: Type.Optional(Type.Integer({ minimum: 0, maximum: 10, description: 'Extra tries after the first (default 2)' })),
      invalidPrompt: Type.Optional(PromptSchema),
      timeoutPrompt: Type.Optional(PromptSchema),
      fallback: Type.Optional(NodeId),
    },
    'Offer options by digit',
  ),
  collect: obj(
    {
      type: Type.Literal('collect'),
      prompt: PromptSchema,
      variable: VarName,
      minDigits: Type.Optional(Type.Integer({ minimum: 1, maximum: 64 })),
      maxDigits: Type.Integer({ minimum: 1, maximum: 64 }),
      terminator: Type.Optional(Type.String({ pattern: Digit, description: 'Key ending the input (default #)' })),
      interDigitTimeoutMs: ms('Wait between keys (default 3000)'),
      firstDigitTimeoutMs: ms('Wait for the first key after the prompt (default 5000)'),
      pattern: Type.Optional(Type.String({ maxLength: 500, description: 'Anchored regular expression the digits must match' })),
      retries: Type.Optional(Type.Integer({ minimum: 0, maximum: 10 })),
      invalidPrompt: Type.Optional(PromptSchema),
      next: NodeId,
      fallback: Type.Optional(NodeId),
    },
    'Collect digits into a variable',
  ),
  http: obj(
    {
      type: Type.Literal('http'),
      method: Type.Union([Type.Literal('GET'), Type.Literal('POST')]),
      url: Type.String({ minLength: 1, maxLength: 2000, pattern: '^https?://', description: 'URL template; {{var}} is replaced by the URL-encoded value' }),
      secretHeaders: Type.Optional(Type.Record(Type.String({ pattern: '^[A-Za-z0-9-]+$' }), Type.String(), { description: 'Header → configured secret name' })),
      bodyVars: Type.Optional(Type.Array(VarName, { description: 'POST: variables sent as a JSON object' })),
      timeoutMs: ms('Request timeout (default 3000)'),
      map: Type.Optional(Type.Record(VarName, Type.String({ pattern: '^(/.*)?$' }), { description: 'Variable → JSON pointer into the response' })),
      filler: Type.Optional(
        Type.Object({ afterMs: Type.Integer({ minimum: 0, maximum: 600_000 }), prompt: PromptSchema }, { additionalProperties: false, description: 'Played while the answer is slow' }),
      ),
      next: NodeId,
      onError: NodeId,
      onTimeout: Type.Optional(NodeId),
    },
    'Look something up in a business system',
  ),
  branch: obj(
    {
      type: Type.Literal('branch'),
      cases: Type.Array(Type.Object({ when: Type.Array(ConditionSchema, { description: 'All must hold' }), next: NodeId }, { additionalProperties: false }), {
        description: 'First match wins',
      }),
      otherwise: NodeId,
    },
    'Choose the next node by conditions',
  ),
  set: obj({ type: Type.Literal('set'), values: Type.Record(VarName, Type.String({ maxLength: 2000 })), next: NodeId }, 'Set call-attached data'),
  queue: obj(
    {
      type: Type.Literal('queue'),
      queue: Type.String({ minLength: 1 }),
      priority: Type.Optional(Type.Integer({ minimum: 0, maximum: 100 })),
      survey: Type.Optional(NodeId),
    },
    'Hand the call to an ACD queue',
  ),
  voicemail: obj({ type: Type.Literal('voicemail'), mailbox: Type.String({ minLength: 1 }) }, 'Hand the call to voicemail'),
  fax: obj(
    {
      type: Type.Literal('fax'),
      documentVar: VarName,
      destinationVar: Type.Optional(VarName),
      next: NodeId,
      invalidPrompt: Type.Optional(PromptSchema),
      onInvalid: Type.Optional(NodeId),
      confirm: Type.Optional(
        Type.Object(
          {
            prompt: PromptSchema,
            question: PromptSchema,
            reenter: NodeId,
            tries: Type.Optional(Type.Integer({ minimum: 1, maximum: 5, description: 'Read-backs in all, re-entries, wrong keys and silences counted (default 3)' })),
            timeoutMs: ms('Wait for 1 or 2 after the question (default 5000)'),
            fallback: Type.Optional(NodeId),
          },
          { additionalProperties: false, description: 'Read the number back (prompt, its digits, question): 1 sends, 2 goes to reenter' },
        ),
      ),
    },
    'Send a document by fax (fax-on-demand); a refused document code or destination plays invalidPrompt and goes to onInvalid; confirm reads a keyed number back first',
  ),
  transfer: obj({ type: Type.Literal('transfer'), to: Type.String({ minLength: 1, description: 'Destination name from the dial allow-list' }) }, 'Transfer the call'),
  survey: obj(
    {
      type: Type.Literal('survey'),
      prompt: PromptSchema,
      scale: Type.Union([Type.Literal('1-5'), Type.Literal('satisfied-neutral-dissatisfied')]),
      timeoutMs: ms('Wait for the rating (default 8000)'),
      thanksPrompt: Type.Optional(PromptSchema),
    },
    'Post-call satisfaction question',
  ),
  goto: obj({ type: Type.Literal('goto'), node: Type.Optional(NodeId), flow: Type.Optional(Type.String({ minLength: 1 })) }, 'Jump to a node or a sub-flow'),
  hangup: obj({ type: Type.Literal('hangup'), prompt: Type.Optional(PromptSchema) }, 'Say goodbye and hang up'),
} as const;

export const FlowNodeSchema = Type.Union(Object.values(NodeSchemas), { description: 'A flow node, by type' });

const flowProps = {
  id: Type.String({ minLength: 1, maxLength: 100, pattern: '^[a-z0-9][a-z0-9-]*$', description: 'Slug, e.g. order-hotline' }),
  version: Type.Integer({ minimum: 0 }),
  name: Type.Optional(Type.String({ maxLength: 200 })),
  entry: NodeId,
  calendars: Type.Optional(Type.Record(Type.String({ minLength: 1 }), CalendarSchema)),
  errorNode: Type.Optional(NodeId),
  maxSteps: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000, description: 'Loop guard (default 200)' })),
};

export const FlowSchema = Type.Object(
  { ...flowProps, nodes: Type.Record(Type.String({ minLength: 1, maxLength: 100 }), FlowNodeSchema, { description: 'Nodes by id' }) },
  { $id: 'Flow', title: 'Flow', additionalProperties: false, description: 'A declarative IVR call flow' },
);

/** The flow without node bodies: validated first, then each node against its own type. */
export const FlowShellSchema = Type.Object(
  { ...flowProps, nodes: Type.Record(Type.String({ minLength: 1, maxLength: 100 }), Type.Object({}, { additionalProperties: true }), { minProperties: 1 }) },
  { additionalProperties: false },
);
