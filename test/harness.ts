// Real parts for tests: a Temporal dev server, a fresh Postgres database, workers and the API.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { randomBytes, randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode, DefaultLogger, NativeConnection, Runtime, type Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import supertest from 'supertest';
import { loadTextAnalyzer } from '../analysis';
import { createApp } from '../api/app';
import { createLogger } from '../api/logger';
import { loadConfig, type Config } from '../config';
import { createDb, migrate, type Db } from '../db';
import { createApiKey, type NewApiKey } from '../db/api-keys';
import type { Role } from '../domain/access';
import { createCodec, type CustomerKeyCodec } from '../privacy';
import type { MasterKey } from '../privacy/data-keys';
import { createScratchDatabase } from '../db/scratch';
import { journeyWorkflowId, riskProfileQuery } from '../domain/messages';
import { startDevServer, type DevServer } from '../scripts/temporal-cli';
import { createWorker, workflowsPath, type WorkerDeps } from '../worker/create';

export const log = createLogger(process.env.TEST_LOG_LEVEL ?? 'silent');

/** This run's PSEUDONYM_SECRET: the API (testConfig) and the workers (startWorker) share it. */
export const PSEUDONYM_SECRET = `test-pseudonyms-${randomUUID()}`;

interface Shared {
  server: DevServer;
  db: Db;
  databaseUrl: string;
  dropDatabase: () => Promise<void>;
  connection: NativeConnection;
  clientConnection: Connection;
  client: Client;
  bundle: WorkflowBundleWithSourceMap;
  /** An admin API key made for this run: what `startApi().http` sends by default. */
  adminKey: string;
  /** This run's payload codec master key, and the codec the client, workers and APIs share. */
  masterKey: MasterKey;
  codec: CustomerKeyCodec;
}

let shared: Shared | undefined;

export function h(): Shared {
  if (!shared) throw new Error('test harness not started');
  return shared;
}

/** The Postgres server tests use: DATABASE_URL, or this machine's local server. */
function serverUrl(): string {
  return process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
}

export function createTestDatabase() {
  return createScratchDatabase(serverUrl(), 'engagement_test');
}

export async function startHarness(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const [server, database, bundle] = await Promise.all([
    startDevServer({ uiPort: null, log: () => {} }),
    createTestDatabase(),
    bundleWorkflowCode({ workflowsPath, logger: new DefaultLogger('ERROR') }),
  ]);
  const db = createDb(database.url);
  await migrate(db);
  const connection = await NativeConnection.connect({ address: server.address });
  const clientConnection = await Connection.connect({ address: server.address });
  const masterKey: MasterKey = { id: 'test', key: randomBytes(32) };
  const codec = createCodec(db, [masterKey]);
  const client = new Client({ connection: clientConnection, dataConverter: { payloadCodecs: [codec] } });
  const { key: adminKey } = await createApiKey(db, { name: 'test-admin', role: 'admin', createdBy: 'test' });
  shared = { server, db, databaseUrl: database.url, dropDatabase: database.drop, connection, clientConnection, client, bundle, adminKey, masterKey, codec };
}

export async function stopHarness(): Promise<void> {
  if (!shared) return;
  const s = shared;
  shared = undefined;
  // Each step runs even if an earlier one fails: the dev server and the database must go.
  const steps = [() => s.clientConnection.close(), () => s.connection.close(), () => s.db.destroy(), () => s.dropDatabase(), () => s.server.stop()];
  const errors: unknown[] = [];
  for (const step of steps) await step().catch((err) => errors.push(err));
  if (errors.length) throw errors[0];
}

export function testConfig(overrides: Partial<Config> = {}): Config {
  const loaded = loadConfig({ ...process.env, DATABASE_URL: h().databaseUrl });
  // The limiters count in Postgres, shared by every API a run builds from 127.0.0.1: tests that do
  // not measure them get room (test/api/access.test.ts sets its own small limits).
  const base = { ...loaded, codec: { ...loaded.codec, masterKeys: [h().masterKey] }, rateLimits: { ...loaded.rateLimits, surveyPerMinute: 100_000, webhookPerMinute: 100_000, authFailuresPerMinute: 100_000 } };
  return { ...base, pseudonymSecret: PSEUDONYM_SECRET, ...overrides, temporal: { ...base.temporal, address: h().server.address, ...overrides.temporal } };
}

/** A worker on the shared server and database; `extra` adds integrations (fakes) to its activities. */
export async function startWorker(taskQueue: string, extra: Partial<WorkerDeps> = {}): Promise<{ worker: Worker; stop: () => Promise<void> }> {
  const worker = await createWorker({
    db: h().db,
    analyzer: loadTextAnalyzer(),
    connection: h().connection,
    namespace: 'default',
    taskQueue,
    workflowBundle: h().bundle,
    codec: h().codec,
    pseudonymSecret: PSEUDONYM_SECRET,
    ...extra,
  });
  const running = worker.run();
  return {
    worker,
    stop: async () => {
      worker.shutdown();
      await running;
    },
  };
}

/**
 * The API over the shared database and Temporal, plus supertest clients: `http` sends the run's
 * admin key, `anon` sends none (add your own `Authorization` to it, e.g. from `createKey`).
 */
export function startApi(config: Config = testConfig(), client: Client = h().client) {
  const { app, journeys, feed, resolver } = createApp({ config, db: h().db, client, log, codec: h().codec });
  return { app, journeys, feed, resolver, http: supertest.agent(app).set('Authorization', `Bearer ${h().adminKey}`), anon: supertest(app) };
}

/** A new API key of this role; its `auth` is the header value to send. */
export async function createKey(role: Role, opts: Partial<Omit<NewApiKey, 'role'>> = {}) {
  const { apiKey, key } = await createApiKey(h().db, { name: `test-${role}-${randomUUID().slice(0, 6)}`, createdBy: 'test', ...opts, role });
  return { ...apiKey, key, auth: `Bearer ${key}` };
}

/** Runs one of our entry points (`scripts/keys.ts`, `api/main.ts`…) as a child process and collects its output and exit code. */
export function runScript(script: string, args: string[], env: Record<string, string | undefined>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], { cwd: path.join(__dirname, '..'), env: { ...process.env, ...env } as NodeJS.ProcessEnv });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('close', (code) => (clearTimeout(timer), resolve({ code, stdout, stderr })));
  });
}

export const uniqueCustomer = (prefix = 'cust') => `${prefix}-${randomUUID().slice(0, 12)}`;

/** Polls until fn returns a truthy value, or fails with the last value seen. */
export async function eventually<T>(fn: () => Promise<T | null | undefined | false>, timeoutMs = 15_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
      last = v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last: ${(last instanceof Error ? last.message : JSON.stringify(last))?.slice(0, 300)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Registers a before() hook that builds the API; use the returned object's fields inside tests. */
export function useApi(config?: () => Config) {
  const holder = {} as ReturnType<typeof startApi>;
  before(() => Object.assign(holder, startApi(config?.())));
  return holder;
}

/** Waits until the customer's journey has processed `count` signals (alerts included). */
export async function waitProcessed(customerId: string, count = 1, timeoutMs = 15_000) {
  return eventually(
    async () => {
      const p = await h().client.workflow.getHandle(journeyWorkflowId(customerId)).query(riskProfileQuery);
      return p.signalsProcessed >= count ? p : null;
    },
    timeoutMs,
    `${count} processed signal(s) for ${customerId}`,
  );
}
