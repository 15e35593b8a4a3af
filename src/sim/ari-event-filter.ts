// A Stasis app's event type filter, as Asterisk keeps it (res/stasis/app.c,
// `stasis_app_event_filter_set` and `stasis_app_event_allowed`): two lists of
// `{type: ...}` objects, stored as given (extra keys included) and answered back in the
// Application object as `events_allowed` / `events_disallowed`.
//
// Setting (the whole JSON body is the filter):
//   no body, or `{}`     both lists emptied
//   an object            `disallowed` then `allowed`, each only when its key is there; a
//                        value that is not an array, or an entry without a non-empty string
//                        `type`, is a 400, and `disallowed` stays set when only `allowed` was bad
//   an array             taken as both lists (Asterisk's code does so)
//   anything else        400
// Sending: a type in `disallowed` is never sent; a non-empty `allowed` sends only its types;
// disallowed wins. The filter applies to every event the app's socket gets, ApplicationReplaced
// included; Asterisk's ApplicationRegistered/Unregistered bypass it (not simulated).

export interface AppEventFilter {
  allowed: unknown[];
  disallowed: unknown[];
}

export const NO_FILTER: Readonly<AppEventFilter> = Object.freeze({ allowed: [], disallowed: [] });

/** The new filter, or Asterisk's 400 (`partial`: what is set after it, `disallowed` may have changed). */
export function setEventFilter(current: AppEventFilter, body: unknown): { ok: true; filter: AppEventFilter } | { ok: false; partial: AppEventFilter } {
  if (body === undefined) return { ok: true, filter: { allowed: [], disallowed: [] } };
  if (isObject(body)) {
    if (Object.keys(body).length === 0) return { ok: true, filter: { allowed: [], disallowed: [] } };
    let next: AppEventFilter = { ...current };
    for (const key of ['disallowed', 'allowed'] as const) {
      if (!(key in body)) continue;
      const list = body[key];
      if (!validList(list)) return { ok: false, partial: next };
      next = { ...next, [key]: list };
    }
    return { ok: true, filter: next };
  }
  if (validList(body)) return { ok: true, filter: { allowed: body, disallowed: body } };
  return { ok: false, partial: current };
}

/** Whether an event of `type` reaches an app with this filter. */
export function eventAllowed(filter: AppEventFilter, type: string): boolean {
  if (filter.disallowed.some((e) => typeOf(e) === type)) return false;
  return filter.allowed.length === 0 || filter.allowed.some((e) => typeOf(e) === type);
}

function validList(v: unknown): v is unknown[] {
  return Array.isArray(v) && v.every((e) => {
    const t = typeOf(e);
    return t !== undefined && t !== '';
  });
}

function typeOf(e: unknown): string | undefined {
  return isObject(e) && typeof e['type'] === 'string' ? e['type'] : undefined;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
