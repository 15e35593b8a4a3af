// CSV for spreadsheets (RFC 4180). Cells that a spreadsheet would run as a formula are
// prefixed with a quote (a phone number such as +4930… is not): report values can contain caller-provided text.
export function toCsv(columns: string[], rows: Array<Record<string, unknown>>): string {
  const lines = [columns.map(cell).join(',')];
  for (const r of rows) lines.push(columns.map((c) => cell(pick(r, c))).join(','));
  return lines.join('\r\n') + '\r\n';
}

/** `a.b` reads a nested field. */
function pick(row: Record<string, unknown>, path: string): unknown {
  let v: unknown = row;
  for (const part of path.split('.')) v = v && typeof v === 'object' ? (v as Record<string, unknown>)[part] : undefined;
  return v;
}

function cell(v: unknown): string {
  if (v === null || v === undefined) return '';
  let s = typeof v === 'object' ? JSON.stringify(v) : String(v);
  // A phone number (+4930…) or a negative number stays as it is.
  if (typeof v !== 'number' && /^(?:[=@\t\r]|[+-](?![0-9]+$))/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}
