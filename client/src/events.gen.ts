// Generated from the service's OpenAPI document (`webhooks`) by `npm run client:generate`; do not edit.
/* eslint-disable */

/** Every event type webhooks, the live stream and the journal carry. */
export const EVENT_TYPES = [
  "call.created",
  "call.ivr_step",
  "call.queued",
  "call.offered",
  "call.connected",
  "call.answered",
  "call.held",
  "call.resumed",
  "call.transfer_started",
  "call.transfer_completed",
  "call.transfer_cancelled",
  "call.conference_started",
  "call.recall_started",
  "call.recall_ended",
  "call.recording_started",
  "call.recording_paused",
  "call.recording_resumed",
  "call.recording_stopped",
  "call.abandoned",
  "call.overflowed",
  "call.ended",
  "call.wrap_up_recorded",
  "agent.state_changed",
  "campaign.task_offered",
  "campaign.task_ended",
  "queue.stats",
  "voicemail.created",
  "fax.queued",
  "fax.sent",
  "fax.failed",
  "fax.refused",
  "security.alert",
  "order.created",
  "order.status_changed",
  "cdr.created",
  "survey.completed",
] as const;

export type EventType = (typeof EVENT_TYPES)[number];

/** Each event type's payload (the envelope's `data`). */
export interface EventPayloads {
  /** A channel entered Stasis (or was adopted at resync), or a click-to-dial call was accepted. Signed per Standard Webhooks (webhook-id, webhook-timestamp, webhook-signature). */
  "call.created": {
    callId: string;
    pbxNode: string;
    channelId: string;
    linkedid: string | null;
    direction: "inbound" | "outbound" | "internal";
    state: "ringing" | "answered" | "ivr" | "queued" | "connected" | "held" | "ended";
    caller: {
      number: string | null;
      name: string | null;
      [key: string]: unknown;
    };
    dnis: string | null;
    data: Record<string, unknown>;
    [key: string]: unknown;
  };
  /** A call in an IVR flow left or finished a node. Signed per Standard Webhooks (webhook-id, webhook-timestamp, webhook-signature). */
  "call.ivr_step": {
    callId: string;
    pbxNode: string;
    channelId: string;
    linkedid: string | null;
    direction: "inbound" | "outbound" | "internal";
    state: "ringing" | "answered" | "ivr" | "queued" | "connected" | "held" | "ended";
    caller: {
      number: string | null;
      name: string | null;
      [key: string]: unknown;
    };
    dnis: string | null;
    data: Record<string, unknown>;
    step: {
      flowId: string;
      flowVersion: number;
      node: string;
      nodeType: string;
      outcome: string;
      input?: string;
      inputLength?: number;
      media?: Array<string>;
      [key: string]: unknown;
    };
    [key: string]: unknown;
  };
  /** The ACD put the call in a queue. Signed per Standard Webhooks (webhook-id, webhook-timestamp, webhook-signature). */
  "call.queued": {
    callId: string;
    pbxNode: string;
    channelId: string;
    linkedid: string | null;
    direction: "inbound" | "outbound" | "internal";
    state: "ringing" | "answered" | "ivr" | "queued" | "connected" | "held" | "ended";
    caller: {
      number: string | null;
      name: string | null;
      [key: string]: unknown;
    };
    dnis: string | null;
    data: Record<string, unknown>;
    queue: {
      id: string;
      priority: number;
      position: number;
      overflowFrom?: string | null;
      [key: string]: unknown;
    };
    [key: string]: unknown;
  };
  /** The ACD offered the call to an agent (their phone rings); also on that agent's stream. Signed per Standard Webhooks (webhook-id, webhook-timestamp, webhook-signature). */
  "call.offered": {
    callId: string;
    pbxNode: string;
    channelId: string;
    linkedid: string | null;
    direction: "inbound" | "outbound" | "internal";
    state: "ringing" | "answered" | "ivr" | "queued" | "connected" | "held" | "ended";
    caller: {
      number: string | null;
      name: string | null;
      [key: string]: unknown;
    };
    dnis: string | null;
    data: Record<string, unknown>;
    offer: {
      id: string;
      agentId: string;
      queueId: string | null;
      attempt: number;
      waitMs: number;
      reason: "queue" | "transfer" | "consult";
      [key: string]: unknown;
    };
    [key: string]: unknown;
  };
  /** An agent talks with the customer. Signed per Standard Webhooks (webhook-id, webhook-timestamp, webhook-signature). */
  "call.connected": {
    callId: string;
    pbxNode: string;
    channelId: string;
    linkedid: string | null;
    direction: "inbound" | "outbound" | "internal";
    state: "ringing" | "answered" | "ivr" | "queued" | "connected" | "held" | "ended";
    caller: {
      number: string | null;
      name: string | null;
      [key: string]: unknown;
    };
    dnis: string | null;
    data: Record<string, unknown>;
    from?: string;
    agent: {
      id: string;
      [key: string]: unknown;
    };
    queueId: string | null;
    waitMs: number;
    [key: string]: unknown;
  };
  /** cti-bridge answered the call; for click-to-dial: the customer answered. Signed per Standard Webhooks (webhook-id, webhook-timestamp, webhook-signature). */
  "call.answered": {
    callId: string;
    pbxNode: string;
    channelId: string;
    linkedid: string | null;
    direction: "inbound" | "outbound" | "internal";
    state: "ringing" | "answered" | "ivr" | "queued" | "connected" | "held" | "ended";
    caller: {
      number: string | null;
      name: string | null;
      [key: string]: unknown;
    };
    dnis: string | null;
    data: Record<string, unknown>;
    [key: string]: unknown;
  };
  /** The customer was put on hold through the API. Signed per Standard Webhooks (webhook-id, webhook-timestamp, webhook-signature). */
  "call.held": {
    callId: string;
    pbxNode: string;
    channelId: string;
    linkedid: string | null;
    direction: "inbound" | "outbound" | "internal";
    state: "ringing" | "answered" | "ivr" | "queued" | "connected" | "held" | "ended";
    caller: {
      number: string | null;
      name: string | null;
      [key: string]: unknown;
    };
    dnis: string | null;
    data: Record<string, unknown>;
    from?: string;
    agentId: string | null;
    [key: string]: unknown;
  };
  /** The customer was taken off hold. Signed per Standard Webhooks (webhook-id, webhook-timestamp, webhook-signature). */
  "call.resumed": {
    callId: string;
    pbxNode: string;
    channelId: string;
    linkedid: string | null;
    direction: "inbound" | "outbound" | "internal";
    state: "ringing" | "answered" | "ivr" | "queued" | "connected" | "held" | "ended";
    caller: {
      number: string | null;
      name: string | null;
      [key: string]: unknown;
    };
    dnis: string | null;
    data: Record<string, unknown>;
    from?: string;
    agentId: string | null;
    holdMs: number;
    [key: string]: unknown;
  };
  /** A transfer began: the customer waits on hold, the target rings. Signed per Standard Webhooks (webhook-id, webhook-timestamp, webhook-signature). */
  "call.transfer_started": {
    callId: string;
    pbxNode: string;
    channelId: string;
    linkedid: string | null;
    direction: "inbound" | "outbound" | "internal";
    state: "ringing" | "answered" | "ivr" | "queued" | "connected" | "held" | "ended";
    caller: {
      number: string | null;
      name: string | null;
      [key: string]: unknown;
    };
    dnis: string | null;
    data: Record<string, unknown>;
    transfer: {
      id: string;
      mode: "blind" | "attended";
      fromAgentId: string | null;
      to: {
        agentId?: string;
        extension?: string;
        number?: string;
        queueId?: string;
        [key: string]: unknown;
      };
      state: "ringback" | "answered" | "conference" | "completed" | "cancelled" | "abandoned";
      reason: string | null;
      answeredAt: string | null;
      outcome?: ("requeued" | "recalling" | "recalled" | "recall_unanswered" | "caller_hung_up" | "no_recall") | null;
      [key: string]: unknown;
    };
    [key: string]: unknown;
  };
  /** The target has the customer. Signed per Standard Webhooks (webhook-id, webhook-timestamp, webhook-signature). */
  "call.transfer_completed": {
    callId: string;
    pbxNode: string;
    channelId: string;
    linkedid: string | null;
    direction: "inbound" | "outbound" | "internal";
    state: "ringing" | "answered" | "ivr" | "queued" | "connected" | "held" | "ended";
    caller: {
      number: string | null;
      name: string | null;
      [key: string]: unknown;
    };
    dnis: string | null;
    data: Record<string, unknown>;
    transfer: {
      id: string;
      mode: "blind" | "attended";
      fromAgentId: string | null;
      to: {
        agentId?: string;
        extension?: string;
        number?: string;
        queueId?: string;
        [key: string]: unknown;
      };
      state: "ringback" | "answered" | "conference" | "completed" | "cancelled" | "abandoned";
      reason: string | null;
      answeredAt: string | null;
      outcome?: ("requeued" | "recalling" | "recalled" | "recall_unanswered" | "caller_hung_up" | "no_recall") | null;
      [key: string]: unknown;
    };
    [key: string]: unknown;
  };
  /** The customer is back with the initiator, or the call ends. Signed per Standard Webhooks (webhook-id, webhook-timestamp, webhook-signature). */
  "call.transfer_cancelled": {
    callId: string;
    pbxNode: string;
    channelId: string;
    linkedid: string | null;
    direction: "inbound" | "outbound" | "internal";
    state: "ringing" | "answered" | "ivr" | "queued" | "connected" | "held" | "ended";
    caller: {
      number: string | null;
      name: string | null;
      [key: string]: unknown;
    };
    dnis: string | null;
    data: Record<string, unknown>;
    transfer: {
      id: string;
      mode: "blind" | "attended";
      fromAgentId: string | null;
      to: {
        agentId?: string;
        extension?: string;
        number?: string;
        queueId?: string;
        [key: string]: unknown;
      };
      state: "ringback" | "answered" | "conference" | "completed" | "cancelled" | "abandoned";
      reason: string | null;
      answeredAt: string | null;
      outcome?: ("requeued" | "recalling" | "recalled" | "recall_unanswered" | "caller_hung_up" | "no_recall") | null;
      [key: string]: unknown;
    };
    [key: string]: unknown;
  };
  /** Initiator, target and customer talk together. Signed per Standard Webhooks (webhook-id, webhook-timestamp, webhook-signature). */
  "call.conference_started": {
    callId: string;
    pbxNode: string;
    channelId: string;
    linkedid: string | null;
    direction: "inbound" | "outbound" | "internal";
    state: "ringing" | "answered" | "ivr" | "queued" | "connected" | "held" | "ended";
    caller: {
      number: string | null;
      name: string | null;
      [key: string]: unknown;
    };
    dnis: string | null;
    data: Record<string, unknown>;
    transfer: {
      id: string;
      mode: "blind" | "attended";
      fromAgentId: string | null;
      to: {
        agentId?: string;
        extension?: string;
        number?: string;
        queueId?: string;
        [key: string]: unknown;
      };
      state: "ringback" | "answered" | "conference" | "completed" | "cancelled" | "abandoned";
      reason: string | null;
      answeredAt: string | null;
      outcome?: ("requeued" | "recalling" | "recalled" | "recall_unanswered" | "caller_hung_up" | "no_recall") | null;
      [key: string]: unknown;
    };
    conference: {
      transferId: string;
      agentIds: Array<string>;
      [key: string]: unknown;
    };
    [key: string]: unknown;
  };
  /** A failed transfer's caller waits with music while the transferring agent's phone rings again. Signed per Standard Webhooks (webhook-id, webhook-timestamp, webhook-signature). */
  "call.recall_started": {
    callId: string;
    pbxNode: string;
    channelId: string;
    linkedid: string | null;
    direction: "inbound" | "outbound" | "internal";
    state: "ringing" | "answered" | "ivr" | "queued" | "connected" | "held" | "ended";
    caller: {
      number: string | null;
      name: string | null;
      [key: string]: unknown;
    };
    dnis: string | null;
    data: Record<string, unknown>;
    transfer: {
      id: string;
      mode: "blind" | "attended";
      fromAgentId: string | null;
      to: {
        agentId?: string;
        extension?: string;
        number?: string;
        queueId?: string;
        [key: string]: unknown;
      };
      state: "ringback" | "answered" | "conference" | "completed" | "cancelled" | "abandoned";
      reason: string | null;
      answeredAt: string | null;
      outcome?: ("requeued" | "recalling" | "recalled" | "recall_unanswered" | "caller_hung_up" | "no_recall") | null;
      [key: string]: unknown;
    };
    recall: {
      agentId: string | null;
      endpoint: string;
      outcome?: "recalled" | "recall_unanswered" | "caller_hung_up";
      reason?: string;
      fallback?: "hangup";
      [key: string]: unknown;
    };
    [key: string]: unknown;
  };
  /** The transferring agent took the caller back, or did not and the fallback took the caller, or the caller hung up. Signed per Standard Webhooks (webhook-id, webhook-timestamp, webhook-signature). */
  "call.recall_ended": {
    callId: string;
    pbxNode: string;
    channelId: string;
    linkedid: string | null;
    direction: "inbound" | "outbound" | "internal";
    state: "ringing" | "answered" | "ivr" | "queued" | "connected" | "held" | "ended";
    caller: {
      number: string | null;
      name: string | null;
      [key: string]: unknown;
    };
    dnis: string | null;
    data: Record<string, unknown>;
    transfer: {
      id: string;
      mode: "blind" | "attended";
      fromAgentId: string | null;
      to: {
        agentId?: string;
        extension?: string;
        number?: string;
        queueId?: string;
        [key: string]: unknown;
      };
      state: "ringback" | "answered" | "conference" | "completed" | "cancelled" | "abandoned";
      reason: string | null;
      answeredAt: string | null;
      outcome?: ("requeued" | "recalling" | "recalled" | "recall_unanswered" | "caller_hung_up" | "no_recall") | null;
      [key: string]: unknown;
    };
    recall: {
      agentId: string | null;
      endpoint: string;
      outcome?: "recalled" | "recall_unanswered" | "caller_hung_up";
      reason?: string;
      fallback?: "hangup";
      [key: string]: unknown;
    };
    [key: string]: unknown;
  };
  /** A recording of the conversation started. Signed per Standard Webhooks (webhook-id, webhook-timestamp, webhook-signature). */
  "call.recording_started": {
    callId: string;
    pbxNode: string;
    channelId: string;
    linkedid: string | null;
    direction: "inbound" | "outbound" | "internal";
    state: "ringing" | "answered" | "ivr" | "queued" | "connected" | "held" | "ended";
    caller: {
      number: string | null;
      name: string | null;
      [key: string]: unknown;
    };
    dnis: string | null;
    data: Record<string, unknown>;
    recording: {
      id: string;
      format: string;
      state: string;
      durationMs: number | null;
      [key: string]: unknown;
    };
    [key: string]: unknown;
  };
  /** The recording was paused. Signed per Standard Webhooks (webhook-id, webhook-timestamp, webhook-signature). */
  "call.recording_paused": {
    callId: string;
    pbxNode: string;
    channelId: string;
    linkedid: string | null;
    direction: "inbound" | "outbound" | "internal";
    state: "ringing" | "answered" | "ivr" | "queued" | "connected" | "held" | "ended";
    caller: {
      number: string | null;
      name: string | null;
      [key: string]: unknown;
    };
    dnis: string | null;
    data: Record<string, unknown>;
    recording: {
      id: string;
      format: string;
      state: string;
      durationMs: number | null;
      [key: string]: unknown;
    };
    [key: string]: unknown;
  };
  /** The recording was resumed. Signed per Standard Webhooks (webhook-id, webhook-timestamp, webhook-signature). */
  "call.recording_resumed": {
    callId: string;
    pbxNode: string;
    channelId: string;
    linkedid: string | null;
    direction: "inbound" | "outbound" | "internal";
    state: "ringing" | "answered" | "ivr" | "queued" | "connected" | "held" | "ended";
    caller: {
      number: string | null;
      name: string | null;
      [key: string]: unknown;
    };
    dnis: string | null;
    data: Record<string, unknown>;
    recording: {
      id: string;
      format: string;
      state: string;
      durationMs: number | null;
      [key: string]: unknown;
    };
    [key: string]: unknown;
  };
  /** The recording stopped (also when the call ended or the PBX failed it). Signed per Standard Webhooks (webhook-id, webhook-timestamp, webhook-signature). */
  "call.recording_stopped": {
    callId: string;
    pbxNode: string;
    channelId: string;
    linkedid: string | null;
    direction: "inbound" | "outbound" | "internal";
    state: "ringing" | "answered" | "ivr" | "queued" | "connected" | "held" | "ended";
    caller: {
      number: string | null;
      name: string | null;
      [key: string]: unknown;
    };
    dnis: string | null;
    data: Record<string, unknown>;
    recording: {
      id: string;
      format: string;
      state: string;
      durationMs: number | null;
      [key: string]: unknown;
    };
    [key: string]: unknown;
  };
  /** The caller hung up while waiting in a queue. Signed per Standard Webhooks (webhook-id, webhook-timestamp, webhook-signature). */
  "call.abandoned": {
    callId: string;
    pbxNode: string;
    channelId: string;
    linkedid: string | null;
    direction: "inbound" | "outbound" | "internal";
    state: "ringing" | "answered" | "ivr" | "queued" | "connected" | "held" | "ended";
    caller: {
      number: string | null;
      name: string | null;
      [key: string]: unknown;
    };
    dnis: string | null;
    data: Record<string, unknown>;
    queue: {
      id: string;
      position: number;
      [key: string]: unknown;
    };
    waitMs: number;
    short: boolean;
    [key: string]: unknown;
  };
  /** Max wait or max queue length reached, or the caller pressed a key the queue maps; the call moves on. Signed per Standard Webhooks (webhook-id, webhook-timestamp, webhook-signature). */
  "call.overflowed": {
    callId: string;
    pbxNode: string;
    channelId: string;
    linkedid: string | null;
    direction: "inbound" | "outbound" | "internal";
    state: "ringing" | "answered" | "ivr" | "queued" | "connected" | "held" | "ended";
    caller: {
      number: string | null;
      name: string | null;
      [key: string]: unknown;
    };
    dnis: string | null;
    data: Record<string, unknown>;
    queue: {
      id: string;
      [key: string]: unknown;
    };
    waitMs: number;
    to: {
      type: "queue" | "voicemail" | "flow";
      id: string;
      [key: string]: unknown;
    };
    reason: "max_wait" | "max_length" | "digit";
    digit?: string;
    [key: string]: unknown;
  };
  /** The caller's channel left Stasis or was destroyed. Signed per Standard Webhooks (webhook-id, webhook-timestamp, webhook-signature). */
  "call.ended": {
    callId: string;
    pbxNode: string;
    channelId: string;
    linkedid: string | null;
    direction: "inbound" | "outbound" | "internal";
    state: "ringing" | "answered" | "ivr" | "queued" | "connected" | "held" | "ended";
    caller: {
      number: string | null;
      name: string | null;
      [key: string]: unknown;
    };
    dnis: string | null;
    data: Record<string, unknown>;
    cause: number | null;
    reason: string;
    [key: string]: unknown;
  };
  /** An agent recorded what became of the call (disposition and note); the CDR's agent entry shows the last one. Signed per Standard Webhooks (webhook-id, webhook-timestamp, webhook-signature). */
  "call.wrap_up_recorded": {
    callId: string;
    pbxNode: string;
    channelId: string;
    linkedid: string | null;
    direction: "inbound" | "outbound" | "internal";
    state: "ringing" | "answered" | "ivr" | "queued" | "connected" | "held" | "ended";
    caller: {
      number: string | null;
      name: string | null;
      [key: string]: unknown;
    };
    dnis: string | null;
    data: Record<string, unknown>;
    wrapUp: {
      agentId: string;
      code: string;
      label: string;
      note: string | null;
      [key: string]: unknown;
    };
    [key: string]: unknown;
  };
  /** An agent's state changed. Signed per Standard Webhooks (webhook-id, webhook-timestamp, webhook-signature). */
  "agent.state_changed": {
    agentId: string;
    from: "logged_out" | "ready" | "not_ready" | "reserved" | "on_call" | "wrap_up";
    to: "logged_out" | "ready" | "not_ready" | "reserved" | "on_call" | "wrap_up";
    reason: string | null;
    durationMs: number;
    callId: string | null;
    queueId: string | null;
    [key: string]: unknown;
  };
  /** A due campaign contact was offered to a ready agent as a preview task. Signed per Standard Webhooks (webhook-id, webhook-timestamp, webhook-signature). */
  "campaign.task_offered": {
    agentId: string;
    task: {
      id: string;
      campaignId: string;
      campaignName: string;
      queueId: string;
      reason: "first_attempt" | "retry" | "callback" | "offer_expired";
      expiresAt: string;
      contact: {
        id: string;
        number: string;
        name: string | null;
        reference: string | null;
        attempts: number;
        data: Record<string, unknown>;
        [key: string]: unknown;
      };
      order: Record<string, unknown> | null;
      [key: string]: unknown;
    };
    [key: string]: unknown;
  };
  /** A preview task ended. Signed per Standard Webhooks (webhook-id, webhook-timestamp, webhook-signature). */
  "campaign.task_ended": {
    agentId: string;
    task: {
      id: string;
      campaignId: string;
      contactId: string;
      state: "declined" | "expired" | "failed" | "done";
      outcome: string;
      callId: string | null;
      [key: string]: unknown;
    };
    [key: string]: unknown;
  };
  /** A queue's live figures changed. Signed per Standard Webhooks (webhook-id, webhook-timestamp, webhook-signature). */
  "queue.stats": {
    queueId: string;
    waiting: number;
    longestWaitSeconds: number;
    offeredToday: number;
    answeredToday: number;
    serviceLevelToday: number | null;
    serviceLevelSeconds: number;
    serviceLevelTarget: number;
    timeZone: string;
    agentsByState: Record<string, unknown>;
    [key: string]: unknown;
  };
  /** A caller's message was stored in a mailbox. Signed per Standard Webhooks (webhook-id, webhook-timestamp, webhook-signature). */
  "voicemail.created": {
    messageId: string;
    mailboxId: string;
    mailboxKind: "agent" | "queue" | "general";
    owner: string | null;
    callerNumber: string | null;
    callerName: string | null;
    durationSeconds: number;
    format: string;
    notify: Array<string>;
    [key: string]: unknown;
  };
  /** A fax was accepted. Signed per Standard Webhooks (webhook-id, webhook-timestamp, webhook-signature). */
  "fax.queued": {
    faxId: string;
    destination: string;
    documentCode: string | null;
    pages: number;
    [key: string]: unknown;
  };
  /** Every page went through. Signed per Standard Webhooks (webhook-id, webhook-timestamp, webhook-signature). */
  "fax.sent": {
    faxId: string;
    destination: string;
    documentCode: string | null;
    pages: number;
    attempts: number;
    [key: string]: unknown;
  };
  /** The last attempt failed (or the document vanished). Signed per Standard Webhooks (webhook-id, webhook-timestamp, webhook-signature). */
  "fax.failed": {
    faxId: string;
    destination: string;
    documentCode: string | null;
    attempts: number;
    reason: string;
    detail: string;
    [key: string]: unknown;
  };
  /** A fax was asked for and will not be sent. Signed per Standard Webhooks (webhook-id, webhook-timestamp, webhook-signature). */
  "fax.refused": {
    destination: string;
    documentCode: string | null;
    apiKeyId: string | null;
    callerNumber: string | null;
    rule: string;
    reason: string;
    [key: string]: unknown;
  };
  /** A burst of refused destinations from one API key or one caller. Signed per Standard Webhooks (webhook-id, webhook-timestamp, webhook-signature). */
  "security.alert": {
    reason: "refused_destinations";
    apiKeyId: string | null;
    callerNumber: string | null;
    feature: string;
    refusals: number;
    windowSeconds: number;
    lastNumber: string;
    lastRule: string;
    keySuspended: boolean;
    [key: string]: unknown;
  };
  /** An order was created. Signed per Standard Webhooks (webhook-id, webhook-timestamp, webhook-signature). */
  "order.created": {
    id: string;
    state: "draft" | "submitted" | "approved" | "rejected" | "picking" | "shipped" | "delivered" | "refused" | "returned" | "payment_confirmed" | "completed";
    customer: {
      name: string;
      phone: string;
      gender?: "female" | "male" | "other" | "unspecified";
      address: {
        line1: string;
        line2?: string;
        city: string;
        postalCode: string;
        region?: string;
        country?: string;
      };
      notes?: string;
    };
    mediaSource: {
      type: "tv" | "radio" | "press" | "web" | "other";
      name: string;
    } | null;
    items: Array<{
      sku: string;
      name?: string;
      quantity: number;
      unitPriceMinor: number;
      lineTotalMinor: number;
      [key: string]: unknown;
    }>;
    currency: string;
    totalMinor: number;
    callId: string | null;
    approvals: Array<{
      type: "gift" | "price";
      reason: string;
      sku?: string;
    }>;
    shipment: Record<string, unknown> | null;
    delivery: Record<string, unknown> | null;
    payment: Record<string, unknown> | null;
    allowedActions: Array<string>;
    createdAt: string;
    updatedAt: string;
    orderId: string;
    [key: string]: unknown;
  };
  /** A workflow action changed the order. Signed per Standard Webhooks (webhook-id, webhook-timestamp, webhook-signature). */
  "order.status_changed": {
    id: string;
    state: "draft" | "submitted" | "approved" | "rejected" | "picking" | "shipped" | "delivered" | "refused" | "returned" | "payment_confirmed" | "completed";
    customer: {
      name: string;
      phone: string;
      gender?: "female" | "male" | "other" | "unspecified";
      address: {
        line1: string;
        line2?: string;
        city: string;
        postalCode: string;
        region?: string;
        country?: string;
      };
      notes?: string;
    };
    mediaSource: {
      type: "tv" | "radio" | "press" | "web" | "other";
      name: string;
    } | null;
    items: Array<{
      sku: string;
      name?: string;
      quantity: number;
      unitPriceMinor: number;
      lineTotalMinor: number;
      [key: string]: unknown;
    }>;
    currency: string;
    totalMinor: number;
    callId: string | null;
    approvals: Array<{
      type: "gift" | "price";
      reason: string;
      sku?: string;
    }>;
    shipment: Record<string, unknown> | null;
    delivery: Record<string, unknown> | null;
    payment: Record<string, unknown> | null;
    allowedActions: Array<string>;
    createdAt: string;
    updatedAt: string;
    orderId: string;
    from: string | null;
    to: string;
    action: string;
    input: Record<string, unknown>;
    [key: string]: unknown;
  };
  /** The CDR, together with call.ended. Signed per Standard Webhooks (webhook-id, webhook-timestamp, webhook-signature). */
  "cdr.created": {
    cdrId: string;
    callId: string;
    pbxNode: string;
    linkedid: string | null;
    direction: "inbound" | "outbound" | "internal";
    caller: {
      number: string | null;
      name: string | null;
      [key: string]: unknown;
    };
    dnis: string | null;
    startedAt: string;
    answeredAt: string | null;
    endedAt: string;
    durationMs: number;
    talkMs: number;
    disposition: "answered" | "abandoned" | "short_abandon" | "voicemail" | "fax" | "pbx_restart" | "unattended" | "no_answer" | "busy" | "failed";
    hangupCause: number | null;
    data: Record<string, unknown>;
    ivrPath: Array<string>;
    queue: {
      id: string;
      overflowFrom: string | null;
      [key: string]: unknown;
    } | null;
    waitMs: number;
    holdMs: number;
    legs: Array<{
      role: string;
      agentId: string | null;
      startedAt: string;
      answeredAt: string | null;
      endedAt: string | null;
      talkMs: number;
      holdMs: number;
      [key: string]: unknown;
    }>;
    agents: Array<{
      agentId: string;
      talkMs: number;
      holdMs: number;
      wrapUpMs: number | null;
      [key: string]: unknown;
    }>;
    transfers: Array<{
      id: string;
      mode: string;
      to: Record<string, unknown>;
      outcome: string;
      [key: string]: unknown;
    }>;
    conferences: Array<{
      at: string;
      agentIds: Array<string>;
      [key: string]: unknown;
    }>;
    survey: {
      rating: string | null;
      rated: boolean;
      [key: string]: unknown;
    } | null;
    recordings: Array<Record<string, unknown>>;
    complete: boolean;
    [key: string]: unknown;
  };
  /** The caller answered the post-call survey, or it ended unanswered. Signed per Standard Webhooks (webhook-id, webhook-timestamp, webhook-signature). */
  "survey.completed": {
    callId: string;
    pbxNode: string;
    channelId: string;
    linkedid: string | null;
    direction: "inbound" | "outbound" | "internal";
    state: "ringing" | "answered" | "ivr" | "queued" | "connected" | "held" | "ended";
    caller: {
      number: string | null;
      name: string | null;
      [key: string]: unknown;
    };
    dnis: string | null;
    data: Record<string, unknown>;
    survey: {
      rating: string | null;
      rated: boolean;
      [key: string]: unknown;
    };
    [key: string]: unknown;
  };
}
