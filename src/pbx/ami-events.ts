// The AMI events the service reads, and nothing else: Asterisk sends a session every
// event of its classes (a call's Newexten, VarSet, Newstate... by the dozen), each one a
// wake-up and a parse here for nothing. A consumer that starts reading another AMI event
// adds it here, or it will never arrive.
import type { AmiEventFilter } from '../ami/index.js';

/**
 * The login `Events:` classes. No dtmf: digits come over ARI, and AMI would copy card
 * numbers out of a payment IVR. No agent: nothing reads queue or agent events.
 */
export const AMI_EVENT_CLASSES = 'system,call,cdr,dialplan';

/** One include filter per event read (Asterisk 21+ advanced syntax; see docs/asterisk.md). */
export const AMI_EVENT_FILTERS: readonly AmiEventFilter[] = [
  // pbx/node.ts: the PBX announces a shutdown.
  { matchCriteria: 'name(Shutdown)' },
  // cdrs/asterisk-cdr.ts: Asterisk's own CDRs.
  { matchCriteria: 'name(Cdr)' },
  // acd/phones.ts: agents' phone calls ringing, answered, ended; fax/ami-watch.ts: Hangup.
  { matchCriteria: 'name(DialBegin)' },
  { matchCriteria: 'name(DialEnd)' },
  { matchCriteria: 'name(Hangup)' },
  // fax/ami-watch.ts: a fax send's outcome.
  { matchCriteria: 'name(OriginateResponse)' },
  { matchCriteria: 'name(SendFAX)' },
  // fax/ami-watch.ts reads FAXSTATUS, FAXERROR, FAXSTATUSSTRING, FAXPAGES: of the many
  // VarSet events of a call, only those.
  { matchCriteria: 'name(VarSet),header(Variable),method(starts_with)', filter: 'FAX' },
];
