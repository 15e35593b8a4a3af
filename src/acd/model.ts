// The ACD's domain as plain data: agents with skills, queues with their routing rules,
// calls waiting in them. Everything in the pure core works on these shapes only.

export const AGENT_STATES = ['logged_out', 'ready', 'not_ready', 'reserved', 'on_call', 'wrap_up'] as const;
export type AgentState = (typeof AGENT_STATES)[number];

export const STRATEGIES = ['longest_idle', 'round_robin', 'fewest_calls', 'ring_all', 'best_skill', 'random'] as const;
export type Strategy = (typeof STRATEGIES)[number];

/** Skill name -> level 1..5. */
export type Skills = Record<string, number>;

export interface AgentDefinition {
  id: string;
  name: string;
  /** Dial string of the agent's phone, e.g. PJSIP/1001. */
  endpoint: string;
  skills: Skills;
  ringSeconds: number;
  wrapUpSeconds: number;
}

/** What routing needs to know about an agent right now. */
export interface AgentRouting {
  id: string;
  skills: Skills;
  state: AgentState;
  /** When the agent last became idle (ready after a call, or logged in); longest idle first. */
  idleSinceMs: number;
  /** Calls taken today, for the fewest-calls strategy. */
  callsTaken: number;
}

export interface PriorityRule {
  /** A key of the call-attached data, e.g. 'vip'. */
  field: string;
  /** Matches when the data's value, as a string, equals this. */
  equals: string;
  /** Added to the call's priority. */
  add: number;
}

export interface WideningStep {
  /** From this many seconds of waiting on ... */
  afterSeconds: number;
  /** ... every required level is lowered by this much (never below 1). */
  lowerBy: number;
}

export type OverflowTarget = { type: 'queue' | 'voicemail' | 'flow'; id: string };

export interface QueueDefinition {
  id: string;
  name: string;
  /** Skill -> minimum level every offered agent must have. */
  skills: Skills;
  strategy: Strategy;
  /** Base priority of a call entering this queue (higher is served first). */
  priority: number;
  priorityRules: PriorityRule[];
  /** Waiting ages priority: one level per this many seconds, so nobody starves. 0 disables. */
  agingSecondsPerLevel: number;
  wideningSteps: WideningStep[];
  serviceLevel: { percent: number; seconds: number };
  maxWaitSeconds: number | null;
  maxLength: number | null;
  overflow: OverflowTarget | null;
  /**
   * Keys a waiting caller may press and where each takes them (like app_queue's exit
   * context): e.g. `0` to the operators' queue, `*` to leave a message. Other keys are ignored.
   */
  digitActions: Record<string, OverflowTarget>;
  announceEverySeconds: number | null;
  musicOnHold: string;
  shortAbandonSeconds: number;
}

export interface WaitingCall {
  callId: string;
  queueId: string;
  /** Priority on entry (queue base + rules + what the IVR asked). */
  priority: number;
  enteredMs: number;
  /** Skills the call itself asks for on top of the queue's (e.g. language from the IVR). */
  skills: Skills;
}
