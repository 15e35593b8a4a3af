// What a PBX node (node.ts) is built from: its configuration, the stores, and timings tests shorten.
import type { Redis } from 'ioredis';
import type { PbxNodeConfig } from '../config.js';
import type { Db } from '../db/pool.js';
import type { CrmLookups } from '../ivr/http-lookup.js';
import type { Logger } from '../log.js';
import type { CapabilityFactory } from './capability.js';

export interface PbxNodeOptions {
  node: PbxNodeConfig;
  db: Db;
  redis: Redis;
  log: Logger;
  instanceId: string;
  leaseKey: string;
  leaseTtlMs: number;
  greetingMedia: string;
  /** IVR settings; without a lookup client flows still run, their CRM lookups failing. */
  ivr?: { lookups?: CrmLookups; sorryMedia?: string; promptMaxSeconds?: number };
  /** ACD, voicemail, fax, call control: built each time this instance takes the node. */
  capabilities?: CapabilityFactory[];
  /** Shorter timings for tests; production uses the clients' defaults. */
  tuning?: {
    reconnectMinMs?: number;
    reconnectMaxMs?: number;
    pingIntervalMs?: number;
    leaseIntervalMs?: number;
    /** How long a handler held by a store outage keeps being retried before the reconcile takes over. */
    outageHoldMs?: number;
    /** How often a pending reconcile is tried. */
    reconcileMs?: number;
    /** How often open calls are checked against the PBX's channels (two misses end a call). */
    auditMs?: number;
  };
}
