// Business hours on live calls. Each calendar is built around the moment the test runs,
// in a fixed-offset zone chosen so its local time is near midday (no interval crosses
// midnight): open since two minutes ago, opening in two minutes, closed two minutes ago,
// and open hours on a holiday. Two minutes of margin keep the outcome certain.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BusinessCalendar, Flow } from '../../src/ivr/contract.js';
import { placeCall, publishFlow, sound, startIvrWorld, stepsOf, waitEnded, type IvrWorld } from './ivr-fixture.js';

const MINUTE = 60_000;

/** A zone whose local hour is about 12 now; Etc/GMT-<k> is UTC+k (the sign is inverted). */
function middayZone(now: Date): { timeZone: string; offsetHours: number } {
  const k = 12 - now.getUTCHours();
  return { timeZone: k === 0 ? 'Etc/GMT' : `Etc/GMT${k > 0 ? '-' : '+'}${Math.abs(k)}`, offsetHours: k };
}

function local(now: Date, offsetHours: number, shiftMinutes: number) {
  const d = new Date(now.getTime() + offsetHours * 3_600_000 + shiftMinutes * MINUTE);
  const hhmm = `${String(d.getUTCHours()).padStart(2, '0')}:${String(d.getUTCMinutes()).padStart(2, '0')}`;
  return { hhmm, weekday: String(d.getUTCDay()) as '0', date: d.toISOString().slice(0, 10) };
}

function hoursFlow(id: string, calendar: BusinessCalendar): Omit<Flow, 'version'> {
  return {
    id,
    entry: 'hours',
    calendars: { office: calendar },
    nodes: {
      hours: { type: 'branch', cases: [{ when: [{ op: 'open', calendar: 'office' }], next: 'open' }], otherwise: 'closed' },
      open: { type: 'hangup', prompt: sound('open') },
      closed: { type: 'hangup', prompt: sound('closed') },
    },
  };
}

describe('IVR business hours around a boundary', () => {
  let w: IvrWorld;

  beforeAll(async () => {
    w = await startIvrWorld('ivr-hours');
    const now = new Date();
    const { timeZone, offsetHours } = middayZone(now);
    const at = (m: number) => local(now, offsetHours, m);
    const today = at(0);
    const calendar = (from: number, to: number, holidays: string[] = []): BusinessCalendar => ({
      timeZone,
      weekly: { [today.weekday]: [`${at(from).hhmm}-${at(to).hhmm}`] },
      holidays,
    });
    await publishFlow(w, hoursFlow('just-opened', calendar(-2, 60)), '400');
    await publishFlow(w, hoursFlow('opens-soon', calendar(2, 60)), '401');
    await publishFlow(w, hoursFlow('just-closed', calendar(-60, -2)), '402');
    await publishFlow(w, hoursFlow('holiday', calendar(-60, 60, [today.date])), '403');
  });

  afterAll(async () => {
    await w?.close();
  });

  const cases: Array<[string, string, 'open' | 'closed']> = [
    ['opened two minutes ago', '400', 'open'],
    ['opens in two minutes', '401', 'closed'],
    ['closed two minutes ago', '402', 'closed'],
    ['is within its hours but today is a holiday', '403', 'closed'],
  ];
  for (const [what, did, expected] of cases) {
    it(`routes a call to an office that ${what} as ${expected}`, async () => {
      const { channelId, callId } = await placeCall(w, did);
      await waitEnded(w, callId);
      const steps = await stepsOf(w, callId);
      // A call that took no step at all once failed here on a busy CI machine: its own
      // log lines say which way it went (no flow found, a failed start, a failed step).
      const story = w.logLines.filter((l) => l.includes(callId) || l.includes(channelId)).join('');
      expect(steps.map((s) => s.node), story).toEqual(['hours', expected]);
      expect(steps[0]!.outcome).toBe(expected === 'open' ? 'case 0' : 'otherwise');
      expect(w.heard.get(channelId)).toEqual([`sound:cti/${expected}`]);
    });
  }
});
