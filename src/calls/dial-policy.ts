// Where cti-bridge may place a call: every number any feature dials (click-to-dial,
// transfers to numbers, the IVR transfer node, faxes from the API and fax-on-demand,
// campaign contacts at import and at dial, greetings recorded by phone) goes through
// checkDestination with the key's own policy or the configured one. Patterns use the
// dialplan's notation so a PBX admin reads them as they read extensions.conf: `_` starts a
// pattern; X is 0-9, Z 1-9, N 2-9, [1-5] a range, `.` one or more of anything, `!` zero or
// more; anything else is literal. Deny patterns win over allow patterns, so "international
// and premium are refused" holds even when a broad national pattern is allowed.

import { ProblemError } from '../api/problem.js';

export interface DialPolicy {
  allow: readonly string[];
  deny: readonly string[];
}

/**
 * Emergency numbers are never dialled by the service, whatever a policy says: a machine
 * that calls 112 or 911 ties up a line meant for people in danger, and a person who needs
 * it dials it from their own phone.
 */
export const EMERGENCY_NUMBERS: readonly string[] = ['000', '110', '111', '112', '119', '911', '999', '15', '17', '18', '190', '193'];

/** The refused ranges of the default policy, by why they are refused (README and docs/security.md list them). */
export const DEFAULT_DENY = {
  /** Other emergency, police, crisis and N11 service codes in use somewhere. */
  shortCodes: ['_11X', '_N11', '_10[0-8]', '_933', '_988'],
  /** Directory enquiries (118xx) and harmonised service numbers (116xxx). */
  directory: ['_118.', '_116.'],
  /** International: 00 and + everywhere, 011 from North America. */
  international: ['_00.', '_+.', '_011.'],
  /** Premium, shared-cost, personal and carrier-selection ranges (German plan, 1-900/976). */
  premium: ['_010.', '_012.', '_013.', '_018.', '_019.', '_070.', '_0900.', '_1900.', '_1976.'],
} as const;

/** National numbers (0 + area code) and 3-5 digit extensions; everything in DEFAULT_DENY refused. */
export const DEFAULT_DIAL_POLICY: DialPolicy = {
  allow: ['_XXX', '_XXXX', '_XXXXX', '_0ZXXXX.'],
  deny: Object.values(DEFAULT_DENY).flat(),
};

export type DialCheck = { ok: true; number: string } | { ok: false; reason: string; rule: DialRule };

/** Which rule refused a number: problem details and fraud signals name it. */
export type DialRule = 'not_a_number' | 'emergency' | 'denied' | 'not_allowed';

/** A destination as accepted from the API: digits with an optional leading +, nothing else. */
const DESTINATION = /^\+?[0-9]{1,20}$/;

export function checkDestination(raw: string, policy: DialPolicy): DialCheck {
  // Separators people type are dropped; everything else that is not a digit is refused,
  // so nothing but a number can reach a dial string.
  const number = raw.replace(/[\s().-]/g, '');
  if (!DESTINATION.test(number)) return { ok: false, rule: 'not_a_number', reason: `'${raw}' is not a phone number (digits, optionally a leading +)` };
  // "+112" is no E.164 number, but a carrier may still route it to the emergency service.
  if (EMERGENCY_NUMBERS.includes(number.replace(/^\+/, ''))) return { ok: false, rule: 'emergency', reason: `${number} is an emergency number, which the service never dials` };
  const denied = policy.deny.find((p) => matches(p, number));
  if (denied) return { ok: false, rule: 'denied', reason: `${number} matches the denied pattern ${denied}` };
  if (!policy.allow.some((p) => matches(p, number))) return { ok: false, rule: 'not_allowed', reason: `${number} matches no allowed dial pattern` };
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

/** A refused destination as the API answers it: 422 naming the number's rule and reason. */
export function dialRefused(check: Extract<DialCheck, { ok: false }>, what = 'destination'): ProblemError {
  return new ProblemError(422, `${what} refused: ${check.reason}`, { rule: check.rule });
}
