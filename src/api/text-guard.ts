// Postgres refuses the NUL character in text and jsonb ("invalid byte sequence",
// "unsupported Unicode escape sequence"): a request carrying one would fail at the
// database as a 500 after part of its work. Checked once for every route, before
// validation, so the client hears a 400 naming the field whatever the route.

/** The JSON pointer (within the part) of the first string or key holding U+0000, if any. */
export function nulPointer(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'object' && isFlat(value)) return undefined;
  // Iterative: a deeply nested body must not overflow the stack.
  const stack: Array<[unknown, string]> = [[value, '']];
  while (stack.length) {
    const [v, path] = stack.pop()!;
    if (typeof v === 'string') {
      if (v.includes('\0')) return path;
    } else if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push([v[i], `${path}/${i}`]);
    } else if (v !== null && typeof v === 'object' && !Buffer.isBuffer(v) && !ArrayBuffer.isView(v)) {
      for (const [k, child] of Object.entries(v)) {
        const at = `${path}/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`;
        if (k.includes('\0')) return at;
        stack.push([child, at]);
      }
    }
  }
  return undefined;
}

/**
 * True when a plain object of strings (path parameters, most query strings) holds no NUL
 * in a key or value: checked without the walk's allocations, on every request.
 * False means "walk it", not "found one".
 */
function isFlat(value: object): boolean {
  if (Array.isArray(value) || Buffer.isBuffer(value) || ArrayBuffer.isView(value)) return false;
  for (const k in value) {
    if (!Object.prototype.hasOwnProperty.call(value, k)) continue;
    const v = (value as Record<string, unknown>)[k];
    if (typeof v !== 'string' || v.includes('\0') || k.includes('\0')) return false;
  }
  return true;
}
