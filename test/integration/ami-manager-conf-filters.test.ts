// The shipped manager.conf narrows the cti user's sessions to the events the service
// reads, without the write=system privilege the Filter action needs. Its eventfilter
// lines must match the service's list: an event missing there never reaches the service.
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { AmiClient } from '../../src/ami/client.js';
import type { AmiEvent } from '../../src/ami/message.js';
import { AMI_EVENT_CLASSES, AMI_EVENT_FILTERS } from '../../src/pbx/ami-events.js';
import { startAmiServer, type AmiServerHandle } from '../../src/sim/ami-server.js';
import { World } from '../../src/sim/world.js';
import { waitUntil } from '../helpers/wait.js';

/** The [cti] section's lines of deploy/asterisk/manager.conf as [key, value], comments dropped. */
function ctiUser(): Array<[string, string]> {
  const text = readFileSync(new URL('../../deploy/asterisk/manager.conf', import.meta.url), 'utf8');
  const out: Array<[string, string]> = [];
  let inCti = false;
  for (const raw of text.split('\n')) {
    const line = raw.replace(/;.*$/, '').trim();
    if (line.startsWith('[')) inCti = line === '[cti]';
    else if (inCti && line !== '') {
      const eq = line.indexOf('=');
      out.push([line.slice(0, eq).trim(), line.slice(eq + 1).trim()]);
    }
  }
  return out;
}

let world: World | undefined;
let server: AmiServerHandle | undefined;
let client: AmiClient | undefined;

afterEach(async () => {
  await client?.stop();
  await server?.close();
  world?.close();
});

describe('manager.conf event filters', () => {
  it("are the service's filters, one line each", () => {
    const lines = ctiUser().filter(([k]) => k.startsWith('eventfilter'));
    const wanted = AMI_EVENT_FILTERS.map((f) => [f.matchCriteria === undefined ? 'eventfilter' : `eventfilter(${f.matchCriteria})`, f.filter ?? '']);
    expect(lines).toEqual(wanted);
  });

  it('give the shipped user only those events although its Filter actions are refused', async () => {
    const user = ctiUser();
    world = new World({ speed: 50 });
    server = await startAmiServer(world, {
      username: 'cti',
      secret: 'cti-secret',
      writePermissions: user.find(([k]) => k === 'write')![1],
      eventFilters: user.filter(([k]) => k.startsWith('eventfilter')),
    });
    client = new AmiClient({ host: '127.0.0.1', port: server.port, username: 'cti', secret: 'cti-secret', pingIntervalMs: 0, events: AMI_EVENT_CLASSES, eventFilters: AMI_EVENT_FILTERS });
    const events: AmiEvent[] = [];
    client.on('event', (e) => events.push(e));
    const ready = new Promise<void>((resolve) => client!.once('ready', () => resolve()));
    client.start();
    await ready;
    expect(client.filterState).toBe('refused');
    const ch = world.inboundCall({ from: '+15551230003', to: '100' });
    world.setVar(ch.id, 'FAXPAGES', '3');
    world.setVar(ch.id, 'CUSTOMER', 'acme');
    world.hangup(ch.id, { cause: 16 });
    await waitUntil(() => events.some((e) => e.event === 'Cdr' && e.get('UniqueID') === ch.id), 'the Cdr');
    const names = new Set(events.map((e) => e.event));
    expect(names).toEqual(new Set(['FullyBooted', 'DialBegin', 'VarSet', 'Hangup', 'Cdr']));
    expect(events.filter((e) => e.event === 'VarSet').map((e) => e.get('Variable'))).toEqual(['FAXPAGES']);
  });
});
