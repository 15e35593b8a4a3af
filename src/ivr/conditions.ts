// Branch conditions: tests on variables, or on business hours at `now`.
import { isOpen } from './calendar.js';
import type { Condition, Flow } from './contract.js';
import { safePattern } from './safe-regex.js';

export function holds(c: Condition, flow: Flow, vars: Record<string, string>, now: Date): boolean {
  if (c.op === 'open' || c.op === 'closed') {
    const cal = flow.calendars?.[c.calendar];
    if (!cal) throw new Error(`calendar "${c.calendar}" is not defined`);
    return isOpen(cal, now) === (c.op === 'open');
  }
  const v = vars[(c as { var: string }).var];
  switch (c.op) {
    case 'exists':
      return v !== undefined && v !== '';
    case 'missing':
      return v === undefined || v === '';
    case 'equals':
      return v === c.value;
    case 'not_equals':
      return v !== c.value;
    case 'in':
      return v !== undefined && c.values.includes(v);
    case 'not_in':
      return v === undefined || !c.values.includes(v);
    case 'matches':
      return v !== undefined && safePattern(c.regex).test(v);
    case 'lt':
    case 'lte':
    case 'gt':
    case 'gte': {
      // a missing or non-numeric value never compares
      if (v === undefined || v.trim() === '') return false;
      const n = Number(v);
      if (!Number.isFinite(n)) return false;
      if (c.op === 'lt') return n < c.value;
      if (c.op === 'lte') return n <= c.value;
      if (c.op === 'gt') return n > c.value;
      return n >= c.value;
    }
  }
  return false;
}
