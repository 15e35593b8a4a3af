// The demo's embedded Postgres (PGlite behind a socket) must run the same schema and
// queries as the real server, through the same driver.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCall, endCall, transitionCall } from '../../src/calls/repository.js';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../../src/db/embedded.js';
import { migrate } from '../../src/db/migrate.js';
import { createPool } from '../../src/db/pool.js';

describe('embedded Postgres for the demo', () => {
  let dir: string;
  let pg: EmbeddedPostgres;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cti-pglite-'));
    pg = await startEmbeddedPostgres(join(dir, 'data'));
  }, 120_000);
  afterAll(async () => {
    await pg?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('migrates and stores a call with its CDR', async () => {
    const db = createPool(pg.url, 4, { namedStatements: false });
    try {
      await migrate(db);
      const { call } = await createCall(db, {
        pbxNode: 'pbx1', channelId: '1795384317.33', linkedid: '1795384317.33', direction: 'inbound',
        callerNumber: '+15551230001', callerName: null, dnis: '100',
      });
      await transitionCall(db, call.id, 'answered');
      const ended = await endCall(db, call.id, { cause: 16, reason: 'completed' });
      expect(ended?.cdr.disposition).toBe('answered');
    } finally {
      await db.end();
    }
  });

  it('runs named statements on several connections only as plain statements', async () => {
    const query = { name: 'same-statement', text: 'SELECT $1::int + 1 AS n', values: [1] };
    const plain = createPool(pg.url, 2, { namedStatements: false });
    const named = createPool(pg.url, 2);
    try {
      const [a, b] = [await plain.connect(), await plain.connect()];
      expect((await a.query(query)).rows[0].n).toBe(2);
      expect((await b.query(query)).rows[0].n).toBe(2);
      a.release();
      b.release();
      // Why the demo turns them off: every connection shares one PGlite session.
      const [c, d] = [await named.connect(), await named.connect()];
      await c.query({ ...query, name: 'shared-session' });
      await expect(d.query({ ...query, name: 'shared-session' })).rejects.toThrow(/already exists/);
      c.release();
      d.release();
    } finally {
      await plain.end();
      await named.end();
    }
  });
});
