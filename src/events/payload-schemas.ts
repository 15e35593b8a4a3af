// The published shape of every event's `data`, one TypeBox schema per catalogue entry:
// served at /v1/events/schemas, in the OpenAPI document as webhooks, behind the client's
// typed payloads, and checked against every event written when EVENT_SCHEMA_CHECK is on.
// Objects stay open (extra fields are allowed) so a payload can grow within its version;
// what is listed is what receivers may rely on.
import { Type, type Static, type TSchema } from 'typebox';
import { AGENT_STATES } from '../acd/model.js';
import { Direction } from '../calls/schemas.js';
import { CALL_STATES } from '../calls/state.js';
import { Order } from '../orders/schemas.js';
import type { EventType } from './catalogue.js';

/** Raised when a payload changes incompatibly; `version` in every envelope. */
export const EVENT_PAYLOAD_VERSION = 1;

const Uuid = Type.String({ format: 'uuid' });
const Timestamp = Type.String({ format: 'date-time' });
const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);
const NullableString = Nullable(Type.String());
const Obj = Type.Record(Type.String(), Type.Unknown());
const OneOf = (values: readonly string[], description?: string) =>
  Type.Union(
    values.map((v) => Type.Literal(v)),
    description ? { description } : {},
  );

/** The call as it is after the change: the base of every call.* payload. */
export const CallPayload = Type.Object({
  callId: Type.String({ format: 'uuid', description: 'Stable across legs, transfers and instances' }),
  pbxNode: Type.String(),
  channelId: Type.String({ description: "The caller's channel id (Asterisk uniqueid)" }),
  linkedid: Type.Union([Type.String(), Type.Null()], { description: 'The same for every leg of the conversation' }),
  direction: Direction,
  state: OneOf(CALL_STATES),
  caller: Type.Object({ number: NullableString, name: NullableString }),
  dnis: NullableString,
  data: Type.Record(Type.String(), Type.Unknown(), { description: 'Call-attached data: the screen pop' }),
});

const callEvent = <P extends Record<string, TSchema>>(extra: P, description: string) =>
  Type.Object({ ...CallPayload.properties, ...extra }, { description });

const TransferTarget = Type.Object(
  { agentId: Type.Optional(Type.String()), extension: Type.Optional(Type.String()), number: Type.Optional(Type.String()), queueId: Type.Optional(Type.String()) },
  { description: 'The target as asked: one of agentId, extension, number, queueId (an attended transfer to a queue also names the agent the queue offered)' },
);

export const TransferPayload = Type.Object({
  id: Uuid,
  mode: OneOf(['blind', 'attended']),
  fromAgentId: NullableString,
  to: TransferTarget,
  state: OneOf(['ringback', 'answered', 'conference', 'completed', 'cancelled', 'abandoned']),
  reason: NullableString,
  answeredAt: Nullable(Timestamp),
  outcome: Type.Optional(Nullable(OneOf(['requeued', 'recalling', 'recalled', 'recall_unanswered', 'caller_hung_up', 'no_recall']))),
});

const RecallPayload = Type.Object({
  agentId: NullableString,
  endpoint: Type.String(),
  outcome: Type.Optional(OneOf(['recalled', 'recall_unanswered', 'caller_hung_up'])),
  reason: Type.Optional(Type.String()),
  fallback: Type.Optional(OneOf(['hangup'])),
});

const RecordingPayload = Type.Object({
  id: Uuid,
  format: Type.String(),
  state: Type.String({ description: 'recording, paused, done, failed' }),
  durationMs: Nullable(Type.Integer()),
});

const HoldFrom = { from: Type.Optional(Type.String({ description: 'The call state before' })) };
const AgentRef = Type.Object({ id: Type.String() });

const Survey = Type.Object({
  rating: Type.Union([Type.String(), Type.Null()], {
    description: "The key on a 1-5 scale ('1'…'5') or satisfied, neutral, dissatisfied on the three-point scale; null: not rated",
  }),
  rated: Type.Boolean(),
});

const CdrLeg = Type.Object({
  role: Type.String({ description: 'caller, agent, consult, conference' }),
  agentId: NullableString,
  startedAt: Timestamp,
  answeredAt: Nullable(Timestamp),
  endedAt: Nullable(Timestamp),
  talkMs: Type.Integer(),
  holdMs: Type.Integer(),
});

export const CdrPayload = Type.Object({
  cdrId: Uuid,
  callId: Uuid,
  pbxNode: Type.String(),
  linkedid: NullableString,
  direction: Direction,
  caller: Type.Object({ number: NullableString, name: NullableString }),
  dnis: NullableString,
  startedAt: Timestamp,
  answeredAt: Nullable(Timestamp),
  endedAt: Timestamp,
  durationMs: Type.Integer(),
  talkMs: Type.Integer(),
  disposition: OneOf(['answered', 'abandoned', 'short_abandon', 'voicemail', 'fax', 'pbx_restart', 'unattended', 'no_answer', 'busy', 'failed']),
  hangupCause: Nullable(Type.Integer()),
  data: Obj,
  ivrPath: Type.Array(Type.String()),
  queue: Nullable(Type.Object({ id: Type.String(), overflowFrom: NullableString })),
  waitMs: Type.Integer(),
  holdMs: Type.Integer(),
  legs: Type.Array(CdrLeg),
  agents: Type.Array(Type.Object({ agentId: Type.String(), talkMs: Type.Integer(), holdMs: Type.Integer(), wrapUpMs: Nullable(Type.Integer()) })),
  transfers: Type.Array(Type.Object({ id: Uuid, mode: Type.String(), to: Obj, outcome: Type.String() })),
  conferences: Type.Array(Type.Object({ at: Timestamp, agentIds: Type.Array(Type.String()) })),
  survey: Nullable(Survey),
  recordings: Type.Array(Obj),
  complete: Type.Boolean({ description: 'false while an agent is still on the call or in wrap-up' }),
});

const OrderPayload = Type.Object({
  ...Order.properties,
  orderId: Uuid,
});

const FaxBase = { faxId: Uuid, destination: Type.String(), documentCode: NullableString };

const TaskOrder = Nullable(Obj);


/** `data` of each event type. */
export const EVENT_PAYLOADS = {
  'call.created': callEvent({}, 'A channel entered Stasis (or was adopted at resync), or a click-to-dial call was accepted'),
  'call.ivr_step': callEvent(
    {
      step: Type.Object({
        flowId: Type.String(),
        flowVersion: Type.Integer(),
        node: Type.String(),
        nodeType: Type.String(),
        outcome: Type.String(),
        input: Type.Optional(Type.String({ description: 'menu key, CRM HTTP status or survey rating only' })),
        inputLength: Type.Optional(Type.Integer({ description: 'digits taken, never the digits' })),
        media: Type.Optional(Type.Array(Type.String(), { description: 'a failed prompt: its media (spoken digits and numbers without their value)' })),
      }),
    },
    'A call in an IVR flow left or finished a node',
  ),
  'call.queued': callEvent(
    { queue: Type.Object({ id: Type.String(), priority: Type.Number(), position: Type.Integer(), overflowFrom: Type.Optional(NullableString) }) },
    'The ACD put the call in a queue',
  ),
  'call.offered': callEvent(
    {
      offer: Type.Object({
        id: Type.String(),
        agentId: Type.String(),
        queueId: NullableString,
        attempt: Type.Integer(),
        waitMs: Type.Integer(),
        reason: OneOf(['queue', 'transfer', 'consult']),
      }),
    },
    "The ACD offered the call to an agent (their phone rings); also on that agent's stream",
  ),
  'call.connected': callEvent(
    { ...HoldFrom, agent: AgentRef, queueId: NullableString, waitMs: Type.Integer() },
    'An agent talks with the customer',
  ),
  'call.answered': callEvent({}, 'cti-bridge answered the call; for click-to-dial: the customer answered'),
  'call.held': callEvent({ ...HoldFrom, agentId: NullableString }, 'The customer was put on hold through the API'),
  'call.resumed': callEvent({ ...HoldFrom, agentId: NullableString, holdMs: Type.Integer() }, 'The customer was taken off hold'),
  'call.transfer_started': callEvent({ transfer: TransferPayload }, 'A transfer began: the customer waits on hold, the target rings'),
  'call.transfer_completed': callEvent({ transfer: TransferPayload }, 'The target has the customer'),
  'call.transfer_cancelled': callEvent({ transfer: TransferPayload }, 'The customer is back with the initiator, or the call ends'),
  'call.conference_started': callEvent(
    { transfer: TransferPayload, conference: Type.Object({ transferId: Uuid, agentIds: Type.Array(Type.String()) }) },
    'Initiator, target and customer talk together',
  ),
  'call.recall_started': callEvent(
    { transfer: TransferPayload, recall: RecallPayload },
    "A failed transfer's caller waits with music while the transferring agent's phone rings again",
  ),
  'call.recall_ended': callEvent(
    { transfer: TransferPayload, recall: RecallPayload },
    'The transferring agent took the caller back, or did not and the fallback took the caller, or the caller hung up',
  ),
  'call.recording_started': callEvent({ recording: RecordingPayload }, 'A recording of the conversation started'),
  'call.recording_paused': callEvent({ recording: RecordingPayload }, 'The recording was paused'),
  'call.recording_resumed': callEvent({ recording: RecordingPayload }, 'The recording was resumed'),
  'call.recording_stopped': callEvent({ recording: RecordingPayload }, 'The recording stopped (also when the call ended or the PBX failed it)'),
  'call.abandoned': callEvent(
    { queue: Type.Object({ id: Type.String(), position: Type.Integer() }), waitMs: Type.Integer(), short: Type.Boolean() },
    'The caller hung up while waiting in a queue',
  ),
  'call.overflowed': callEvent(
    {
      queue: Type.Object({ id: Type.String() }),
      waitMs: Type.Integer(),
      to: Type.Object({ type: OneOf(['queue', 'voicemail', 'flow']), id: Type.String() }),
      reason: OneOf(['max_wait', 'max_length', 'digit']),
      digit: Type.Optional(Type.String({ description: "The key the caller pressed (reason 'digit', the queue's digitActions)" })),
    },
    'Max wait or max queue length reached, or the caller pressed a key the queue maps; the call moves on',
  ),
  'call.ended': callEvent(
    { cause: Nullable(Type.Integer({ description: 'Q.850' })), reason: Type.String() },
    "The caller's channel left Stasis or was destroyed",
  ),
  'call.wrap_up_recorded': callEvent(
    {
      wrapUp: Type.Object({
        agentId: Type.String(),
        code: Type.String({ description: 'A configured disposition code (GET /v1/disposition-codes)' }),
        label: Type.String({ description: "The code's label when it was recorded" }),
        note: NullableString,
      }),
    },
    "An agent recorded what became of the call (disposition and note); the CDR's agent entry shows the last one",
  ),
  'agent.state_changed': Type.Object(
    {
      agentId: Type.String(),
      from: OneOf(AGENT_STATES),
      to: OneOf(AGENT_STATES),
      reason: NullableString,
      durationMs: Type.Integer({ description: 'Time spent in `from`' }),
      callId: Type.Union([Type.String(), Type.Null()], { description: 'A call id, task:<taskId> while a campaign task is held, or null' }),
      queueId: NullableString,
    },
    { description: "An agent's state changed" },
  ),
  'campaign.task_offered': Type.Object(
    {
      agentId: Type.String(),
      task: Type.Object({
        id: Uuid,
        campaignId: Type.String(),
        campaignName: Type.String(),
        queueId: Type.String(),
        reason: OneOf(['first_attempt', 'retry', 'callback', 'offer_expired']),
        expiresAt: Timestamp,
        contact: Type.Object({ id: Type.String(), number: Type.String(), name: NullableString, reference: NullableString, attempts: Type.Integer(), data: Obj }),
        order: TaskOrder,
      }),
    },
    { description: 'A due campaign contact was offered to a ready agent as a preview task' },
  ),
  'campaign.task_ended': Type.Object(
    {
      agentId: Type.String(),
      task: Type.Object({
        id: Uuid,
        campaignId: Type.String(),
        contactId: Type.String(),
        state: OneOf(['declined', 'expired', 'failed', 'done']),
        outcome: Type.String({ description: 'declined, expired, not_dialled, refused (the dial gate refused the number), reached, no_answer, busy, wrong_number, agent_no_answer' }),
        callId: NullableString,
      }),
    },
    { description: 'A preview task ended' },
  ),
  'queue.stats': Type.Object(
    {
      queueId: Type.String(),
      waiting: Type.Integer(),
      longestWaitSeconds: Type.Integer(),
      offeredToday: Type.Integer(),
      answeredToday: Type.Integer(),
      serviceLevelToday: Nullable(Type.Number()),
      serviceLevelSeconds: Type.Number(),
      serviceLevelTarget: Type.Number(),
      timeZone: Type.String(),
      agentsByState: Type.Record(Type.String(), Type.Integer()),
    },
    { description: "A queue's live figures changed" },
  ),
  'voicemail.created': Type.Object(
    {
      messageId: Uuid,
      mailboxId: Type.String(),
      mailboxKind: OneOf(['agent', 'queue', 'general']),
      owner: NullableString,
      callerNumber: NullableString,
      callerName: NullableString,
      durationSeconds: Type.Integer(),
      format: Type.String(),
      notify: Type.Array(Type.String()),
    },
    { description: "A caller's message was stored in a mailbox" },
  ),
  'fax.queued': Type.Object({ ...FaxBase, pages: Type.Integer() }, { description: 'A fax was accepted' }),
  'fax.sent': Type.Object({ ...FaxBase, pages: Type.Integer(), attempts: Type.Integer() }, { description: 'Every page went through' }),
  'fax.failed': Type.Object(
    { ...FaxBase, attempts: Type.Integer(), reason: Type.String(), detail: Type.String() },
    { description: 'The last attempt failed (or the document vanished)' },
  ),
  'fax.refused': Type.Object(
    {
      destination: Type.String(),
      documentCode: NullableString,
      apiKeyId: Nullable(Uuid),
      callerNumber: NullableString,
      rule: Type.String({ description: 'The dial-policy rule, `budget:<name>`, `withheld_caller` or `no_document`' }),
      reason: Type.String(),
    },
    { description: 'A fax was asked for and will not be sent' },
  ),
  'security.alert': Type.Object(
    {
      reason: OneOf(['refused_destinations']),
      apiKeyId: Nullable(Uuid),
      callerNumber: NullableString,
      feature: Type.String(),
      refusals: Type.Integer(),
      windowSeconds: Type.Integer(),
      lastNumber: Type.String(),
      lastRule: Type.String(),
      keySuspended: Type.Boolean(),
    },
    { description: 'A burst of refused destinations from one API key or one caller' },
  ),
  'order.created': Type.Object(OrderPayload.properties, { description: 'An order was created' }),
  'order.status_changed': Type.Object(
    { ...OrderPayload.properties, from: NullableString, to: Type.String(), action: Type.String(), input: Obj },
    { description: 'A workflow action changed the order' },
  ),
  'cdr.created': Type.Object(CdrPayload.properties, { description: 'The CDR, together with call.ended' }),
  'survey.completed': callEvent(
    { survey: Survey },
    'The caller answered the post-call survey, or it ended unanswered',
  ),
} satisfies Record<EventType, TSchema>;

export type EventPayloads = { [K in EventType]: Static<(typeof EVENT_PAYLOADS)[K]> };

export const OWNER_KEY_DESCRIPTION =
  'Present on events about an object an API key owns: only that key and admin keys receive the event. ' +
  'The nil uuid: admin keys only (security alerts about a key)';

/** The envelope around a type's payload, as webhooks, the stream and the journal carry it. */
export function envelopeSchema<K extends EventType>(type: K) {
  const description = (EVENT_PAYLOADS[type] as { description?: string }).description ?? type;
  return Type.Object(
    {
      id: Type.String({ format: 'uuid', description: 'Also the webhook-id; receivers deduplicate on it' }),
      type: Type.Literal(type),
      version: Type.Literal(EVENT_PAYLOAD_VERSION),
      occurredAt: Timestamp,
      callId: Type.Optional(Type.String()),
      pbxNode: Type.Optional(Type.String()),
      sequence: Type.Optional(Type.Integer({ description: 'Journal position (journal and resumed streams only)' })),
      ownerKeyId: Type.Optional(Type.String({ format: 'uuid', description: OWNER_KEY_DESCRIPTION })),
      data: EVENT_PAYLOADS[type],
    },
    { description },
  );
}
