import { Client, Connection } from '@temporalio/client';
import { assertDeployable, loadConfig, requireDatabaseUrl, temporalConnectionOptions } from '../config';
import { announceFirstAdminKey } from './first-key';
import { createDb, migrate } from '../db';
import { createCodec } from '../privacy';
import { createApp } from './app';
import { countStatements } from './metrics';
import { createLogger } from './logger';

async function run() {
  const config = loadConfig();
  assertDeployable(config);
  const log = createLogger(config.logLevel).child({ component: 'api' });
  const db = countStatements(createDb(requireDatabaseUrl(config)));
  await migrate(db);
  await announceFirstAdminKey(db, config.adminApiKey);
  // Connection.lazy: the API starts and records signals even while Temporal is still coming up.
  const connection = Connection.lazy(temporalConnectionOptions(config));
  const codec = createCodec(db, config.codec.masterKeys);
  const client = new Client({ connection, namespace: config.temporal.namespace, dataConverter: { payloadCodecs: [codec] } });
  const { app, journeys, feed } = createApp({ config, db, client, log, codec });
  journeys.startSweep();
  const server = app.listen(config.port, config.host, () => log.info(`API listening on http://${config.host}:${config.port}`));

  const shutdown = async () => {
    log.info('shutting down');
    server.close();
    server.closeAllConnections(); // open event streams would hold the server forever
    await feed.close();
    await journeys.stopSweep();
    await connection.close();
    await db.destroy();
    process.exit(0);
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

run().catch((err) => {
  console.error(err);
  process.exit(1);
});
