import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseAriFrame } from '../../src/ari/frames.js';
import { fixtureBytes, scenarioFrames } from '../integration/ari-fixtures.js';

describe('parseAriFrame', () => {
  it('accepts every captured message, whatever the key order', () => {
    const lines = scenarioFrames();
    const types = lines.map((line) => {
      const r = parseAriFrame(Buffer.from(line), false);
      expect(r.ok, line.slice(0, 80)).toBe(true);
      return r.ok ? r.event.type : '';
    });
    expect(types).toContain('StasisStart');
    // ChannelVarset begins with `variable`, not `type`.
    expect(lines.find((l) => l.startsWith('{"variable"'))).toBeDefined();
    expect(types.filter((t) => t === 'ChannelVarset').length).toBe(lines.filter((l) => l.includes('"type":"ChannelVarset"')).length);
    const replaced = parseAriFrame(fixtureBytes('events/application-replaced.ndjson').toString().trim(), false);
    expect(replaced.ok && replaced.event.type).toBe('ApplicationReplaced');
  });

  it('passes unknown event types through untouched', () => {
    const text = '{"type":"SomethingNew","timestamp":"2026-11-22T21:51:57.430+0000","x":{"y":1}}';
    const r = parseAriFrame(text, false);
    expect(r).toEqual({ ok: true, event: { type: 'SomethingNew', timestamp: '2026-11-22T21:51:57.430+0000', x: { y: 1 } }, text });
  });

  it('names why a frame is bad', () => {
    expect(parseAriFrame(Buffer.from([0x00, 0xff, 0x10]), true)).toMatchObject({ ok: false, reason: 'binary', preview: '<3 bytes>' });
    expect(parseAriFrame('', false)).toMatchObject({ ok: false, reason: 'empty' });
    expect(parseAriFrame('   \n', false)).toMatchObject({ ok: false, reason: 'empty' });
    expect(parseAriFrame('{"type":"StasisStart"', false)).toMatchObject({ ok: false, reason: 'not-json' });
    expect(parseAriFrame('hello', false)).toMatchObject({ ok: false, reason: 'not-json', preview: 'hello' });
    expect(parseAriFrame('[{"type":"StasisStart"}]', false)).toMatchObject({ ok: false, reason: 'not-object' });
    expect(parseAriFrame('null', false)).toMatchObject({ ok: false, reason: 'not-object' });
    expect(parseAriFrame('42', false)).toMatchObject({ ok: false, reason: 'not-object' });
    expect(parseAriFrame('"StasisStart"', false)).toMatchObject({ ok: false, reason: 'not-object' });
    expect(parseAriFrame('{"timestamp":"x"}', false)).toMatchObject({ ok: false, reason: 'no-type' });
    expect(parseAriFrame('{"type":""}', false)).toMatchObject({ ok: false, reason: 'no-type' });
    expect(parseAriFrame('{"type":7}', false)).toMatchObject({ ok: false, reason: 'no-type' });
    expect(parseAriFrame(Buffer.from([0xc3, 0x28, 0x7b]), false)).toMatchObject({ ok: false, reason: 'not-json' });
    expect(parseAriFrame({ not: 'a frame' }, false)).toMatchObject({ ok: false, reason: 'binary' });
  });

  it('reads fragmented messages (ws hands over a list of buffers)', () => {
    const r = parseAriFrame([Buffer.from('{"type":"Sta'), Buffer.from('sisEnd"}')], false);
    expect(r.ok && r.event.type).toBe('StasisEnd');
  });

  it('keeps log previews short', () => {
    const r = parseAriFrame(`not json ${'x'.repeat(10_000)}`, false);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.preview.length).toBeLessThan(250);
  });

  it('never throws, whatever arrives', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.json(), fc.uint8Array().map((a) => Buffer.from(a))), fc.boolean(), (data, binary) => {
        const r = parseAriFrame(data, binary);
        if (r.ok) expect(typeof r.event.type).toBe('string');
      }),
    );
  });
});
