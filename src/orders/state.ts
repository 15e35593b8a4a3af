// The order life cycle as data: which action moves an order from which state to which.
// Pure, so the whole table is tested without a database.
export const ORDER_STATES = [
  'draft',
  'submitted',
  'approved',
  'rejected',
  'picking',
  'shipped',
  'delivered',
  'refused',
  'returned',
  'payment_confirmed',
  'completed',
] as const;
export type OrderState = (typeof ORDER_STATES)[number];

/** Each action names the department that takes it in the hotline's workflow. */
export const ORDER_ACTIONS = {
  submit: { from: ['draft'], to: 'submitted' }, // agent, at the end of the call
  approve: { from: ['submitted'], to: 'approved' }, // supervision audit
  reject: { from: ['submitted'], to: 'rejected' }, // supervision audit
  pick: { from: ['approved'], to: 'picking' }, // logistics prints the picking list
  ship: { from: ['picking'], to: 'shipped' }, // handed to the courier
  deliver: { from: ['shipped'], to: 'delivered' }, // signed, cash collected
  refuse: { from: ['shipped'], to: 'refused' }, // customer refused at the door
  return: { from: ['refused'], to: 'returned' }, // goods back in the warehouse
  'confirm-payment': { from: ['delivered'], to: 'payment_confirmed' }, // finance
  complete: { from: ['payment_confirmed'], to: 'completed' }, // supervision closes it
} as const satisfies Record<string, { from: readonly OrderState[]; to: OrderState }>;

export type OrderAction = keyof typeof ORDER_ACTIONS;
export const ACTION_NAMES = Object.keys(ORDER_ACTIONS) as OrderAction[];

export function isOrderAction(value: string): value is OrderAction {
  return Object.hasOwn(ORDER_ACTIONS, value);
}

export function isOrderState(value: string): value is OrderState {
  return (ORDER_STATES as readonly string[]).includes(value);
}

/** The state `action` leads to from `state`, or undefined when the action is not allowed there. */
export function nextState(state: OrderState, action: OrderAction): OrderState | undefined {
  const rule = ORDER_ACTIONS[action];
  return (rule.from as readonly OrderState[]).includes(state) ? rule.to : undefined;
}

/** What can be done next: returned with a 409 so the client knows where the order stands. */
export function allowedActions(state: OrderState): OrderAction[] {
  return ACTION_NAMES.filter((a) => nextState(state, a) !== undefined);
}

export const FINAL_STATES: readonly OrderState[] = ['rejected', 'returned', 'completed'];
