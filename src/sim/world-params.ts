// What callers pass to the world's commands (ARI and AMI map their parameters onto these).
import type { Logger } from 'pino';

export interface WorldOptions {
  /** Asterisk entity id, MAC-like. */
  asteriskId?: string;
  /** Media and scripted delays are divided by this (100 makes a 2 s prompt take 20 ms). */
  speed?: number;
  /** Prompt lengths in ms, merged over the defaults. */
  soundDurationsMs?: Record<string, number>;
  /** How long PJSIP phones ring before answering unless configured otherwise (simulated ms). */
  defaultAnswerAfterMs?: number;
  /** The Stasis app the from-pstn dialplan sends inbound calls to. */
  inboundApp?: string;
  /** Where the dialplan falls back when the app is not registered (STASISSTATUS=FAILED). */
  fallbackEndpoint?: string;
  /** Global variables (Asterisk [globals]). */
  globals?: Record<string, string>;
  /** The trunk endpoint inbound calls arrive on. */
  trunk?: string;
  /** Simulated ms between an agent's Local channel answering and its dialplan moving on to Wait(). */
  agentDialplanDelayMs?: number;
  /** res_mwi_external loaded (ARI /mailboxes answers); default true. The lab capture had it unloaded. */
  mailboxModule?: boolean;
  /**
   * Endpoint subscriptions bring every channel event of their endpoints' channels and an
   * EndpointStateChange per channel, as Asterisk 22 sends them (world-endpoints.ts). Off by
   * default: the service does not handle the copies yet (doubled digits, transfers followed
   * twice; docs/simulator.md).
   */
  endpointChannelEvents?: boolean;
  logger?: Logger;
  now?: () => number;
}

export interface OriginateParams {
  endpoint?: string;
  extension?: string;
  context?: string;
  priority?: number;
  label?: string;
  app?: string;
  appArgs?: string;
  /** Dialplan application to run when answered (AMI Originate Application=). */
  application?: string;
  data?: string;
  callerId?: string;
  /** Seconds to wait for an answer (ARI default 30). */
  timeout?: number;
  variables?: Record<string, string>;
  channelId?: string;
  otherChannelId?: string;
  accountcode?: string;
  /** ARI `originator`: the new channel joins that channel's call (inherits its linkedid). */
  originator?: string;
  /** Correlates the OriginateResult event (AMI ActionID). */
  requestId?: string;
}

export interface CreateParams {
  endpoint?: string;
  app?: string;
  appArgs?: string;
  channelId?: string;
  otherChannelId?: string;
  variables?: Record<string, string>;
}

export interface InboundCallParams {
  from: string;
  callerName?: string;
  to: string;
  /** Overrides the world's inbound app for this call. */
  app?: string;
  channelId?: string;
}

export interface RecordParams {
  name?: string;
  format?: string;
  maxDurationSeconds?: number;
  maxSilenceSeconds?: number;
  ifExists?: string;
  beep?: boolean;
  terminateOn?: string;
}

