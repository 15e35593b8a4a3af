// The contract between the IVR's parts: the flow document, the interpreter's state,
// the events it is fed and the commands it returns. The interpreter is a pure function
// of these; the ARI runner executes commands and feeds events back; the REST layer
// stores and simulates flows. Everything here is plain JSON so a call's IVR state can
// be persisted and resumed by another instance.

/** A media URI as ARI plays it: `sound:`, `recording:`, `digits:`, `number:`. */
export type Media = string;

export interface Prompt {
  media: Media[];
  /** A key pressed during the prompt stops it and counts as input (default true). */
  bargeIn?: boolean;
}

export type Condition =
  | { var: string; op: 'equals' | 'not_equals'; value: string }
  | { var: string; op: 'in' | 'not_in'; values: string[] }
  | { var: string; op: 'matches'; regex: string }
  | { var: string; op: 'lt' | 'lte' | 'gt' | 'gte'; value: number }
  | { var: string; op: 'exists' | 'missing' }
  | { op: 'open' | 'closed'; calendar: string };

export interface BusinessCalendar {
  timeZone: string; // IANA, e.g. "Asia/Shanghai"
  /** Weekday 0 (Sunday) .. 6 → opening intervals "HH:MM-HH:MM" in local time. */
  weekly: Partial<Record<'0' | '1' | '2' | '3' | '4' | '5' | '6', string[]>>;
  /** Local dates "YYYY-MM-DD" when closed all day. */
  holidays?: string[];
}

interface NodeBase {
  /** Optional label for reports and the timeline. */
  name?: string;
}

export interface PlayNode extends NodeBase {
  type: 'play';
  prompt: Prompt;
  next: string;
}

export interface MenuNode extends NodeBase {
  type: 'menu';
  prompt: Prompt;
  /** Digit ("0"-"9", "*", "#") → node id. */
  options: Record<string, string>;
  timeoutMs?: number; // wait after the prompt, default 5000
  retries?: number; // extra tries after the first, default 2
  invalidPrompt?: Prompt;
  timeoutPrompt?: Prompt;
  /** Where to go when the tries run out (default: the flow's error handling). */
  fallback?: string;
}

export interface CollectNode extends NodeBase {
  type: 'collect';
  prompt: Prompt;
  variable: string;
  minDigits?: number; // default 1
  maxDigits: number;
  terminator?: string; // default "#"
  interDigitTimeoutMs?: number; // default 3000
  firstDigitTimeoutMs?: number; // default 5000
  /** Anchored regular expression the collected digits must match. */
  pattern?: string;
  retries?: number; // default 2
  invalidPrompt?: Prompt;
  next: string;
  fallback?: string;
}

export interface HttpNode extends NodeBase {
  type: 'http';
  method: 'GET' | 'POST';
  /** `{{var}}` placeholders are replaced by URL-encoded variable values. */
  url: string;
  /** Header name → configured secret name (never a literal secret in a flow). */
  secretHeaders?: Record<string, string>;
  /** For POST: variable names sent as a JSON object. */
  bodyVars?: string[];
  timeoutMs?: number; // default 3000
  /** Variable name → JSON pointer into the response body ("/customer/vip"). */
  map?: Record<string, string>;
  /** Played while the answer takes longer than afterMs. */
  filler?: { afterMs: number; prompt: Prompt };
  next: string;
  onError: string;
  onTimeout?: string; // default onError
}

export interface BranchNode extends NodeBase {
  type: 'branch';
  /** First match wins. */
  cases: Array<{ when: Condition[]; next: string }>;
  otherwise: string;
}

export interface SetNode extends NodeBase {
  type: 'set';
  /** Values may use `{{var}}` placeholders. Stored as call-attached data. */
  values: Record<string, string>;
  next: string;
}

export interface QueueNode extends NodeBase {
  type: 'queue';
  queue: string;
  priority?: number;
  /** After the agent leg ends: a survey node id, or none. */
  survey?: string;
}

export interface VoicemailNode extends NodeBase {
  type: 'voicemail';
  mailbox: string;
}

export interface FaxNode extends NodeBase {
  type: 'fax';
  /** Variable holding the document code the caller keyed. */
  documentVar: string;
  /** Variable holding the destination; default the caller's number. */
  destinationVar?: string;
  next: string;
  /** Played when the document code or the destination is refused (unknown code, number not allowed). */
  invalidPrompt?: Prompt;
  /** Where a refused request goes after invalidPrompt; default `next`. */
  onInvalid?: string;
  /** Read the destination back and have the caller confirm it before anything is sent. */
  confirm?: FaxConfirm;
}

/**
 * The read-back of a keyed fax number: `prompt`, the number spoken digit by digit, then
 * `question` ("press 1 if this is right, 2 to key it again"). 1 sends; 2 goes to `reenter`
 * (the node that asks for the number) and back. The caller is asked at most `tries` times
 * in all, re-entries, wrong keys and silences counted; then `fallback`.
 */
export interface FaxConfirm {
  prompt: Prompt;
  question: Prompt;
  reenter: string;
  /** Default 3. */
  tries?: number;
  /** Wait for the answer after the question (default 5000). */
  timeoutMs?: number;
  /** When the tries run out: default onInvalid, else the flow's error handling. */
  fallback?: string;
}

export interface TransferNode extends NodeBase {
  type: 'transfer';
  /** A destination name from the dial allow-list, never a raw dial string. */
  to: string;
}

export interface SurveyNode extends NodeBase {
  type: 'survey';
  prompt: Prompt;
  scale: '1-5' | 'satisfied-neutral-dissatisfied';
  timeoutMs?: number; // default 8000
  thanksPrompt?: Prompt;
}

export interface GotoNode extends NodeBase {
  type: 'goto';
  /** Another node of this flow, or a sub-flow by id (its published version). */
  node?: string;
  flow?: string;
}

export interface HangupNode extends NodeBase {
  type: 'hangup';
  prompt?: Prompt;
}

export type FlowNode =
  | PlayNode
  | MenuNode
  | CollectNode
  | HttpNode
  | BranchNode
  | SetNode
  | QueueNode
  | VoicemailNode
  | FaxNode
  | TransferNode
  | SurveyNode
  | GotoNode
  | HangupNode;

export type NodeType = FlowNode['type'];

export interface Flow {
  id: string; // slug, e.g. "order-hotline"
  version: number;
  name?: string;
  entry: string;
  nodes: Record<string, FlowNode>;
  calendars?: Record<string, BusinessCalendar>;
  /** Where any runtime error goes; default: a "sorry" prompt and hangup. */
  errorNode?: string;
  /** Steps before the call is sent to error handling (loop guard). Default 200. */
  maxSteps?: number;
}

// ---- the interpreter ----

export interface IvrState {
  node: string; // current node id
  phase: string; // node-specific sub-state, e.g. "prompting", "waiting", "filler"
  vars: Record<string, string>;
  digits: string; // digits collected in the current node
  tries: number;
  steps: number;
  /** Counter for ids of prompts, timers and requests so stale events are recognised. */
  seq: number;
  pendingPrompt?: string;
  pendingTimer?: string;
  pendingRequest?: string;
  done: boolean;
  /** Set once a runtime error sent the call to error handling, so a failing error node cannot loop. */
  failing?: boolean;
  /** Read-backs asked per fax node, kept while the caller re-enters the number elsewhere. */
  confirmations?: Record<string, number>;
}

export type IvrEvent =
  | { type: 'start'; vars: Record<string, string> }
  | { type: 'prompt_finished'; promptId: string }
  /**
   * The prompt will not finish by itself (not on the PBX, no end within its bound, the PBX
   * said it failed): the flow goes on as after its end, and the timeline says so.
   * `media` is already fit for the timeline (spoken digits masked).
   */
  | { type: 'prompt_failed'; promptId: string; reason: 'missing' | 'timeout' | 'failed' | 'refused'; media: string[] }
  | { type: 'dtmf'; digit: string }
  | { type: 'timer'; timerId: string }
  | { type: 'http_result'; requestId: string; outcome: 'ok'; status: number; body: unknown }
  | { type: 'http_result'; requestId: string; outcome: 'error' | 'timeout'; detail: string }
  | { type: 'hangup' }
  /** Fed by the runner after the agent leg ends, when the queue node named a survey. */
  | { type: 'survey'; node: string }
  /** Fed by the runner once a request hand-over (fax) was accepted or refused. */
  | { type: 'handover_result'; node: string; ok: boolean; detail?: string };

export type IvrCommand =
  | { type: 'answer' }
  | { type: 'play'; promptId: string; media: Media[] }
  | { type: 'stop_prompt'; promptId: string }
  | { type: 'start_timer'; timerId: string; ms: number }
  | { type: 'cancel_timer'; timerId: string }
  | {
      type: 'http';
      requestId: string;
      method: 'GET' | 'POST';
      url: string;
      secretHeaders: Record<string, string>;
      body?: Record<string, string>;
      timeoutMs: number;
    }
  | { type: 'set_data'; values: Record<string, string> }
  | { type: 'step'; node: string; nodeType: NodeType; input?: string; outcome: string; media?: string[] }
  | { type: 'handover'; to: 'queue' | 'voicemail' | 'fax' | 'transfer'; node: string; params: Record<string, unknown> }
  | { type: 'survey_result'; rating: string | null }
  | { type: 'hangup' };

export interface StepResult {
  state: IvrState;
  commands: IvrCommand[];
}

/** The interpreter's signature: (flow, state, event, now) → (state, commands). */
export type Interpret = (flow: Flow, state: IvrState | undefined, event: IvrEvent, now: Date) => StepResult;

/** A problem found when a flow is saved: what is wrong and where (RFC 6901 pointer). */
export interface FlowProblem {
  pointer: string;
  message: string;
}
