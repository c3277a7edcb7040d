import type { Client } from '@temporalio/client';
import express from 'express';
import type { Config } from '../config';
import type { Db } from '../db';
import { AlertFeed } from './alert-feed';
import { errorHandler, notFound } from './errors';
import { JourneyGateway } from './journeys';
import type { Logger } from './logger';
import { createMetrics } from './metrics';
import { openApiDocument } from './openapi';
import { alertStreamHandler } from './routes/alert-stream';
import { createAlertsRouter } from './routes/alerts';
import { createCustomersRouter } from './routes/customers';
import { createSignalsRouter } from './routes/signals';
import { createIngest } from './ingest';
import { createOutreachService } from './outreach-service';
import { createOutreachRouter } from './routes/outreach';
import { createSurveyRouter } from './routes/survey';
import { createWebhooksRouter } from './routes/webhooks';

export interface AppDeps {
  config: Config;
  db: Db;
  client: Client;
  log: Logger;
}

export function createApp({ config, db, client, log }: AppDeps) {
  const journeys = new JourneyGateway({
    db,
    client,
    log,
    taskQueue: config.temporal.taskQueue,
    thresholds: config.thresholds,
    idleTimeoutMs: config.journeyIdleTimeoutMs,
    outreachPolicy: config.outreach,
  });
  const ingest = createIngest({ db, journeys });
  const outreach = createOutreachService({ db, journeys, ingest });
  const metrics = createMetrics();
  const feed = new AlertFeed({ db, databaseUrl: config.databaseUrl, log });
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');

  app.use((req, res, next) => {
    const end = metrics.httpDuration.startTimer({ method: req.method });
    res.on('finish', () => end({ route: req.route?.path ? `${req.baseUrl}${req.route.path}` : 'unmatched', status: res.statusCode }));
    next();
  });
  app.use(express.json({ limit: config.maxBodyBytes }));

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    const check = async (fn: () => Promise<unknown>) => {
      try {
        await withTimeout(fn(), 2000);
        return 'ok';
      } catch (err) {
        return `unavailable: ${(err as Error).message}`;
      }
    };
    const [database, temporal] = await Promise.all([
      check(() => db.raw('select 1')),
      check(() => client.connection.workflowService.getSystemInfo({})),
    ]);
    const ready = database === 'ok' && temporal === 'ok';
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not ready', checks: { database, temporal } });
  });
  app.get('/metrics', async (_req, res) => {
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
  app.get('/openapi.json', (_req, res) => {
    res.json(openApiDocument());
  });

  app.use('/v1/signals', createSignalsRouter({ db, journeys, maxBatchSize: config.maxBatchSize }));
  app.get('/v1/alerts/stream', alertStreamHandler(feed));
  app.use('/v1/alerts', createAlertsRouter({ db, journeys }));
  app.use('/v1/customers', createCustomersRouter({ db, journeys }));
  app.use(
    '/v1/webhooks',
    createWebhooksRouter({
      db,
      journeys,
      ingest,
      outreach,
      log,
      twilioAuthToken: config.twilio?.authToken ?? null,
      publicBaseUrl: config.publicBaseUrl,
      crmToken: config.crmWebhookToken,
    }),
  );
  app.use('/v1', createOutreachRouter({ db }));
  app.use(createSurveyRouter({ db, secret: config.survey.secret, outreach }));
  app.use(notFound);
  app.use(errorHandler(log));

  return { app, journeys, feed };
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    p.then(
      (v) => (clearTimeout(t), resolve(v)),
      (e) => (clearTimeout(t), reject(e)),
    );
  });
}
