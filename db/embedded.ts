// Embedded Postgres (PGlite) behind a Postgres wire socket, so the pg/knex code path stays the same.
//
// Why it runs on a thread of its own, with a large stack: PGlite is Postgres compiled to
// WebAssembly, and its recursion (planning, expression walks) runs on the JavaScript stack of the
// thread that calls it. Postgres's own guard (max_stack_depth) measures a different stack, so on
// the main thread's ~1 MB a statement such as the window rules' `DELETE … WHERE (kind, at) IN
// ((…), …)` with a few hundred pairs (a multi-day backfill, or a restart with pending windows)
// overflowed V8's stack inside Postgres. PGlite swallows that RangeError and goes on with a
// backend that never cleaned up: the statement silently returned nothing, the transaction's
// COMMIT then failed ("bad buffer ID: 0", PANIC "cannot abort transaction … already committed"),
// and the socket's ROLLBACK on the client's disconnect ended the process with FATAL
// "UserAbortTransactionBlock: unexpected state END". It was never two clients sharing the one
// session: the crash replays from one connection's recorded messages. With a 256 MB stack,
// Postgres's own check fires first ("stack depth limit exceeded", as on a server), and the engine
// no longer blocks the event loop the worker and the API run on.
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Knex } from 'knex';

export interface EmbeddedPostgres {
  url: string;
  stop(): Promise<void>;
}

/** V8 stack of the database thread: room for Postgres's 2 MB max_stack_depth several times over. */
const STACK_MB = 256;

/** dataDir: a folder for persistence, or undefined for an in-memory database. */
export async function startEmbeddedPostgres(opts: { dataDir?: string; port?: number }): Promise<EmbeddedPostgres> {
  const worker = new Worker(path.join(__dirname, 'embedded-worker.cjs'), {
    workerData: { dataDir: opts.dataDir, port: opts.port ?? 0 },
    resourceLimits: { stackSizeMb: STACK_MB },
  });
  let stopping = false;
  const exited = new Promise<number>((resolve) => worker.once('exit', resolve));
  worker.on('message', (msg: { fatal?: string }) => {
    // The engine's state is unknown after such a failure: better no database than a corrupt one.
    if (msg.fatal) console.error(msg.fatal);
  });
  const port = await new Promise<number>((resolve, reject) => {
    worker.once('message', (msg: { port?: number; error?: string }) => (msg.port ? resolve(msg.port) : reject(new Error(`embedded Postgres did not start: ${msg.error}`))));
    worker.once('error', reject);
    exited.then((code) => reject(new Error(`embedded Postgres exited with code ${code} while starting`)));
  });
  worker.on('error', (err) => {
    if (!stopping) console.error('embedded Postgres failed:', err);
  });
  return {
    // PGlite is a single-session database: clients must use one connection (pool size 1).
    url: `postgres://postgres@127.0.0.1:${port}/postgres?sslmode=disable`,
    stop: async () => {
      if (stopping) return exited.then(() => undefined);
      stopping = true;
      worker.postMessage('stop');
      const timer = setTimeout(() => void worker.terminate(), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** How often the embedded database reclaims the audit rows waiting for their commit. */
export const EMBEDDED_VACUUM_MS = 60_000;

/**
 * PGlite runs no autovacuum. Audit rows written inside a transaction pass through audit_pending
 * (migration 20261208000300_audit_at_commit) and leave it as dead rows at commit: without a vacuum
 * that table grew as fast as the audit trail itself (40,000 rows: 20 MB beside a 16 MB trail).
 * Vacuumed every minute, it keeps reusing the same few pages. Returns the stop function.
 */
export function vacuumEmbeddedPeriodically(db: Knex, onError: (err: unknown) => void, everyMs = EMBEDDED_VACUUM_MS): () => void {
  const timer = setInterval(() => void db.raw('VACUUM audit_pending').catch(onError), everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
