// Typed failures of AMI actions, so callers can tell "Asterisk said no" from
// "the connection is gone" from "nobody answered in time".
import type { AmiResponse } from './message.js';

export class AmiError extends Error {
  override name = 'AmiError';
}

/** Asterisk answered `Response: Error`; `message` is its `Message:` text. */
export class AmiActionError extends AmiError {
  override name = 'AmiActionError';
  constructor(
    readonly action: string,
    readonly amiMessage: string,
    readonly response: AmiResponse,
  ) {
    super(`AMI ${action} failed: ${amiMessage}`);
  }
}

/** The connection dropped (or was never up) before the response arrived. */
export class AmiDisconnectedError extends AmiError {
  override name = 'AmiDisconnectedError';
  constructor(readonly action: string, reason: string) {
    super(`AMI ${action} not completed: ${reason}`);
  }
}

/** Actions are refused while not logged in instead of being queued and replayed late. */
export class AmiNotConnectedError extends AmiDisconnectedError {
  override name = 'AmiNotConnectedError';
  constructor(action: string, state: string) {
    super(action, `not logged in (state ${state})`);
  }
}

export class AmiTimeoutError extends AmiError {
  override name = 'AmiTimeoutError';
  constructor(readonly action: string, readonly timeoutMs: number) {
    super(`AMI ${action} got no response within ${timeoutMs} ms`);
  }
}

/** Login refused (wrong user or secret). The client keeps retrying with backoff. */
export class AmiAuthError extends AmiError {
  override name = 'AmiAuthError';
  constructor(readonly username: string, amiMessage: string) {
    super(`AMI login as ${JSON.stringify(username)} refused: ${amiMessage}`);
  }
}
