// The fax-on-demand catalogue and the faxes sent, in Postgres. Lists never read TIFF bytes.
import { randomUUID } from 'node:crypto';
import { withTransaction, type Db, type Queryable } from '../db/pool.js';
import { appendOutbox } from '../events/outbox.js';

export interface FaxDocument {
  code: string;
  title: string;
  pages: number;
  sourceType: string;
  sizeBytes: number;
  createdAt: string;
  updatedAt: string;
}

export type FaxStatus = 'queued' | 'sending' | 'retrying' | 'sent' | 'failed';

export interface Fax {
  id: string;
  destination: string;
  documentCode: string | null;
  pages: number;
  callId: string | null;
  status: FaxStatus;
  attempts: number;
  maxAttempts: number;
  pagesSent: number | null;
  lastError: string | null;
  createdAt: string;
  updatedAt: string;
}

const DOC_COLUMNS = 'code, title, pages, source_type, octet_length(tiff) AS size_bytes, created_at, updated_at';
const FAX_COLUMNS = 'id, destination, document_code, pages, call_id, status, attempts, max_attempts, pages_sent, last_error, created_at, updated_at';

function docOf(r: Record<string, unknown>): FaxDocument {
  return {
    code: r.code as string,
    title: r.title as string,
    pages: r.pages as number,
    sourceType: r.source_type as string,
    sizeBytes: Number(r.size_bytes),
    createdAt: (r.created_at as Date).toISOString(),
    updatedAt: (r.updated_at as Date).toISOString(),
  };
}

function faxOf(r: Record<string, unknown>): Fax {
  return {
    id: r.id as string,
    destination: r.destination as string,
    documentCode: (r.document_code as string | null) ?? null,
    pages: r.pages as number,
    callId: (r.call_id as string | null) ?? null,
    status: r.status as FaxStatus,
    attempts: r.attempts as number,
    maxAttempts: r.max_attempts as number,
    pagesSent: (r.pages_sent as number | null) ?? null,
    lastError: (r.last_error as string | null) ?? null,
    createdAt: (r.created_at as Date).toISOString(),
    updatedAt: (r.updated_at as Date).toISOString(),
  };
}

/** Creates or replaces the document under `code`. */
export async function putDocument(db: Queryable, d: { code: string; title: string; pages: number; tiff: Buffer; sourceType: string }): Promise<{ document: FaxDocument; created: boolean }> {
  const { rows } = await db.query(
    `INSERT INTO fax_documents (code, title, pages, tiff, source_type) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (code) DO UPDATE SET title = EXCLUDED.title, pages = EXCLUDED.pages, tiff = EXCLUDED.tiff,
       source_type = EXCLUDED.source_type, updated_at = now()
     RETURNING ${DOC_COLUMNS}, (xmax = 0) AS inserted`,
    [d.code, d.title, d.pages, d.tiff, d.sourceType],
  );
  return { document: docOf(rows[0]!), created: rows[0]!.inserted as boolean };
}

export async function getDocument(db: Queryable, code: string): Promise<FaxDocument | undefined> {
  const { rows } = await db.query(`SELECT ${DOC_COLUMNS} FROM fax_documents WHERE code = $1`, [code]);
  return rows[0] ? docOf(rows[0]) : undefined;
}

export async function listDocuments(db: Queryable): Promise<FaxDocument[]> {
  const { rows } = await db.query(`SELECT ${DOC_COLUMNS} FROM fax_documents ORDER BY code`);
  return rows.map(docOf);
}

export async function deleteDocument(db: Queryable, code: string): Promise<boolean> {
  const { rowCount } = await db.query('DELETE FROM fax_documents WHERE code = $1', [code]);
  return (rowCount ?? 0) > 0;
}

export interface NewFax {
  destination: string;
  documentCode?: string;
  tiff?: Buffer;
  pages: number;
  callId?: string | null;
  apiKeyId?: string | null;
  maxAttempts: number;
}

/** Records the fax and announces fax.queued in one transaction. */
export async function createFax(db: Db, f: NewFax): Promise<Fax> {
  return withTransaction(db, async (tx) => {
    const { rows } = await tx.query(
      `INSERT INTO faxes (id, destination, document_code, tiff, pages, call_id, status, max_attempts, api_key_id)
       VALUES ($1, $2, $3, $4, $5, $6, 'queued', $7, $8) RETURNING ${FAX_COLUMNS}`,
      [randomUUID(), f.destination, f.documentCode ?? null, f.tiff ?? null, f.pages, f.callId ?? null, f.maxAttempts, f.apiKeyId ?? null],
    );
    const fax = faxOf(rows[0]!);
    await appendOutbox(tx, {
      type: 'fax.queued',
      ...(fax.callId ? { callId: fax.callId } : {}),
      ownerKeyId: f.apiKeyId ?? null,
      data: { faxId: fax.id, destination: fax.destination, documentCode: fax.documentCode, pages: fax.pages },
    });
    return fax;
  });
}

/** fax.refused: the fax that was asked for and why it is not sent (nothing else is stored). */
export async function recordFaxRefusal(
  db: Queryable,
  r: { destination: string; documentCode: string | null; callId: string | null; apiKeyId: string | null; callerNumber: string | null; rule: string; reason: string },
): Promise<void> {
  const { callId, ...data } = r;
  await appendOutbox(db, { type: 'fax.refused', ...(callId ? { callId } : {}), ownerKeyId: r.apiKeyId, data });
}

// `owner` null: every fax (admin keys, the service itself); else that key's faxes and the
// centre's own (fax-on-demand, asked for by callers), never another key's.
const VISIBLE = (at: number) => `($${at}::uuid IS NULL OR api_key_id IS NULL OR api_key_id = $${at}::uuid)`;

export async function getFax(db: Queryable, id: string, owner: string | null = null): Promise<Fax | undefined> {
  const { rows } = await db.query(`SELECT ${FAX_COLUMNS} FROM faxes WHERE id = $1 AND ${VISIBLE(2)}`, [id, owner]);
  return rows[0] ? faxOf(rows[0]) : undefined;
}

export async function listFaxes(db: Queryable, o: { status?: FaxStatus; limit: number; owner?: string | null }): Promise<Fax[]> {
  const { rows } = await db.query(
    `SELECT ${FAX_COLUMNS} FROM faxes WHERE ($1::text IS NULL OR status = $1) AND ${VISIBLE(3)} ORDER BY created_at DESC, id DESC LIMIT $2`,
    [o.status ?? null, o.limit, o.owner ?? null],
  );
  return rows.map(faxOf);
}

/** The TIFF to send: the fax's own upload, else its catalogue document's. */
export async function faxTiff(db: Queryable, id: string): Promise<Buffer | undefined> {
  const { rows } = await db.query<{ tiff: Buffer | null }>(
    'SELECT COALESCE(f.tiff, d.tiff) AS tiff FROM faxes f LEFT JOIN fax_documents d ON d.code = f.document_code WHERE f.id = $1',
    [id],
  );
  return rows[0]?.tiff ?? undefined;
}

/**
 * One more attempt starts; undefined when the fax is finished or an attempt is running
 * (a job run twice). An attempt `sending` for longer than `staleMs` belonged to a worker
 * that died: BullMQ hands its stalled job on, and it counts as failed and is retried.
 */
export async function startAttempt(db: Queryable, id: string, staleMs: number): Promise<Fax | undefined> {
  const { rows } = await db.query(
    `UPDATE faxes SET status = 'sending', attempts = attempts + 1, updated_at = now()
     WHERE id = $1 AND (status IN ('queued', 'retrying')
       OR (status = 'sending' AND updated_at < now() - make_interval(secs => $2::double precision / 1000)))
     RETURNING ${FAX_COLUMNS}`,
    [id, staleMs],
  );
  return rows[0] ? faxOf(rows[0]) : undefined;
}

export async function markRetrying(db: Queryable, id: string, error: string): Promise<void> {
  await db.query(`UPDATE faxes SET status = 'retrying', last_error = $2, updated_at = now() WHERE id = $1`, [id, error]);
}

export async function markSent(db: Db, fax: Fax, pages: number): Promise<void> {
  await withTransaction(db, async (tx) => {
    const owner = await tx.query<{ api_key_id: string | null }>(
      `UPDATE faxes SET status = 'sent', pages_sent = $2, last_error = NULL, tiff = NULL, updated_at = now() WHERE id = $1 RETURNING api_key_id`,
      [fax.id, pages],
    );
    await appendOutbox(tx, {
      type: 'fax.sent',
      ...(fax.callId ? { callId: fax.callId } : {}),
      ownerKeyId: owner.rows[0]?.api_key_id ?? null,
      data: { faxId: fax.id, destination: fax.destination, documentCode: fax.documentCode, pages, attempts: fax.attempts },
    });
  });
}

export async function markFailed(db: Db, fax: Fax, reason: string, detail: string): Promise<void> {
  await withTransaction(db, async (tx) => {
    const owner = await tx.query<{ api_key_id: string | null }>(
      `UPDATE faxes SET status = 'failed', last_error = $2, tiff = NULL, updated_at = now() WHERE id = $1 RETURNING api_key_id`,
      [fax.id, detail],
    );
    await appendOutbox(tx, {
      type: 'fax.failed',
      ...(fax.callId ? { callId: fax.callId } : {}),
      ownerKeyId: owner.rows[0]?.api_key_id ?? null,
      data: { faxId: fax.id, destination: fax.destination, documentCode: fax.documentCode, reason, detail, attempts: fax.attempts },
    });
  });
}

/** Faxes waiting for an attempt (queued, between attempts, or left `sending` by a dead worker), oldest first. */
export async function pendingFaxes(db: Queryable, staleMs: number, limit = 1000): Promise<Fax[]> {
  const { rows } = await db.query(
    `SELECT ${FAX_COLUMNS} FROM faxes
     WHERE status IN ('queued', 'retrying')
        OR (status = 'sending' AND updated_at < now() - make_interval(secs => $1::double precision / 1000))
     ORDER BY created_at LIMIT $2`,
    [staleMs, limit],
  );
  return rows.map(faxOf);
}
