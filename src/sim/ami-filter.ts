// A manager session's event filters, read and applied the way Asterisk 22's manager.c
// does (manager_add_filter, filter_cmp_fn, should_send_event), so a client that narrows
// its events is tested against the same answers and the same deliveries.
//
// A filter is either legacy (`Filter: <regex>`, `!<regex>` excludes; matched against the
// whole event text) or advanced (`MatchCriteria: action(include|exclude),name(<Event>),
// header(<Header>),method(regex|exact|starts_with|ends_with|contains|none)` with the
// pattern in `Filter:`). Asterisk compiles regexes as POSIX extended; JavaScript's RegExp
// reads the plain patterns clients use the same way.

export type FilterMethod = 'regex' | 'exact' | 'starts_with' | 'ends_with' | 'contains' | 'none';

export interface EventFilter {
  exclude: boolean;
  method: FilterMethod;
  regex: RegExp | undefined;
  text: string;
  /** Only events of this name (compared exactly, as Asterisk compares name hashes). */
  eventName: string | undefined;
  /** Test the values of this header (`Name:` prefix of a line) instead of the whole text. */
  header: string | undefined;
}

export interface SessionFilters {
  include: EventFilter[];
  exclude: EventFilter[];
}

/** Asterisk's answers to a Filter action it cannot add. */
export const FILTER_FORMAT_ERROR = 'Filter was formatted incorrectly.  Check the syntax of the filter given.';
export const FILTER_COMPILE_ERROR = 'Filter did not compile.  Check the syntax of the filter given.';

const METHODS: readonly FilterMethod[] = ['regex', 'exact', 'starts_with', 'ends_with', 'contains', 'none'];

/** The value inside `word(...)` of one option token, trimmed; undefined without a '('. */
function optionValue(option: string): string | undefined {
  const open = option.indexOf('(');
  return open < 0 ? undefined : option.slice(open + 1).trim();
}

/**
 * One filter as manager_add_filter reads it, or the error message Asterisk answers with.
 * `criteria` is a manager.conf key (`eventfilter`, `eventfilter(name(Hangup))`); the
 * Filter action builds it from its MatchCriteria (see criteriaOfAction).
 */
export function parseFilter(criteria: string, pattern: string): EventFilter | string {
  const f: EventFilter = { exclude: false, method: 'regex', regex: undefined, text: '', eventName: undefined, header: undefined };
  let p = pattern;
  if (p.startsWith('!')) {
    f.exclude = true;
    p = p.slice(1);
  }
  const open = criteria.indexOf('(');
  if (open < 0) {
    if (p === '') return FILTER_FORMAT_ERROR; // a legacy filter needs a pattern
  } else {
    f.method = 'none';
    const options = criteria.slice(open + 1).trim();
    if (options === '' || !options.endsWith(')')) return FILTER_FORMAT_ERROR;
    let found = 0;
    // Asterisk tokenises on space, comma and ')' (strtok_r), so `name(A)` reads as `name(A`.
    for (const option of options.split(/[ ,)]+/).filter((o) => o !== '')) {
      const value = optionValue(option);
      if (option.startsWith('action')) {
        if (value === 'include') f.exclude = false;
        else if (value === 'exclude') f.exclude = true;
        else return FILTER_FORMAT_ERROR;
      } else if (option.startsWith('name')) {
        if (!value) return FILTER_FORMAT_ERROR;
        f.eventName = value;
      } else if (option.startsWith('header')) {
        if (!value) return FILTER_FORMAT_ERROR;
        f.header = value.endsWith(':') ? value : `${value}:`;
      } else if (option.startsWith('method')) {
        if (!value || !(METHODS as readonly string[]).includes(value)) return FILTER_FORMAT_ERROR;
        f.method = value as FilterMethod;
      } else {
        return FILTER_FORMAT_ERROR;
      }
      found++;
    }
    if (found === 0) return FILTER_FORMAT_ERROR;
    if (p === '' && f.method !== 'none') return FILTER_FORMAT_ERROR;
    if (p !== '' && f.method === 'none') return FILTER_FORMAT_ERROR;
    if (f.eventName === undefined && f.header === undefined && f.method === 'none') return FILTER_FORMAT_ERROR;
  }
  if (p !== '') {
    if (f.method === 'regex') {
      try {
        f.regex = new RegExp(p);
      } catch {
        return FILTER_COMPILE_ERROR;
      }
    } else {
      f.text = p;
    }
  }
  return f;
}

/** action_filter: `eventfilter(<MatchCriteria>)`, or plain `eventfilter` without one. */
export function criteriaOfAction(matchCriteria: string): string {
  return matchCriteria === '' ? 'eventfilter' : `eventfilter(${matchCriteria})`;
}

/** The filters a session starts with: the user's manager.conf `eventfilter` lines. */
export function userFilters(lines: ReadonlyArray<readonly [criteria: string, pattern: string]>): SessionFilters {
  const out: SessionFilters = { include: [], exclude: [] };
  for (const [criteria, pattern] of lines) {
    const f = parseFilter(criteria, pattern);
    // Asterisk logs a bad line and loads the user without it.
    if (typeof f !== 'string') (f.exclude ? out.exclude : out.include).push(f);
  }
  return out;
}

function matchValue(f: EventFilter, value: string): boolean {
  switch (f.method) {
    case 'regex':
      return (f.regex as RegExp).test(value);
    case 'starts_with':
      return value.startsWith(f.text);
    case 'ends_with':
      return value.endsWith(f.text);
    case 'contains':
      return value.includes(f.text);
    case 'exact':
      return value === f.text;
    case 'none':
      return true;
  }
}

/** filter_cmp_fn: does this one filter match the event (its name and wire text)? */
function matches(f: EventFilter, eventName: string, text: string): boolean {
  if (f.eventName !== undefined && f.eventName !== eventName) return false;
  if (f.header === undefined) return matchValue(f, text);
  const header = f.header;
  for (const rawLine of text.split('\n')) {
    const line = rawLine.endsWith('\r') ? rawLine.slice(0, -1) : rawLine;
    if (!line.startsWith(header)) continue;
    const value = line.slice(header.length).replace(/^[ \t]+/, '');
    // A header with an empty value is skipped, not matched.
    if (value !== '' && matchValue(f, value)) return true;
  }
  return false;
}

/**
 * should_send_event: no filters pass everything; include filters alone let through what
 * any of them matches; exclude filters alone stop what any matches; with both, an event
 * must match an include filter and no exclude filter.
 */
export function shouldSend(filters: SessionFilters, eventName: string, text: string): boolean {
  const { include, exclude } = filters;
  if (include.length === 0 && exclude.length === 0) return true;
  if (include.length > 0 && !include.some((f) => matches(f, eventName, text))) return false;
  return !exclude.some((f) => matches(f, eventName, text));
}
