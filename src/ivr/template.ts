// `{{var}}` placeholders. A missing variable becomes the empty string: a flow author sees
// it in the simulation rather than the caller hearing a literal "{{name}}".
import type { Media } from './contract.js';
import { mediaProblem } from './media.js';

const PLACEHOLDER = /\{\{\s*([A-Za-z_][A-Za-z0-9_.]*)\s*\}\}/g;

export function fillTemplate(template: string, vars: Record<string, string>, encode: (v: string) => string = (v) => v): string {
  return template.replace(PLACEHOLDER, (_m, name: string) => encode(vars[name] ?? ''));
}

/**
 * URL templates: values are URL-encoded so a caller's digits cannot change the path or query.
 * Encoding leaves `.` alone, and a URL parser resolves a `.` or `..` path segment (however
 * it is escaped): a caller id of `..` would take `/customers/{{caller}}/orders` to
 * `/orders`. Such a value fills in as empty, like a missing variable.
 */
export function fillUrl(template: string, vars: Record<string, string>): string {
  return fillTemplate(template, vars, (v) => (v === '.' || v === '..' ? '' : encodeURIComponent(v)));
}

/** Prompt media may say a variable ("digits:{{orderNumber}}"); items left empty are dropped. */
export function fillMedia(media: Media[], vars: Record<string, string>): Media[] {
  const out: Media[] = [];
  for (const m of media) {
    const filled = fillTemplate(m, vars);
    const colon = filled.indexOf(':');
    // A variable (from a CRM, from the caller) cannot turn a prompt into a URL or a path.
    if (colon >= 0 && filled.slice(colon + 1).trim() !== '' && mediaProblem(filled) === null) out.push(filled);
  }
  return out;
}

/** Variable names a template refers to. */
export function templateVars(template: string): string[] {
  return [...template.matchAll(PLACEHOLDER)].map((m) => m[1] as string);
}
