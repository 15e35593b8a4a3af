// The simulator's SendFAX against the real captures 09, 10 and 11: the same Originate
// gives, per Local half, the same FAX* variable sequence, FAXStatus steps and final
// SendFAX/ReceiveFAX event, with the captured header order.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AmiParser } from '../../src/ami/codec.js';
import { AmiClient } from '../../src/ami/client.js';
import type { AmiMessage } from '../../src/ami/message.js';
import { startAmiServer, type AmiServerHandle } from '../../src/sim/ami-server.js';
import { World } from '../../src/sim/world.js';
import { waitFor } from '../helpers/wait.js';

const fixture = (name: string): Buffer => readFileSync(new URL(`../fixtures/asterisk/ami/${name}`, import.meta.url));

function parse(bytes: Buffer, greeting: boolean): AmiMessage[] {
  return new AmiParser({ expectGreeting: greeting }).push(bytes);
}

const FAX_EVENTS = new Set(['FAXStatus', 'SendFAX', 'ReceiveFAX']);
const FAX_VARS = /^(FAX|REMOTESTATIONID|LOCALSTATIONID)/;

/** What res_fax said on one half (`;1` sender, `;2` receiver), as comparable tokens. */
function faxTrace(messages: AmiMessage[], half: ';1' | ';2'): string[] {
  const out: string[] = [];
  for (const m of messages) {
    if (!m.get('Channel')?.endsWith(half)) continue;
    if (m.event === 'VarSet' && FAX_VARS.test(m.get('Variable') ?? '')) out.push(`${m.get('Variable')}=${m.get('Value')}`);
    else if (m.event === 'FAXStatus') out.push(`FAXStatus ${m.get('Operation')} ${m.get('Status')} ${m.get('LocalStationID')}`);
    else if (m.event === 'SendFAX' || m.event === 'ReceiveFAX') {
      out.push(`${m.event} pages=${m.get('PagesTransferred')} res=${m.get('Resolution')} rate=${m.get('TransferRate')} local=${m.get('LocalStationID')} remote=${m.get('RemoteStationID')}`);
    } else if (m.event === 'Newexten' && m.get('Application') === 'ReceiveFAX') out.push('ReceiveFAX app');
  }
  return out;
}

function shapes(messages: AmiMessage[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of messages) if (m.event && (FAX_EVENTS.has(m.event) || m.event === 'OriginateResponse')) out.set(m.event, m.keys().join('|'));
  return out;
}

let world: World;
let server: AmiServerHandle;
let client: AmiClient;
const events: AmiMessage[] = [];

beforeAll(async () => {
  world = new World({ speed: 200, globals: { FAXDIR: '/var/spool/asterisk/fax/received-lab' } });
  server = await startAmiServer(world, { username: 'cti', secret: 'cti-secret' });
  client = new AmiClient({ host: '127.0.0.1', port: server.port, username: 'cti', secret: 'cti-secret', pingIntervalMs: 0 });
  client.on('event', (e) => events.push(e));
  const ready = new Promise<void>((r) => client.once('ready', () => r()));
  client.start();
  await ready;
});

afterAll(async () => {
  await client.stop();
  await server.close();
  world.close();
});

describe('simulated SendFAX follows the captures', () => {
  it.each(['09-fax-success', '10-fax-failure-receiver-hangs-up', '11-fax-failure-mid-transfer'])('%s', async (name) => {
    const originate = parse(fixture(`${name}.sent.raw`), false).find((m) => m.get('Action') === 'Originate')!;
    const want = parse(fixture(`${name}.recv.raw`), true);
    const start = events.length;
    await client.action({
      Action: 'Originate',
      Channel: originate.get('Channel')!,
      Application: originate.get('Application')!,
      Data: originate.get('Data')!,
      CallerID: originate.get('CallerID')!,
      Variable: originate.getAll('Variable'),
      Async: 'true',
    });
    const sender = () => events.slice(start).find((e) => e.event === 'SendFAX');
    await waitFor('the sender to hang up', () => sender() !== undefined && events.slice(start).some((e) => e.event === 'Hangup' && e.get('Channel') === sender()!.get('Channel')));
    const got = events.slice(start);

    expect(faxTrace(want, ';1').length).toBeGreaterThan(20);
    expect(faxTrace(got, ';1')).toEqual(faxTrace(want, ';1'));
    expect(faxTrace(got, ';2')).toEqual(faxTrace(want, ';2'));
    const gotShapes = shapes(got);
    for (const [event, keys] of shapes(want)) {
      // The OriginateResponse our client sees has no ActionID of ours to compare by position.
      if (event === 'OriginateResponse') continue;
      expect(gotShapes.get(event), event).toBe(keys);
    }
    const response = got.find((e) => e.event === 'OriginateResponse')!;
    expect(response.get('Response')).toBe('Success');
    expect(response.get('Application')).toBe('SendFAX');
  });

  it('a busy fax line fails the originate with reason 5 and never starts SendFAX', async () => {
    world.setFaxReceiver('5550100', { behaviour: 'busy' });
    const start = events.length;
    await client.action({ Action: 'Originate', Channel: 'Local/5550100@fax-in/n', Application: 'SendFAX', Data: '/tmp/doc.tif', Async: 'true' });
    await waitFor('the OriginateResponse', () => events.slice(start).some((e) => e.event === 'OriginateResponse'));
    const response = events.slice(start).find((e) => e.event === 'OriginateResponse')!;
    expect(response.get('Response')).toBe('Failure');
    expect(response.get('Reason')).toBe('5');
    expect(events.slice(start).some((e) => e.event === 'FAXStatus')).toBe(false);
  });

  it('a scripted fax machine receives the number of pages it was given', async () => {
    world.setFaxReceiver('5550101', { behaviour: 'fax', pages: 3 });
    const start = events.length;
    await client.action({ Action: 'Originate', Channel: 'Local/5550101@fax-in/n', Application: 'SendFAX', Data: '/tmp/doc.tif', Async: 'true' });
    await waitFor('the SendFAX event', () => events.slice(start).some((e) => e.event === 'SendFAX'));
    const send = events.slice(start).find((e) => e.event === 'SendFAX')!;
    expect(send.get('PagesTransferred')).toBe('3');
    const last = (v: string) => events.slice(start).filter((e) => e.event === 'VarSet' && e.get('Variable') === v && e.get('Channel') === send.get('Channel')).at(-1)?.get('Value');
    expect(last('FAXSTATUS')).toBe('SUCCESS');
    expect(last('FAXPAGES')).toBe('3');
  });
});
