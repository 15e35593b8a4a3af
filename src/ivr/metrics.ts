// What the IVR tells ops through /metrics.
import { Counter } from 'prom-client';
import { registry } from '../api/metrics.js';

/** Prompts given up: `missing` (not on the PBX), `timeout` (no end in time), `failed` (the PBX said so), `refused` (play refused). */
export const promptFailures = new Counter({
  name: 'cti_ivr_prompt_failures_total',
  help: 'IVR prompts that failed and were skipped, by reason',
  labelNames: ['reason'] as const,
  registers: [registry],
});
