// Where cti-bridge may place a call for the API (click-to-dial, transfers to outside
// numbers, fax sends). Patterns use the dialplan's notation so a PBX admin reads them
// as they read extensions.conf: `_` starts a pattern; X is 0-9, Z 1-9, N 2-9, [1-5] a
// range, `.` one or more of anything, `!` zero or more; anything else is literal.
// Deny patterns win over allow patterns, so "international and premium are refused" holds
// even when a broad national pattern is allowed.

export interface DialPolicy {
  allow: readonly string[];
  deny: readonly string[];
}

/** National numbers and 3-5 digit extensions; international (00, +) and premium (0900, 0190) refused. */
export const DEFAULT_DIAL_POLICY: DialPolicy = {
  allow: ['_XXX', '_XXXX', '_XXXXX', '_0ZXXXX.'],
  deny: ['_00.', '_+.', '_0900.', '_0190.', '_0137.'],
};

export type DialCheck = { ok: true; number: string } | { ok: false; reason: string };

/** A destination as accepted from the API: digits with an optional leading +, nothing else. */
const DESTINATION = /^\+?[0-9]{1,20}$/;

export function checkDestination(raw: string, policy: DialPolicy): DialCheck {
  // Separators people type are dropped; everything else that is not a digit is refused,
  // so nothing but a number can reach a dial string.
  const number = raw.replace(/[\s().-]/g, '');
  if (!DESTINATION.test(number)) return { ok: false, reason: `'${raw}' is not a phone number (digits, optionally a leading +)` };
  const denied = policy.deny.find((p) => matches(p, number));
  if (denied) return { ok: false, reason: `${number} matches the denied pattern ${denied}` };
  if (!policy.allow.some((p) => matches(p, number))) return { ok: false, reason: `${number} matches no allowed dial pattern` };
  return { ok: true, number };
}

const compiled = new Map<string, RegExp>();

/** True when the number matches the dialplan-style pattern (or equals a literal one). */
export function matches(pattern: string, number: string): boolean {
  let re = compiled.get(pattern);
  if (!re) {
    re = compilePattern(pattern);
    compiled.set(pattern, re);
  }
  return re.test(number);
}

/** Throws naming the pattern when it cannot be read (config and API validation use this). */
export function compilePattern(pattern: string): RegExp {
  if (!pattern.startsWith('_')) {
    if (!/^\+?[0-9*#]+$/.test(pattern)) throw new Error(`dial pattern '${pattern}' is neither a number nor a _pattern`);
    return new RegExp(`^${escape(pattern)}$`);
  }
  let out = '';
  const body = pattern.slice(1);
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c === 'X') out += '[0-9]';
    else if (c === 'Z') out += '[1-9]';
    else if (c === 'N') out += '[2-9]';
    else if (c === '.') out += '.+';
    else if (c === '!') out += '.*';
    else if (c === '[') {
      const end = body.indexOf(']', i);
      const set = end > i ? body.slice(i + 1, end) : '';
      if (!/^[0-9-]+$/.test(set)) throw new Error(`dial pattern '${pattern}' has a bad range at position ${i + 1}`);
      out += `[${set}]`;
      i = end;
    } else if (/[0-9*#+]/.test(c)) out += escape(c);
    else throw new Error(`dial pattern '${pattern}' has '${c}', which patterns do not know`);
  }
  return new RegExp(`^${out}$`);
}

function escape(s: string): string {
  return s.replace(/[*+#]/g, (c) => `\\${c}`);
}
