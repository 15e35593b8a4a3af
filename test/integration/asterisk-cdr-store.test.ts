// Asterisk's own Cdr records are kept for reconciliation even when a caller wrote a NUL
// into their caller id (Postgres refuses it in jsonb, so the record used to be lost).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AmiMessage } from '../../src/ami/index.js';
import { asteriskCdrFields, storeAsteriskCdr } from '../../src/cdrs/asterisk-cdr.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => {
  await t?.drop();
});

describe('Asterisk Cdr records', () => {
  it('are stored with a NUL in the caller id, less the NUL', async () => {
    const raw = 'Event: Cdr\r\nPrivilege: cdr,all\r\nSource: 0301\u0000555\r\nCallerID: "Eve\u0000" <0301\u0000555>\r\nUniqueID: 1795384219.7\r\nStartTime: 2026-12-07 10:00:00\r\nDisposition: ANSWERED';
    const fields = asteriskCdrFields(new AmiMessage(raw))!;
    expect(await storeAsteriskCdr(t.db, 'pbx1', fields)).toBe(true);
    const { rows } = await t.db.query("SELECT fields FROM asterisk_cdrs WHERE unique_id = '1795384219.7'");
    expect(rows[0].fields).toMatchObject({ Source: '0301555', CallerID: '"Eve" <0301555>' });
  });
});
