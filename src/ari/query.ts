// Query strings the way Asterisk's HTTP server reads them: percent-encoding of every
// reserved character (spaces as %20, never `+`), list parameters joined with commas
// (`channel=a%2Cb`: Asterisk splits the decoded value on commas; a repeated key would
// keep only the last value), booleans as `true`/`false`.
import { AriArgumentError } from './errors.js';

export type QueryValue = string | number | boolean | readonly string[] | undefined | null;
export type QueryParams = Record<string, QueryValue>;

/** `?a=1&b=x%2Cy`, or '' when nothing is set. Keys keep their insertion order. */
export function encodeQuery(params: QueryParams | undefined): string {
  if (!params) return '';
  const parts: string[] = [];
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined || value === null) continue;
    parts.push(`${encodeURIComponent(key)}=${encodeURIComponent(queryText(key, value))}`);
  }
  return parts.length === 0 ? '' : `?${parts.join('&')}`;
}

function queryText(key: string, value: Exclude<QueryValue, undefined | null>): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new AriArgumentError(`query parameter ${key} must be a finite number`);
    return String(value);
  }
  return commaList(key, value);
}

/**
 * Join list values with commas. A value that itself holds a comma would be split by
 * Asterisk into two, so it is refused rather than silently changed.
 */
export function commaList(key: string, values: readonly string[]): string {
  for (const v of values) {
    if (v.includes(',')) throw new AriArgumentError(`${key}: value ${JSON.stringify(v)} contains a comma, which Asterisk treats as a separator`);
  }
  return values.join(',');
}

/** One path segment: ids and names are encoded so `/`, `?` or `#` cannot change the route. */
export function segment(value: string): string {
  if (typeof value !== 'string' || value === '') throw new AriArgumentError('an ARI id or name must be a non-empty string');
  return encodeURIComponent(value);
}
