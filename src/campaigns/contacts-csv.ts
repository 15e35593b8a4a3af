// Contact lists as CSV: a header row naming `number` (required), `name` and `reference`
// (optional); every other column goes into the contact's data (the agent's preview).
// Bad rows are reported by line and skipped; good rows are kept.
import { checkDestination, type DialPolicy } from '../calls/dial-policy.js';
import type { ContactInput } from './model.js';

export interface RejectedRow {
  line: number;
  reason: string;
}

export interface ParsedContacts {
  contacts: Array<ContactInput & { line: number }>;
  rejected: RejectedRow[];
}

export class CsvError extends Error {}

/** RFC 4180 records: quoted fields may hold commas, quotes ("") and line breaks. */
/** Spreadsheets in many locales write `;`: the header row tells which one this file uses. */
export function detectDelimiter(text: string): ',' | ';' {
  const first = text.split(/\r?\n/, 1)[0] ?? '';
  return first.includes(';') && !first.includes(',') ? ';' : ',';
}

export function parseCsv(text: string, delimiter: ',' | ';' = ','): Array<{ line: number; fields: string[] }> {
  const records: Array<{ line: number; fields: string[] }> = [];
  let fields: string[] = [];
  let field = '';
  let quoted = false;
  let line = 1;
  let start = 1;
  const src = text.replace(/^\uFEFF/, '');
  for (let i = 0; i < src.length; i++) {
    const ch = src[i]!;
    if (quoted) {
      if (ch === '"' && src[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else {
        if (ch === '\n') line++;
        field += ch;
      }
    } else if (ch === '"' && field === '') quoted = true;
    else if (ch === delimiter) {
      fields.push(field);
      field = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && src[i + 1] === '\n') i++;
      fields.push(field);
      records.push({ line: start, fields });
      fields = [];
      field = '';
      line++;
      start = line;
    } else field += ch;
  }
  if (quoted) throw new CsvError(`line ${start}: a quoted field is not closed`);
  if (field !== '' || fields.length) {
    fields.push(field);
    records.push({ line: start, fields });
  }
  return records.filter((r) => !(r.fields.length === 1 && r.fields[0]!.trim() === ''));
}

export function parseContactsCsv(text: string, policy: DialPolicy, maxRows = 100_000): ParsedContacts {
  const records = parseCsv(text, detectDelimiter(text));
  const header = records.shift();
  if (!header) throw new CsvError('the CSV is empty; the first row must name the columns (number, name, reference, …)');
  const columns = header.fields.map((h) => h.trim().toLowerCase());
  const numberAt = columns.indexOf('number');
  if (numberAt === -1) throw new CsvError(`the header has no 'number' column (found: ${columns.join(', ')})`);
  if (records.length > maxRows) throw new CsvError(`the CSV has ${records.length} rows; at most ${maxRows} per upload`);
  const out: ParsedContacts = { contacts: [], rejected: [] };
  const seen = new Set<string>();
  for (const r of records) {
    if (r.fields.length !== columns.length) {
      out.rejected.push({ line: r.line, reason: `expected ${columns.length} fields, found ${r.fields.length}` });
      continue;
    }
    const check = checkDestination(r.fields[numberAt]!.trim(), policy);
    if (!check.ok) {
      out.rejected.push({ line: r.line, reason: check.reason });
      continue;
    }
    if (seen.has(check.number)) {
      out.rejected.push({ line: r.line, reason: `${check.number} appears earlier in this file` });
      continue;
    }
    seen.add(check.number);
    const data: Record<string, string> = {};
    let name: string | null = null;
    let reference: string | null = null;
    columns.forEach((c, i) => {
      const v = r.fields[i]!.trim();
      if (i === numberAt || v === '') return;
      if (c === 'name') name = v;
      else if (c === 'reference') reference = v;
      else data[c] = v;
    });
    out.contacts.push({ line: r.line, number: check.number, name, reference, data });
  }
  return out;
}
