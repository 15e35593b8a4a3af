// What is wrong with an order or an action body, as a list: the caller fixes everything
// in one round instead of one field per request. Pure.
import type { TSchema } from 'typebox';
import { Compile } from 'typebox/compile';
import { describeSchemaError, type SchemaError } from '../api/validation.js';
import { ActionBodies, NewOrderBody } from './schemas.js';
import type { OrderAction } from './state.js';

export interface Problem {
  /** RFC 6901 pointer into the body. */
  pointer: string;
  message: string;
}

const compiled = new Map<TSchema, ReturnType<typeof Compile>>();
function checker(schema: TSchema) {
  let c = compiled.get(schema);
  if (!c) compiled.set(schema, (c = Compile(schema)));
  return c;
}

function schemaProblems(schema: TSchema, value: unknown): Problem[] {
  const check = checker(schema);
  if (check.Check(value)) return [];
  // A 'required' error names every missing property at once: one problem each.
  const errors = ([...check.Errors(value)] as unknown as SchemaError[]).flatMap((e) => {
    const missing = e.keyword === 'required' ? e.params?.requiredProperties : undefined;
    return Array.isArray(missing) && missing.length > 1
      ? missing.map((m) => ({ ...e, params: { ...e.params, requiredProperties: [m] } }))
      : [e];
  });
  const out: Problem[] = [];
  const seen = new Set<string>();
  for (const e of errors) {
    // A union of literals fails once per literal, an unknown field once on the object and
    // once on itself: the sentence names the field, so one problem per sentence.
    const message = describeSchemaError(e, 'body', errors);
    const key = message;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ pointer: e.instancePath, message });
  }
  return out;
}

export interface PricedItem {
  sku: string;
  name?: string;
  quantity: number;
  unitPriceMinor: number;
  lineTotalMinor: number;
}

/** Lines and total in integer minor units: no floating point ever touches money. */
export function priceItems(items: Array<Omit<PricedItem, 'lineTotalMinor'>>): { items: PricedItem[]; totalMinor: number } {
  const priced = items.map((i) => ({ ...i, lineTotalMinor: i.quantity * i.unitPriceMinor }));
  return { items: priced, totalMinor: priced.reduce((sum, i) => sum + i.lineTotalMinor, 0) };
}

export type OrderCheck = { ok: true; order: NewOrderBody; items: PricedItem[]; totalMinor: number } | { ok: false; problems: Problem[] };

export function checkNewOrder(body: unknown): OrderCheck {
  const problems = schemaProblems(NewOrderBody, body);
  // Sums are checked only on items that are themselves well formed.
  const b = body as Partial<NewOrderBody> | null;
  const items = Array.isArray(b?.items) ? b.items : [];
  const wellFormed = items.every(
    (i) => i && Number.isSafeInteger(i.quantity) && i.quantity > 0 && Number.isSafeInteger(i.unitPriceMinor) && i.unitPriceMinor >= 0,
  );
  if (wellFormed && items.length > 0) {
    const { totalMinor } = priceItems(items as NewOrderBody['items']);
    if (!Number.isSafeInteger(totalMinor)) problems.push({ pointer: '/items', message: 'the total is too large' });
    else if (b?.totalMinor !== undefined && b.totalMinor !== totalMinor) {
      problems.push({ pointer: '/totalMinor', message: `totalMinor is ${b.totalMinor} but the items add up to ${totalMinor}` });
    }
    const skus = new Set<string>();
    items.forEach((i, n) => {
      if (skus.has(i.sku)) problems.push({ pointer: `/items/${n}/sku`, message: `sku '${i.sku}' appears twice; use one line with its quantity` });
      skus.add(i.sku);
    });
  }
  if (problems.length > 0) return { ok: false, problems };
  const order = body as NewOrderBody;
  return { ok: true, order, ...priceItems(order.items) };
}

/** Problems with an action's body, including amounts that must match the order. */
export function checkActionBody(
  action: OrderAction,
  body: unknown,
  order: { totalMinor: number; delivery: Record<string, unknown> | null },
): Problem[] {
  const problems = schemaProblems(ActionBodies[action], body ?? {});
  if (problems.length > 0) return problems;
  const b = (body ?? {}) as Record<string, unknown>;
  if (action === 'deliver' && b.cashCollectedMinor !== order.totalMinor) {
    problems.push({ pointer: '/cashCollectedMinor', message: `cash collected (${String(b.cashCollectedMinor)}) differs from the order total (${order.totalMinor})` });
  }
  if (action === 'confirm-payment') {
    const collected = order.delivery?.cashCollectedMinor;
    if (b.receivedMinor !== collected) {
      problems.push({ pointer: '/receivedMinor', message: `received (${String(b.receivedMinor)}) differs from the cash the courier collected (${String(collected)})` });
    }
  }
  return problems;
}
