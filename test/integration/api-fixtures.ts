// Shared set-up for the API integration tests: a config, a quiet logger that the tests
// can read, an app on a real database, and rows inserted straight into the calls tables.
import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { buildApp, type AppDeps } from '../../src/api/app.js';
import { createApiKey } from '../../src/api/keys.js';
import type { Scope } from '../../src/api/scopes.js';
import { callRoutes } from '../../src/calls/routes.js';
import { loadConfig, type Config } from '../../src/config.js';
import type { Db } from '../../src/db/pool.js';
import { LocalEventBus } from '../../src/events/bus.js';
import { createLogger } from '../../src/log.js';

export function testConfig(overrides: Partial<Config> = {}): Config {
  return {
    ...loadConfig({ AMI_SECRET: 'ami-secret', ARI_PASSWORD: 'ari-password', LOG_LEVEL: 'info' }),
    ...overrides,
  };
}

/** A logger writing into memory, at debug so every line exists to be checked for secrets. */
export function memoryLogger() {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, cb) {
      lines.push(String(chunk));
      cb();
    },
  });
  return { log: createLogger('debug', sink), text: () => lines.join('') };
}

export async function testApp(
  db: Db,
  overrides: Partial<AppDeps> = {},
): Promise<{ app: FastifyInstance; bus: LocalEventBus; logs: () => string }> {
  const bus = new LocalEventBus();
  const { log, text } = memoryLogger();
  const app = await buildApp({
    config: testConfig(),
    db,
    log,
    bus,
    readiness: { postgres: async () => ({ ok: true }) },
    routes: [{ plugin: callRoutes, opts: { db } }],
    ...overrides,
  });
  return { app, bus, logs: text };
}

export async function keyWith(db: Db, ...scopes: Scope[]): Promise<string> {
  return (await createApiKey(db, { name: `test-${scopes.join('+')}`, scopes })).key;
}

export interface CallInput {
  id?: string;
  pbxNode?: string;
  channelId?: string;
  linkedid?: string | null;
  direction?: 'inbound' | 'outbound' | 'internal';
  callerNumber?: string | null;
  callerName?: string | null;
  dnis?: string | null;
  state?: string;
  createdAt?: string;
  data?: Record<string, unknown>;
}

export async function insertCall(db: Db, c: CallInput = {}): Promise<string> {
  const id = c.id ?? randomUUID();
  await db.query(
    `INSERT INTO calls (id, pbx_node, channel_id, linkedid, direction, caller_number, caller_name, dnis, state, data, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, COALESCE($11::timestamptz, now()))`,
    [
      id,
      c.pbxNode ?? 'pbx1',
      c.channelId ?? `1700000000.${Math.floor(Math.random() * 1e9)}`,
      c.linkedid ?? null,
      c.direction ?? 'inbound',
      c.callerNumber ?? null,
      c.callerName ?? null,
      c.dnis ?? null,
      c.state ?? 'ringing',
      JSON.stringify(c.data ?? {}),
      c.createdAt ?? null,
    ],
  );
  return id;
}

export function bearer(key: string): Record<string, string> {
  return { authorization: `Bearer ${key}` };
}
