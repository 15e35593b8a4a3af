// Events with real shapes for tests that write to the outbox directly: the least payload
// its published schema accepts (built from the schema, so it follows it), with the fields a
// test cares about laid over it. The schema check runs in every test (vitest.config.ts).
import { randomUUID } from 'node:crypto';
import type { EventType } from '../../src/events/catalogue.js';
import { EVENT_PAYLOADS } from '../../src/events/payload-schemas.js';

type Schema = Record<string, unknown>;

/** A payload of `type` that matches its schema, with `over` laid on top. */
export function eventData(type: EventType, over: Record<string, unknown> = {}): Record<string, unknown> {
  return { ...(least(EVENT_PAYLOADS[type] as unknown as Schema) as Record<string, unknown>), ...over };
}

function least(s: Schema): unknown {
  if ('const' in s) return s.const;
  if (Array.isArray(s.enum)) return s.enum[0];
  for (const k of ['anyOf', 'oneOf'] as const) {
    const options = s[k] as Schema[] | undefined;
    // Prefer a real value to null: a payload that says something is a better example.
    if (options) return least(options.find((o) => o.type !== 'null') ?? options[0]!);
  }
  if (Array.isArray(s.allOf)) return Object.assign({}, ...(s.allOf as Schema[]).map((p) => least(p)));
  switch (s.type) {
    case 'object': {
      const props = (s.properties ?? {}) as Record<string, Schema>;
      const required = (s.required ?? []) as string[];
      return Object.fromEntries(required.map((k) => [k, least(props[k] ?? {})]));
    }
    case 'array':
      return Array.from({ length: Number(s.minItems ?? 0) }, () => least((s.items ?? {}) as Schema));
    case 'string':
      return stringFor(s);
    case 'integer':
    case 'number':
      return Number(s.minimum ?? (typeof s.exclusiveMinimum === 'number' ? s.exclusiveMinimum + 1 : 0));
    case 'boolean':
      return false;
    case 'null':
      return null;
    default:
      return null;
  }
}

function stringFor(s: Schema): string {
  if (s.format === 'uuid') return randomUUID();
  if (s.format === 'date-time') return new Date().toISOString();
  if (s.format === 'date') return new Date().toISOString().slice(0, 10);
  const plain = 'x'.repeat(Number(s.minLength ?? 0));
  if (typeof s.pattern !== 'string') return plain;
  const pattern = new RegExp(s.pattern);
  const fit = [plain, '0301234567', 'x', 'A1', 'a-1'].find((c) => pattern.test(c));
  if (fit === undefined) throw new Error(`no example string for pattern ${s.pattern}`);
  return fit;
}
