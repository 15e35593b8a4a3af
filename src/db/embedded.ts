// Zero-setup Postgres for the demo: PGlite (Postgres compiled to WebAssembly) served on
// a loopback socket so the service uses the same pg driver as in production. Demo and
// development only: one query at a time, no statement timeouts (see docs/decisions.md).
import { mkdir } from 'node:fs/promises';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

export interface EmbeddedPostgres {
  url: string;
  stop(): Promise<void>;
}

export async function startEmbeddedPostgres(dataDir: string, port = 0): Promise<EmbeddedPostgres> {
  await mkdir(dataDir, { recursive: true });
  const db = await PGlite.create(dataDir);
  // Pool connections stay open; PGlite queues their queries one at a time.
  const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port, maxConnections: 12 });
  await server.start();
  const conn = server.getServerConn(); // "127.0.0.1:PORT"
  return {
    url: `postgres://postgres@${conn}/postgres?sslmode=disable`,
    async stop() {
      await server.stop();
      await db.close();
    },
  };
}
