// Fax-on-demand is a caller asking the service to dial a number at the service's cost, so
// it is bounded before anything is queued: a caller whose number is withheld or not a
// number is never faxed (nobody to hold to a limit), and every request spends the
// caller's, the destination's and the service's budgets. The number itself passes the
// configured dial policy in FaxSender, like every other fax.
import type { FaxDemandConfig } from '../config.js';
import type { Budget } from '../fraud/budgets.js';

/** A caller id fit to count: digits, optionally a leading +; "anonymous", empty or anything else is not. */
const CALLER = /^\+?[0-9]{3,20}$/;

export function countableCaller(callerNumber: string | null | undefined): string | undefined {
  const n = (callerNumber ?? '').replace(/[\s().-]/g, '');
  return CALLER.test(n) ? n : undefined;
}

/** The budgets one fax-on-demand request spends. */
export function demandBudgets(c: FaxDemandConfig, caller: string, destination: string): Budget[] {
  const dest = destination.replace(/[\s().-]/g, '').slice(0, 32);
  return [
    { name: 'fax_demand_caller_day', subject: caller, limit: c.perCallerDay, window: 'day', spent: `this caller's ${c.perCallerDay} faxes a day are spent` },
    { name: 'fax_demand_destination_day', subject: dest, limit: c.perDestinationDay, window: 'day', spent: `the ${c.perDestinationDay} faxes a day to this number are spent` },
    { name: 'fax_demand_day', subject: '', limit: c.perDay, window: 'day', spent: `the service's ${c.perDay} fax-on-demand faxes a day are spent` },
    { name: 'fax_demand_hour', subject: '', limit: c.perHour, window: 'hour', spent: `the service's ${c.perHour} fax-on-demand faxes an hour are spent` },
  ];
}
