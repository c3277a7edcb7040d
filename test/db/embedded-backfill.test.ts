// A multi-day backfill through the embedded database, wired the way `npm start` wires it: PGlite
// behind its wire socket with a data folder, the real worker and the API, on a dev server of
// their own (one window-rules workflow per namespace, as in `npm start`).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Server } from 'node:http';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, type Worker } from '@temporalio/worker';
import { expect } from 'chai';
import { loadTextAnalyzer } from '../../analysis';
import { createApp } from '../../api/app';
import { loadConfig, type Config } from '../../config';
import { createDb, migrate, type Db } from '../../db';
import { createApiKey } from '../../db/api-keys';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../../db/embedded';
import { journeyWorkflowId, riskProfileQuery } from '../../domain/messages';
import { createCodec } from '../../privacy';
import { startDevServer, type DevServer } from '../../scripts/temporal-cli';
import { createWorker } from '../../worker/create';
import { ensureRetentionSchedule } from '../../worker/retention-schedule';
import { ensureSegmentsSchedule } from '../../worker/segments-schedule';
import { ensureWindowRules } from '../../worker/window-rules';
import { eventually, h, log, PSEUDONYM_SECRET } from '../harness';

const CUSTOMERS = 300;
const PER_CUSTOMER = 10;
const BATCH = 200;
const DAYS = 5;
const LEGAL_DE = 'Wenn das nicht geklärt wird, schalte ich meinen Anwalt ein.';
const LEGAL_EN = 'I will sue you, my lawyer is already informed.';
const CALM = ['Die Lieferung kam pünktlich, danke!', 'Great app, works fine.'];
/** The customer whose legal threat comes twice. */
const REPEATER = 61;

describe('embedded Postgres: a five-day backfill the way `npm start` runs it', function () {
  this.timeout(240_000);
  const run = Date.now().toString(36);
  let dir: string;
  let server: DevServer;
  let pg: EmbeddedPostgres;
  let db: Db;
  let clientConnection: Connection;
  let workerConnection: NativeConnection;
  let worker: Worker;
  let running: Promise<void>;
  let http: Server;
  let base: string;
  let stopApi: () => Promise<void>;
  let key: string;
  let client: Client;

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pglite-backfill-'));
    server = await startDevServer({ uiPort: null, log: () => {} });
    // What scripts/start.ts does without DATABASE_URL: a data folder, one pooled connection.
    pg = await startEmbeddedPostgres({ dataDir: path.join(dir, 'pglite') });
    db = createDb(pg.url, { pool: 1 });
    await migrate(db);
    key = (await createApiKey(db, { name: 'backfill', role: 'ingest', createdBy: 'test' })).key;
    const env = loadConfig({ ...process.env, DATABASE_URL: pg.url });
    const config: Config = {
      ...env,
      pseudonymSecret: PSEUDONYM_SECRET,
      codec: { ...env.codec, masterKeys: [h().masterKey] },
      temporal: { ...env.temporal, address: server.address, taskQueue: `backfill-${run}` },
    };
    const codec = createCodec(db, config.codec.masterKeys);
    clientConnection = await Connection.connect({ address: server.address });
    client = new Client({ connection: clientConnection, namespace: config.temporal.namespace, dataConverter: { payloadCodecs: [codec] } });
    workerConnection = await NativeConnection.connect({ address: server.address });
    worker = await createWorker({
      db,
      analyzer: loadTextAnalyzer(),
      connection: workerConnection,
      namespace: config.temporal.namespace,
      taskQueue: config.temporal.taskQueue,
      workflowBundle: h().bundle,
      codec,
      pseudonymSecret: config.pseudonymSecret,
    });
    running = worker.run();
    await ensureWindowRules(client, config);
    await ensureRetentionSchedule(client, config);
    await ensureSegmentsSchedule(client, config);
    const { app, journeys, feed } = createApp({ config, db, client, log, codec });
    journeys.startSweep();
    http = await new Promise<Server>((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    base = `http://127.0.0.1:${(http.address() as { port: number }).port}`;
    stopApi = async () => {
      await journeys.stopSweep();
      await feed.close();
      await new Promise((r) => (http.close(r), http.closeAllConnections()));
    };
  });

  after(async function () {
    this.timeout(60_000);
    // Each step runs even if an earlier one fails: nothing may outlive the test.
    const steps = [
      () => stopApi?.(),
      async () => {
        if (worker?.getState() === 'RUNNING') worker.shutdown();
        await running;
      },
      () => workerConnection?.close(),
      () => clientConnection?.close(),
      () => db?.destroy(),
      () => pg?.stop(),
      () => server?.stop(),
    ];
    for (const step of steps) await Promise.resolve().then(step).catch(() => undefined);
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('analyses every signal once, raises the expected alerts once, and the database still answers', async () => {
    const customerId = (i: number) => `bf-${run}-${i}`;
    // Legal threats, each customer's own, spread over the five days.
    const threats = new Map<number, string>([
      [7, LEGAL_DE],
      [61, LEGAL_DE],
      [150, LEGAL_EN],
      [222, LEGAL_DE],
      [299, LEGAL_DE],
    ]);
    const start = Date.now() - DAYS * 24 * 3600_000;
    const step = (DAYS * 24 * 3600_000 - 3600_000) / (CUSTOMERS * PER_CUSTOMER);
    const signals = Array.from({ length: CUSTOMERS * PER_CUSTOMER }, (_, k) => {
      const c = k % CUSTOMERS;
      const n = Math.floor(k / CUSTOMERS);
      const id = `bf-${run}-${k}`;
      const occurredAt = new Date(start + k * step).toISOString();
      if (n === 4 && threats.has(c)) return { id, customerId: customerId(c), type: 'feedback', channel: 'email', text: threats.get(c), occurredAt };
      // A repeat half a day later, inside the cooldown: suppressed and counted on the first one's alert.
      if (n === 5 && c === REPEATER) return { id, customerId: customerId(c), type: 'feedback', channel: 'email', text: LEGAL_EN, occurredAt };
      if (k % 3 === 0) return { id, customerId: customerId(c), type: 'login', channel: 'app', occurredAt };
      return { id, customerId: customerId(c), type: 'feedback', channel: 'app', text: CALM[k % 2], language: k % 2 ? 'en' : 'de', occurredAt };
    });

    let accepted = 0;
    for (let i = 0; i < signals.length; i += BATCH) {
      const res = await fetch(`${base}/v1/signals/batch`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
        body: JSON.stringify({ signals: signals.slice(i, i + BATCH) }),
      });
      const body = (await res.json()) as { accepted: number };
      expect(res.status, JSON.stringify(body).slice(0, 300)).to.equal(202);
      accepted += body.accepted;
    }
    expect(accepted).to.equal(signals.length);

    const ids = signals.map((s) => s.id);
    await eventually(
      async () => Number((await db('analyses').whereIn('signal_id', ids).count({ n: '*' }).first())!.n) === ids.length,
      150_000,
      `${ids.length} analyses`,
    );

    // Exactly once: one analysis per signal, and each journey counted each of its signals once.
    const analysed = await db('analyses').whereIn('signal_id', ids).select('signal_id');
    expect(new Set(analysed.map((r) => r.signal_id)).size).to.equal(ids.length);
    let processed = 0;
    for (let c = 0; c < CUSTOMERS; c++) {
      processed += (await client.workflow.getHandle(journeyWorkflowId(customerId(c))).query(riskProfileQuery)).signalsProcessed;
    }
    expect(processed).to.equal(ids.length);

    // The expected alerts, each once; no rule fired twice for the same reason.
    const legal = await db('alerts').where('type', 'legal_threat').whereLike('customer_id', `bf-${run}-%`).select('customer_id');
    expect(legal.map((r) => r.customer_id).sort()).to.deep.equal([...threats.keys()].map(customerId).sort());
    const doubled = await db('alerts').groupBy('type', 'customer_id', 'key').havingRaw('count(*) > 1').select('type', 'customer_id');
    expect(doubled, 'alerts raised twice').to.deep.equal([]);
    const repeated = await db('alerts').where({ type: 'legal_threat', customer_id: customerId(REPEATER) }).first('id', 'suppressed_count');
    expect(repeated?.suppressed_count, 'the repeated threat counted once on the open alert').to.equal(1);
    expect(await db('alert_events').where({ alert_id: repeated!.id, action: 'suppressed' }).count({ n: '*' }).first()).to.deep.equal({ n: 1 });

    // The database still answers, on the pool and on a connection of its own.
    expect((await db.raw('select 1 as one')).rows[0].one).to.equal(1);
    const res = await fetch(`${base}/readyz`);
    expect(res.status).to.equal(200);
  });
});
