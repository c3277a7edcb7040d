// `npm run bench`: drives the real API, worker and dev server on loopback and prints a table.
// Bounded in count and time; figures are medians where repeated, and ratios are from this run.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { createDb, migrate } from '../db';
import { createScratchDatabase } from '../db/scratch';
import { freePort, startDevServer } from '../scripts/temporal-cli';
import { count } from './workflows';

const ROOT = path.join(__dirname, '..');
const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const N_BARE = env('BENCH_BARE_SIGNALS', 3000);
const N_E2E = env('BENCH_SIGNALS', 3000);
const SIGNALS_PER_CUSTOMER = 5;
const LATENCY_SECONDS = env('BENCH_LATENCY_SECONDS', 10);
const JOURNEYS = env('BENCH_JOURNEYS', 5000);
const GEO_ROUNDS = env('BENCH_GEO_ROUNDS', 5);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const pct = (xs: number[], p: number) => {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
};
const fmt = (x: number, d = 0) => (Number.isFinite(x) ? x.toFixed(d) : 'n/a');

function peakRssMiB(pid: number | undefined): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}

/** Runs `fn` over `items` with at most `limit` in flight. */
async function pool<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await fn(items[next++]);
  }));
}

function startProcess(script: string, vars: Record<string, string>): ChildProcess {
  const child = spawn(process.execPath, ['--require', 'tsx/cjs', script], {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: 'warn', ...vars },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  return child;
}

async function main() {
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const log = (m: string) => console.error(`[bench] ${m}`);
  const server = await startDevServer({ uiPort: null, log });
  const database = await createScratchDatabase(process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres', 'engagement_bench');
  const db = createDb(database.url);
  await migrate(db);
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  // The bench's own admin key (it sends upstream scores) and secrets; the per-key limit is off so the
  // figures measure the platform, not the throttle.
  const adminKey = `bench-${randomBytes(24).toString('base64url')}`;
  const authorization = `Bearer ${adminKey}`;
  const vars = {
    DATABASE_URL: database.url,
    TEMPORAL_ADDRESS: server.address,
    PORT: String(port),
    WINDOW_POLL_MS: '250',
    WINDOW_MAX_IDLE_MS: '1000',
    ADMIN_API_KEY: adminKey,
    SURVEY_SECRET: randomBytes(32).toString('base64url'),
    PSEUDONYM_SECRET: randomBytes(32).toString('base64url'),
    CODEC_MASTER_KEYS: `bench:${randomBytes(32).toString('base64')}`,
    RATE_LIMIT_KEY_PER_MINUTE: '0',
  };
  const worker = startProcess('worker/main.ts', vars);
  const api = startProcess('api/main.ts', vars);
  const clientConnection = await Connection.connect({ address: server.address });
  const client = new Client({ connection: clientConnection });
  const rows: [string, string][] = [];
  const post = (p: string, body: unknown) =>
    fetch(`${base}${p}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization }, body: JSON.stringify(body) });
  const analysed = async () => Number((await db('analyses').count({ n: '*' }).first())!.n);
  const waitAnalysed = async (target: number, timeoutMs = 600_000) => {
    const deadline = Date.now() + timeoutMs;
    while ((await analysed()) < target) {
      if (Date.now() > deadline) throw new Error(`only ${await analysed()} of ${target} signals analysed`);
      await sleep(50);
    }
  };

  try {
    for (let i = 0; ; i++) {
      const ok = await fetch(`${base}/readyz`).then((r) => r.ok, () => false);
      if (ok) break;
      if (i > 600) throw new Error('API did not become ready');
      await sleep(100);
    }
    log('platform ready');

    // 1. Bare Temporal: signalWithStart into a workflow that only counts.
    let received = 0;
    const nativeConnection = await NativeConnection.connect({ address: server.address });
    const bare = await Worker.create({
      connection: nativeConnection,
      taskQueue: 'bench-bare',
      workflowsPath: require.resolve('./workflows'),
      sinks: { counter: { received: { fn: () => void received++, callDuringReplay: false } } },
    });
    const bareRun = bare.run();
    const bareKeys = Array.from({ length: N_BARE }, (_, i) => `bare-${Math.floor(i / SIGNALS_PER_CUSTOMER)}`);
    let t0 = performance.now();
    await pool(bareKeys, 64, async (id) => {
      await client.workflow.signalWithStart('countingWorkflow', { workflowId: id, taskQueue: 'bench-bare', signal: count, signalArgs: [] });
    });
    while (received < N_BARE) await sleep(10);
    const bareRate = N_BARE / ((performance.now() - t0) / 1000);
    bare.shutdown();
    await bareRun;
    await nativeConnection.close();
    log(`bare: ${fmt(bareRate)} signals/s`);

    // 2. Ingestion, single endpoint.
    const text = 'The delivery was late again, terrible service, I want a refund';
    const singles = Array.from({ length: 2000 }, (_, i) => ({ customerId: `single-${i % 400}`, type: 'feedback', text, language: 'en' }));
    t0 = performance.now();
    await pool(singles, 32, async (s) => {
      const r = await post('/v1/signals', s);
      if (r.status !== 202) throw new Error(`single ingest: ${r.status}`);
      await r.arrayBuffer();
    });
    const singleRate = singles.length / ((performance.now() - t0) / 1000);
    await waitAnalysed(singles.length);

    // 3. Ingestion, batch endpoint.
    const batches = Array.from({ length: 10 }, (_, b) =>
      Array.from({ length: 500 }, (_, i) => ({ customerId: `batch-${(b * 500 + i) % 1000}`, type: 'review', text, language: 'en' })),
    );
    t0 = performance.now();
    await pool(batches, 2, async (signals) => {
      const r = await post('/v1/signals/batch', { signals });
      if (r.status !== 202) throw new Error(`batch ingest: ${r.status}`);
      await r.arrayBuffer();
    });
    const batchRate = 5000 / ((performance.now() - t0) / 1000);
    await waitAnalysed(7000);
    log(`ingestion: ${fmt(singleRate)} (single), ${fmt(batchRate)} (batch) signals/s`);

    // 4. End to end: accepted, analysed, rules evaluated.
    const before = await analysed();
    const e2e = Array.from({ length: N_E2E }, (_, i) => ({ customerId: `e2e-${Math.floor(i / SIGNALS_PER_CUSTOMER)}`, type: 'feedback', text, language: 'en' }));
    t0 = performance.now();
    for (let i = 0; i < e2e.length; i += 500) {
      const r = await post('/v1/signals/batch', { signals: e2e.slice(i, i + 500) });
      if (r.status !== 202) throw new Error(`e2e ingest: ${r.status}`);
    }
    await waitAnalysed(before + N_E2E);
    const e2eRate = N_E2E / ((performance.now() - t0) / 1000);
    log(`end to end: ${fmt(e2eRate)} signals/s`);

    // History events per signal over those journeys (start, signals, tasks, activities, timers).
    const journeyIds = [...new Set(e2e.map((s) => s.customerId))];
    let events = 0;
    await pool(journeyIds, 16, async (c) => {
      const d = await client.workflow.getHandle(`customer-journey/${c}`).describe();
      events += d.historyLength;
    });
    const eventsPerSignal = events / N_E2E;

    // 5. Latency at half the measured capacity: every signal fires legal_threat; seen on the stream.
    const sent = new Map<string, number>();
    const latencies: number[] = [];
    const stream = new AbortController();
    const streaming = (async () => {
      const r = await fetch(`${base}/v1/alerts/stream?type=legal_threat`, { headers: { authorization }, signal: stream.signal });
      const reader = r.body!.pipeThrough(new TextDecoderStream()).getReader();
      let buf = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        buf += value;
        let cut: number;
        while ((cut = buf.indexOf('\n\n')) >= 0) {
          const data = buf.slice(0, cut).split('\n').find((l) => l.startsWith('data:'));
          buf = buf.slice(cut + 2);
          if (!data) continue;
          const e = JSON.parse(data.slice(5));
          const at = sent.get(e.alert?.evidence?.signalIds?.[0]);
          if (e.action === 'created' && at !== undefined) latencies.push(performance.now() - at);
        }
      }
    })().catch(() => undefined);
    await sleep(500);
    // Two loads: light (10/s, new customers) and half the measured capacity (the end-to-end
    // phase's customers, one legal threat each, so every signal must raise its own alert).
    const offer = async (label: string, rate: number, seconds: number, customerOf: (i: number) => string) => {
      latencies.length = 0;
      const total = Math.round(rate * seconds);
      const start = performance.now();
      const inflight: Promise<unknown>[] = [];
      for (let i = 0; i < total; i++) {
        const wait = start + (i * 1000) / rate - performance.now();
        if (wait > 0) await sleep(wait);
        const id = `${label}-${i}`;
        sent.set(id, performance.now());
        inflight.push(post('/v1/signals', { id, customerId: customerOf(i), type: 'feedback', text: 'I will sue you, my lawyer is informed.', language: 'en' }).then((r) => r.arrayBuffer()));
      }
      await Promise.all(inflight);
      for (let i = 0; i < 300 && latencies.length < total; i++) await sleep(100);
      return { rate, total, seen: latencies.length, p50: pct(latencies, 50), p95: pct(latencies, 95), p99: pct(latencies, 99) };
    };
    const light = await offer('lat-light', 10, 5, (i) => `lat-light-${i}`);
    const half = await offer('lat-half', Math.max(1, Math.floor(e2eRate / 2)), LATENCY_SECONDS, (i) => (i < journeyIds.length ? journeyIds[i] : `lat-half-${i}`));

    // 6. Window rule latency: a geo cluster completed by its fifth signal.
    const geoLatencies: number[] = [];
    for (let round = 0; round < GEO_ROUNDS; round++) {
      const rootCause = `bench_outage_${round}`;
      const seen = (async () => {
        const start = Date.now();
        while (Date.now() - start < 30_000) {
          const hit = await db('alerts').where({ type: 'geo_concentration' }).whereRaw(`metadata->>'rootCause' = ?`, [rootCause]).first('created_at');
          if (hit) return performance.now();
          await sleep(20);
        }
        return NaN;
      })();
      let last = 0;
      for (let k = 0; k < 5; k++) {
        last = performance.now();
        await post('/v1/signals', { customerId: `geo-${round}-${k}`, type: 'feedback', text: 'No network since this morning', rootCause, location: { lat: 50 + round, lon: 8 + k * 0.01 } });
      }
      geoLatencies.push((await seen) - last);
    }
    stream.abort();
    await streaming;

    // 7. Many distinct journeys: the worker's memory must stay bounded.
    const jBefore = await analysed();
    for (let i = 0; i < JOURNEYS; i += 500) {
      const signals = Array.from({ length: Math.min(500, JOURNEYS - i) }, (_, k) => ({ customerId: `many-${i + k}`, type: 'login' }));
      await post('/v1/signals/batch', { signals });
    }
    await waitAnalysed(jBefore + JOURNEYS, 1_800_000);

    rows.push(
      ['bare Temporal (signalWithStart → counting workflow)', `${fmt(bareRate)} signals/s`],
      ['ingestion, POST /v1/signals (32 concurrent)', `${fmt(singleRate)} signals/s`],
      ['ingestion, POST /v1/signals/batch (500 per batch)', `${fmt(batchRate)} signals/s`],
      ['end to end (accepted → analysed, rules evaluated)', `${fmt(e2eRate)} signals/s`],
      ['ratio end to end / bare Temporal', fmt(e2eRate / bareRate, 2)],
      ...[light, half].map((l): [string, string] => [
        `signal → legal_threat alert at ${l.rate}/s: p50 / p95 / p99`,
        `${fmt(l.p50)} / ${fmt(l.p95)} / ${fmt(l.p99)} ms (${l.seen}/${l.total} seen)`,
      ]),
      [`5th signal → geo_concentration alert (${GEO_ROUNDS} rounds): p50 / max`, `${fmt(pct(geoLatencies, 50))} / ${fmt(Math.max(...geoLatencies))} ms`],
      ['Temporal history events per signal (5 signals per journey)', fmt(eventsPerSignal, 2)],
      [`worker peak RSS (after ${JOURNEYS} more distinct journeys)`, `${fmt(peakRssMiB(worker.pid))} MiB`],
      ['API peak RSS', `${fmt(peakRssMiB(api.pid))} MiB`],
    );
    const width = Math.max(...rows.map((r) => r[0].length));
    console.log(`\nengagement platform benchmark — ${new Date().toISOString().slice(0, 10)}, ${os.cpus().length} cores, ${os.cpus()[0]?.model ?? ''}, Node ${process.version}`);
    for (const [k, v] of rows) console.log(`${k.padEnd(width)}  ${v}`);
  } finally {
    worker.kill('SIGTERM');
    api.kill('SIGTERM');
    await Promise.all([worker, api].map((c) => new Promise((r) => (c.exitCode !== null ? r(null) : c.once('exit', r)))));
    await clientConnection.close();
    await db.destroy();
    await database.drop();
    await server.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
