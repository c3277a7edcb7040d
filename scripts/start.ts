// `npm start`: the whole platform on embedded defaults, in one process, stopped cleanly by Ctrl-C.
import fs from 'node:fs';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { loadTextAnalyzer } from '../analysis';
import { createApp } from '../api/app';
import { createLogger } from '../api/logger';
import { countStatements } from '../api/metrics';
import { randomBytes } from 'node:crypto';
import { announceFirstAdminKey } from '../api/first-key';
import { assertDeployable, loadConfig, temporalConnectionOptions } from '../config';
import { createDb, migrate } from '../db';
import { startEmbeddedPostgres, vacuumEmbeddedPeriodically } from '../db/embedded';
import { createWorker } from '../worker/create';
import { createIntegrations, describeIntegrations } from '../integrations';
import { ensureSearchAttributes } from '../worker/search-attributes';
import { ensureWindowRules } from '../worker/window-rules';
import { ensureRetentionSchedule } from '../worker/retention-schedule';
import { ensureSegmentsSchedule } from '../worker/segments-schedule';
import { createCodec } from '../privacy';
import { parseMasterKeys } from '../privacy/data-keys';
import { startDevServer } from './temporal-cli';

/** 32 random bytes kept in the data folder (made on first use, readable by its owner only). */
function localSecret(dataDir: string, name: string, encoding: 'base64url' | 'base64' = 'base64url'): string {
  const file = path.join(dataDir, name);
  if (fs.existsSync(file)) return fs.readFileSync(file, 'utf8').trim();
  const secret = randomBytes(32).toString(encoding);
  fs.writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  return secret;
}

async function run() {
  const config = loadConfig();
  const log = createLogger(config.logLevel);
  const cleanup: Array<() => Promise<unknown>> = [];
  const stopAll = async () => {
    for (const fn of cleanup.reverse()) await fn().catch((err) => log.error({ err }, 'error while stopping'));
  };
  let stopping = false;
  const onSignal = () => {
    if (stopping) return;
    stopping = true;
    console.log('\nStopping…');
    stopAll().then(() => process.exit(0));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  try {
    fs.mkdirSync(config.dataDir, { recursive: true });
    let temporalAddress = config.temporal.address;
    let uiUrl: string | null = null;
    if (!temporalAddress) {
      const server = await startDevServer({
        dbFile: path.join(config.dataDir, 'temporal.db'),
        port: 7233,
        uiPort: config.temporal.uiPort,
        log: (m) => console.log(m),
      });
      cleanup.push(server.stop);
      temporalAddress = server.address;
      uiUrl = server.uiUrl;
      console.log(`Temporal dev server (CLI from ${server.source}) at ${temporalAddress}`);
    }

    let databaseUrl = config.databaseUrl;
    let pool: number | undefined;
    if (!databaseUrl) {
      const pg = await startEmbeddedPostgres({ dataDir: path.join(config.dataDir, 'pglite'), port: Number(process.env.EMBEDDED_PG_PORT || 0) });
      cleanup.push(pg.stop);
      databaseUrl = pg.url;
      pool = 1;
    }
    const db = countStatements(createDb(databaseUrl, { pool }));
    cleanup.push(() => db.destroy());
    await migrate(db);
    if (!config.databaseUrl) {
      const stopVacuum = vacuumEmbeddedPeriodically(db, (err) => log.warn({ err }, 'embedded Postgres: VACUUM audit_pending failed'));
      cleanup.push(async () => stopVacuum());
    }
    // Outside the embedded default, secrets must come from the environment; on it, a survey secret of
    // this data folder's own stands in for a missing SURVEY_SECRET (never the public development value).
    const embedded = !config.temporal.address || !config.databaseUrl;
    if (embedded && config.survey.isDevSecret) config.survey = { secret: localSecret(config.dataDir, 'survey-secret'), isDevSecret: false };
    if (embedded && !config.pseudonymSecret) config.pseudonymSecret = localSecret(config.dataDir, 'pseudonym-secret');
    if (embedded && !config.codec.masterKeys) config.codec = { ...config.codec, masterKeys: parseMasterKeys(`local:${localSecret(config.dataDir, 'codec-master-key', 'base64')}`) };
    if (!embedded) assertDeployable(config);
    const codec = createCodec(db, config.codec.masterKeys);
    const keyLines: string[] = [];
    await announceFirstAdminKey(db, config.adminApiKey, (text) => keyLines.push(...text.split('\n')));

    // The local dev server speaks plain gRPC; TLS and an API key are for a cluster at TEMPORAL_ADDRESS.
    const temporalOptions = config.temporal.address ? temporalConnectionOptions(config) : { address: temporalAddress };
    const clientConnection = await Connection.connect(temporalOptions);
    cleanup.push(() => clientConnection.close());
    if (config.temporal.address) await ensureSearchAttributes(clientConnection, config.temporal.namespace);
    const client = new Client({ connection: clientConnection, namespace: config.temporal.namespace, dataConverter: { payloadCodecs: [codec] } });

    const workerConnection = await NativeConnection.connect(temporalOptions);
    cleanup.push(() => workerConnection.close());
    const worker = await createWorker({
      db,
      analyzer: loadTextAnalyzer(),
      connection: workerConnection,
      namespace: config.temporal.namespace,
      taskQueue: config.temporal.taskQueue,
      maxCachedWorkflows: config.maxCachedWorkflows,
      codec,
      ...createIntegrations(config, db),
      surveySecret: config.survey.secret,
      pseudonymSecret: config.pseudonymSecret,
      publicBaseUrl: config.publicBaseUrl,
      notify: config.notify,
    });
    const running = worker.run();
    await ensureWindowRules(client, config);
    await ensureRetentionSchedule(client, config);
    await ensureSegmentsSchedule(client, config);
    cleanup.push(async () => {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running;
    });

    const { app, journeys, feed } = createApp({ config: { ...config, databaseUrl }, db, client, log, codec });
    cleanup.push(() => feed.close());
    journeys.startSweep();
    cleanup.push(() => journeys.stopSweep());
    const server = await new Promise<import('node:http').Server>((resolve) => {
      const s = app.listen(config.port, config.host, () => resolve(s));
    });
    cleanup.push(() => new Promise((r) => (server.close(r), server.closeAllConnections())));

    console.log(
      [
        '',
        'Engagement platform is running.',
        `  API:             http://${config.host}:${config.port}  (OpenAPI: /openapi.json, readiness: /readyz)`,
        `  Temporal Web UI: ${uiUrl ?? 'not started here (TEMPORAL_ADDRESS points at a cluster)'}`,
        `  Temporal:        ${temporalAddress} (namespace ${config.temporal.namespace}, task queue ${config.temporal.taskQueue})`,
        `  Postgres:        ${config.databaseUrl ? 'DATABASE_URL' : `embedded PGlite, data in ${path.join(config.dataDir, 'pglite')}`}`,
        `  Data folder:     ${config.dataDir}`,
        ...describeIntegrations(config).map((l) => `  ${l}`),
        ...keyLines.map((l) => `  ${l}`),
        'Press Ctrl-C to stop.',
        '',
      ].join('\n'),
    );
    await running; // the worker ends only on shutdown
  } catch (err) {
    await stopAll();
    throw err;
  }
}

run().catch((err) => {
  console.error(err);
  process.exit(1);
});
