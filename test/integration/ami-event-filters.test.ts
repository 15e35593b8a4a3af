// AMI event filters end to end over TCP: the simulated PBX applies the Filter action as
// Asterisk 22's manager.c does (which events reach the session, which answers come back),
// and our client narrows its session with them, or works unfiltered when they are refused.
import { afterEach, describe, expect, it } from 'vitest';
import { AmiClient, type AmiClientOptions } from '../../src/ami/client.js';
import { AmiActionError } from '../../src/ami/errors.js';
import type { AmiEvent } from '../../src/ami/message.js';
import { AMI_EVENT_CLASSES, AMI_EVENT_FILTERS } from '../../src/pbx/ami-events.js';
import { startAmiServer, type AmiServerHandle } from '../../src/sim/ami-server.js';
import { World } from '../../src/sim/world.js';
import { waitUntil } from '../helpers/wait.js';

let world: World | undefined;
let server: AmiServerHandle | undefined;
const clients: AmiClient[] = [];

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.stop()));
  await server?.close();
  world?.close();
});

async function pbx(writePermissions?: string): Promise<void> {
  world = new World({ speed: 50 });
  server = await startAmiServer(world, { username: 'cti', secret: 'cti-secret', ...(writePermissions ? { writePermissions } : {}) });
}

/** A logged-in client and every event it received from login on. */
async function connect(extra: Partial<AmiClientOptions> = {}): Promise<{ c: AmiClient; events: AmiEvent[] }> {
  const c = new AmiClient({ host: '127.0.0.1', port: server!.port, username: 'cti', secret: 'cti-secret', reconnect: { minMs: 20, maxMs: 50 }, pingIntervalMs: 0, ...extra });
  clients.push(c);
  const events: AmiEvent[] = [];
  c.on('event', (e) => events.push(e));
  const ready = new Promise<void>((resolve) => c.once('ready', () => resolve()));
  c.start();
  await ready;
  return { c, events };
}

/** A call that rings, sets two variables (one a fax verdict) and hangs up; returns its channel id. */
async function callWithVariables(): Promise<string> {
  const ch = world!.inboundCall({ from: '+15551230001', to: '100' });
  world!.setVar(ch.id, 'FAXSTATUS', 'SUCCESS');
  world!.setVar(ch.id, 'CUSTOMER', 'acme');
  world!.hangup(ch.id, { cause: 16 });
  return ch.id;
}

/** Events after login (FullyBooted and SuccessfulAuth come before any filter is added). */
function afterLogin(events: AmiEvent[]): AmiEvent[] {
  return events.filter((e) => e.event !== 'FullyBooted' && e.event !== 'SuccessfulAuth');
}

describe('AMI event filters', () => {
  it('with the service filters, a call brings only the events the service reads', async () => {
    await pbx();
    const { c, events } = await connect({ events: AMI_EVENT_CLASSES, eventFilters: AMI_EVENT_FILTERS });
    expect(c.filterState).toBe('applied');
    const id = await callWithVariables();
    await waitUntil(() => events.some((e) => e.event === 'Cdr' && e.get('UniqueID') === id), 'the Cdr');
    const names = afterLogin(events).map((e) => e.event);
    // The call rings an agent's phone (DialBegin) before it is hung up.
    expect(new Set(names)).toEqual(new Set(['DialBegin', 'VarSet', 'Hangup', 'Cdr']));
    expect(afterLogin(events).filter((e) => e.event === 'VarSet').map((e) => e.get('Variable'))).toEqual(['FAXSTATUS']);
  });

  it('without filters the same call brings every event of the classes', async () => {
    await pbx();
    const { c, events } = await connect({ events: AMI_EVENT_CLASSES });
    expect(c.filterState).toBe('none');
    const id = await callWithVariables();
    await waitUntil(() => events.some((e) => e.event === 'Cdr' && e.get('UniqueID') === id), 'the Cdr');
    const names = afterLogin(events).map((e) => e.event);
    expect(names).toContain('Newchannel');
    expect(names).toContain('Newexten');
    expect(afterLogin(events).filter((e) => e.event === 'VarSet').map((e) => e.get('Variable'))).toContain('CUSTOMER');
  });

  it('a legacy exclude filter (a regex on the whole event text) stops what it matches and nothing else', async () => {
    await pbx();
    const { c, events } = await connect({ events: 'call,dialplan', eventFilters: [{ filter: '!Variable: CUSTOMER' }] });
    expect(c.filterState).toBe('applied');
    const id = await callWithVariables();
    await waitUntil(() => events.some((e) => e.event === 'Hangup' && e.get('Uniqueid') === id), 'the Hangup');
    const vars = events.filter((e) => e.event === 'VarSet').map((e) => e.get('Variable'));
    expect(vars).toContain('FAXSTATUS');
    expect(vars).not.toContain('CUSTOMER');
    expect(events.some((e) => e.event === 'Newchannel')).toBe(true);
  });

  it('with include and exclude filters an event must match an include and no exclude', async () => {
    await pbx();
    const { events } = await connect({
      events: 'call,dialplan',
      eventFilters: [{ matchCriteria: 'name(VarSet)' }, { matchCriteria: 'action(exclude),header(Variable),method(exact)', filter: 'FAXSTATUS' }],
    });
    const id = await callWithVariables();
    world!.setVar(world!.inboundCall({ from: '+15551230002', to: '100' }).id, 'LAST', 'x');
    await waitUntil(() => events.some((e) => e.get('Variable') === 'LAST'), 'the last VarSet');
    const ours = new Set(['FAXSTATUS', 'CUSTOMER', 'LAST']);
    const seen = afterLogin(events).filter((e) => ours.has(e.get('Variable') ?? ''));
    expect(seen.map((e) => `${e.event} ${e.get('Variable')}`)).toEqual(['VarSet CUSTOMER', 'VarSet LAST']);
    expect(afterLogin(events).every((e) => e.event === 'VarSet')).toBe(true);
    expect(seen[0]?.get('Uniqueid')).toBe(id);
  });

  it('refuses at construction a filter that could not be written as one header', () => {
    expect(() => new AmiClient({ host: '127.0.0.1', port: 1, username: 'u', secret: 's', eventFilters: [{ matchCriteria: 'name(Hangup)\r\nAction: Logoff' }] })).toThrow(/CR, LF or NUL/);
  });

  it("answers Filter actions with Asterisk's texts", async () => {
    await pbx();
    const { c } = await connect({ events: 'off' });
    const ok = await c.action({ Action: 'Filter', Operation: 'Add', MatchCriteria: 'name(Hangup)' });
    expect(ok.response).toBe('Success');
    expect(ok.message).toBe('Success');
    const refusals: Array<[Record<string, string>, string]> = [
      [{ Operation: 'Remove', Filter: 'x' }, 'Unknown operation'],
      [{ Operation: 'Add' }, 'Filter was formatted incorrectly.  Check the syntax of the filter given.'],
      [{ Operation: 'Add', MatchCriteria: 'name(Hangup),method(bogus)' }, 'Filter was formatted incorrectly.  Check the syntax of the filter given.'],
      [{ Operation: 'Add', MatchCriteria: 'name(Hangup)', Filter: 'x' }, 'Filter was formatted incorrectly.  Check the syntax of the filter given.'],
      [{ Operation: 'Add', Filter: '(' }, 'Filter did not compile.  Check the syntax of the filter given.'],
    ];
    for (const [fields, message] of refusals) {
      const err = await c.action({ Action: 'Filter', ...fields }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(AmiActionError);
      expect((err as AmiActionError).amiMessage).toBe(message);
    }
  });

  it('a user without the system write privilege is refused Filter; the client then takes every event and misses none', async () => {
    await pbx('call,originate');
    const { c, events } = await connect({ events: AMI_EVENT_CLASSES, eventFilters: AMI_EVENT_FILTERS });
    expect(c.filterState).toBe('refused');
    const err = await c.action({ Action: 'Filter', Operation: 'Add', MatchCriteria: 'name(Hangup)' }).catch((e: unknown) => e);
    expect((err as AmiActionError).amiMessage).toBe('Permission denied');
    const id = await callWithVariables();
    await waitUntil(() => events.some((e) => e.event === 'Cdr' && e.get('UniqueID') === id), 'the Cdr');
    const names = afterLogin(events).map((e) => e.event);
    expect(names).toContain('Hangup');
    expect(names).toContain('Newchannel');
  });

  it('filters only partly accepted: the client reconnects and stays unfiltered, so nothing is missed', async () => {
    await pbx();
    const { c, events } = await connect({ events: 'call,dialplan', eventFilters: [{ matchCriteria: 'name(Hangup)' }, { matchCriteria: 'name(Cdr),method(bogus)' }] });
    expect(c.stats.reconnects).toBe(1);
    expect(c.filterState).toBe('none');
    await callWithVariables();
    await waitUntil(() => events.some((e) => e.event === 'Hangup'), 'the Hangup');
    expect(events.some((e) => e.event === 'Newchannel')).toBe(true);
  });
});
