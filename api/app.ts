import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import express from 'express';
import type { Config } from '../config';
import type { Db } from '../db';
import { AlertFeed } from './alert-feed';
import { consoleSessionLookup, createConsoleRouter } from './console';
import { allow, authenticate, KeyResolver, principalOf } from './auth';
import { errorHandler, notFound } from './errors';
import { bodyHygiene, urlHygiene } from './hygiene';
import { clientAddress, RateLimits } from './rate-limit';
import { createKeysRouter } from './routes/keys';
import { createKpisRouter } from './routes/kpis';
import { createNotificationsRouter } from './routes/notifications';
import { createSegmentsRouter } from './routes/segments';
import { codecCors, createCodecRouter } from './routes/codec';
import { eraseCustomer } from './erasure';
import { createIntegrations } from '../integrations';
import type { CustomerKeyCodec } from '../privacy/codec';
import { JourneyGateway } from './journeys';
import { requestIdOf, type Logger } from './logger';
import { createMetrics } from './metrics';
import { openApiDocument } from './openapi';
import { alertStreamHandler } from './routes/alert-stream';
import { createAlertsRouter } from './routes/alerts';
import { createAuditRouter } from './routes/audit';
import { AuditTrail, DEV_PSEUDONYM_SECRET } from '../db/audit';
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
  /** The payload codec the client was built with (shared: erasure clears its key cache). */
  codec: CustomerKeyCodec;
}

export function createApp({ config, db, client, log, codec }: AppDeps) {
  const pseudonymSecret = config.pseudonymSecret ?? DEV_PSEUDONYM_SECRET;
  const journeys = new JourneyGateway({
    db,
    client,
    log,
    taskQueue: config.temporal.taskQueue,
    thresholds: config.thresholds,
    idleTimeoutMs: config.journeyIdleTimeoutMs,
    outreachPolicy: config.outreach,
    pseudonymSecret,
  });
  const ingest = createIngest({ db, journeys });
  const outreach = createOutreachService({ db, journeys, ingest });
  const metrics = createMetrics(db);
  const feed = new AlertFeed({ db, databaseUrl: config.databaseUrl, log });
  const resolver = new KeyResolver(db);
  const audit = new AuditTrail(pseudonymSecret);
  const limits = new RateLimits(db, config.rateLimits);
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  app.set('trust proxy', config.trustProxy);

  app.use((req, res, next) => {
    const end = metrics.httpDuration.startTimer({ method: req.method });
    // One JSON line per request: its id (the caller's X-Request-Id or ours, echoed back), the route
    // pattern, never the path itself (it may hold a customer id) nor any body.
    const requestId = requestIdOf(req.get('x-request-id'), randomUUID);
    res.locals.requestId = requestId;
    res.setHeader('X-Request-Id', requestId);
    res.on('finish', () => {
      const route = req.route?.path ? `${req.baseUrl}${req.route.path}` : 'unmatched';
      const seconds = end({ route, status: res.statusCode });
      log.info({ requestId, method: req.method, route, status: res.statusCode, ms: Math.round(seconds * 1000) }, 'request');
    });
    next();
  });
  app.use(urlHygiene);
  const json = express.json({ limit: config.maxBodyBytes });
  const form = express.urlencoded({ extended: false, limit: '64kb' });

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  // Anonymous callers learn ready or not per check; why a check failed goes to the log only.
  app.get('/readyz', async (_req, res) => {
    const check = async (name: string, fn: () => Promise<unknown>): Promise<'ok' | 'unavailable'> => {
      try {
        await withTimeout(fn(), 2000);
        return 'ok';
      } catch (err) {
        log.warn({ check: name, error: (err as Error)?.message, code: (err as { code?: unknown })?.code }, 'readiness check failed');
        return 'unavailable';
      }
    };
    const [database, temporal] = await Promise.all([
      check('database', () => db.raw('select 1')),
      check('temporal', () => client.connection.workflowService.getSystemInfo({})),
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

  // Public: the survey behind its signed link and the webhooks with their own signatures/tokens,
  // throttled per client address.
  app.use(['/s', '/v1/surveys'], limits.byAddress('survey'), json, form, bodyHygiene);
  app.use(createSurveyRouter({ db, secret: config.survey.secret, outreach }));
  app.use('/v1/webhooks', limits.byAddress('webhook'));
  app.use('/v1/webhooks/twilio', form, bodyHygiene);
  app.use('/v1/webhooks/crm', express.json({ limit: '256kb' }), bodyHygiene);
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
      audit,
      occurredAt: config.occurredAt,
    }),
  );

  // The ops console's pages and its session (sign-in with a key once; afterwards its cookie).
  app.get('/', (_req, res) => res.redirect(302, '/console/'));
  app.use('/console', createConsoleRouter({ db, config, resolver, limits }));

  // Everything else under /v1 needs an API key (401), throttled per key (429); each route then
  // declares its role with allow() (403). The body is read only after the key is known. A console
  // session cookie stands for its key (state-changing requests with its CSRF token).
  const keyed = [
    authenticate(
      resolver,
      (req) => limits.consume('authFailure', clientAddress(req)),
      (req) => limits.assertNotBlocked(clientAddress(req)),
      consoleSessionLookup(db),
    ),
    async (_req: express.Request, res: express.Response, next: express.NextFunction) => {
      await limits.consume('key', principalOf(res).keyId, res);
      next();
    },
  ];
  // The payload codec for the Temporal Web UI and CLI (CORS preflights need no key).
  app.use('/codec', codecCors(config.codec.corsOrigins), ...keyed, express.json({ limit: Math.max(config.maxBodyBytes, 4_000_000) }), bodyHygiene, createCodecRouter({ codec }));
  app.use('/v1', ...keyed, json, bodyHygiene);
  app.use('/v1/signals', createSignalsRouter({ db, journeys, maxBatchSize: config.maxBatchSize, occurredAt: config.occurredAt }));
  app.get('/v1/alerts/stream', allow('operator'), alertStreamHandler(feed, config.stream));
  app.use('/v1/alerts', createAlertsRouter({ db, journeys, audit }));
  const crm = createIntegrations(config, db).crm;
  const erasure = { db, client, codec, audit, crm, pseudonymSecret, log };
  app.use('/v1/customers', createCustomersRouter({ db, journeys, audit, erase: (id, actor) => eraseCustomer(erasure, id, actor) }));
  app.use('/v1/segments', createSegmentsRouter({ db }));
  app.use('/v1/keys', createKeysRouter({ db, resolver, audit }));
  app.use('/v1/audit', createAuditRouter({ db, audit, log }));
  app.use('/v1/kpis', createKpisRouter({ db }));
  app.use('/v1/notifications', createNotificationsRouter({ db }));
  app.use('/v1', createOutreachRouter({ db }));
  app.use(notFound);
  app.use(errorHandler(log));

  return { app, journeys, feed, resolver };
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
