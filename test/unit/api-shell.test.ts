// Pure parts of the API shell: validation messages, event filters, cursors, readiness.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor } from '../../src/api/cursor.js';
import { parseEventFilter } from '../../src/api/event-filter.js';
import { readiness } from '../../src/api/health.js';
import { ProblemError } from '../../src/api/problem.js';
import { describeValidation, fieldName } from '../../src/api/validation.js';
import { EVENT_TYPES } from '../../src/events/catalogue.js';

describe('validation messages', () => {
  it('turns JSON pointers into field names', () => {
    expect(fieldName('')).toBe('');
    expect(fieldName('/caller/number')).toBe('caller.number');
    expect(fieldName('/legs/2/role')).toBe('legs[2].role');
    expect(fieldName('/a~1b')).toBe('a/b');
  });

  it('names the field and the fault for TypeBox and Ajv error shapes', () => {
    expect(describeValidation([{ keyword: 'additionalProperties', instancePath: '', params: { additionalProperties: ['colour'] } }], 'body')).toBe(
      "body has unknown field 'colour'",
    );
    expect(describeValidation([{ keyword: 'additionalProperties', instancePath: '/caller', params: { additionalProperty: 'x' } }], 'body')).toBe(
      "body has unknown field 'caller.x'",
    );
    expect(
      describeValidation([{ keyword: 'boolean', instancePath: '/colour', schemaPath: '#/additionalProperties', message: 'schema is false' }], 'querystring'),
    ).toBe("unknown query parameter 'colour'");
    expect(describeValidation([{ keyword: 'required', instancePath: '', params: { requiredProperties: ['url'] } }], 'body')).toBe(
      "body is missing required field 'url'",
    );
    expect(describeValidation([{ keyword: 'required', instancePath: '', params: { missingProperty: 'id' } }], 'params')).toBe(
      "path parameter 'id' is required",
    );
    expect(describeValidation([{ keyword: 'format', instancePath: '/id', params: { format: 'uuid' } }], 'params')).toBe(
      "path parameter 'id' must be a valid uuid",
    );
    expect(
      describeValidation(
        [
          { keyword: 'const', instancePath: '/direction', params: { allowedValue: 'inbound' } },
          { keyword: 'const', instancePath: '/direction', params: { allowedValue: 'outbound' } },
          { keyword: 'anyOf', instancePath: '/direction', params: {} },
        ],
        'querystring',
      ),
    ).toBe('query parameter \'direction\' must be one of "inbound", "outbound"');
    expect(describeValidation([{ keyword: 'maximum', instancePath: '/limit', message: 'must be <= 200' }], 'querystring')).toBe(
      "query parameter 'limit' must be <= 200",
    );
  });
});

describe('event filters', () => {
  it('expands families and keeps exact names', () => {
    const calls = EVENT_TYPES.filter((t) => t.startsWith('call.'));
    expect([...parseEventFilter('call.*')].sort()).toEqual([...calls].sort());
    expect([...parseEventFilter('cdr.created, fax.*')].sort()).toEqual(['cdr.created', 'fax.failed', 'fax.queued', 'fax.refused', 'fax.sent']);
    expect(parseEventFilter(undefined).size).toBe(EVENT_TYPES.length);
    expect(parseEventFilter('*').size).toBe(EVENT_TYPES.length);
  });

  it('names what it does not know', () => {
    expect(() => parseEventFilter('call.created,call.flying')).toThrow("unknown event type 'call.flying'");
    expect(() => parseEventFilter('ca.*')).toThrow("no event types match 'ca.*'");
    expect(() => parseEventFilter(',,')).toThrow('names no event type');
  });
});

describe('cursors', () => {
  it('round-trip any position', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 2n ** 62n }), fc.uuid(), (micros, id) => {
        expect(decodeCursor(encodeCursor({ micros: String(micros), id }))).toEqual({ micros: String(micros), id });
      }),
    );
  });

  it('refuse anything else with a 400', () => {
    fc.assert(
      fc.property(fc.string(), (s) => {
        try {
          decodeCursor(s);
        } catch (err) {
          expect(err).toBeInstanceOf(ProblemError);
          expect((err as ProblemError).status).toBe(400);
        }
      }),
    );
    expect(() => decodeCursor('bm90IGEgY3Vyc29y')).toThrow(/cursor/);
  });
});

describe('readiness', () => {
  it('is ready only when every required check passes', async () => {
    expect((await readiness({ a: async () => ({ ok: true }) })).ready).toBe(true);
    expect((await readiness({ a: async () => ({ ok: true }), b: async () => ({ ok: false, required: false }) })).ready).toBe(true);
    const r = await readiness({ a: async () => ({ ok: true }), b: async () => Promise.reject(new Error('down')) });
    expect(r).toEqual({ ready: false, checks: { a: { ok: true }, b: { ok: false, detail: 'down' } } });
  });
});
