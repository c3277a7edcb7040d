// The embedded Postgres's own thread (db/embedded.ts starts it with a large stack): PGlite and its
// wire socket. Plain CommonJS, so the thread loads it without a TypeScript loader.
const { parentPort, workerData } = require('node:worker_threads');
const fs = require('node:fs');
const { PGlite } = require('@electric-sql/pglite');
const { PGLiteSocketServer } = require('@electric-sql/pglite-socket');

async function main() {
  const { dataDir, port } = workerData;
  if (dataDir) fs.mkdirSync(dataDir, { recursive: true });
  const pglite = await PGlite.create(dataDir);
  // PGlite swallows a JavaScript exception thrown inside Postgres (stack overflow, out of memory)
  // and carries on with a backend that never cleaned up. Nothing it answers afterwards can be
  // trusted: stop serving instead of writing on.
  const once = pglite.mod._PostgresMainLoopOnce;
  pglite.mod._PostgresMainLoopOnce = (...args) => {
    try {
      return once(...args);
    } catch (err) {
      if (!(err && err.status === pglite.POSTGRES_MAIN_LONGJMP)) {
        parentPort.postMessage({ fatal: `embedded Postgres failed inside the engine: ${err && err.message ? err.message : err}` });
        process.exit(1);
      }
      throw err;
    }
  };
  const server = new PGLiteSocketServer({ db: pglite, host: '127.0.0.1', port });
  await server.start();
  parentPort.on('message', async (msg) => {
    if (msg !== 'stop') return;
    await server.stop();
    await pglite.close();
    process.exit(0);
  });
  parentPort.postMessage({ port: port || Number(server.getServerConn().split(':').pop()) });
}

main().catch((err) => {
  parentPort.postMessage({ error: err && err.stack ? err.stack : String(err) });
  process.exit(1);
});
