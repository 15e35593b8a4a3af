// HTTP byte ranges (RFC 9110 14.1) for audio downloads: one range, the forms players send.

export type RangeResult = { start: number; end: number } | 'unsatisfiable' | undefined;

/**
 * `bytes=0-99`, `bytes=100-`, `bytes=-500` against a body of `size` bytes. Undefined (serve
 * everything) for a header that is absent, malformed or asks for several ranges; end is
 * inclusive and clamped to the body.
 */
export function parseRange(header: string | undefined, size: number): RangeResult {
  if (!header) return undefined;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return undefined;
  if (m[1] === '') {
    const suffix = Number(m[2]);
    if (suffix === 0) return 'unsatisfiable';
    return size === 0 ? 'unsatisfiable' : { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(m[1]);
  const end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  if (m[2] !== '' && Number(m[2]) < start) return undefined;
  if (start >= size) return 'unsatisfiable';
  return { start, end };
}
