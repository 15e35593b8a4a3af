// The domain event catalogue. Names are the contract with integrators; payloads carry
// a version so they can grow without breaking receivers. docs/events.md describes each.
export const EVENT_TYPES = [
  'call.created',
  'call.ivr_step',
  'call.queued',
  'call.offered',
  'call.connected',
  'call.answered',
  'call.held',
  'call.resumed',
  'call.transfer_started',
  'call.transfer_completed',
  'call.transfer_cancelled',
  'call.conference_started',
  'call.recall_started',
  'call.recall_ended',
  'call.recording_started',
  'call.recording_paused',
  'call.recording_resumed',
  'call.recording_stopped',
  'call.abandoned',
  'call.overflowed',
  'call.ended',
  'call.wrap_up_recorded',
  'agent.state_changed',
  'campaign.task_offered',
  'campaign.task_ended',
  'queue.stats',
  'voicemail.created',
  'fax.queued',
  'fax.sent',
  'fax.failed',
  'fax.refused',
  'security.alert',
  'order.created',
  'order.status_changed',
  'cdr.created',
  'survey.completed',
] as const;

export type EventType = (typeof EVENT_TYPES)[number];

export function isEventType(value: string): value is EventType {
  return (EVENT_TYPES as readonly string[]).includes(value);
}

/** What goes into the outbox and out to webhooks and the live stream. */
export interface DomainEvent<T = Record<string, unknown>> {
  id: string; // uuid; also the Standard Webhooks `webhook-id`, stable across retries
  type: EventType;
  version: 1;
  occurredAt: string; // ISO 8601
  callId?: string;
  pbxNode?: string;
  /** The key owning the object the event is about; only it and admin keys receive the event (audience.ts). */
  ownerKeyId?: string;
  data: T;
}
