// Generated from the service's OpenAPI document by `npm run client:generate`; do not edit.
/* eslint-disable */

export interface Schemas {
  Flow: {
    id: string;
    version: number;
    name?: string;
    entry: string;
    calendars?: Record<string, {
      timeZone: string;
      weekly: {
        "0"?: Array<string>;
        "1"?: Array<string>;
        "2"?: Array<string>;
        "3"?: Array<string>;
        "4"?: Array<string>;
        "5"?: Array<string>;
        "6"?: Array<string>;
      };
      holidays?: Array<string>;
    }>;
    errorNode?: string;
    maxSteps?: number;
    nodes: Record<string, {
      name?: string;
      type: "play";
      prompt: {
        media: Array<string>;
        bargeIn?: boolean;
      };
      next: string;
    } | {
      name?: string;
      type: "menu";
      prompt: {
        media: Array<string>;
        bargeIn?: boolean;
      };
      options: Record<string, string>;
      timeoutMs?: number;
      retries?: number;
      invalidPrompt?: {
        media: Array<string>;
        bargeIn?: boolean;
      };
      timeoutPrompt?: {
        media: Array<string>;
        bargeIn?: boolean;
      };
      fallback?: string;
    } | {
      name?: string;
      type: "collect";
      prompt: {
        media: Array<string>;
        bargeIn?: boolean;
      };
      variable: string;
      minDigits?: number;
      maxDigits: number;
      terminator?: string;
      interDigitTimeoutMs?: number;
      firstDigitTimeoutMs?: number;
      pattern?: string;
      retries?: number;
      invalidPrompt?: {
        media: Array<string>;
        bargeIn?: boolean;
      };
      next: string;
      fallback?: string;
    } | {
      name?: string;
      type: "http";
      method: "GET" | "POST";
      url: string;
      secretHeaders?: Record<string, string>;
      bodyVars?: Array<string>;
      timeoutMs?: number;
      map?: Record<string, string>;
      filler?: {
        afterMs: number;
        prompt: {
          media: Array<string>;
          bargeIn?: boolean;
        };
      };
      next: string;
      onError: string;
      onTimeout?: string;
    } | {
      name?: string;
      type: "branch";
      cases: Array<{
        when: Array<{
          var: string;
          op: "equals" | "not_equals";
          value: string;
        } | {
          var: string;
          op: "in" | "not_in";
          values: Array<string>;
        } | {
          var: string;
          op: "matches";
          regex: string;
        } | {
          var: string;
          op: "lt" | "lte" | "gt" | "gte";
          value: number;
        } | {
          var: string;
          op: "exists" | "missing";
        } | {
          op: "open" | "closed";
          calendar: string;
        }>;
        next: string;
      }>;
      otherwise: string;
    } | {
      name?: string;
      type: "set";
      values: Record<string, string>;
      next: string;
    } | {
      name?: string;
      type: "queue";
      queue: string;
      priority?: number;
      survey?: string;
    } | {
      name?: string;
      type: "voicemail";
      mailbox: string;
    } | {
      name?: string;
      type: "fax";
      documentVar: string;
      destinationVar?: string;
      next: string;
      invalidPrompt?: {
        media: Array<string>;
        bargeIn?: boolean;
      };
      onInvalid?: string;
      confirm?: {
        prompt: {
          media: Array<string>;
          bargeIn?: boolean;
        };
        question: {
          media: Array<string>;
          bargeIn?: boolean;
        };
        reenter: string;
        tries?: number;
        timeoutMs?: number;
        fallback?: string;
      };
    } | {
      name?: string;
      type: "transfer";
      to: string;
    } | {
      name?: string;
      type: "survey";
      prompt: {
        media: Array<string>;
        bargeIn?: boolean;
      };
      scale: "1-5" | "satisfied-neutral-dissatisfied";
      timeoutMs?: number;
      thanksPrompt?: {
        media: Array<string>;
        bargeIn?: boolean;
      };
    } | {
      name?: string;
      type: "goto";
      node?: string;
      flow?: string;
    } | {
      name?: string;
      type: "hangup";
      prompt?: {
        media: Array<string>;
        bargeIn?: boolean;
      };
    }>;
  };
  Problem: {
    type: string;
    title: string;
    status: number;
    detail?: string;
    instance?: string;
    requestId?: string;
    errors?: Array<{
      instancePath: string;
      message: string;
      [key: string]: unknown;
    }>;
    [key: string]: unknown;
  };
}

export interface Operations {
  /** Liveness: the process serves HTTP */
  "GET /healthz": {
    params: undefined;
    query: undefined;
    body: undefined;
    response: {
      status: "ok";
      [key: string]: unknown;
    };
  };
  /** Readiness: every required dependency answers */
  "GET /readyz": {
    params: undefined;
    query: undefined;
    body: undefined;
    response: {
      status: "ready" | "unready";
      checks: Record<string, {
        ok: boolean;
        detail?: string;
        required?: boolean;
        [key: string]: unknown;
      }>;
      [key: string]: unknown;
    };
  };
  /** Agent panel links this key issued (admin: every key's), newest first */
  "GET /v1/agent-panel/links": {
    params: undefined;
    query: {
      includeEnded?: boolean;
      agentId?: string;
    };
    body: undefined;
    response: {
      items: Array<{
        id: string;
        agentId: string;
        ownerKeyId: string;
        label: string | null;
        createdAt: string;
        expiresAt: string;
        revokedAt: string | null;
      }>;
      [key: string]: unknown;
    };
  };
  /** Issue a link that opens the agent panel for one agent */
  "POST /v1/agent-panel/links": {
    params: undefined;
    query: undefined;
    body: {
      agentId: string;
      ttlHours?: number;
      label?: string;
    };
    response: {
      id: string;
      agentId: string;
      token: string;
      url: string;
      expiresAt: string;
      [key: string]: unknown;
    };
  };
  /** Revoke one agent panel link: its panels stop within seconds */
  "DELETE /v1/agent-panel/links/{id}": {
    params: {
      id: string;
    };
    query: undefined;
    body: undefined;
    response: void;
  };
  /** Agents with their live state */
  "GET /v1/agents": {
    params: undefined;
    query: undefined;
    body: undefined;
    response: {
      items: Array<{
        id: string;
        name: string;
        endpoint: string;
        skills: Record<string, number>;
        ringSeconds: number;
        wrapUpSeconds: number;
        state: "logged_out" | "ready" | "not_ready" | "reserved" | "on_call" | "wrap_up";
        reason: string | null;
        since: string;
        callId: string | null;
      }>;
    };
  };
  /** Create an agent (logged out) */
  "POST /v1/agents": {
    params: undefined;
    query: undefined;
    body: {
      id: string;
      name: string;
      endpoint: string;
      skills: Record<string, number>;
      ringSeconds?: number;
      wrapUpSeconds?: number;
    };
    response: {
      id: string;
      name: string;
      endpoint: string;
      skills: Record<string, number>;
      ringSeconds: number;
      wrapUpSeconds: number;
      state: "logged_out" | "ready" | "not_ready" | "reserved" | "on_call" | "wrap_up";
      reason: string | null;
      since: string;
      callId: string | null;
    };
  };
  /** One agent with their live state */
  "GET /v1/agents/{id}": {
    params: {
      id: string;
    };
    query: undefined;
    body: undefined;
    response: {
      id: string;
      name: string;
      endpoint: string;
      skills: Record<string, number>;
      ringSeconds: number;
      wrapUpSeconds: number;
      state: "logged_out" | "ready" | "not_ready" | "reserved" | "on_call" | "wrap_up";
      reason: string | null;
      since: string;
      callId: string | null;
    };
  };
  /** Replace an agent definition */
  "PUT /v1/agents/{id}": {
    params: {
      id: string;
    };
    query: undefined;
    body: {
      name: string;
      endpoint: string;
      skills: Record<string, number>;
      ringSeconds?: number;
      wrapUpSeconds?: number;
    };
    response: {
      id: string;
      name: string;
      endpoint: string;
      skills: Record<string, number>;
      ringSeconds: number;
      wrapUpSeconds: number;
      state: "logged_out" | "ready" | "not_ready" | "reserved" | "on_call" | "wrap_up";
      reason: string | null;
      since: string;
      callId: string | null;
    };
  };
  /** Delete a logged-out agent */
  "DELETE /v1/agents/{id}": {
    params: {
      id: string;
    };
    query: undefined;
    body: undefined;
    response: void;
  };
  /** Record the agent's disposition and note for a call */
  "PUT /v1/agents/{id}/calls/{callId}/wrap-up": {
    params: {
      id: string;
      callId: string;
    };
    query: undefined;
    body: {
      code: string;
      note?: string | null;
    };
    response: {
      agentId: string;
      callId: string;
      code: string;
      label: string;
      note: string | null;
      recordedAt: string;
    };
  };
  /** Log in, ready, not ready (with a reason), log out */
  "POST /v1/agents/{id}/state": {
    params: {
      id: string;
    };
    query: undefined;
    body: {
      action: "login" | "ready" | "not_ready" | "logout";
      reason?: string;
      force?: boolean;
    };
    response: {
      id: string;
      name: string;
      endpoint: string;
      skills: Record<string, number>;
      ringSeconds: number;
      wrapUpSeconds: number;
      state: "logged_out" | "ready" | "not_ready" | "reserved" | "on_call" | "wrap_up";
      reason: string | null;
      since: string;
      callId: string | null;
    };
  };
  /** An agent's live stream (WebSocket): offers with the screen pop, state changes */
  "GET /v1/agents/{id}/stream": {
    params: {
      id: string;
    };
    query: {
      token?: string;
    };
    body: undefined;
    response: void;
  };
  /** An agent's live campaign preview tasks (offered or being dialled) */
  "GET /v1/agents/{id}/tasks": {
    params: {
      id: string;
    };
    query: undefined;
    body: undefined;
    response: {
      items: Array<{
        id: string;
        campaignId: string;
        contactId: string;
        agentId: string;
        state: "offered" | "declined" | "expired" | "dialing" | "done" | "failed";
        callId: string | null;
        outcome: string | null;
        offeredAt: string;
        expiresAt: string;
      }>;
      [key: string]: unknown;
    };
  };
  /** Accept a campaign preview task: the agent’s phone rings, then the customer is dialled */
  "POST /v1/agents/{id}/tasks/{taskId}/accept": {
    params: {
      id: string;
      taskId: string;
    };
    query: undefined;
    body: undefined;
    response: {
      id: string;
      campaignId: string;
      contactId: string;
      agentId: string;
      state: "offered" | "declined" | "expired" | "dialing" | "done" | "failed";
      callId: string | null;
      outcome: string | null;
      offeredAt: string;
      expiresAt: string;
    };
  };
  /** Decline a campaign preview task: the contact goes back to the campaign, the agent is ready again */
  "POST /v1/agents/{id}/tasks/{taskId}/decline": {
    params: {
      id: string;
      taskId: string;
    };
    query: undefined;
    body: undefined;
    response: {
      id: string;
      campaignId: string;
      contactId: string;
      agentId: string;
      state: "offered" | "declined" | "expired" | "dialing" | "done" | "failed";
      callId: string | null;
      outcome: string | null;
      offeredAt: string;
      expiresAt: string;
    };
  };
  /** List API keys, newest first */
  "GET /v1/api-keys": {
    params: undefined;
    query: {
      limit?: number;
      cursor?: string;
      includeRevoked?: boolean;
    };
    body: undefined;
    response: {
      items: Array<{
        id: string;
        name: string;
        prefix: string;
        scopes: Array<string>;
        createdAt: string;
        createdBy: string | null;
        lastUsedAt: string | null;
        revokedAt: string | null;
        previousSecretExpiresAt: string | null;
      }>;
      nextCursor: string | null;
      [key: string]: unknown;
    };
  };
  /** Create an API key; its secret is in this response only */
  "POST /v1/api-keys": {
    params: undefined;
    query: undefined;
    body: {
      name: string;
      scopes: Array<"calls:read" | "calls:write" | "recordings:read" | "webhooks:read" | "webhooks:write" | "events:read" | "flows:read" | "flows:write" | "reports:read" | "campaigns:read" | "campaigns:write" | "orders:read" | "orders:write" | "cdrs:read" | "deadletters:read" | "deadletters:write" | "voicemail:read" | "voicemail:write" | "fax:read" | "fax:write" | "agents:read" | "agents:write" | "queues:read" | "queues:write" | "admin">;
    };
    response: {
      id: string;
      name: string;
      prefix: string;
      scopes: Array<string>;
      createdAt: string;
      createdBy: string | null;
      lastUsedAt: string | null;
      revokedAt: string | null;
      previousSecretExpiresAt: string | null;
      key: string;
    };
  };
  /** The key making this request: its name and scopes */
  "GET /v1/api-keys/current": {
    params: undefined;
    query: undefined;
    body: undefined;
    response: {
      id: string;
      name: string;
      prefix: string;
      scopes: Array<string>;
      createdAt: string;
      createdBy: string | null;
      lastUsedAt: string | null;
      revokedAt: string | null;
      previousSecretExpiresAt: string | null;
    };
  };
  /** One API key (never its secret) */
  "GET /v1/api-keys/{id}": {
    params: {
      id: string;
    };
    query: undefined;
    body: undefined;
    response: {
      id: string;
      name: string;
      prefix: string;
      scopes: Array<string>;
      createdAt: string;
      createdBy: string | null;
      lastUsedAt: string | null;
      revokedAt: string | null;
      previousSecretExpiresAt: string | null;
    };
  };
  /** Rename a key or change its scopes */
  "PATCH /v1/api-keys/{id}": {
    params: {
      id: string;
    };
    query: undefined;
    body: {
      name?: string;
      scopes?: Array<"calls:read" | "calls:write" | "recordings:read" | "webhooks:read" | "webhooks:write" | "events:read" | "flows:read" | "flows:write" | "reports:read" | "campaigns:read" | "campaigns:write" | "orders:read" | "orders:write" | "cdrs:read" | "deadletters:read" | "deadletters:write" | "voicemail:read" | "voicemail:write" | "fax:read" | "fax:write" | "agents:read" | "agents:write" | "queues:read" | "queues:write" | "admin">;
    };
    response: {
      id: string;
      name: string;
      prefix: string;
      scopes: Array<string>;
      createdAt: string;
      createdBy: string | null;
      lastUsedAt: string | null;
      revokedAt: string | null;
      previousSecretExpiresAt: string | null;
    };
  };
  /** Revoke a key: requests, streams and wallboard links opened with it stop within seconds */
  "DELETE /v1/api-keys/{id}": {
    params: {
      id: string;
    };
    query: undefined;
    body: undefined;
    response: void;
  };
  /** Give a key a new secret; the new one is in this response only */
  "POST /v1/api-keys/{id}/rotate": {
    params: {
      id: string;
    };
    query: undefined;
    body: {
      graceSeconds?: number;
    };
    response: {
      id: string;
      name: string;
      prefix: string;
      scopes: Array<string>;
      createdAt: string;
      createdBy: string | null;
      lastUsedAt: string | null;
      revokedAt: string | null;
      previousSecretExpiresAt: string | null;
      key: string;
    };
  };
  /** Set an API key's dial allow-list, caller id and call limits */
  "PUT /v1/api-keys/{keyId}/dial-policy": {
    params: {
      keyId: string;
    };
    query: undefined;
    body: {
      allow: Array<string>;
      deny?: Array<string>;
      callerId?: string | null;
      maxConcurrent?: number | null;
      perMinute?: number | null;
    };
    response: void;
  };
  /** Lift the suspension that a burst of refused destinations put on a key */
  "DELETE /v1/api-keys/{keyId}/suspension": {
    params: {
      keyId: string;
    };
    query: undefined;
    body: undefined;
    response: void;
  };
  /** List calls, newest first */
  "GET /v1/calls": {
    params: undefined;
    query: {
      state?: "ringing" | "answered" | "ivr" | "queued" | "connected" | "held" | "ended";
      live?: boolean;
      direction?: "inbound" | "outbound" | "internal";
      pbxNode?: string;
      callerNumber?: string;
      dnis?: string;
      linkedid?: string;
      from?: string;
      to?: string;
      limit?: number;
      cursor?: string;
    };
    body: undefined;
    response: {
      items: Array<{
        id: string;
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
        createdAt: string;
        answeredAt: string | null;
        endedAt: string | null;
        hangupCause: number | null;
        [key: string]: unknown;
      }>;
      nextCursor: string | null;
      [key: string]: unknown;
    };
  };
  /** Click-to-dial: ring the agent, then the customer, and connect them */
  "POST /v1/calls": {
    params: undefined;
    query: undefined;
    body: {
      extension: string;
      to: string;
      agentId?: string;
      pbxNode?: string;
      data?: Record<string, unknown>;
    };
    response: {
      id: string;
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
      createdAt: string;
      answeredAt: string | null;
      endedAt: string | null;
      hangupCause: number | null;
      [key: string]: unknown;
    };
  };
  /** One call with its legs and timeline */
  "GET /v1/calls/{id}": {
    params: {
      id: string;
    };
    query: undefined;
    body: undefined;
    response: {
      id: string;
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
      createdAt: string;
      answeredAt: string | null;
      endedAt: string | null;
      hangupCause: number | null;
      legs: Array<{
        channelId: string;
        role: string;
        agentId: string | null;
        createdAt: string;
        endedAt: string | null;
        [key: string]: unknown;
      }>;
      timeline: Array<{
        id: number;
        type: string;
        at: string;
        data: Record<string, unknown>;
        [key: string]: unknown;
      }>;
      orderIds: Array<string>;
      [key: string]: unknown;
    };
  };
  /** Send digits to the far end */
  "POST /v1/calls/{id}/dtmf": {
    params: {
      id: string;
    };
    query: undefined;
    body: {
      digits: string;
    };
    response: void;
  };
  /** End the call for every party */
  "POST /v1/calls/{id}/hangup": {
    params: {
      id: string;
    };
    query: undefined;
    body: undefined;
    response: void;
  };
  /** Put the customer on hold (music; they hear no agent) */
  "POST /v1/calls/{id}/hold": {
    params: {
      id: string;
    };
    query: undefined;
    body: undefined;
    response: void;
  };
  /** Mute the agent's microphone */
  "POST /v1/calls/{id}/mute": {
    params: {
      id: string;
    };
    query: undefined;
    body: undefined;
    response: void;
  };
  /** The call's recordings, oldest first */
  "GET /v1/calls/{id}/recordings": {
    params: {
      id: string;
    };
    query: undefined;
    body: undefined;
    response: {
      items: Array<{
        id: string;
        callId: string;
        format: string;
        state: string;
        startedAt: string;
        endedAt: string | null;
        durationMs: number | null;
        [key: string]: unknown;
      }>;
      [key: string]: unknown;
    };
  };
  /** Start recording the call's conversation */
  "POST /v1/calls/{id}/recordings": {
    params: {
      id: string;
    };
    query: undefined;
    body: undefined;
    response: {
      id: string;
      callId: string;
      format: string;
      state: string;
      startedAt: string;
      endedAt: string | null;
      durationMs: number | null;
      [key: string]: unknown;
    };
  };
  /** Transfer the call (blind or attended) */
  "POST /v1/calls/{id}/transfers": {
    params: {
      id: string;
    };
    query: undefined;
    body: {
      to: {
        agentId: string;
      } | {
        extension: string;
      } | {
        number: string;
      } | {
        queueId: string;
      };
      mode?: "blind" | "attended";
      timeout?: number;
    };
    response: {
      id: string;
      callId: string;
      mode: string;
      state: string;
      fromAgentId: string | null;
      to: {
        agentId?: string;
        extension?: string;
        number?: string;
        queueId?: string;
        [key: string]: unknown;
      };
      initiatorPresent: boolean;
      reason: string | null;
      outcome: string | null;
      timeoutMs: number;
      createdAt: string;
      answeredAt: string | null;
      endedAt: string | null;
      [key: string]: unknown;
    };
  };
  /** Take the customer off hold */
  "POST /v1/calls/{id}/unhold": {
    params: {
      id: string;
    };
    query: undefined;
    body: undefined;
    response: void;
  };
  /** Unmute the agent's microphone */
  "POST /v1/calls/{id}/unmute": {
    params: {
      id: string;
    };
    query: undefined;
    body: undefined;
    response: void;
  };
  /** List campaigns, newest first */
  "GET /v1/campaigns": {
    params: undefined;
    query: undefined;
    body: undefined;
    response: {
      items: Array<{
        id: string;
        name: string;
        source: {
          type: "csv";
        } | {
          type: "silent_callers";
          months: number;
        } | {
          type: "orders_after_delivery";
          days: number;
        } | {
          type: "customers_without_order";
          months: number;
        };
        timeZone: string;
        callingHours: Array<{
          days: Array<number>;
          from: string;
          to: string;
        }>;
        maxAttempts: number;
        retryMinutes: number;
        queueId: string | null;
        status: "active" | "paused" | "finished";
        ownerKeyId: string | null;
        createdAt: string;
        contacts?: Record<string, number>;
      }>;
    };
  };
  /** Create an outbound follow-up campaign */
  "POST /v1/campaigns": {
    params: undefined;
    query: undefined;
    body: {
      name: string;
      source: {
        type: "csv";
      } | {
        type: "silent_callers";
        months: number;
      } | {
        type: "orders_after_delivery";
        days: number;
      } | {
        type: "customers_without_order";
        months: number;
      };
      timeZone: string;
      callingHours: Array<{
        days: Array<number>;
        from: string;
        to: string;
      }>;
      maxAttempts: number;
      retryMinutes: number;
      queueId?: string | null;
    };
    response: {
      id: string;
      name: string;
      source: {
        type: "csv";
      } | {
        type: "silent_callers";
        months: number;
      } | {
        type: "orders_after_delivery";
        days: number;
      } | {
        type: "customers_without_order";
        months: number;
      };
      timeZone: string;
      callingHours: Array<{
        days: Array<number>;
        from: string;
        to: string;
      }>;
      maxAttempts: number;
      retryMinutes: number;
      queueId: string | null;
      status: "active" | "paused" | "finished";
      ownerKeyId: string | null;
      createdAt: string;
      contacts?: Record<string, number>;
    };
  };
  /** One campaign with its contacts counted by status */
  "GET /v1/campaigns/{id}": {
    params: {
      id: string;
    };
    query: undefined;
    body: undefined;
    response: {
      id: string;
      name: string;
      source: {
        type: "csv";
      } | {
        type: "silent_callers";
        months: number;
      } | {
        type: "orders_after_delivery";
        days: number;
      } | {
        type: "customers_without_order";
        months: number;
      };
      timeZone: string;
      callingHours: Array<{
        days: Array<number>;
        from: string;
        to: string;
      }>;
      maxAttempts: number;
      retryMinutes: number;
      queueId: string | null;
      status: "active" | "paused" | "finished";
      ownerKeyId: string | null;
      createdAt: string;
      contacts?: Record<string, number>;
    };
  };
  /** Pause, resume or finish a campaign, or change the queue whose agents take its contacts */
  "PATCH /v1/campaigns/{id}": {
    params: {
      id: string;
    };
    query: undefined;
    body: {
      status?: "active" | "paused" | "finished";
      queueId?: string | null;
    };
    response: {
      id: string;
      name: string;
      source: {
        type: "csv";
      } | {
        type: "silent_callers";
        months: number;
      } | {
        type: "orders_after_delivery";
        days: number;
      } | {
        type: "customers_without_order";
        months: number;
      };
      timeZone: string;
      callingHours: Array<{
        days: Array<number>;
        from: string;
        to: string;
      }>;
      maxAttempts: number;
      retryMinutes: number;
      queueId: string | null;
      status: "active" | "paused" | "finished";
      ownerKeyId: string | null;
      createdAt: string;
      contacts?: Record<string, number>;
    };
  };
  /** Contacts of a campaign */
  "GET /v1/campaigns/{id}/contacts": {
    params: {
      id: string;
    };
    query: {
      status?: "pending" | "offered" | "reached" | "wrong_number" | "exhausted" | "do_not_call" | "refused";
      limit?: number;
    };
    body: undefined;
    response: {
      items: Array<{
        id: string;
        campaignId: string;
        number: string;
        name: string | null;
        reference: string | null;
        data: Record<string, unknown>;
        status: string;
        attempts: number;
        lastAttemptAt: string | null;
        lastOutcome: string | null;
        callbackAt: string | null;
        offeredAt: string | null;
        refusedRule: string | null;
        createdAt: string;
      }>;
    };
  };
  /** Upload contacts as CSV (Content-Type: text/csv) */
  "POST /v1/campaigns/{id}/contacts": {
    params: {
      id: string;
    };
    query: undefined;
    body: undefined;
    response: {
      received: number;
      added: number;
      alreadyInCampaign: number;
      rejected: Array<{
        line: number;
        reason: string;
      }>;
    };
  };
  /** Fill the contact list from the campaign's source */
  "POST /v1/campaigns/{id}/contacts/import": {
    params: {
      id: string;
    };
    query: undefined;
    body: undefined;
    response: {
      received: number;
      added: number;
      alreadyInCampaign: number;
      rejected: Array<{
        line: number;
        reason: string;
      }>;
    };
  };
  /** Record the outcome of an attempt */
  "POST /v1/campaigns/{id}/contacts/{contactId}/outcome": {
    params: {
      id: string;
      contactId: string;
    };
    query: undefined;
    body: {
      outcome: "reached" | "no_answer" | "busy" | "wrong_number" | "callback" | "do_not_call";
      callbackAt?: string;
      agentId?: string;
      note?: string;
    };
    response: {
      id: string;
      campaignId: string;
      number: string;
      name: string | null;
      reference: string | null;
      data: Record<string, unknown>;
      status: string;
      attempts: number;
      lastAttemptAt: string | null;
      lastOutcome: string | null;
      callbackAt: string | null;
      offeredAt: string | null;
      refusedRule: string | null;
      createdAt: string;
    };
  };
  /** Contacts due now, in the order they would be offered */
  "GET /v1/campaigns/{id}/due": {
    params: {
      id: string;
    };
    query: {
      limit?: number;
      at?: string;
    };
    body: undefined;
    response: {
      at: string;
      items: Array<{
        reason: string;
        contact: {
          id: string;
          campaignId: string;
          number: string;
          name: string | null;
          reference: string | null;
          data: Record<string, unknown>;
          status: string;
          attempts: number;
          lastAttemptAt: string | null;
          lastOutcome: string | null;
          callbackAt: string | null;
          offeredAt: string | null;
          refusedRule: string | null;
          createdAt: string;
        };
      }>;
    };
  };
  /** List CDRs, newest end first */
  "GET /v1/cdrs": {
    params: undefined;
    query: {
      from?: string;
      to?: string;
      direction?: "inbound" | "outbound" | "internal";
      disposition?: "answered" | "abandoned" | "short_abandon" | "voicemail" | "fax" | "failed" | "busy" | "no_answer" | "pbx_restart" | "unattended";
      callerNumber?: string;
      dnis?: string;
      queue?: string;
      agentId?: string;
      callId?: string;
      pbxNode?: string;
      limit?: number;
      cursor?: string;
    };
    body: undefined;
    response: {
      items: Array<{
        id: string;
        callId: string;
        pbxNode: string;
        linkedid: string | null;
        direction: string;
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
        disposition: string;
        hangupCause: number | null;
        data: Record<string, unknown>;
        ivrPath: Array<string>;
        queue: Record<string, unknown> | null;
        waitMs: number;
        holdMs: number;
        legs: Array<{
          role?: string;
          agentId?: string | null;
          startedAt?: string;
          answeredAt?: string | null;
          endedAt?: string;
          talkMs?: number;
          holdMs?: number;
          endReason?: string;
          transferId?: string | null;
          [key: string]: unknown;
        }>;
        agents: Array<{
          agentId?: string;
          roles?: Array<string>;
          offeredAt?: string | null;
          answeredAt?: string | null;
          talkMs?: number;
          holdMs?: number;
          wrapUpMs?: number | null;
          wrapUp?: {
            code: string;
            label: string;
            note: string | null;
            at: string;
            [key: string]: unknown;
          } | null;
          [key: string]: unknown;
        }>;
        transfers: Array<{
          id?: string;
          mode?: string;
          fromAgentId?: string | null;
          to?: {
            agentId?: string;
            extension?: string;
            number?: string;
            queueId?: string;
            [key: string]: unknown;
          };
          startedAt?: string;
          answeredAt?: string | null;
          endedAt?: string | null;
          outcome?: string;
          [key: string]: unknown;
        }>;
        conferences: Array<{
          at?: string;
          agentIds?: Array<string>;
          [key: string]: unknown;
        }>;
        survey: Record<string, unknown> | null;
        recordings: Array<Record<string, unknown>>;
        complete: boolean;
        orderIds: Array<string>;
        [key: string]: unknown;
      }>;
      nextCursor: string | null;
      [key: string]: unknown;
    };
  };
  /** Export CDRs as CSV (streamed) */
  "GET /v1/cdrs/export.csv": {
    params: undefined;
    query: {
      from?: string;
      to?: string;
      direction?: "inbound" | "outbound" | "internal";
      disposition?: "answered" | "abandoned" | "short_abandon" | "voicemail" | "fax" | "failed" | "busy" | "no_answer" | "pbx_restart" | "unattended";
      callerNumber?: string;
      dnis?: string;
      queue?: string;
      agentId?: string;
      callId?: string;
      pbxNode?: string;
      limit?: number;
      cursor?: string;
    };
    body: undefined;
    response: string;
  };
  /** One CDR with Asterisk's own Cdr records of its channels */
  "GET /v1/cdrs/{id}": {
    params: {
      id: string;
    };
    query: undefined;
    body: undefined;
    response: {
      id: string;
      callId: string;
      pbxNode: string;
      linkedid: string | null;
      direction: string;
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
      disposition: string;
      hangupCause: number | null;
      data: Record<string, unknown>;
      ivrPath: Array<string>;
      queue: Record<string, unknown> | null;
      waitMs: number;
      holdMs: number;
      legs: Array<{
        role?: string;
        agentId?: string | null;
        startedAt?: string;
        answeredAt?: string | null;
        endedAt?: string;
        talkMs?: number;
        holdMs?: number;
        endReason?: string;
        transferId?: string | null;
        [key: string]: unknown;
      }>;
      agents: Array<{
        agentId?: string;
        roles?: Array<string>;
        offeredAt?: string | null;
        answeredAt?: string | null;
        talkMs?: number;
        holdMs?: number;
        wrapUpMs?: number | null;
        wrapUp?: {
          code: string;
          label: string;
          note: string | null;
          at: string;
          [key: string]: unknown;
        } | null;
        [key: string]: unknown;
      }>;
      transfers: Array<{
        id?: string;
        mode?: string;
        fromAgentId?: string | null;
        to?: {
          agentId?: string;
          extension?: string;
          number?: string;
          queueId?: string;
          [key: string]: unknown;
        };
        startedAt?: string;
        answeredAt?: string | null;
        endedAt?: string | null;
        outcome?: string;
        [key: string]: unknown;
      }>;
      conferences: Array<{
        at?: string;
        agentIds?: Array<string>;
        [key: string]: unknown;
      }>;
      survey: Record<string, unknown> | null;
      recordings: Array<Record<string, unknown>>;
      complete: boolean;
      orderIds: Array<string>;
      asterisk: Array<Record<string, unknown>>;
      [key: string]: unknown;
    };
  };
  /** Transfer a call that the site’s own dialplan controls (AMI BlindTransfer / Atxfer) */
  "POST /v1/channel-transfers": {
    params: undefined;
    query: undefined;
    body: {
      channel: string;
      to: {
        extension: string;
      } | {
        number: string;
      };
      mode?: "blind" | "attended";
      pbxNode?: string;
    };
    response: {
      channel: string;
      to: {
        extension?: string;
        number?: string;
        [key: string]: unknown;
      };
      context: string;
      exten: string;
      [key: string]: unknown;
    };
  };
  /** Cancel an attended transfer of a dialplan call: the target is hung up, the caller comes back */
  "POST /v1/channel-transfers/cancel": {
    params: undefined;
    query: undefined;
    body: {
      channel: string;
      pbxNode?: string;
    };
    response: void;
  };
  /** Complete an attended transfer of a dialplan call: the transferring party leaves */
  "POST /v1/channel-transfers/complete": {
    params: undefined;
    query: undefined;
    body: {
      channel: string;
      pbxNode?: string;
    };
    response: void;
  };
  /** Every connector, from the environment and from this API */
  "GET /v1/connectors": {
    params: undefined;
    query: undefined;
    body: undefined;
    response: {
      items: Array<{
        id: string;
        url: string;
        events: Array<string>;
        when?: Record<string, string | number | boolean | null>;
        template?: Record<string, unknown>;
        concurrency?: number;
        maxAttempts?: number;
        backoffBaseMs?: number;
        backoffMaxMs?: number;
        timeoutMs?: number;
        auth: {
          bearer: boolean;
          signingSecret: boolean;
          [key: string]: unknown;
        };
        source: "environment" | "api";
        readOnly: boolean;
        ownerKeyId: string | null;
        createdAt: string | null;
        updatedAt: string | null;
        [key: string]: unknown;
      }>;
      [key: string]: unknown;
    };
  };
  /** Create a connector; every instance starts delivering to it at once */
  "POST /v1/connectors": {
    params: undefined;
    query: undefined;
    body: {
      id: string;
      url: string;
      events: Array<string>;
      when?: Record<string, string | number | boolean | null>;
      template?: Record<string, unknown>;
      auth?: {
        bearer?: string;
        signingSecret?: string;
      };
      concurrency?: number;
      maxAttempts?: number;
      backoffBaseMs?: number;
      backoffMaxMs?: number;
      timeoutMs?: number;
    };
    response: {
      id: string;
      url: string;
      events: Array<string>;
      when?: Record<string, string | number | boolean | null>;
      template?: Record<string, unknown>;
      concurrency?: number;
      maxAttempts?: number;
      backoffBaseMs?: number;
      backoffMaxMs?: number;
      timeoutMs?: number;
      auth: {
        bearer: boolean;
        signingSecret: boolean;
        [key: string]: unknown;
      };
      source: "environment" | "api";
      readOnly: boolean;
      ownerKeyId: string | null;
      createdAt: string | null;
      updatedAt: string | null;
      [key: string]: unknown;
    };
  };
  /** One connector (which secrets are set, not their values) */
  "GET /v1/connectors/{id}": {
    params: {
      id: string;
    };
    query: undefined;
    body: undefined;
    response: {
      id: string;
      url: string;
      events: Array<string>;
      when?: Record<string, string | number | boolean | null>;
      template?: Record<string, unknown>;
      concurrency?: number;
      maxAttempts?: number;
      backoffBaseMs?: number;
      backoffMaxMs?: number;
      timeoutMs?: number;
      auth: {
        bearer: boolean;
        signingSecret: boolean;
        [key: string]: unknown;
      };
      source: "environment" | "api";
      readOnly: boolean;
      ownerKeyId: string | null;
      createdAt: string | null;
      updatedAt: string | null;
      [key: string]: unknown;
    };
  };
  /** Change a connector; every instance applies it at once */
  "PATCH /v1/connectors/{id}": {
    params: {
      id: string;
    };
    query: undefined;
    body: {
      url?: string;
      events?: Array<string>;
      when?: Record<string, string | number | boolean | null>;
      template?: Record<string, unknown>;
      concurrency?: number;
      maxAttempts?: number;
      backoffBaseMs?: number;
      backoffMaxMs?: number;
      timeoutMs?: number;
      auth?: {
        bearer?: string;
        signingSecret?: string;
      };
    };
    response: {
      id: string;
      url: string;
      events: Array<string>;
      when?: Record<string, string | number | boolean | null>;
      template?: Record<string, unknown>;
      concurrency?: number;
      maxAttempts?: number;
      backoffBaseMs?: number;
      backoffMaxMs?: number;
      timeoutMs?: number;
      auth: {
        bearer: boolean;
        signingSecret: boolean;
        [key: string]: unknown;
      };
      source: "environment" | "api";
      readOnly: boolean;
      ownerKeyId: string | null;
      createdAt: string | null;
      updatedAt: string | null;
      [key: string]: unknown;
    };
  };
  /** Delete a connector; every instance stops delivering to it */
  "DELETE /v1/connectors/{id}": {
    params: {
      id: string;
    };
    query: undefined;
    body: undefined;
    response: void;
  };
  /** Send the connector a `connector.test` event now and report its answer */
  "POST /v1/connectors/{id}/test": {
    params: {
      id: string;
    };
    query: undefined;
    body: undefined;
    response: {
      ok: boolean;
      statusCode?: number;
      error?: string;
      durationMs: number;
      [key: string]: unknown;
    };
  };
  /** Deliveries that failed for good, newest first */
  "GET /v1/deadletters": {
    params: undefined;
    query: {
      source?: "connector" | "webhook";
      target?: string;
      limit?: number;
      cursor?: string;
    };
    body: undefined;
    response: {
      items: Array<{
        id: string;
        source: string;
        target: string;
        eventId: string;
        eventType: string;
        status: string;
        attempts: number;
        lastStatusCode: number | null;
        lastError: string | null;
        updatedAt: string;
        [key: string]: unknown;
      }>;
      nextCursor: string | null;
      [key: string]: unknown;
    };
  };
  /** Send a dead letter again */
  "POST /v1/deadletters/{id}/replay": {
    params: {
      id: string;
    };
    query: undefined;
    body: undefined;
    response: {
      id: string;
      source: string;
      status: "pending";
      [key: string]: unknown;
    };
  };
  /** The configured wrap-up disposition codes, in menu order */
  "GET /v1/disposition-codes": {
    params: undefined;
    query: undefined;
    body: undefined;
    response: {
      items: Array<{
        code: string;
        label: string;
      }>;
    };
  };
  /** Replace the wrap-up disposition codes */
  "PUT /v1/disposition-codes": {
    params: undefined;
    query: undefined;
    body: {
      items: Array<{
        code: string;
        label: string;
      }>;
    };
    response: {
      items: Array<{
        code: string;
        label: string;
      }>;
    };
  };
  /** The do-not-call list, newest first */
  "GET /v1/do-not-call": {
    params: undefined;
    query: {
      limit?: number;
    };
    body: undefined;
    response: {
      items: Array<{
        number: string;
        reason: string | null;
        createdAt: string;
        [key: string]: unknown;
      }>;
    };
  };
  /** Add numbers to the do-not-call list */
  "POST /v1/do-not-call": {
    params: undefined;
    query: undefined;
    body: {
      numbers: Array<string>;
      reason?: string;
    };
    response: {
      added: number;
      rejected: Array<{
        number: string;
        reason: string;
        [key: string]: unknown;
      }>;
      [key: string]: unknown;
    };
  };
  /** Remove a number from the do-not-call list */
  "DELETE /v1/do-not-call/{number}": {
    params: {
      number: string;
    };
    query: undefined;
    body: undefined;
    response: void;
  };
  /** Event history after a cursor, oldest first */
  "GET /v1/events": {
    params: undefined;
    query: {
      after?: string;
      types?: string;
      limit?: number;
    };
    body: undefined;
    response: {
      items: Array<{
        sequence: number;
        id: string;
        type: string;
        version: number;
        occurredAt: string;
        callId?: string;
        pbxNode?: string;
        ownerKeyId?: string;
        data: Record<string, unknown>;
        [key: string]: unknown;
      }>;
      nextCursor: string;
      [key: string]: unknown;
    };
  };
  /** JSON Schema of every event type */
  "GET /v1/events/schemas": {
    params: undefined;
    query: undefined;
    body: undefined;
    response: {
      version: number;
      events: Record<string, {
        description: string;
        schema: Record<string, unknown>;
        [key: string]: unknown;
      }>;
      [key: string]: unknown;
    };
  };
  /** Live event stream (WebSocket) */
  "GET /v1/events/stream": {
    params: undefined;
    query: {
      types?: string;
      token?: string;
      after?: string;
    };
    body: undefined;
    response: void;
  };
  /** Issue a short-lived token for the live event stream */
  "POST /v1/events/stream-tokens": {
    params: undefined;
    query: undefined;
    body: undefined;
    response: {
      token: string;
      expiresAt: string;
      expiresInSeconds: number;
      [key: string]: unknown;
    };
  };
  /** The catalogue */
  "GET /v1/fax-documents": {
    params: undefined;
    query: undefined;
    body: undefined;
    response: {
      items: Array<{
        code: string;
        title: string;
        pages: number;
        sourceType: string;
        sizeBytes: number;
        createdAt: string;
        updatedAt: string;
        [key: string]: unknown;
      }>;
      [key: string]: unknown;
    };
  };
  /** One catalogue document */
  "GET /v1/fax-documents/{code}": {
    params: {
      code: string;
    };
    query: undefined;
    body: undefined;
    response: {
      code: string;
      title: string;
      pages: number;
      sourceType: string;
      sizeBytes: number;
      createdAt: string;
      updatedAt: string;
      [key: string]: unknown;
    };
  };
  /** Create or replace a catalogue document */
  "PUT /v1/fax-documents/{code}": {
    params: {
      code: string;
    };
    query: {
      title: string;
    };
    body: Uint8Array | string;
    response: {
      code: string;
      title: string;
      pages: number;
      sourceType: string;
      sizeBytes: number;
      createdAt: string;
      updatedAt: string;
      [key: string]: unknown;
    };
  };
  /** Remove a document from the catalogue */
  "DELETE /v1/fax-documents/{code}": {
    params: {
      code: string;
    };
    query: undefined;
    body: undefined;
    response: void;
  };
  /** Faxes, newest first */
  "GET /v1/faxes": {
    params: undefined;
    query: {
      status?: "queued" | "sending" | "retrying" | "sent" | "failed";
      limit?: number;
    };
    body: undefined;
    response: {
      items: Array<{
        id: string;
        destination: string;
        documentCode: string | null;
        pages: number;
        callId: string | null;
        status: "queued" | "sending" | "retrying" | "sent" | "failed";
        attempts: number;
        maxAttempts: number;
        pagesSent: number | null;
        lastError: string | null;
        createdAt: string;
        updatedAt: string;
        [key: string]: unknown;
      }>;
      [key: string]: unknown;
    };
  };
  /** Fax a catalogue document to a number */
  "POST /v1/faxes": {
    params: undefined;
    query: undefined;
    body: {
      destination: string;
      documentCode: string;
    };
    response: {
      id: string;
      destination: string;
      documentCode: string | null;
      pages: number;
      callId: string | null;
      status: "queued" | "sending" | "retrying" | "sent" | "failed";
      attempts: number;
      maxAttempts: number;
      pagesSent: number | null;
      lastError: string | null;
      createdAt: string;
      updatedAt: string;
      [key: string]: unknown;
    };
  };
  /** Fax a one-off document (PDF or TIFF) to a number */
  "POST /v1/faxes/upload": {
    params: undefined;
    query: {
      destination: string;
    };
    body: Uint8Array | string;
    response: {
      id: string;
      destination: string;
      documentCode: string | null;
      pages: number;
      callId: string | null;
      status: "queued" | "sending" | "retrying" | "sent" | "failed";
      attempts: number;
      maxAttempts: number;
      pagesSent: number | null;
      lastError: string | null;
      createdAt: string;
      updatedAt: string;
      [key: string]: unknown;
    };
  };
  /** One fax with its attempts and outcome */
  "GET /v1/faxes/{id}": {
    params: {
      id: string;
    };
    query: undefined;
    body: undefined;
    response: {
      id: string;
      destination: string;
      documentCode: string | null;
      pages: number;
      callId: string | null;
      status: "queued" | "sending" | "retrying" | "sent" | "failed";
      attempts: number;
      maxAttempts: number;
      pagesSent: number | null;
      lastError: string | null;
      createdAt: string;
      updatedAt: string;
      [key: string]: unknown;
    };
  };
  /** List flows, newest first */
  "GET /v1/flows": {
    params: undefined;
    query: {
      limit: number;
      cursor?: string;
    };
    body: undefined;
    response: {
      items: Array<{
        id: string;
        name: string;
        createdAt: string;
        updatedAt: string;
        publishedVersion: number | null;
        latestVersion: number;
      }>;
      nextCursor: string | null;
    };
  };
  /** Create a flow with its first draft version */
  "POST /v1/flows": {
    params: undefined;
    query: undefined;
    body: {
      name?: string;
      document: Schemas["Flow"];
    };
    response: {
      flowId: string;
      version: number;
      status: "draft" | "published" | "retired";
      createdAt: string;
      publishedAt: string | null;
      document: Record<string, unknown>;
    };
  };
  /** One flow with its published version and its latest draft */
  "GET /v1/flows/{id}": {
    params: {
      id: string;
    };
    query: undefined;
    body: undefined;
    response: {
      id: string;
      name: string;
      createdAt: string;
      updatedAt: string;
      publishedVersion: number | null;
      latestVersion: number;
      published: {
        flowId: string;
        version: number;
        status: "draft" | "published" | "retired";
        createdAt: string;
        publishedAt: string | null;
        document: Record<string, unknown>;
      } | null;
      latestDraft: {
        flowId: string;
        version: number;
        status: "draft" | "published" | "retired";
        createdAt: string;
        publishedAt: string | null;
        document: Record<string, unknown>;
      } | null;
    };
  };
  /** Delete a flow (soft: its versions stay for the calls that ran them) */
  "DELETE /v1/flows/{id}": {
    params: {
      id: string;
    };
    query: undefined;
    body: undefined;
    response: void;
  };
  /** Run a flow against a scripted caller, with no PBX */
  "POST /v1/flows/{id}/simulate": {
    params: {
      id: string;
    };
    query: undefined;
    body: {
      version?: number;
      vars?: Record<string, string>;
      now?: string;
      script: Array<{
        dtmf: string;
        bargeIn?: boolean;
      } | {
        wait: number;
      } | {
        http: {
          status: number;
          body?: unknown;
        } | {
          error: string;
        } | {
          timeout: true;
        };
      } | {
        hangup: true;
      } | {
        agentHangup: true;
      }>;
    };
    response: {
      flowId: string;
      version: number;
      path: Array<{
        node: string;
        nodeType: string;
        input?: string;
        outcome: string;
        atMs: number;
        [key: string]: unknown;
      }>;
      prompts: Array<{
        media: Array<string>;
        atMs: number;
        stopped?: boolean;
        [key: string]: unknown;
      }>;
      requests: Array<{
        method: string;
        url: string;
        secretHeaders: Record<string, string>;
        body?: Record<string, string>;
        atMs: number;
        [key: string]: unknown;
      }>;
      variables: Record<string, string>;
      data: Record<string, string>;
      handover?: {
        to: string;
        node: string;
        params: Record<string, unknown>;
        [key: string]: unknown;
      };
      surveyResult?: string | null;
      ended: "hangup" | "handover" | "waiting" | "caller_hangup";
      scriptUsed: number;
      elapsedMs: number;
    };
  };
  /** A flow's versions, newest first (without documents) */
  "GET /v1/flows/{id}/versions": {
    params: {
      id: string;
    };
    query: undefined;
    body: undefined;
    response: {
      items: Array<{
        flowId: string;
        version: number;
        status: "draft" | "published" | "retired";
        createdAt: string;
        publishedAt: string | null;
      }>;
    };
  };
  /** Add a draft version */
  "POST /v1/flows/{id}/versions": {
    params: {
      id: string;
    };
    query: undefined;
    body: {
      document: Schemas["Flow"];
    };
    response: {
      flowId: string;
      version: number;
      status: "draft" | "published" | "retired";
      createdAt: string;
      publishedAt: string | null;
      document: Record<string, unknown>;
    };
  };
  /** One version with its document */
  "GET /v1/flows/{id}/versions/{version}": {
    params: {
      id: string;
      version: number;
    };
    query: undefined;
    body: undefined;
    response: {
      flowId: string;
      version: number;
      status: "draft" | "published" | "retired";
      createdAt: string;
      publishedAt: string | null;
      document: Record<string, unknown>;
    };
  };
  /** Publish a version: new calls run it */
  "POST /v1/flows/{id}/versions/{version}/publish": {
    params: {
      id: string;
      version: number;
    };
    query: undefined;
    body: undefined;
    response: {
      flowId: string;
      version: number;
      status: "draft" | "published" | "retired";
      publishedAt: string | null;
      changed: boolean;
      promptsChecked: boolean;
    };
  };
  /** Logistics updates that were not applied (out of order, unknown order), newest first */
  "GET /v1/logistics/updates": {
    params: undefined;
    query: {
      limit?: number;
    };
    body: undefined;
    response: {
      items: Array<{
        id: string;
        orderId: string | null;
        outcome: string;
        detail: string | null;
        body: Record<string, unknown>;
        receivedAt: string;
        [key: string]: unknown;
      }>;
      [key: string]: unknown;
    };
  };
  /** Shipment and delivery updates from the logistics partner (signed) */
  "POST /v1/logistics/updates": {
    params: undefined;
    query: undefined;
    body: {
      orderId: string;
      status: "picking" | "shipped" | "delivered" | "refused" | "returned";
      carrier?: string;
      trackingNumber?: string;
      cashCollectedMinor?: number;
      reason?: string;
      occurredAt?: string;
    };
    response: {
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
      [key: string]: unknown;
    };
  };
  /** List mailboxes with their message counts */
  "GET /v1/mailboxes": {
    params: undefined;
    query: undefined;
    body: undefined;
    response: {
      items: Array<{
        id: string;
        name: string;
        kind: "agent" | "queue" | "general";
        owner: string | null;
        greeting: string | null;
        greetingUploaded: boolean;
        maxMessageSeconds: number;
        notify: Array<string>;
        newMessages: number;
        oldMessages: number;
        createdAt: string;
        updatedAt: string;
        [key: string]: unknown;
      }>;
      [key: string]: unknown;
    };
  };
  /** Create a mailbox */
  "POST /v1/mailboxes": {
    params: undefined;
    query: undefined;
    body: {
      id: string;
      name: string;
      kind: "agent" | "queue" | "general";
      owner?: string | null;
      greeting?: string | null;
      maxMessageSeconds?: number;
      notify?: Array<string>;
    };
    response: {
      id: string;
      name: string;
      kind: "agent" | "queue" | "general";
      owner: string | null;
      greeting: string | null;
      greetingUploaded: boolean;
      maxMessageSeconds: number;
      notify: Array<string>;
      newMessages: number;
      oldMessages: number;
      createdAt: string;
      updatedAt: string;
      [key: string]: unknown;
    };
  };
  /** One mailbox */
  "GET /v1/mailboxes/{id}": {
    params: {
      id: string;
    };
    query: undefined;
    body: undefined;
    response: {
      id: string;
      name: string;
      kind: "agent" | "queue" | "general";
      owner: string | null;
      greeting: string | null;
      greetingUploaded: boolean;
      maxMessageSeconds: number;
      notify: Array<string>;
      newMessages: number;
      oldMessages: number;
      createdAt: string;
      updatedAt: string;
      [key: string]: unknown;
    };
  };
  /** Change a mailbox (greeting, limit, notification targets...) */
  "PATCH /v1/mailboxes/{id}": {
    params: {
      id: string;
    };
    query: undefined;
    body: {
      name?: string;
      kind?: "agent" | "queue" | "general";
      owner?: string | null;
      greeting?: string | null;
      maxMessageSeconds?: number;
      notify?: Array<string>;
    };
    response: {
      id: string;
      name: string;
      kind: "agent" | "queue" | "general";
      owner: string | null;
      greeting: string | null;
      greetingUploaded: boolean;
      maxMessageSeconds: number;
      notify: Array<string>;
      newMessages: number;
      oldMessages: number;
      createdAt: string;
      updatedAt: string;
      [key: string]: unknown;
    };
  };
  /** Delete a mailbox and its messages */
  "DELETE /v1/mailboxes/{id}": {
    params: {
      id: string;
    };
    query: undefined;
    body: undefined;
    response: void;
  };
  /** The uploaded greeting (audio/wav) */
  "GET /v1/mailboxes/{id}/greeting": {
    params: {
      id: string;
    };
    query: undefined;
    body: undefined;
    response: void;
  };
  /** Upload the greeting callers hear before the beep */
  "PUT /v1/mailboxes/{id}/greeting": {
    params: {
      id: string;
    };
    query: undefined;
    body: Uint8Array | string;
    response: {
      id: string;
      name: string;
      kind: "agent" | "queue" | "general";
      owner: string | null;
      greeting: string | null;
      greetingUploaded: boolean;
      maxMessageSeconds: number;
      notify: Array<string>;
      newMessages: number;
      oldMessages: number;
      createdAt: string;
      updatedAt: string;
      [key: string]: unknown;
    };
  };
  /** Remove the uploaded greeting (back to `greeting` or the default) */
  "DELETE /v1/mailboxes/{id}/greeting": {
    params: {
      id: string;
    };
    query: undefined;
    body: undefined;
    response: void;
  };
  /** Record the greeting by phone: the PBX calls the given extension */
  "POST /v1/mailboxes/{id}/greeting/record": {
    params: {
      id: string;
    };
    query: undefined;
    body: {
      extension: string;
    };
    response: {
      channelId: string;
      extension: string;
      [key: string]: unknown;
    };
  };
  /** A mailbox's messages, newest first */
  "GET /v1/mailboxes/{id}/messages": {
    params: {
      id: string;
    };
    query: {
      heard?: boolean;
      limit?: number;
    };
    body: undefined;
    response: {
      items: Array<{
        id: string;
        mailboxId: string;
        callId: string | null;
        callerNumber: string | null;
        callerName: string | null;
        durationSeconds: number;
        format: string;
        sizeBytes: number;
        heard: boolean;
        createdAt: string;
        [key: string]: unknown;
      }>;
      [key: string]: unknown;
    };
  };
  /** One message */
  "GET /v1/mailboxes/{id}/messages/{messageId}": {
    params: {
      id: string;
      messageId: string;
    };
    query: undefined;
    body: undefined;
    response: {
      id: string;
      mailboxId: string;
      callId: string | null;
      callerNumber: string | null;
      callerName: string | null;
      durationSeconds: number;
      format: string;
      sizeBytes: number;
      heard: boolean;
      createdAt: string;
      [key: string]: unknown;
    };
  };
  /** Mark a message heard (or new again) */
  "PATCH /v1/mailboxes/{id}/messages/{messageId}": {
    params: {
      id: string;
      messageId: string;
    };
    query: undefined;
    body: {
      heard: boolean;
    };
    response: {
      id: string;
      mailboxId: string;
      callId: string | null;
      callerNumber: string | null;
      callerName: string | null;
      durationSeconds: number;
      format: string;
      sizeBytes: number;
      heard: boolean;
      createdAt: string;
      [key: string]: unknown;
    };
  };
  /** Delete a message */
  "DELETE /v1/mailboxes/{id}/messages/{messageId}": {
    params: {
      id: string;
      messageId: string;
    };
    query: undefined;
    body: undefined;
    response: void;
  };
  /** A message's audio (audio/wav), streamed; honours a single Range */
  "GET /v1/mailboxes/{id}/messages/{messageId}/audio": {
    params: {
      id: string;
      messageId: string;
    };
    query: undefined;
    body: undefined;
    response: void;
  };
  /** The configured not-ready reasons, in menu order */
  "GET /v1/not-ready-reasons": {
    params: undefined;
    query: undefined;
    body: undefined;
    response: {
      items: Array<{
        code: string;
        label: string;
      }>;
    };
  };
  /** Replace the not-ready reasons */
  "PUT /v1/not-ready-reasons": {
    params: undefined;
    query: undefined;
    body: {
      items: Array<{
        code: string;
        label: string;
      }>;
    };
    response: {
      items: Array<{
        code: string;
        label: string;
      }>;
    };
  };
  /** Dialled numbers and their flows, by number */
  "GET /v1/numbers": {
    params: undefined;
    query: {
      limit: number;
      cursor?: string;
      flowId?: string;
    };
    body: undefined;
    response: {
      items: Array<{
        did: string;
        flowId: string;
        description: string | null;
        createdAt: string;
        updatedAt: string;
      }>;
      nextCursor: string | null;
    };
  };
  /** One dialled number */
  "GET /v1/numbers/{did}": {
    params: {
      did: string;
    };
    query: undefined;
    body: undefined;
    response: {
      did: string;
      flowId: string;
      description: string | null;
      createdAt: string;
      updatedAt: string;
    };
  };
  /** Map a dialled number to a flow */
  "PUT /v1/numbers/{did}": {
    params: {
      did: string;
    };
    query: undefined;
    body: {
      flowId: string;
      description?: string;
    };
    response: {
      did: string;
      flowId: string;
      description: string | null;
      createdAt: string;
      updatedAt: string;
    };
  };
  /** Unmap a dialled number */
  "DELETE /v1/numbers/{did}": {
    params: {
      did: string;
    };
    query: undefined;
    body: undefined;
    response: void;
  };
  /** List orders, newest first */
  "GET /v1/orders": {
    params: undefined;
    query: {
      state?: "draft" | "submitted" | "approved" | "rejected" | "picking" | "shipped" | "delivered" | "refused" | "returned" | "payment_confirmed" | "completed";
      callId?: string;
      phone?: string;
      mediaSource?: string;
      from?: string;
      to?: string;
      limit?: number;
      cursor?: string;
    };
    body: undefined;
    response: {
      items: Array<{
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
        [key: string]: unknown;
      }>;
      nextCursor: string | null;
      [key: string]: unknown;
    };
  };
  /** Create an order (draft) */
  "POST /v1/orders": {
    params: undefined;
    query: undefined;
    body: {
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
      mediaSource?: {
        type: "tv" | "radio" | "press" | "web" | "other";
        name: string;
      };
      items: Array<{
        sku: string;
        name?: string;
        quantity: number;
        unitPriceMinor: number;
      }>;
      currency: string;
      totalMinor?: number;
      callId?: string;
      approvals?: Array<{
        type: "gift" | "price";
        reason: string;
        sku?: string;
      }>;
    };
    response: {
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
      [key: string]: unknown;
    };
  };
  /** One order with its history */
  "GET /v1/orders/{id}": {
    params: {
      id: string;
    };
    query: undefined;
    body: undefined;
    response: {
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
      history: Array<{
        action: string;
        from: string | null;
        to: string;
        data: Record<string, unknown>;
        at: string;
        [key: string]: unknown;
      }>;
      [key: string]: unknown;
    };
  };
  /** Move an order through its workflow */
  "POST /v1/orders/{id}/{action}": {
    params: {
      id: string;
      action: string;
    };
    query: undefined;
    body: {
      note?: string;
      reason?: string;
      carrier?: string;
      trackingNumber?: string;
      signed?: boolean;
      cashCollectedMinor?: number;
      receivedMinor?: number;
      reference?: string;
    };
    response: {
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
      [key: string]: unknown;
    };
  };
  /** 24-hour forecast per local half hour with the staffing each needs */
  "POST /v1/planning/forecast": {
    params: undefined;
    query: undefined;
    body: {
      date: string;
      timeZone: string;
      queueId?: string;
      lookbackDays?: number;
      ahtSeconds?: number;
      serviceLevel: number;
      targetSeconds: number;
      shrinkage?: number;
      patienceSeconds?: number;
      maxOccupancy?: number;
    };
    response: {
      date: string;
      timeZone: string;
      ahtSeconds: number;
      basis: "same-weekday" | "all-days";
      daysUsed: Array<string>;
      slots: Array<{
        start: string;
        calls: number;
        erlangC: {
          agents: number;
          scheduled: number;
          serviceLevel: number;
          asaSeconds: number;
          occupancy: number;
          waitProbability: number;
          abandonRate?: number;
          meetsTarget: boolean;
        } | null;
        erlangA?: {
          agents: number;
          scheduled: number;
          serviceLevel: number;
          asaSeconds: number;
          occupancy: number;
          waitProbability: number;
          abandonRate?: number;
          meetsTarget: boolean;
        } | null;
      }>;
    };
  };
  /** Agents needed for one interval (Erlang C, and Erlang A with a caller patience) */
  "POST /v1/planning/staffing": {
    params: undefined;
    query: undefined;
    body: {
      calls: number;
      intervalMinutes?: number;
      ahtSeconds: number;
      serviceLevel: number;
      targetSeconds: number;
      shrinkage?: number;
      patienceSeconds?: number;
      maxOccupancy?: number;
      agents?: number;
      maxAgents?: number;
    };
    response: {
      load: number;
      erlangC: {
        agents: number;
        scheduled: number;
        serviceLevel: number;
        asaSeconds: number;
        occupancy: number;
        waitProbability: number;
        abandonRate?: number;
        meetsTarget: boolean;
      };
      erlangA?: {
        agents: number;
        scheduled: number;
        serviceLevel: number;
        asaSeconds: number;
        occupancy: number;
        waitProbability: number;
        abandonRate?: number;
        meetsTarget: boolean;
      };
    };
  };
  /** Queues */
  "GET /v1/queues": {
    params: undefined;
    query: undefined;
    body: undefined;
    response: {
      items: Array<{
        id: string;
        name: string;
        skills?: Record<string, number>;
        strategy?: "longest_idle" | "round_robin" | "fewest_calls" | "ring_all" | "best_skill" | "random";
        priority?: number;
        priorityRules?: Array<{
          field: string;
          equals: string;
          add: number;
        }>;
        agingSecondsPerLevel?: number;
        wideningSteps?: Array<{
          afterSeconds: number;
          lowerBy: number;
        }>;
        serviceLevel?: {
          percent: number;
          seconds: number;
        };
        maxWaitSeconds?: number | null;
        maxLength?: number | null;
        overflow?: {
          type: "queue" | "voicemail" | "flow";
          id: string;
        } | null;
        digitActions?: Record<string, {
          type: "queue" | "voicemail" | "flow";
          id: string;
        }>;
        announceEverySeconds?: number | null;
        musicOnHold?: string;
        shortAbandonSeconds?: number;
      }>;
    };
  };
  /** Create a queue */
  "POST /v1/queues": {
    params: undefined;
    query: undefined;
    body: {
      id: string;
      name: string;
      skills?: Record<string, number>;
      strategy?: "longest_idle" | "round_robin" | "fewest_calls" | "ring_all" | "best_skill" | "random";
      priority?: number;
      priorityRules?: Array<{
        field: string;
        equals: string;
        add: number;
      }>;
      agingSecondsPerLevel?: number;
      wideningSteps?: Array<{
        afterSeconds: number;
        lowerBy: number;
      }>;
      serviceLevel?: {
        percent: number;
        seconds: number;
      };
      maxWaitSeconds?: number | null;
      maxLength?: number | null;
      overflow?: {
        type: "queue" | "voicemail" | "flow";
        id: string;
      } | null;
      digitActions?: Record<string, {
        type: "queue" | "voicemail" | "flow";
        id: string;
      }>;
      announceEverySeconds?: number | null;
      musicOnHold?: string;
      shortAbandonSeconds?: number;
    };
    response: {
      id: string;
      name: string;
      skills?: Record<string, number>;
      strategy?: "longest_idle" | "round_robin" | "fewest_calls" | "ring_all" | "best_skill" | "random";
      priority?: number;
      priorityRules?: Array<{
        field: string;
        equals: string;
        add: number;
      }>;
      agingSecondsPerLevel?: number;
      wideningSteps?: Array<{
        afterSeconds: number;
        lowerBy: number;
      }>;
      serviceLevel?: {
        percent: number;
        seconds: number;
      };
      maxWaitSeconds?: number | null;
      maxLength?: number | null;
      overflow?: {
        type: "queue" | "voicemail" | "flow";
        id: string;
      } | null;
      digitActions?: Record<string, {
        type: "queue" | "voicemail" | "flow";
        id: string;
      }>;
      announceEverySeconds?: number | null;
      musicOnHold?: string;
      shortAbandonSeconds?: number;
    };
  };
  /** One queue */
  "GET /v1/queues/{id}": {
    params: {
      id: string;
    };
    query: undefined;
    body: undefined;
    response: {
      id: string;
      name: string;
      skills?: Record<string, number>;
      strategy?: "longest_idle" | "round_robin" | "fewest_calls" | "ring_all" | "best_skill" | "random";
      priority?: number;
      priorityRules?: Array<{
        field: string;
        equals: string;
        add: number;
      }>;
      agingSecondsPerLevel?: number;
      wideningSteps?: Array<{
        afterSeconds: number;
        lowerBy: number;
      }>;
      serviceLevel?: {
        percent: number;
        seconds: number;
      };
      maxWaitSeconds?: number | null;
      maxLength?: number | null;
      overflow?: {
        type: "queue" | "voicemail" | "flow";
        id: string;
      } | null;
      digitActions?: Record<string, {
        type: "queue" | "voicemail" | "flow";
        id: string;
      }>;
      announceEverySeconds?: number | null;
      musicOnHold?: string;
      shortAbandonSeconds?: number;
    };
  };
  /** Replace a queue definition */
  "PUT /v1/queues/{id}": {
    params: {
      id: string;
    };
    query: undefined;
    body: {
      name: string;
      skills?: Record<string, number>;
      strategy?: "longest_idle" | "round_robin" | "fewest_calls" | "ring_all" | "best_skill" | "random";
      priority?: number;
      priorityRules?: Array<{
        field: string;
        equals: string;
        add: number;
      }>;
      agingSecondsPerLevel?: number;
      wideningSteps?: Array<{
        afterSeconds: number;
        lowerBy: number;
      }>;
      serviceLevel?: {
        percent: number;
        seconds: number;
      };
      maxWaitSeconds?: number | null;
      maxLength?: number | null;
      overflow?: {
        type: "queue" | "voicemail" | "flow";
        id: string;
      } | null;
      digitActions?: Record<string, {
        type: "queue" | "voicemail" | "flow";
        id: string;
      }>;
      announceEverySeconds?: number | null;
      musicOnHold?: string;
      shortAbandonSeconds?: number;
    };
    response: {
      id: string;
      name: string;
      skills?: Record<string, number>;
      strategy?: "longest_idle" | "round_robin" | "fewest_calls" | "ring_all" | "best_skill" | "random";
      priority?: number;
      priorityRules?: Array<{
        field: string;
        equals: string;
        add: number;
      }>;
      agingSecondsPerLevel?: number;
      wideningSteps?: Array<{
        afterSeconds: number;
        lowerBy: number;
      }>;
      serviceLevel?: {
        percent: number;
        seconds: number;
      };
      maxWaitSeconds?: number | null;
      maxLength?: number | null;
      overflow?: {
        type: "queue" | "voicemail" | "flow";
        id: string;
      } | null;
      digitActions?: Record<string, {
        type: "queue" | "voicemail" | "flow";
        id: string;
      }>;
      announceEverySeconds?: number | null;
      musicOnHold?: string;
      shortAbandonSeconds?: number;
    };
  };
  /** Delete an empty queue */
  "DELETE /v1/queues/{id}": {
    params: {
      id: string;
    };
    query: undefined;
    body: undefined;
    response: void;
  };
  /** Calls waiting in the queue, in service order */
  "GET /v1/queues/{id}/calls": {
    params: {
      id: string;
    };
    query: undefined;
    body: undefined;
    response: {
      items: Array<{
        callId: string;
        position: number;
        priority: number;
        waitSeconds: number;
        enteredAt: string;
        offeredTo: string | null;
      }>;
    };
  };
  /** The queue now and today (UTC) */
  "GET /v1/queues/{id}/stats": {
    params: {
      id: string;
    };
    query: undefined;
    body: undefined;
    response: {
      queueId: string;
      now: {
        waiting: number;
        longestWaitSeconds: number;
        agents: {
          logged_out: number;
          ready: number;
          not_ready: number;
          reserved: number;
          on_call: number;
          wrap_up: number;
          [key: string]: unknown;
        };
        [key: string]: unknown;
      };
      today: {
        offered: number;
        answered: number;
        abandoned: number;
        shortAbandoned: number;
        overflowed: number;
        serviceLevelPercent: number | null;
        asaSeconds: number | null;
        [key: string]: unknown;
      };
    };
  };
  /** One recording */
  "GET /v1/recordings/{id}": {
    params: {
      id: string;
    };
    query: undefined;
    body: undefined;
    response: {
      id: string;
      callId: string;
      format: string;
      state: string;
      startedAt: string;
      endedAt: string | null;
      durationMs: number | null;
      [key: string]: unknown;
    };
  };
  /** The recorded audio (WAV); one byte range per request (Range: bytes=…) */
  "GET /v1/recordings/{id}/audio": {
    params: {
      id: string;
    };
    query: undefined;
    body: undefined;
    response: void;
  };
  /** Pause the recording */
  "POST /v1/recordings/{id}/pause": {
    params: {
      id: string;
    };
    query: undefined;
    body: undefined;
    response: {
      id: string;
      callId: string;
      format: string;
      state: string;
      startedAt: string;
      endedAt: string | null;
      durationMs: number | null;
      [key: string]: unknown;
    };
  };
  /** Resume the recording */
  "POST /v1/recordings/{id}/resume": {
    params: {
      id: string;
    };
    query: undefined;
    body: undefined;
    response: {
      id: string;
      callId: string;
      format: string;
      state: string;
      startedAt: string;
      endedAt: string | null;
      durationMs: number | null;
      [key: string]: unknown;
    };
  };
  /** Stop the recording */
  "POST /v1/recordings/{id}/stop": {
    params: {
      id: string;
    };
    query: undefined;
    body: undefined;
    response: {
      id: string;
      callId: string;
      format: string;
      state: string;
      startedAt: string;
      endedAt: string | null;
      durationMs: number | null;
      [key: string]: unknown;
    };
  };
  /** KPIs per agent and interval */
  "GET /v1/reports/agents": {
    params: undefined;
    query: {
      from: string;
      to: string;
      interval?: "15m" | "30m" | "60m" | "day" | "month";
      timeZone?: string;
      serviceLevelSeconds?: number;
      fcrHours?: number;
      dissatisfiedAtOrBelow?: number;
      queueId?: string;
      agentId?: string;
      format?: "json" | "csv";
    };
    body: undefined;
    response: {
      from: string;
      to: string;
      interval: string;
      timeZone: string;
      items: Array<{
        interval: string;
        agentId: string;
        answered: number;
        loggedInSeconds: number;
        readySeconds: number;
        onCallSeconds: number;
        notReadySeconds: number;
        notReadyByReason: Record<string, number>;
        occupancy: number | null;
        notReadyRate: number | null;
        callsPerHour: number | null;
        logouts: number;
        logoutsPerDay: number | null;
        talkSeconds: number;
        holdSeconds: number;
        wrapUpSeconds: number;
        avgHandleSeconds: number | null;
        transfers: number;
        transferRate: number | null;
        firstCallResolution: number | null;
        surveys: number;
        satisfaction: number | null;
        notRatedShare: number | null;
        dissatisfied: number;
      }>;
      [key: string]: unknown;
    };
  };
  /** Daily lists of dissatisfied and unrated calls */
  "GET /v1/reports/quality": {
    params: undefined;
    query: {
      date: string;
      timeZone?: string;
      list?: "all" | "dissatisfied" | "unrated";
      dissatisfiedAtOrBelow?: number;
      format?: "json" | "csv";
    };
    body: undefined;
    response: {
      date: string;
      timeZone: string;
      items: Array<{
        callId: string;
        at: string;
        list: "dissatisfied" | "unrated";
        rating: number | null;
        caller: {
          number: string | null;
          name: string | null;
          [key: string]: unknown;
        };
        agentId: string | null;
        queueId: string | null;
        recordingUrl: string | null;
      }>;
      [key: string]: unknown;
    };
  };
  /** KPIs per queue and interval */
  "GET /v1/reports/queues": {
    params: undefined;
    query: {
      from: string;
      to: string;
      interval?: "15m" | "30m" | "60m" | "day" | "month";
      timeZone?: string;
      serviceLevelSeconds?: number;
      fcrHours?: number;
      dissatisfiedAtOrBelow?: number;
      queueId?: string;
      agentId?: string;
      format?: "json" | "csv";
    };
    body: undefined;
    response: {
      from: string;
      to: string;
      interval: string;
      timeZone: string;
      items: Array<{
        interval: string;
        queueId: string;
        offered: number;
        answered: number;
        answeredWithinTarget: number;
        abandoned: number;
        shortAbandoned: number;
        overflowedIn: number;
        overflowedOut: number;
        serviceLevel: number | null;
        asaSeconds: number | null;
        abandonRate: number | null;
        avgTalkSeconds: number | null;
        talkSeconds: number;
        holdSeconds: number;
        wrapUpSeconds: number;
        avgHandleSeconds: number | null;
        transfers: number;
        transferRate: number | null;
        firstCallResolution: number | null;
        surveys: number;
        satisfaction: number | null;
        notRatedShare: number | null;
        dissatisfied: number;
      }>;
      [key: string]: unknown;
    };
  };
  /** Where a call with these attributes would go now */
  "POST /v1/routing/simulate": {
    params: undefined;
    query: undefined;
    body: {
      queueId: string;
      data?: Record<string, unknown>;
      skills?: Record<string, number>;
      priority?: number;
      waitSeconds?: number;
    };
    response: {
      queueId: string;
      priority: number;
      requiredSkills: Record<string, number>;
      position: number;
      agents: Array<{
        id: string;
        name: string;
      }>;
      expectedWaitSeconds: number | null;
    };
  };
  /** The skills catalogue */
  "GET /v1/skills": {
    params: undefined;
    query: undefined;
    body: undefined;
    response: {
      items: Array<{
        name: string;
        description: string;
      }>;
    };
  };
  /** Create or describe a skill */
  "PUT /v1/skills/{name}": {
    params: {
      name: string;
    };
    query: undefined;
    body: {
      description?: string;
    };
    response: {
      name: string;
      description: string;
    };
  };
  /** Delete an unused skill */
  "DELETE /v1/skills/{name}": {
    params: {
      name: string;
    };
    query: undefined;
    body: undefined;
    response: void;
  };
  /** One transfer */
  "GET /v1/transfers/{id}": {
    params: {
      id: string;
    };
    query: undefined;
    body: undefined;
    response: {
      id: string;
      callId: string;
      mode: string;
      state: string;
      fromAgentId: string | null;
      to: {
        agentId?: string;
        extension?: string;
        number?: string;
        queueId?: string;
        [key: string]: unknown;
      };
      initiatorPresent: boolean;
      reason: string | null;
      outcome: string | null;
      timeoutMs: number;
      createdAt: string;
      answeredAt: string | null;
      endedAt: string | null;
      [key: string]: unknown;
    };
  };
  /** End the consultation (or the ringing) and take the customer back */
  "POST /v1/transfers/{id}/cancel": {
    params: {
      id: string;
    };
    query: undefined;
    body: undefined;
    response: {
      id: string;
      callId: string;
      mode: string;
      state: string;
      fromAgentId: string | null;
      to: {
        agentId?: string;
        extension?: string;
        number?: string;
        queueId?: string;
        [key: string]: unknown;
      };
      initiatorPresent: boolean;
      reason: string | null;
      outcome: string | null;
      timeoutMs: number;
      createdAt: string;
      answeredAt: string | null;
      endedAt: string | null;
      [key: string]: unknown;
    };
  };
  /** Hand the customer to the target (while it rings: as a blind transfer) */
  "POST /v1/transfers/{id}/complete": {
    params: {
      id: string;
    };
    query: undefined;
    body: undefined;
    response: {
      id: string;
      callId: string;
      mode: string;
      state: string;
      fromAgentId: string | null;
      to: {
        agentId?: string;
        extension?: string;
        number?: string;
        queueId?: string;
        [key: string]: unknown;
      };
      initiatorPresent: boolean;
      reason: string | null;
      outcome: string | null;
      timeoutMs: number;
      createdAt: string;
      answeredAt: string | null;
      endedAt: string | null;
      [key: string]: unknown;
    };
  };
  /** Join the customer, the initiator and the target in one conversation */
  "POST /v1/transfers/{id}/conference": {
    params: {
      id: string;
    };
    query: undefined;
    body: undefined;
    response: {
      id: string;
      callId: string;
      mode: string;
      state: string;
      fromAgentId: string | null;
      to: {
        agentId?: string;
        extension?: string;
        number?: string;
        queueId?: string;
        [key: string]: unknown;
      };
      initiatorPresent: boolean;
      reason: string | null;
      outcome: string | null;
      timeoutMs: number;
      createdAt: string;
      answeredAt: string | null;
      endedAt: string | null;
      [key: string]: unknown;
    };
  };
  /** Wallboard links this key issued (admin: every key's), newest first */
  "GET /v1/wallboard/links": {
    params: undefined;
    query: {
      includeEnded?: boolean;
    };
    body: undefined;
    response: {
      items: Array<{
        id: string;
        ownerKeyId: string;
        label: string | null;
        view: {
          timeZone: string;
          serviceLevelSeconds: number;
          serviceLevelTarget: number;
          queues?: Array<string>;
          [key: string]: unknown;
        };
        createdAt: string;
        expiresAt: string;
        revokedAt: string | null;
      }>;
      [key: string]: unknown;
    };
  };
  /** Revoke one wallboard link: its screens go blank within seconds */
  "DELETE /v1/wallboard/links/{id}": {
    params: {
      id: string;
    };
    query: undefined;
    body: undefined;
    response: void;
  };
  /** Wallboard thresholds of every queue */
  "GET /v1/wallboard/thresholds": {
    params: undefined;
    query: undefined;
    body: undefined;
    response: {
      items: Array<{
        queueId: string;
        queueName: string;
        thresholds: {
          waiting: {
            warning: number | null;
            alarm: number | null;
            direction: "above" | "below";
            unit: string;
            [key: string]: unknown;
          };
          longestWait: {
            warning: number | null;
            alarm: number | null;
            direction: "above" | "below";
            unit: string;
            [key: string]: unknown;
          };
          ready: {
            warning: number | null;
            alarm: number | null;
            direction: "above" | "below";
            unit: string;
            [key: string]: unknown;
          };
          onCall: {
            warning: number | null;
            alarm: number | null;
            direction: "above" | "below";
            unit: string;
            [key: string]: unknown;
          };
          wrapUp: {
            warning: number | null;
            alarm: number | null;
            direction: "above" | "below";
            unit: string;
            [key: string]: unknown;
          };
          notReady: {
            warning: number | null;
            alarm: number | null;
            direction: "above" | "below";
            unit: string;
            [key: string]: unknown;
          };
          offered: {
            warning: number | null;
            alarm: number | null;
            direction: "above" | "below";
            unit: string;
            [key: string]: unknown;
          };
          answered: {
            warning: number | null;
            alarm: number | null;
            direction: "above" | "below";
            unit: string;
            [key: string]: unknown;
          };
          abandoned: {
            warning: number | null;
            alarm: number | null;
            direction: "above" | "below";
            unit: string;
            [key: string]: unknown;
          };
          serviceLevel: {
            warning: number | null;
            alarm: number | null;
            direction: "above" | "below";
            unit: string;
            [key: string]: unknown;
          };
          asa: {
            warning: number | null;
            alarm: number | null;
            direction: "above" | "below";
            unit: string;
            [key: string]: unknown;
          };
          aht: {
            warning: number | null;
            alarm: number | null;
            direction: "above" | "below";
            unit: string;
            [key: string]: unknown;
          };
          [key: string]: unknown;
        };
        overrides: {
          waiting?: {
            warning?: number | null;
            alarm?: number | null;
          };
          longestWait?: {
            warning?: number | null;
            alarm?: number | null;
          };
          ready?: {
            warning?: number | null;
            alarm?: number | null;
          };
          onCall?: {
            warning?: number | null;
            alarm?: number | null;
          };
          wrapUp?: {
            warning?: number | null;
            alarm?: number | null;
          };
          notReady?: {
            warning?: number | null;
            alarm?: number | null;
          };
          offered?: {
            warning?: number | null;
            alarm?: number | null;
          };
          answered?: {
            warning?: number | null;
            alarm?: number | null;
          };
          abandoned?: {
            warning?: number | null;
            alarm?: number | null;
          };
          serviceLevel?: {
            warning?: number | null;
            alarm?: number | null;
          };
          asa?: {
            warning?: number | null;
            alarm?: number | null;
          };
          aht?: {
            warning?: number | null;
            alarm?: number | null;
          };
        };
        ownerKeyId: string | null;
        updatedAt: string | null;
        [key: string]: unknown;
      }>;
      [key: string]: unknown;
    };
  };
  /** A queue's wallboard thresholds */
  "GET /v1/wallboard/thresholds/{queueId}": {
    params: {
      queueId: string;
    };
    query: undefined;
    body: undefined;
    response: {
      queueId: string;
      queueName: string;
      thresholds: {
        waiting: {
          warning: number | null;
          alarm: number | null;
          direction: "above" | "below";
          unit: string;
          [key: string]: unknown;
        };
        longestWait: {
          warning: number | null;
          alarm: number | null;
          direction: "above" | "below";
          unit: string;
          [key: string]: unknown;
        };
        ready: {
          warning: number | null;
          alarm: number | null;
          direction: "above" | "below";
          unit: string;
          [key: string]: unknown;
        };
        onCall: {
          warning: number | null;
          alarm: number | null;
          direction: "above" | "below";
          unit: string;
          [key: string]: unknown;
        };
        wrapUp: {
          warning: number | null;
          alarm: number | null;
          direction: "above" | "below";
          unit: string;
          [key: string]: unknown;
        };
        notReady: {
          warning: number | null;
          alarm: number | null;
          direction: "above" | "below";
          unit: string;
          [key: string]: unknown;
        };
        offered: {
          warning: number | null;
          alarm: number | null;
          direction: "above" | "below";
          unit: string;
          [key: string]: unknown;
        };
        answered: {
          warning: number | null;
          alarm: number | null;
          direction: "above" | "below";
          unit: string;
          [key: string]: unknown;
        };
        abandoned: {
          warning: number | null;
          alarm: number | null;
          direction: "above" | "below";
          unit: string;
          [key: string]: unknown;
        };
        serviceLevel: {
          warning: number | null;
          alarm: number | null;
          direction: "above" | "below";
          unit: string;
          [key: string]: unknown;
        };
        asa: {
          warning: number | null;
          alarm: number | null;
          direction: "above" | "below";
          unit: string;
          [key: string]: unknown;
        };
        aht: {
          warning: number | null;
          alarm: number | null;
          direction: "above" | "below";
          unit: string;
          [key: string]: unknown;
        };
        [key: string]: unknown;
      };
      overrides: {
        waiting?: {
          warning?: number | null;
          alarm?: number | null;
        };
        longestWait?: {
          warning?: number | null;
          alarm?: number | null;
        };
        ready?: {
          warning?: number | null;
          alarm?: number | null;
        };
        onCall?: {
          warning?: number | null;
          alarm?: number | null;
        };
        wrapUp?: {
          warning?: number | null;
          alarm?: number | null;
        };
        notReady?: {
          warning?: number | null;
          alarm?: number | null;
        };
        offered?: {
          warning?: number | null;
          alarm?: number | null;
        };
        answered?: {
          warning?: number | null;
          alarm?: number | null;
        };
        abandoned?: {
          warning?: number | null;
          alarm?: number | null;
        };
        serviceLevel?: {
          warning?: number | null;
          alarm?: number | null;
        };
        asa?: {
          warning?: number | null;
          alarm?: number | null;
        };
        aht?: {
          warning?: number | null;
          alarm?: number | null;
        };
      };
      ownerKeyId: string | null;
      updatedAt: string | null;
      [key: string]: unknown;
    };
  };
  /** Set a queue's wallboard thresholds */
  "PUT /v1/wallboard/thresholds/{queueId}": {
    params: {
      queueId: string;
    };
    query: undefined;
    body: {
      waiting?: {
        warning?: number | null;
        alarm?: number | null;
      };
      longestWait?: {
        warning?: number | null;
        alarm?: number | null;
      };
      ready?: {
        warning?: number | null;
        alarm?: number | null;
      };
      onCall?: {
        warning?: number | null;
        alarm?: number | null;
      };
      wrapUp?: {
        warning?: number | null;
        alarm?: number | null;
      };
      notReady?: {
        warning?: number | null;
        alarm?: number | null;
      };
      offered?: {
        warning?: number | null;
        alarm?: number | null;
      };
      answered?: {
        warning?: number | null;
        alarm?: number | null;
      };
      abandoned?: {
        warning?: number | null;
        alarm?: number | null;
      };
      serviceLevel?: {
        warning?: number | null;
        alarm?: number | null;
      };
      asa?: {
        warning?: number | null;
        alarm?: number | null;
      };
      aht?: {
        warning?: number | null;
        alarm?: number | null;
      };
    };
    response: {
      queueId: string;
      queueName: string;
      thresholds: {
        waiting: {
          warning: number | null;
          alarm: number | null;
          direction: "above" | "below";
          unit: string;
          [key: string]: unknown;
        };
        longestWait: {
          warning: number | null;
          alarm: number | null;
          direction: "above" | "below";
          unit: string;
          [key: string]: unknown;
        };
        ready: {
          warning: number | null;
          alarm: number | null;
          direction: "above" | "below";
          unit: string;
          [key: string]: unknown;
        };
        onCall: {
          warning: number | null;
          alarm: number | null;
          direction: "above" | "below";
          unit: string;
          [key: string]: unknown;
        };
        wrapUp: {
          warning: number | null;
          alarm: number | null;
          direction: "above" | "below";
          unit: string;
          [key: string]: unknown;
        };
        notReady: {
          warning: number | null;
          alarm: number | null;
          direction: "above" | "below";
          unit: string;
          [key: string]: unknown;
        };
        offered: {
          warning: number | null;
          alarm: number | null;
          direction: "above" | "below";
          unit: string;
          [key: string]: unknown;
        };
        answered: {
          warning: number | null;
          alarm: number | null;
          direction: "above" | "below";
          unit: string;
          [key: string]: unknown;
        };
        abandoned: {
          warning: number | null;
          alarm: number | null;
          direction: "above" | "below";
          unit: string;
          [key: string]: unknown;
        };
        serviceLevel: {
          warning: number | null;
          alarm: number | null;
          direction: "above" | "below";
          unit: string;
          [key: string]: unknown;
        };
        asa: {
          warning: number | null;
          alarm: number | null;
          direction: "above" | "below";
          unit: string;
          [key: string]: unknown;
        };
        aht: {
          warning: number | null;
          alarm: number | null;
          direction: "above" | "below";
          unit: string;
          [key: string]: unknown;
        };
        [key: string]: unknown;
      };
      overrides: {
        waiting?: {
          warning?: number | null;
          alarm?: number | null;
        };
        longestWait?: {
          warning?: number | null;
          alarm?: number | null;
        };
        ready?: {
          warning?: number | null;
          alarm?: number | null;
        };
        onCall?: {
          warning?: number | null;
          alarm?: number | null;
        };
        wrapUp?: {
          warning?: number | null;
          alarm?: number | null;
        };
        notReady?: {
          warning?: number | null;
          alarm?: number | null;
        };
        offered?: {
          warning?: number | null;
          alarm?: number | null;
        };
        answered?: {
          warning?: number | null;
          alarm?: number | null;
        };
        abandoned?: {
          warning?: number | null;
          alarm?: number | null;
        };
        serviceLevel?: {
          warning?: number | null;
          alarm?: number | null;
        };
        asa?: {
          warning?: number | null;
          alarm?: number | null;
        };
        aht?: {
          warning?: number | null;
          alarm?: number | null;
        };
      };
      ownerKeyId: string | null;
      updatedAt: string | null;
      [key: string]: unknown;
    };
  };
  /** Return a queue's wallboard thresholds to the defaults */
  "DELETE /v1/wallboard/thresholds/{queueId}": {
    params: {
      queueId: string;
    };
    query: undefined;
    body: undefined;
    response: void;
  };
  /** Issue a read-only wallboard link */
  "POST /v1/wallboard/tokens": {
    params: undefined;
    query: undefined;
    body: {
      timeZone?: string;
      serviceLevelSeconds?: number;
      serviceLevelTarget?: number;
      queues?: Array<string>;
      ttlHours?: number;
      label?: string;
    };
    response: {
      id: string;
      token: string;
      url: string;
      expiresAt: string;
      [key: string]: unknown;
    };
  };
  /** List subscriptions, newest first */
  "GET /v1/webhooks": {
    params: undefined;
    query: {
      limit?: number;
      cursor?: string;
    };
    body: undefined;
    response: {
      items: Array<{
        id: string;
        url: string;
        eventTypes: Array<string>;
        description: string | null;
        enabled: boolean;
        disabledReason: string | null;
        ownerKeyId: string | null;
        createdAt: string;
      }>;
      nextCursor: string | null;
    };
  };
  /** Subscribe a URL to events */
  "POST /v1/webhooks": {
    params: undefined;
    query: undefined;
    body: {
      url: string;
      eventTypes: Array<"call.created" | "call.ivr_step" | "call.queued" | "call.offered" | "call.connected" | "call.answered" | "call.held" | "call.resumed" | "call.transfer_started" | "call.transfer_completed" | "call.transfer_cancelled" | "call.conference_started" | "call.recall_started" | "call.recall_ended" | "call.recording_started" | "call.recording_paused" | "call.recording_resumed" | "call.recording_stopped" | "call.abandoned" | "call.overflowed" | "call.ended" | "call.wrap_up_recorded" | "agent.state_changed" | "campaign.task_offered" | "campaign.task_ended" | "queue.stats" | "voicemail.created" | "fax.queued" | "fax.sent" | "fax.failed" | "fax.refused" | "security.alert" | "order.created" | "order.status_changed" | "cdr.created" | "survey.completed">;
      description?: string;
      secret?: string;
    };
    response: {
      id: string;
      url: string;
      eventTypes: Array<string>;
      description: string | null;
      enabled: boolean;
      disabledReason: string | null;
      ownerKeyId: string | null;
      createdAt: string;
      secret: string;
    };
  };
  /** Send a delivery again */
  "POST /v1/webhooks/deliveries/{id}/redeliver": {
    params: {
      id: string;
    };
    query: undefined;
    body: undefined;
    response: {
      deliveryId: string;
      status: "pending";
    };
  };
  /** One subscription (without its secret) */
  "GET /v1/webhooks/{id}": {
    params: {
      id: string;
    };
    query: undefined;
    body: undefined;
    response: {
      id: string;
      url: string;
      eventTypes: Array<string>;
      description: string | null;
      enabled: boolean;
      disabledReason: string | null;
      ownerKeyId: string | null;
      createdAt: string;
    };
  };
  /** Delete a subscription; pending deliveries stop */
  "DELETE /v1/webhooks/{id}": {
    params: {
      id: string;
    };
    query: undefined;
    body: undefined;
    response: void;
  };
  /** Deliveries of a subscription with every attempt, newest first */
  "GET /v1/webhooks/{id}/deliveries": {
    params: {
      id: string;
    };
    query: {
      limit?: number;
      cursor?: string;
    };
    body: undefined;
    response: {
      items: Array<{
        id: string;
        subscriptionId: string;
        eventId: string;
        eventType: string;
        status: "pending" | "delivered" | "failed" | "dead" | "disabled";
        attempts: number;
        lastStatusCode: number | null;
        lastError: string | null;
        createdAt: string;
        updatedAt: string;
        deliveredAt: string | null;
        attemptLog: Array<{
          attempt: number;
          at: string;
          statusCode: number | null;
          error: string | null;
          durationMs: number;
        }>;
      }>;
      nextCursor: string | null;
    };
  };
}

/** Each operation's method, path template and request body type. */
export const OPERATIONS = {
  "GET /healthz": { method: "GET", path: "/healthz", contentType: null },
  "GET /readyz": { method: "GET", path: "/readyz", contentType: null },
  "GET /v1/agent-panel/links": { method: "GET", path: "/v1/agent-panel/links", contentType: null },
  "POST /v1/agent-panel/links": { method: "POST", path: "/v1/agent-panel/links", contentType: "application/json" },
  "DELETE /v1/agent-panel/links/{id}": { method: "DELETE", path: "/v1/agent-panel/links/{id}", contentType: null },
  "GET /v1/agents": { method: "GET", path: "/v1/agents", contentType: null },
  "POST /v1/agents": { method: "POST", path: "/v1/agents", contentType: "application/json" },
  "GET /v1/agents/{id}": { method: "GET", path: "/v1/agents/{id}", contentType: null },
  "PUT /v1/agents/{id}": { method: "PUT", path: "/v1/agents/{id}", contentType: "application/json" },
  "DELETE /v1/agents/{id}": { method: "DELETE", path: "/v1/agents/{id}", contentType: null },
  "PUT /v1/agents/{id}/calls/{callId}/wrap-up": { method: "PUT", path: "/v1/agents/{id}/calls/{callId}/wrap-up", contentType: "application/json" },
  "POST /v1/agents/{id}/state": { method: "POST", path: "/v1/agents/{id}/state", contentType: "application/json" },
  "GET /v1/agents/{id}/stream": { method: "GET", path: "/v1/agents/{id}/stream", contentType: null },
  "GET /v1/agents/{id}/tasks": { method: "GET", path: "/v1/agents/{id}/tasks", contentType: null },
  "POST /v1/agents/{id}/tasks/{taskId}/accept": { method: "POST", path: "/v1/agents/{id}/tasks/{taskId}/accept", contentType: null },
  "POST /v1/agents/{id}/tasks/{taskId}/decline": { method: "POST", path: "/v1/agents/{id}/tasks/{taskId}/decline", contentType: null },
  "GET /v1/api-keys": { method: "GET", path: "/v1/api-keys", contentType: null },
  "POST /v1/api-keys": { method: "POST", path: "/v1/api-keys", contentType: "application/json" },
  "GET /v1/api-keys/current": { method: "GET", path: "/v1/api-keys/current", contentType: null },
  "GET /v1/api-keys/{id}": { method: "GET", path: "/v1/api-keys/{id}", contentType: null },
  "PATCH /v1/api-keys/{id}": { method: "PATCH", path: "/v1/api-keys/{id}", contentType: "application/json" },
  "DELETE /v1/api-keys/{id}": { method: "DELETE", path: "/v1/api-keys/{id}", contentType: null },
  "POST /v1/api-keys/{id}/rotate": { method: "POST", path: "/v1/api-keys/{id}/rotate", contentType: "application/json" },
  "PUT /v1/api-keys/{keyId}/dial-policy": { method: "PUT", path: "/v1/api-keys/{keyId}/dial-policy", contentType: "application/json" },
  "DELETE /v1/api-keys/{keyId}/suspension": { method: "DELETE", path: "/v1/api-keys/{keyId}/suspension", contentType: null },
  "GET /v1/calls": { method: "GET", path: "/v1/calls", contentType: null },
  "POST /v1/calls": { method: "POST", path: "/v1/calls", contentType: "application/json" },
  "GET /v1/calls/{id}": { method: "GET", path: "/v1/calls/{id}", contentType: null },
  "POST /v1/calls/{id}/dtmf": { method: "POST", path: "/v1/calls/{id}/dtmf", contentType: "application/json" },
  "POST /v1/calls/{id}/hangup": { method: "POST", path: "/v1/calls/{id}/hangup", contentType: null },
  "POST /v1/calls/{id}/hold": { method: "POST", path: "/v1/calls/{id}/hold", contentType: null },
  "POST /v1/calls/{id}/mute": { method: "POST", path: "/v1/calls/{id}/mute", contentType: null },
  "GET /v1/calls/{id}/recordings": { method: "GET", path: "/v1/calls/{id}/recordings", contentType: null },
  "POST /v1/calls/{id}/recordings": { method: "POST", path: "/v1/calls/{id}/recordings", contentType: null },
  "POST /v1/calls/{id}/transfers": { method: "POST", path: "/v1/calls/{id}/transfers", contentType: "application/json" },
  "POST /v1/calls/{id}/unhold": { method: "POST", path: "/v1/calls/{id}/unhold", contentType: null },
  "POST /v1/calls/{id}/unmute": { method: "POST", path: "/v1/calls/{id}/unmute", contentType: null },
  "GET /v1/campaigns": { method: "GET", path: "/v1/campaigns", contentType: null },
  "POST /v1/campaigns": { method: "POST", path: "/v1/campaigns", contentType: "application/json" },
  "GET /v1/campaigns/{id}": { method: "GET", path: "/v1/campaigns/{id}", contentType: null },
  "PATCH /v1/campaigns/{id}": { method: "PATCH", path: "/v1/campaigns/{id}", contentType: "application/json" },
  "GET /v1/campaigns/{id}/contacts": { method: "GET", path: "/v1/campaigns/{id}/contacts", contentType: null },
  "POST /v1/campaigns/{id}/contacts": { method: "POST", path: "/v1/campaigns/{id}/contacts", contentType: null },
  "POST /v1/campaigns/{id}/contacts/import": { method: "POST", path: "/v1/campaigns/{id}/contacts/import", contentType: null },
  "POST /v1/campaigns/{id}/contacts/{contactId}/outcome": { method: "POST", path: "/v1/campaigns/{id}/contacts/{contactId}/outcome", contentType: "application/json" },
  "GET /v1/campaigns/{id}/due": { method: "GET", path: "/v1/campaigns/{id}/due", contentType: null },
  "GET /v1/cdrs": { method: "GET", path: "/v1/cdrs", contentType: null },
  "GET /v1/cdrs/export.csv": { method: "GET", path: "/v1/cdrs/export.csv", contentType: null },
  "GET /v1/cdrs/{id}": { method: "GET", path: "/v1/cdrs/{id}", contentType: null },
  "POST /v1/channel-transfers": { method: "POST", path: "/v1/channel-transfers", contentType: "application/json" },
  "POST /v1/channel-transfers/cancel": { method: "POST", path: "/v1/channel-transfers/cancel", contentType: "application/json" },
  "POST /v1/channel-transfers/complete": { method: "POST", path: "/v1/channel-transfers/complete", contentType: "application/json" },
  "GET /v1/connectors": { method: "GET", path: "/v1/connectors", contentType: null },
  "POST /v1/connectors": { method: "POST", path: "/v1/connectors", contentType: "application/json" },
  "GET /v1/connectors/{id}": { method: "GET", path: "/v1/connectors/{id}", contentType: null },
  "PATCH /v1/connectors/{id}": { method: "PATCH", path: "/v1/connectors/{id}", contentType: "application/json" },
  "DELETE /v1/connectors/{id}": { method: "DELETE", path: "/v1/connectors/{id}", contentType: null },
  "POST /v1/connectors/{id}/test": { method: "POST", path: "/v1/connectors/{id}/test", contentType: null },
  "GET /v1/deadletters": { method: "GET", path: "/v1/deadletters", contentType: null },
  "POST /v1/deadletters/{id}/replay": { method: "POST", path: "/v1/deadletters/{id}/replay", contentType: null },
  "GET /v1/disposition-codes": { method: "GET", path: "/v1/disposition-codes", contentType: null },
  "PUT /v1/disposition-codes": { method: "PUT", path: "/v1/disposition-codes", contentType: "application/json" },
  "GET /v1/do-not-call": { method: "GET", path: "/v1/do-not-call", contentType: null },
  "POST /v1/do-not-call": { method: "POST", path: "/v1/do-not-call", contentType: "application/json" },
  "DELETE /v1/do-not-call/{number}": { method: "DELETE", path: "/v1/do-not-call/{number}", contentType: null },
  "GET /v1/events": { method: "GET", path: "/v1/events", contentType: null },
  "GET /v1/events/schemas": { method: "GET", path: "/v1/events/schemas", contentType: null },
  "GET /v1/events/stream": { method: "GET", path: "/v1/events/stream", contentType: null },
  "POST /v1/events/stream-tokens": { method: "POST", path: "/v1/events/stream-tokens", contentType: null },
  "GET /v1/fax-documents": { method: "GET", path: "/v1/fax-documents", contentType: null },
  "GET /v1/fax-documents/{code}": { method: "GET", path: "/v1/fax-documents/{code}", contentType: null },
  "PUT /v1/fax-documents/{code}": { method: "PUT", path: "/v1/fax-documents/{code}", contentType: "application/pdf" },
  "DELETE /v1/fax-documents/{code}": { method: "DELETE", path: "/v1/fax-documents/{code}", contentType: null },
  "GET /v1/faxes": { method: "GET", path: "/v1/faxes", contentType: null },
  "POST /v1/faxes": { method: "POST", path: "/v1/faxes", contentType: "application/json" },
  "POST /v1/faxes/upload": { method: "POST", path: "/v1/faxes/upload", contentType: "application/pdf" },
  "GET /v1/faxes/{id}": { method: "GET", path: "/v1/faxes/{id}", contentType: null },
  "GET /v1/flows": { method: "GET", path: "/v1/flows", contentType: null },
  "POST /v1/flows": { method: "POST", path: "/v1/flows", contentType: "application/json" },
  "GET /v1/flows/{id}": { method: "GET", path: "/v1/flows/{id}", contentType: null },
  "DELETE /v1/flows/{id}": { method: "DELETE", path: "/v1/flows/{id}", contentType: null },
  "POST /v1/flows/{id}/simulate": { method: "POST", path: "/v1/flows/{id}/simulate", contentType: "application/json" },
  "GET /v1/flows/{id}/versions": { method: "GET", path: "/v1/flows/{id}/versions", contentType: null },
  "POST /v1/flows/{id}/versions": { method: "POST", path: "/v1/flows/{id}/versions", contentType: "application/json" },
  "GET /v1/flows/{id}/versions/{version}": { method: "GET", path: "/v1/flows/{id}/versions/{version}", contentType: null },
  "POST /v1/flows/{id}/versions/{version}/publish": { method: "POST", path: "/v1/flows/{id}/versions/{version}/publish", contentType: null },
  "GET /v1/logistics/updates": { method: "GET", path: "/v1/logistics/updates", contentType: null },
  "POST /v1/logistics/updates": { method: "POST", path: "/v1/logistics/updates", contentType: "application/json" },
  "GET /v1/mailboxes": { method: "GET", path: "/v1/mailboxes", contentType: null },
  "POST /v1/mailboxes": { method: "POST", path: "/v1/mailboxes", contentType: "application/json" },
  "GET /v1/mailboxes/{id}": { method: "GET", path: "/v1/mailboxes/{id}", contentType: null },
  "PATCH /v1/mailboxes/{id}": { method: "PATCH", path: "/v1/mailboxes/{id}", contentType: "application/json" },
  "DELETE /v1/mailboxes/{id}": { method: "DELETE", path: "/v1/mailboxes/{id}", contentType: null },
  "GET /v1/mailboxes/{id}/greeting": { method: "GET", path: "/v1/mailboxes/{id}/greeting", contentType: null },
  "PUT /v1/mailboxes/{id}/greeting": { method: "PUT", path: "/v1/mailboxes/{id}/greeting", contentType: "audio/wav" },
  "DELETE /v1/mailboxes/{id}/greeting": { method: "DELETE", path: "/v1/mailboxes/{id}/greeting", contentType: null },
  "POST /v1/mailboxes/{id}/greeting/record": { method: "POST", path: "/v1/mailboxes/{id}/greeting/record", contentType: "application/json" },
  "GET /v1/mailboxes/{id}/messages": { method: "GET", path: "/v1/mailboxes/{id}/messages", contentType: null },
  "GET /v1/mailboxes/{id}/messages/{messageId}": { method: "GET", path: "/v1/mailboxes/{id}/messages/{messageId}", contentType: null },
  "PATCH /v1/mailboxes/{id}/messages/{messageId}": { method: "PATCH", path: "/v1/mailboxes/{id}/messages/{messageId}", contentType: "application/json" },
  "DELETE /v1/mailboxes/{id}/messages/{messageId}": { method: "DELETE", path: "/v1/mailboxes/{id}/messages/{messageId}", contentType: null },
  "GET /v1/mailboxes/{id}/messages/{messageId}/audio": { method: "GET", path: "/v1/mailboxes/{id}/messages/{messageId}/audio", contentType: null },
  "GET /v1/not-ready-reasons": { method: "GET", path: "/v1/not-ready-reasons", contentType: null },
  "PUT /v1/not-ready-reasons": { method: "PUT", path: "/v1/not-ready-reasons", contentType: "application/json" },
  "GET /v1/numbers": { method: "GET", path: "/v1/numbers", contentType: null },
  "GET /v1/numbers/{did}": { method: "GET", path: "/v1/numbers/{did}", contentType: null },
  "PUT /v1/numbers/{did}": { method: "PUT", path: "/v1/numbers/{did}", contentType: "application/json" },
  "DELETE /v1/numbers/{did}": { method: "DELETE", path: "/v1/numbers/{did}", contentType: null },
  "GET /v1/orders": { method: "GET", path: "/v1/orders", contentType: null },
  "POST /v1/orders": { method: "POST", path: "/v1/orders", contentType: "application/json" },
  "GET /v1/orders/{id}": { method: "GET", path: "/v1/orders/{id}", contentType: null },
  "POST /v1/orders/{id}/{action}": { method: "POST", path: "/v1/orders/{id}/{action}", contentType: "application/json" },
  "POST /v1/planning/forecast": { method: "POST", path: "/v1/planning/forecast", contentType: "application/json" },
  "POST /v1/planning/staffing": { method: "POST", path: "/v1/planning/staffing", contentType: "application/json" },
  "GET /v1/queues": { method: "GET", path: "/v1/queues", contentType: null },
  "POST /v1/queues": { method: "POST", path: "/v1/queues", contentType: "application/json" },
  "GET /v1/queues/{id}": { method: "GET", path: "/v1/queues/{id}", contentType: null },
  "PUT /v1/queues/{id}": { method: "PUT", path: "/v1/queues/{id}", contentType: "application/json" },
  "DELETE /v1/queues/{id}": { method: "DELETE", path: "/v1/queues/{id}", contentType: null },
  "GET /v1/queues/{id}/calls": { method: "GET", path: "/v1/queues/{id}/calls", contentType: null },
  "GET /v1/queues/{id}/stats": { method: "GET", path: "/v1/queues/{id}/stats", contentType: null },
  "GET /v1/recordings/{id}": { method: "GET", path: "/v1/recordings/{id}", contentType: null },
  "GET /v1/recordings/{id}/audio": { method: "GET", path: "/v1/recordings/{id}/audio", contentType: null },
  "POST /v1/recordings/{id}/pause": { method: "POST", path: "/v1/recordings/{id}/pause", contentType: null },
  "POST /v1/recordings/{id}/resume": { method: "POST", path: "/v1/recordings/{id}/resume", contentType: null },
  "POST /v1/recordings/{id}/stop": { method: "POST", path: "/v1/recordings/{id}/stop", contentType: null },
  "GET /v1/reports/agents": { method: "GET", path: "/v1/reports/agents", contentType: null },
  "GET /v1/reports/quality": { method: "GET", path: "/v1/reports/quality", contentType: null },
  "GET /v1/reports/queues": { method: "GET", path: "/v1/reports/queues", contentType: null },
  "POST /v1/routing/simulate": { method: "POST", path: "/v1/routing/simulate", contentType: "application/json" },
  "GET /v1/skills": { method: "GET", path: "/v1/skills", contentType: null },
  "PUT /v1/skills/{name}": { method: "PUT", path: "/v1/skills/{name}", contentType: "application/json" },
  "DELETE /v1/skills/{name}": { method: "DELETE", path: "/v1/skills/{name}", contentType: null },
  "GET /v1/transfers/{id}": { method: "GET", path: "/v1/transfers/{id}", contentType: null },
  "POST /v1/transfers/{id}/cancel": { method: "POST", path: "/v1/transfers/{id}/cancel", contentType: null },
  "POST /v1/transfers/{id}/complete": { method: "POST", path: "/v1/transfers/{id}/complete", contentType: null },
  "POST /v1/transfers/{id}/conference": { method: "POST", path: "/v1/transfers/{id}/conference", contentType: null },
  "GET /v1/wallboard/links": { method: "GET", path: "/v1/wallboard/links", contentType: null },
  "DELETE /v1/wallboard/links/{id}": { method: "DELETE", path: "/v1/wallboard/links/{id}", contentType: null },
  "GET /v1/wallboard/thresholds": { method: "GET", path: "/v1/wallboard/thresholds", contentType: null },
  "GET /v1/wallboard/thresholds/{queueId}": { method: "GET", path: "/v1/wallboard/thresholds/{queueId}", contentType: null },
  "PUT /v1/wallboard/thresholds/{queueId}": { method: "PUT", path: "/v1/wallboard/thresholds/{queueId}", contentType: "application/json" },
  "DELETE /v1/wallboard/thresholds/{queueId}": { method: "DELETE", path: "/v1/wallboard/thresholds/{queueId}", contentType: null },
  "POST /v1/wallboard/tokens": { method: "POST", path: "/v1/wallboard/tokens", contentType: "application/json" },
  "GET /v1/webhooks": { method: "GET", path: "/v1/webhooks", contentType: null },
  "POST /v1/webhooks": { method: "POST", path: "/v1/webhooks", contentType: "application/json" },
  "POST /v1/webhooks/deliveries/{id}/redeliver": { method: "POST", path: "/v1/webhooks/deliveries/{id}/redeliver", contentType: null },
  "GET /v1/webhooks/{id}": { method: "GET", path: "/v1/webhooks/{id}", contentType: null },
  "DELETE /v1/webhooks/{id}": { method: "DELETE", path: "/v1/webhooks/{id}", contentType: null },
  "GET /v1/webhooks/{id}/deliveries": { method: "GET", path: "/v1/webhooks/{id}/deliveries", contentType: null },
} as const;
