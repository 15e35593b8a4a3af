// What the PBX reports about a caller (number, name, the number they dialled) is what the
// caller chose: a SIP trunk passes on whatever the far end wrote. Before it is stored,
// logged, matched or sent on, it loses the characters Postgres refuses (NUL) and every
// other control character (a log line or CSV cell split in two, a terminal escape), and is
// cut to a length no real number or name reaches. Pure.

/** C0 and C1 control characters, DEL included. */
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;

/** The longest caller or dialled number kept: also the longest the CDR filter takes. */
export const MAX_NUMBER_CHARS = 64;
export const MAX_NAME_CHARS = 128;

/** The text without control characters, cut to `max` characters; null when nothing is left or the PBX says `<unknown>`. */
export function callerText(raw: string | undefined | null, max: number): string | null {
  if (raw === undefined || raw === null) return null;
  const clean = Array.from(raw.replace(CONTROL, '').trim()).slice(0, max).join('').trim();
  return clean === '' || clean === '<unknown>' ? null : clean;
}
