// What comes back for the actions in flight on a connection: responses matched to their
// action by ActionID, and the items of event lists collected until their closing event.
// Pure bookkeeping on the connection; nothing here reads or writes the socket.
import { sameKey, settle, type Connection } from './connection.js';
import { AmiActionError } from './errors.js';
import { AmiResponse, type AmiEvent, type AmiMessage } from './message.js';

/** Settles the action a response answers; false when no action in flight has its ActionID. */
export function settleResponse(conn: Connection, msg: AmiMessage): boolean {
  const id = msg.actionId;
  const p = id === undefined ? undefined : conn.pending.get(id);
  if (!p || id === undefined) return false;
  const response = new AmiResponse(msg.fields);
  const kind = response.response ?? '';
  if (sameKey(kind, 'Error')) {
    settle(conn, id, p);
    p.reject(new AmiActionError(p.name, response.message ?? 'Error', response));
    return true;
  }
  const eventList = response.get('EventList');
  if (eventList !== undefined && sameKey(eventList, 'start')) {
    // The answer is complete only with the list's last event (collectListItem).
    p.list = response;
    conn.openLists++;
    return true;
  }
  settle(conn, id, p);
  p.resolve(response);
  return true;
}

/**
 * Takes an event that belongs to a list being collected (true), settling the action on
 * the list's `Complete` or `Cancelled` marker; false for an unsolicited event.
 */
export function collectListItem(conn: Connection, event: AmiEvent): boolean {
  // While no list is open, events skip the ActionID lookup altogether.
  const id = conn.openLists > 0 ? event.actionId : undefined;
  if (id === undefined) return false;
  const p = conn.pending.get(id);
  if (!p?.list) return false;
  const marker = event.get('EventList');
  if (marker !== undefined && (sameKey(marker, 'Complete') || sameKey(marker, 'Cancelled'))) {
    p.list.complete = event;
    settle(conn, id, p);
    p.resolve(p.list);
  } else {
    p.list.events.push(event);
  }
  return true;
}
