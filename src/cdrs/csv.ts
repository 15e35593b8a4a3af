// CDRs as CSV rows (RFC 4180). Pure. A cell that a spreadsheet would run as a formula is
// prefixed with a quote; phone numbers (+ followed by digits) are left as they are.
import type { CdrView } from './queries.js';

export const CSV_COLUMNS = [
  'id', 'callId', 'pbxNode', 'direction', 'callerNumber', 'callerName', 'dnis', 'startedAt', 'answeredAt', 'endedAt',
  'durationMs', 'talkMs', 'waitMs', 'holdMs', 'disposition', 'hangupCause', 'queue', 'agents', 'transfers', 'ivrPath',
  'surveyRating', 'orderIds',
] as const;

export function csvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  let s = String(value);
  if (/^[=@\t\r]/.test(s) || /^[+-](?![0-9 ]*$)/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csvHeader(): string {
  return `${CSV_COLUMNS.join(',')}\r\n`;
}

export function csvRow(c: CdrView): string {
  const agents = c.agents.map((a) => String(a.agentId)).join('|');
  const cells = [
    c.id, c.callId, c.pbxNode, c.direction, c.caller.number, c.caller.name, c.dnis, c.startedAt, c.answeredAt, c.endedAt,
    c.durationMs, c.talkMs, c.waitMs, c.holdMs, c.disposition, c.hangupCause, c.queue ? String(c.queue.id) : null, agents,
    c.transfers.length, c.ivrPath.join('>'), c.survey ? (c.survey.rating as string | null) : null, c.orderIds.join('|'),
  ];
  return `${cells.map(csvCell).join(',')}\r\n`;
}
