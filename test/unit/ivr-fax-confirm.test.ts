// A keyed fax number read back before anything is sent: 1 sends, 2 re-enters, wrong keys
// and silences ask again, and the caller is asked a bounded number of times in all; the
// flow schema refuses a confirm that points nowhere or asks without end.
import { describe, expect, it } from 'vitest';
import type { Flow } from '../../src/ivr/contract.js';
import { interpret } from '../../src/ivr/interpreter.js';
import { simulate } from '../../src/ivr/simulate.js';
import { validateFlow } from '../../src/ivr/validate.js';

const NOW = new Date('2026-11-23T10:00:00Z');

const faxBack = (confirm: Record<string, unknown> = {}): Flow => ({
  id: 'fax-back',
  version: 1,
  entry: 'doc',
  nodes: {
    doc: { type: 'collect', prompt: { media: ['sound:enter-document'] }, variable: 'doc', minDigits: 3, maxDigits: 3, next: 'number' },
    number: { type: 'collect', prompt: { media: ['sound:enter-fax-number'] }, variable: 'faxTo', minDigits: 6, maxDigits: 15, next: 'send' },
    send: {
      type: 'fax',
      documentVar: 'doc',
      destinationVar: 'faxTo',
      next: 'bye',
      confirm: { prompt: { media: ['sound:fax-number-is'] }, question: { media: ['sound:press-1-or-2'] }, reenter: 'number', fallback: 'sorry', ...confirm },
    },
    sorry: { type: 'hangup', prompt: { media: ['sound:not-sent'] } },
    bye: { type: 'hangup', prompt: { media: ['sound:goodbye'] } },
  },
});

const run = (flow: Flow, script: Array<{ dtmf: string } | { wait: number }>) => simulate(flow, interpret, { vars: { caller: '+4930111' }, now: NOW, script });
const faxOutcomes = (r: ReturnType<typeof run>) => r.path.filter((s) => s.node === 'send').map((s) => s.outcome);
const media = (r: ReturnType<typeof run>) => r.prompts.flatMap((p) => p.media);

describe('fax node with confirm', () => {
  it('reads the keyed number back digit by digit and sends it on 1', () => {
    const r = run(faxBack(), [{ dtmf: '100' }, { dtmf: '0301234567#' }, { dtmf: '1' }]);
    expect(media(r)).toEqual(['sound:enter-document', 'sound:enter-fax-number', 'sound:fax-number-is', 'digits:0301234567', 'sound:press-1-or-2', 'sound:goodbye']);
    expect(faxOutcomes(r)).toEqual(['confirmed', 'requested']);
    expect(r.path.find((s) => s.outcome === 'confirmed')).toMatchObject({ input: '0301234567' });
    expect(r.ended).toBe('hangup');
  });

  it('on 2 asks for the number again and reads the new one back', () => {
    const r = run(faxBack(), [{ dtmf: '100' }, { dtmf: '0301234567#' }, { dtmf: '2' }, { dtmf: '0307654321#' }, { dtmf: '1' }]);
    expect(media(r).filter((m) => m.startsWith('digits:'))).toEqual(['digits:0301234567', 'digits:0307654321']);
    expect(faxOutcomes(r)).toEqual(['reenter', 'confirmed', 'requested']);
    expect(r.variables.faxTo).toBe('0307654321');
  });

  it('asks again after a wrong key or silence, and gives up after the tries, re-entries counted', () => {
    const wrong = run(faxBack({ tries: 2 }), [{ dtmf: '100' }, { dtmf: '0301234567#' }, { dtmf: '7' }, { wait: 6000 }]);
    expect(faxOutcomes(wrong)).toEqual(['invalid confirmation 7', 'no confirmation', 'not confirmed, tries exhausted']);
    expect(media(wrong).at(-1)).toBe('sound:not-sent');
    expect(wrong.path.some((s) => s.outcome === 'requested')).toBe(false);

    // Three read-backs at most, however the caller spends them: here by re-entering twice.
    const keyed = run(faxBack(), [{ dtmf: '100' }, { dtmf: '0301111111#' }, { dtmf: '2' }, { dtmf: '0302222222#' }, { dtmf: '2' }, { dtmf: '0303333333#' }, { dtmf: '2' }]);
    expect(media(keyed).filter((m) => m.startsWith('digits:'))).toHaveLength(3);
    expect(faxOutcomes(keyed)).toEqual(['reenter', 'reenter', 'reenter', 'not confirmed, tries exhausted']);
    expect(media(keyed).at(-1)).toBe('sound:not-sent');
  });

  it('is validated by the flow schema', () => {
    const ok = faxBack();
    expect(validateFlow(ok, { availableCapabilities: ['fax'] })).toEqual([]);
    const nowhere = faxBack({ reenter: 'missing' });
    expect(validateFlow(nowhere, { availableCapabilities: ['fax'] }).map((p) => p.pointer)).toContain('/nodes/send/confirm/reenter');
    const endless = faxBack({ tries: 50 });
    expect(validateFlow(endless, { availableCapabilities: ['fax'] }).map((p) => p.pointer)).toContain('/nodes/send/confirm/tries');
    const unknown = faxBack({ digits: 'digits:999' });
    expect(validateFlow(unknown, { availableCapabilities: ['fax'] }).length).toBeGreaterThan(0);
    const url = faxBack({ prompt: { media: ['sound:http://evil.example/x'] } });
    expect(validateFlow(url, { availableCapabilities: ['fax'] }).map((p) => p.pointer).join()).toMatch(/confirm\/prompt/);
  });
});
