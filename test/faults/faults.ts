// Helpers of the fault tests (test/faults/*.fault.ts, `npm run test:faults`): a worker in a child
// process that can be SIGKILLed, a stream of signals, and the invariants checked after each fault.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { expect } from 'chai';
import { journeyWorkflowId, riskProfileQuery, type RiskProfile } from '../../domain/messages';
import { eventually, h, PSEUDONYM_SECRET } from '../harness';

let bundleFile: string | undefined;

/** The run's workflow bundle in a file, so a child worker starts in seconds instead of bundling. */
function sharedBundleFile(): string {
  if (!bundleFile) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fault-bundle-'));
    bundleFile = path.join(dir, 'bundle.json');
    fs.writeFileSync(bundleFile, JSON.stringify(h().bundle));
    process.once('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  }
  return bundleFile;
}

export interface ChildWorker {
  child: ChildProcess;
  /** Resolves once the child printed the line (READY, FROZEN); rejects if it exits first. */
  printed(line: string, timeoutMs?: number): Promise<void>;
  kill(): Promise<void>;
  /** A graceful stop (SIGTERM: the SDK shuts the worker down). */
  stop(): Promise<void>;
}

export async function startChildWorker(opts: { address: string; taskQueue: string; freezeAfterAlertCommit?: boolean }): Promise<ChildWorker> {
  const child = spawn(process.execPath, ['--require', 'tsx/cjs', path.join(__dirname, 'worker-child.ts')], {
    cwd: path.join(__dirname, '..', '..'),
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      FAULT_DATABASE_URL: h().databaseUrl,
      FAULT_TEMPORAL_ADDRESS: opts.address,
      FAULT_TASK_QUEUE: opts.taskQueue,
      FAULT_BUNDLE: sharedBundleFile(),
      FAULT_MASTER_KEY_ID: h().masterKey.id,
      FAULT_MASTER_KEY: h().masterKey.key.toString('hex'),
      FAULT_PSEUDONYM_SECRET: PSEUDONYM_SECRET,
      FAULT_FREEZE_AFTER_ALERT_COMMIT: opts.freezeAfterAlertCommit ? '1' : '',
    },
  });
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (err += d));
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      process.removeListener('exit', killOnExit);
      resolve();
    }),
  );
  const gone = () => child.exitCode !== null || child.signalCode !== null;
  const w: ChildWorker = {
    child,
    printed: (line, timeoutMs = 60_000) =>
      eventually(
        async () => {
          if (out.split('\n').includes(line)) return true;
          if (gone()) throw new Error(`worker exited (${child.exitCode ?? child.signalCode}) before ${line}: ${err.slice(-1000)}`);
          return false;
        },
        timeoutMs,
        `the child worker to print ${line}`,
      ).then(() => undefined),
    kill: async () => {
      if (!gone()) child.kill('SIGKILL');
      await exited;
    },
    stop: async () => {
      if (!gone()) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
  await w.printed('READY');
  return w;
}

export const CALM = ['All good so far, thanks.', 'The delivery arrived on time.', 'Could you send me the invoice again?', 'Thanks for the quick answer.'];
export const LEGAL = 'I have instructed my attorney to file a lawsuit against you.';

/** What the test posted and got 202 for, per customer. */
export class Accepted {
  readonly byCustomer = new Map<string, { ids: string[]; legal: boolean }>();
  add(customerId: string, signalId: string, legal: boolean) {
    const c = this.byCustomer.get(customerId) ?? { ids: [], legal: false };
    c.ids.push(signalId);
    c.legal ||= legal;
    this.byCustomer.set(customerId, c);
  }
  get ids() {
    return [...this.byCustomer.values()].flatMap((c) => c.ids);
  }
}

async function profileOf(client: Client, customerId: string): Promise<RiskProfile> {
  return client.workflow.getHandle(journeyWorkflowId(customerId)).query(riskProfileQuery);
}

/**
 * After a fault: every accepted signal analysed exactly once, each journey counted exactly its
 * signals, one legal_threat alert per customer who threatened (none for the others), no alert
 * set aside as processing_failed, and the alerts each journey holds open are the stored ones.
 */
export async function expectExactlyOnce(accepted: Accepted, client: Client = h().client, timeoutMs = 90_000) {
  const db = h().db;
  const customers = [...accepted.byCustomer.keys()];
  // Settled: every journey has counted at least its signals (more would be a failure below).
  await eventually(
    async () => {
      for (const [customerId, { ids }] of accepted.byCustomer) if ((await profileOf(client, customerId)).signalsProcessed < ids.length) return false;
      return true;
    },
    timeoutMs,
    'every journey to process its accepted signals',
  );
  const rows: { signal_id: string }[] = await db('analyses').whereIn('customer_id', customers).select('signal_id');
  const perSignal = new Map<string, number>();
  for (const r of rows) perSignal.set(r.signal_id, (perSignal.get(r.signal_id) ?? 0) + 1);
  expect([...perSignal.keys()].sort(), 'analysed signals = accepted signals').to.deep.equal([...accepted.ids].sort());
  expect([...perSignal.values()].every((n) => n === 1), 'each analysed once').to.equal(true);

  const alerts: { id: string; type: string; customer_id: string; dedup_id: string; workflow_id: string | null }[] = await db('alerts')
    .whereIn('customer_id', customers)
    .select('id', 'type', 'customer_id', 'dedup_id', 'workflow_id');
  expect(alerts.filter((a) => a.type === 'processing_failed'), 'nothing set aside').to.deep.equal([]);
  expect(new Set(alerts.map((a) => a.dedup_id)).size, 'one alert per dedup id').to.equal(alerts.length);
  for (const [customerId, { ids, legal }] of accepted.byCustomer) {
    const profile = await profileOf(client, customerId);
    expect(profile.signalsProcessed, `${customerId}: signals processed`).to.equal(ids.length);
    const mine = alerts.filter((a) => a.customer_id === customerId);
    expect(mine.filter((a) => a.type === 'legal_threat').length, `${customerId}: legal_threat alerts`).to.equal(legal ? 1 : 0);
    // Nothing is resolved in these tests: the journey holds open exactly the alerts it stored.
    const stored = mine.filter((a) => a.workflow_id === journeyWorkflowId(customerId)).map((a) => a.id).sort();
    expect(profile.openAlerts.map((a) => a.id).sort(), `${customerId}: the journey's open alerts are the stored ones`).to.deep.equal(stored);
  }
}

/**
 * As if the API died after Temporal took these signals but before it marked them delivered: they
 * are pending again, and the sweep delivers them a second time (the journey must recognise them).
 */
export async function forgetDelivery(ids: string[]) {
  await h().db('signals').whereIn('id', ids).update({ delivery_status: 'pending', delivered_at: null, next_attempt_at: null });
}

/** Waits until none of these signals is pending delivery any more. */
export async function waitDelivered(ids: string[], timeoutMs = 60_000) {
  await eventually(async () => Number((await h().db('signals').whereIn('id', ids).where('delivery_status', 'pending').count({ n: '*' }).first())!.n) === 0, timeoutMs, 'every signal delivered');
}

export type Fault = '500' | '429' | 'lose' | 'hang';

/**
 * In front of a fake provider (Salesforce, Twilio): the next requests that `faulty` picks meet
 * these faults in turn (answered 500 or 429 without reaching the provider, held past the
 * activity's timeout and dropped, or done with the reply lost); everything else passes through.
 */
export async function startFaultyProxy(target: string, faults: Fault[], faulty: (method: string, path: string) => boolean) {
  const held: http.ServerResponse[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', async () => {
      const fault = faulty(req.method ?? 'GET', new URL(req.url ?? '/', 'http://x').pathname) ? faults.shift() : undefined;
      if (fault === '500') return void res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify([{ errorCode: 'UNKNOWN_EXCEPTION', message: 'fault test' }]));
      if (fault === '429') return void res.writeHead(429, { 'content-type': 'application/json' }).end(JSON.stringify([{ errorCode: 'REQUEST_LIMIT_EXCEEDED', message: 'fault test' }]));
      // Held past the attempt's 30 s timeout, then the connection drops: the request never reached the provider.
      if (fault === 'hang') return void (held.push(res), setTimeout(() => res.socket?.destroy(), 35_000));
      const headers = Object.fromEntries(Object.entries(req.headers).filter(([k]) => !['host', 'content-length', 'connection'].includes(k))) as Record<string, string>;
      const body = chunks.length ? Buffer.concat(chunks) : undefined;
      const reply = await fetch(`${target}${req.url}`, { method: req.method, headers, body: req.method === 'GET' || req.method === 'HEAD' ? undefined : body });
      const text = Buffer.from(await reply.arrayBuffer());
      if (fault === 'lose') return void req.socket.destroy();
      res.writeHead(reply.status, { 'content-type': reply.headers.get('content-type') ?? 'application/json' }).end(text);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    faults,
    close: () => {
      for (const r of held) r.socket?.destroy();
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
