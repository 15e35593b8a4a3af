import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../../src/db/migrate.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';

describe('migration runner', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase({ migrate: false });
  });
  afterAll(async () => t.drop());

  it('applies every file once, even when two runners start together', async () => {
    const [a, b] = await Promise.all([migrate(t.db), migrate(t.db)]);
    expect([...a, ...b].filter((n) => n === '001_init.sql')).toHaveLength(1);
    expect(new Set([...a, ...b]).size).toBe(a.length + b.length);
    expect(await migrate(t.db)).toEqual([]);
    const { rows } = await t.db.query("SELECT to_regclass('public.outbox') AS t");
    expect(rows[0].t).toBe('outbox');
  });

  it('refuses an applied migration whose text changed, and rolls back a failing one', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mig-'));
    await writeFile(join(dir, '001_init.sql'), 'SELECT 1;');
    await expect(migrate(t.db, dir)).rejects.toThrow(/checksum mismatch/);
    const dir2 = await mkdtemp(join(tmpdir(), 'mig-'));
    const { readFile, readdir } = await import('node:fs/promises');
    const { MIGRATIONS_DIR } = await import('../../src/db/migrate.js');
    for (const f of await readdir(MIGRATIONS_DIR)) await writeFile(join(dir2, f), await readFile(join(MIGRATIONS_DIR, f), 'utf8'));
    await writeFile(join(dir2, '999_bad.sql'), 'CREATE TABLE half_done (x int); SELECT no_such_fn();');
    await expect(migrate(t.db, dir2)).rejects.toThrow(/999_bad.sql failed/);
    const { rows } = await t.db.query("SELECT to_regclass('public.half_done') AS t");
    expect(rows[0].t).toBeNull();
  });
});
