// Request and response schemas of the ACD routes: skills, agents, queues, the routing
// simulation. They feed validation and the OpenAPI document.
import { Type } from 'typebox';

const SkillName = Type.String({ pattern: '^[a-z0-9][a-z0-9_-]{0,63}$', description: 'Skill, e.g. german, billing' });
const Level = Type.Integer({ minimum: 1, maximum: 5 });
const SkillLevels = Type.Record(SkillName, Level, { description: 'Skill → level 1–5', maxProperties: 50 });
const AgentId = Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$' });
const QueueId = Type.String({ pattern: '^[a-z0-9][a-z0-9_-]{0,63}$' });
const Timestamp = Type.String({ format: 'date-time' });
const State = Type.Union([
  Type.Literal('logged_out'),
  Type.Literal('ready'),
  Type.Literal('not_ready'),
  Type.Literal('reserved'),
  Type.Literal('on_call'),
  Type.Literal('wrap_up'),
]);
const StrategyName = Type.Union(
  [
    Type.Literal('longest_idle'),
    Type.Literal('round_robin'),
    Type.Literal('fewest_calls'),
    Type.Literal('ring_all'),
    Type.Literal('best_skill'),
    Type.Literal('random'),
  ],
  { default: 'longest_idle' },
);

export const SkillParams = Type.Object({ name: SkillName }, { additionalProperties: false });
export const SkillBody = Type.Object({ description: Type.Optional(Type.String({ maxLength: 500 })) }, { additionalProperties: false });
export const Skill = Type.Object({ name: SkillName, description: Type.String() }, { additionalProperties: false });
export const SkillList = Type.Object({ items: Type.Array(Skill) }, { additionalProperties: false });

export const AgentParams = Type.Object({ id: AgentId }, { additionalProperties: false });
const agentFields = {
  name: Type.String({ minLength: 1, maxLength: 200 }),
  endpoint: Type.String({
    // chan_sip (SIP/) is gone from Asterisk 21 on: such an agent could never be rung.
    pattern: '^(PJSIP|IAX2)/[A-Za-z0-9_.+-]{1,64}$',
    description: "The agent's phone, e.g. PJSIP/1001 (technology/resource only; no dial options). PJSIP or IAX2; chan_sip's SIP/ does not exist in Asterisk 22",
  }),
  skills: SkillLevels,
  ringSeconds: Type.Integer({ minimum: 5, maximum: 120, default: 20, description: 'Ring time of an offer before it goes to the next agent' }),
  wrapUpSeconds: Type.Integer({ minimum: 0, maximum: 3600, default: 10, description: 'After-call work before the agent is ready again' }),
};
const agentInput = { ...agentFields, ringSeconds: Type.Optional(agentFields.ringSeconds), wrapUpSeconds: Type.Optional(agentFields.wrapUpSeconds) };
export const AgentBody = Type.Object({ id: AgentId, ...agentInput }, { additionalProperties: false });
export const AgentReplaceBody = Type.Object(agentInput, { additionalProperties: false });
export const Agent = Type.Object(
  {
    id: AgentId,
    ...agentFields,
    state: State,
    reason: Type.Union([Type.String(), Type.Null()], { description: 'Why not ready' }),
    since: Timestamp,
    callId: Type.Union([Type.String(), Type.Null()]),
  },
  { additionalProperties: false },
);
export const AgentList = Type.Object({ items: Type.Array(Agent) }, { additionalProperties: false });
export const StateBody = Type.Object(
  {
    action: Type.Union([Type.Literal('login'), Type.Literal('ready'), Type.Literal('not_ready'), Type.Literal('logout')]),
    reason: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'Required with not_ready, e.g. lunch' })),
    force: Type.Optional(
      Type.Boolean({
        description:
          'With ready or logout: taken whatever the state, also while reserved or on a call (a supervisor clearing an agent ' +
          'stuck by a fault). The state event carries reason `forced`.',
      }),
    ),
  },
  { additionalProperties: false },
);

const Overflow = Type.Object(
  {
    type: Type.Union([Type.Literal('queue'), Type.Literal('voicemail'), Type.Literal('flow')]),
    id: Type.String({ minLength: 1, maxLength: 100, description: 'Queue id, mailbox or flow id' }),
  },
  { additionalProperties: false },
);

const queueFields = {
  name: Type.String({ minLength: 1, maxLength: 200 }),
  skills: Type.Optional(SkillLevels),
  strategy: Type.Optional(StrategyName),
  priority: Type.Optional(Type.Integer({ minimum: -100, maximum: 100, default: 0, description: 'Base priority; higher is served first' })),
  priorityRules: Type.Optional(
    Type.Array(
      Type.Object(
        {
          field: Type.String({ minLength: 1, maxLength: 64, description: 'Call-attached data key, e.g. vip' }),
          equals: Type.String({ maxLength: 200 }),
          add: Type.Integer({ minimum: -100, maximum: 100 }),
        },
        { additionalProperties: false },
      ),
      { maxItems: 20 },
    ),
  ),
  agingSecondsPerLevel: Type.Optional(Type.Integer({ minimum: 0, maximum: 86_400, default: 60, description: 'Waiting this long adds one priority level (0: no aging)' })),
  wideningSteps: Type.Optional(
    Type.Array(Type.Object({ afterSeconds: Type.Integer({ minimum: 0, maximum: 86_400 }), lowerBy: Type.Integer({ minimum: 1, maximum: 4 }) }, { additionalProperties: false }), {
      maxItems: 10,
      description: 'After afterSeconds of waiting, accept agents whose levels are lowerBy below the required ones',
    }),
  ),
  serviceLevel: Type.Optional(
    Type.Object({ percent: Type.Integer({ minimum: 1, maximum: 100 }), seconds: Type.Integer({ minimum: 1, maximum: 3600 }) }, { additionalProperties: false, description: 'Target, e.g. 90% in 10 s' }),
  ),
  maxWaitSeconds: Type.Optional(Type.Union([Type.Integer({ minimum: 1, maximum: 86_400 }), Type.Null()])),
  maxLength: Type.Optional(Type.Union([Type.Integer({ minimum: 1, maximum: 100_000 }), Type.Null()])),
  overflow: Type.Optional(Type.Union([Overflow, Type.Null()])),
  digitActions: Type.Optional(
    Type.Record(Type.String({ pattern: '^[0-9*#]$' }), Overflow, {
      additionalProperties: false,
      description: 'Keys a waiting caller may press (0-9, *, #) and where each takes them, e.g. {"0": {"type": "queue", "id": "operators"}}; other keys are ignored',
    }),
  ),
  announceEverySeconds: Type.Optional(Type.Union([Type.Integer({ minimum: 5, maximum: 3600 }), Type.Null()], { description: 'Tell the caller their position (and expected wait) this often' })),
  musicOnHold: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$', default: 'default', description: 'Music-on-hold class' })),
  shortAbandonSeconds: Type.Optional(Type.Integer({ minimum: 0, maximum: 600, default: 5 })),
};
export const QueueParams = Type.Object({ id: QueueId }, { additionalProperties: false });
export const QueueBody = Type.Object({ id: QueueId, ...queueFields }, { additionalProperties: false });
export const QueueReplaceBody = Type.Object(queueFields, { additionalProperties: false });
export const Queue = Type.Object({ id: QueueId, ...queueFields }, { additionalProperties: false });
export const QueueList = Type.Object({ items: Type.Array(Queue) }, { additionalProperties: false });

export const WaitingCalls = Type.Object(
  {
    items: Type.Array(
      Type.Object(
        {
          callId: Type.String(),
          position: Type.Integer({ minimum: 1 }),
          priority: Type.Number(),
          waitSeconds: Type.Number(),
          enteredAt: Timestamp,
          offeredTo: Type.Union([Type.String(), Type.Null()], { description: 'Agent currently ringing for it' }),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

export const QueueStats = Type.Object(
  {
    queueId: QueueId,
    now: Type.Object({
      waiting: Type.Integer(),
      longestWaitSeconds: Type.Number(),
      agents: Type.Object(
        {
          logged_out: Type.Integer(),
          ready: Type.Integer(),
          not_ready: Type.Integer(),
          reserved: Type.Integer(),
          on_call: Type.Integer(),
          wrap_up: Type.Integer(),
        },
        { description: 'Agents with the queue skills, by state' },
      ),
    }),
    today: Type.Object({
      offered: Type.Integer(),
      answered: Type.Integer(),
      abandoned: Type.Integer(),
      shortAbandoned: Type.Integer(),
      overflowed: Type.Integer(),
      serviceLevelPercent: Type.Union([Type.Number(), Type.Null()], { description: 'Answered within the target over offered minus short abandons' }),
      asaSeconds: Type.Union([Type.Number(), Type.Null()], { description: 'Average speed of answer' }),
    }),
  },
  { additionalProperties: false },
);

export const SimulateBody = Type.Object(
  {
    queueId: QueueId,
    data: Type.Optional(Type.Record(Type.String({ maxLength: 64 }), Type.Unknown(), { description: 'Call-attached data (priority rules read it)' })),
    skills: Type.Optional(SkillLevels),
    priority: Type.Optional(Type.Integer({ minimum: -100, maximum: 100 })),
    waitSeconds: Type.Optional(Type.Integer({ minimum: 0, maximum: 86_400, default: 0, description: 'Pretend the call has waited this long (widening)' })),
  },
  { additionalProperties: false },
);
export const SimulationResult = Type.Object(
  {
    queueId: QueueId,
    priority: Type.Number(),
    requiredSkills: SkillLevels,
    position: Type.Integer({ description: 'Where the call would stand among the calls now waiting' }),
    agents: Type.Array(Type.Object({ id: AgentId, name: Type.String() }, { additionalProperties: false }), { description: 'Ready agents in offer order' }),
    expectedWaitSeconds: Type.Union([Type.Number(), Type.Null()], { description: 'null when no logged-in agent can take the call' }),
  },
  { additionalProperties: false },
);
