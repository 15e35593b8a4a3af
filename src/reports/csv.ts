// CSV for spreadsheets (RFC 4180). Cells that a spreadsheet would run as a formula are
// prefixed with a quote (a phone number such as +4930… is not): report values can contain caller-provided text.
export function toCsv(columns: string[], rows: Array<Record<string, unknown>>): string {
  return csvHeader(columns) + csvLines(columns, rows);
}

export const csvHeader = (columns: string[]): string => `${columns.map(cell).join(',')}\r\n`;

/** Rows only, each line ended: for answers sent a chunk at a time. */
export function csvLines(columns: string[], rows: Array<Record<string, unknown>>): string {
  let out = '';
  for (const r of rows) out += `${columns.map((c) => cell(pick(r, c))).join(',')}\r\n`;
  return out;
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
