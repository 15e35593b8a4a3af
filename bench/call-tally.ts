// Counts every Postgres statement and Redis command the service sends, by the nearest
// function of ours up the stack, for the per-call benchmark's `BENCH_TALLY=1` runs. The
// counting costs CPU of its own (a stack per statement), so a tallied run's milliseconds
// are not comparable with an untallied one; its counts per call are the yardstick.
import pg from 'pg';
import { Redis } from 'ioredis';
import { AriHttp, pathTemplate } from '../src/ari/http.js';

const counts = new Map<string, number>();
const totals = { postgres: 0, redis: 0, ari: 0 };

function caller(): string {
  const stack = new Error().stack?.split('\n') ?? [];
  for (const line of stack.slice(3)) {
    const m = line.match(/at (?:async )?(\S+) \(.*\/(src\/[^:)]+):(\d+)/) ?? line.match(/at ().*\/(src\/[^:)]+):(\d+)/);
    // A Lua script is counted where it was asked for, not in the runner all scripts share.
    // An ARI request likewise, past the REST wrappers and the port every caller goes through.
    if (!m || m[2]!.startsWith('src/db/') || m[2] === 'src/acd/lua.ts' || m[2]!.startsWith('src/ari/') || m[2] === 'src/pbx/ari-port.ts') continue;
    return `${m[2]}:${m[3]} ${m[1] ?? ''}`.trim();
  }
  return '(outside src)';
}

function tally(kind: 'postgres' | 'redis' | 'ari', what: string): void {
  totals[kind]++;
  const key = `${kind} ${what} @ ${caller()}`;
  counts.set(key, (counts.get(key) ?? 0) + 1);
}

function statementWord(config: unknown): string {
  const text = typeof config === 'string' ? config : (config as { text?: string } | undefined)?.text ?? '?';
  return text.trim().split(/\s+/).slice(0, 3).join(' ').slice(0, 40);
}

export function installTally(): void {
  // A pool's query runs on a client later, off our stack: it is counted where it was asked.
  const poolQuery = pg.Pool.prototype.query as (...a: unknown[]) => unknown;
  pg.Pool.prototype.query = function (this: pg.Pool, ...args: unknown[]) {
    tally('postgres', statementWord(args[0]));
    return poolQuery.apply(this, args);
  } as typeof pg.Pool.prototype.query;
  const query = pg.Client.prototype.query as (...a: unknown[]) => unknown;
  pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
    if (!new Error().stack?.includes('pg-pool')) tally('postgres', statementWord(args[0]));
    return query.apply(this, args);
  } as typeof pg.Client.prototype.query;
  const send = Redis.prototype.sendCommand as (...a: unknown[]) => unknown;
  Redis.prototype.sendCommand = function (this: Redis, ...args: unknown[]) {
    tally('redis', (args[0] as { name?: string }).name ?? '?');
    return send.apply(this, args);
  } as typeof Redis.prototype.sendCommand;
  // Every ARI request is an HTTP round trip to Asterisk and a loop turn for its answer.
  const request = AriHttp.prototype.request as (...a: unknown[]) => unknown;
  AriHttp.prototype.request = function (this: AriHttp, ...args: unknown[]) {
    tally('ari', `${String(args[0])} ${pathTemplate(String(args[1]))}`);
    return request.apply(this, args);
  } as typeof AriHttp.prototype.request;
}

/** The counts since the last snapshot, and restarts them. */
export function takeTally(): { totals: typeof totals; sites: Array<[string, number]> } {
  const out = { totals: { ...totals }, sites: [...counts].sort((a, b) => b[1] - a[1]) };
  counts.clear();
  totals.postgres = 0;
  totals.redis = 0;
  totals.ari = 0;
  return out;
}
