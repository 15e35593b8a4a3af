// What call control (transfers, consultations, conferences) needs from the ACD's agents.
// Call control moves channels between bridges; the ACD owns who an agent is, which state
// they are in and what their screen shows. Keeping this seam narrow lets transfers be
// written and read in src/calls without knowing how agents are stored or routed.

export interface AgentOnCall {
  agentId: string;
  /** The agent's channel in this call. */
  channelId: string;
}

/** A call the ACD connected, handed to call control (see `AgentDesk.handOver`). */
export interface HandedOverCall {
  agentId: string;
  /** The agent's channel. */
  channelId: string;
  /** The mixing bridge where the caller and the agent talk. */
  bridgeId: string;
}

export type DirectOffer =
  | { ok: true; agentId: string; endpoint: string }
  | { ok: false; status: 404 | 409; reason: string; state?: string };

export interface AgentDesk {
  /**
   * Reserves a ready agent for a transfer or consultation of this call (outside any
   * queue), atomically across instances. 404 for an unknown agent, 409 (with the agent's
   * state) for one who is not ready.
   */
  reserveDirect(agentId: string, callId: string): Promise<DirectOffer>;
  /**
   * Call control originated this channel to the reserved agent (its phone rings now): the
   * ACD announces the offer — exactly one `call.offered` with the call's data, the screen
   * pop on the agent's own stream, `reason` 'consult' for an attended transfer and
   * 'transfer' for a blind one — and follows the leg from now on (answer: on_call;
   * hang-up or leaving the call: wrap-up). Call control announces no offer itself.
   */
  trackLeg(agentId: string, callId: string, channelId: string, reason?: 'transfer' | 'consult'): Promise<void>;
  /**
   * A channel an ACD agent's phone was talking on outside our app (the consultation of an
   * attended transfer placed from a desk phone) took a place in this call: that agent's
   * booking now holds this call, the agent's stream gets its screen pop. The agent, or
   * undefined when the channel is no agent's booked talk.
   */
  phoneCallJoined(channelId: string, callId: string): Promise<string | undefined>;
  /**
   * Reserves the agent who handed this call over to ring them back (the transfer failed and
   * no queue takes the caller): their talk or wrap-up of this very call ends early. As
   * `reserveDirect` otherwise; an agent who asked to be not ready afterwards is not rung.
   */
  recall(agentId: string, callId: string): Promise<DirectOffer>;
  /** The reservation ends without the agent taking the call (no answer, cancelled, failed). */
  release(agentId: string, callId: string, reason: 'no_answer' | 'cancelled' | 'failed'): Promise<void>;
  /** The agent's leg stays up but the agent has left this call's conversation (e.g. a
   * blind transfer completed): the agent goes to wrap-up. */
  leftCall(agentId: string, callId: string): Promise<void>;
  /**
   * Call control takes over a call the ACD connected (hold, transfer, conference): from
   * now on the ACD only follows the agent's leg (hang-up: wrap-up) and no longer ends the
   * caller's or the agent's side itself. Undefined when the ACD does not drive the call.
   */
  handOver(callId: string): Promise<HandedOverCall | undefined>;
  /**
   * A caller whose transfer failed with nobody of it left on the call (the initiator's
   * phone handed over, the target never took them): the ACD takes them back to the front
   * of the queue they came from. The caller must be out of call control's bridges; false
   * when the call never was in a queue (call control keeps it then).
   */
  takeBack(callId: string, channelId: string): Promise<boolean>;
  /**
   * A blind transfer to a queue: the caller (out of call control's bridges) enters the
   * queue by their priority there, as any call; the ACD announces call.queued and routes
   * it. False when the call is not the ACD's to take (another node's, ended).
   */
  requeue(callId: string, channelId: string, queueId: string): Promise<boolean>;
  /** Whether the queue exists (a transfer to an unknown one is refused before anything moves). */
  hasQueue(queueId: string): Promise<boolean>;
  /**
   * An attended transfer to a queue consults the agent the queue would offer this call to
   * now (its routing order, the call's data), never `except` (the initiator): reserved
   * as by reserveDirect. 404 for an unknown queue, 409 when nobody there is ready.
   */
  reserveFromQueue(queueId: string, callId: string, except: string | null): Promise<DirectOffer>;
  /** The mixing bridge the ACD connects this call's caller and agent in (a take-over of
   * the node finds a handed-over call by it). */
  mixingBridge(callId: string): string;
  /** The agents currently talking on this call (the initiator of a transfer is one of them). */
  agentsOnCall(callId: string): Promise<AgentOnCall[]>;
  /** The call an agent leg the ACD placed or follows belongs to (a phone's transfer names only its channel). */
  callOfLeg(channelId: string): Promise<string | undefined>;
  /** The agent whose phone this endpoint is (`PJSIP/1002`), if any. */
  agentAt(endpoint: string): Promise<string | undefined>;
}
