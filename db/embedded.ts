// Embedded Postgres (PGlite) behind a Postgres wire socket, so the pg/knex code path stays the same.
import fs from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

export interface EmbeddedPostgres {
  url: string;
  stop(): Promise<void>;
}

/** dataDir: a folder for persistence, or undefined for an in-memory database. */
export async function startEmbeddedPostgres(opts: { dataDir?: string; port?: number }): Promise<EmbeddedPostgres> {
  if (opts.dataDir) fs.mkdirSync(opts.dataDir, { recursive: true });
  const pglite = await PGlite.create(opts.dataDir);
  const server = new PGLiteSocketServer({ db: pglite, host: '127.0.0.1', port: opts.port ?? 0 });
  await server.start();
  const port = opts.port || Number(server.getServerConn().split(':').pop());
  return {
    // PGlite is a single-session database: clients must use one connection (pool size 1).
    url: `postgres://postgres@127.0.0.1:${port}/postgres?sslmode=disable`,
    stop: async () => {
      await server.stop();
      await pglite.close();
    },
  };
}
