import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, type LogLevel } from '@temporalio/worker';
import { loadTextAnalyzer } from '../analysis';
import { assertDeployable, loadConfig, requireDatabaseUrl, temporalConnectionOptions } from '../config';
import { createDb } from '../db';
import { createLogger, sdkLogSink } from '../api/logger';
import { countStatements } from '../api/metrics';
import { createCodec } from '../privacy';
import { createWorker } from './create';
import { createIntegrations, describeIntegrations } from '../integrations';
import { ensureSearchAttributes } from './search-attributes';
import { ensureWindowRules } from './window-rules';
import { ensureRetentionSchedule } from './retention-schedule';
import { ensureSegmentsSchedule } from './segments-schedule';
import { startWorkerMetrics } from './metrics';

async function run() {
  const config = loadConfig();
  assertDeployable(config);
  const log = createLogger(config.logLevel).child({ component: 'worker' });
  // The SDK's worker metrics: installed once, before any connection (a process may install one runtime).
  const { port: metricsPort, sdkPort } = config.workerMetrics;
  // The SDK's own logs (with workflowId, runId, activityType) go out as JSON lines like ours.
  const sdkLevel = (({ trace: 'TRACE', debug: 'DEBUG', info: 'INFO', warn: 'WARN', error: 'ERROR' }) as Record<string, LogLevel>)[config.logLevel] ?? 'INFO';
  Runtime.install({
    logger: new DefaultLogger(sdkLevel, sdkLogSink(log)),
    ...(sdkPort > 0 ? { telemetryOptions: { metrics: { prometheus: { bindAddress: `${config.host}:${sdkPort}`, countersTotalSuffix: true, useSecondsForDurations: true } } } } : {}),
  });
  // A busy port costs the metrics, not the worker: it goes on processing and says so.
  const metrics =
    metricsPort > 0
      ? await startWorkerMetrics({ host: config.host, port: metricsPort, sdkMetricsUrl: sdkPort > 0 ? `http://${config.host === '0.0.0.0' ? '127.0.0.1' : config.host}:${sdkPort}/metrics` : null }).catch((err: Error) => {
          log.error({ port: metricsPort, error: err.message }, 'worker metrics listener could not start');
          return null;
        })
      : null;
  if (metrics) log.info({ port: metrics.port, sdkPort: sdkPort || null }, 'worker metrics on /metrics');
  const db = countStatements(createDb(requireDatabaseUrl(config)));
  const codec = createCodec(db, config.codec.masterKeys);
  const admin = await Connection.connect(temporalConnectionOptions(config));
  try {
    const added = await ensureSearchAttributes(admin, config.temporal.namespace);
    if (added.length) log.info({ added }, 'registered search attributes');
    const client = new Client({ connection: admin, namespace: config.temporal.namespace, dataConverter: { payloadCodecs: [codec] } });
    await ensureWindowRules(client, config);
    const schedule = await ensureRetentionSchedule(client, config);
    await ensureSegmentsSchedule(client, config);
    log.info({ schedule, intervalMinutes: config.retention.intervalMinutes, days: config.retention.policy.days }, 'retention-purge schedule');
  } finally {
    await admin.close();
  }
  const connection = await NativeConnection.connect(temporalConnectionOptions(config));
  try {
    const worker = await createWorker({
      db,
      analyzer: loadTextAnalyzer(),
      connection,
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
    for (const line of describeIntegrations(config)) log.info(line);
    log.info({ taskQueue: config.temporal.taskQueue }, 'worker polling');
    // Liveness for a container healthcheck: the time of the last moment the worker was running.
    const healthFile = process.env.WORKER_HEALTH_FILE || path.join(os.tmpdir(), 'engagement-worker-alive');
    const beat = () => worker.getState() === 'RUNNING' && fs.writeFile(healthFile, String(Date.now()), () => undefined);
    const heartbeat = setInterval(beat, 10_000);
    heartbeat.unref();
    setTimeout(beat, 1000).unref();
    try {
      await worker.run(); // the SDK shuts down gracefully on SIGINT/SIGTERM
    } finally {
      clearInterval(heartbeat);
      fs.rmSync(healthFile, { force: true });
    }
  } finally {
    await connection.close();
    await db.destroy();
    await metrics?.close();
  }
}

run().catch((err) => {
  console.error(err);
  process.exit(1);
});
