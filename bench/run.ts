// `npm run bench`: drives the real API, worker and dev server on loopback and prints a table.
// Every throughput and latency figure is the median of BENCH_REPS repetitions (default 3); each
// ratio is taken within one repetition (bare Temporal, then both ingestion paths, back to back)
// and its median reported. Bounded in count and time.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { createDb, migrate } from '../db';
import { createScratchDatabase } from '../db/scratch';
import { CLI_VERSION, findTemporalCli, freePort, startDevServer } from '../scripts/temporal-cli';
import { count } from './workflows';

const ROOT = path.join(__dirname, '..');
const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const REPS = Math.max(1, env('BENCH_REPS', 3));
const N = env('BENCH_SIGNALS', 2000);
const SIGNALS_PER_CUSTOMER = 5;
const SINGLE_CONCURRENCY = env('BENCH_CONCURRENCY', 64);
const LATENCY_SECONDS = env('BENCH_LATENCY_SECONDS', 10);
const HOT_SECONDS = env('BENCH_HOT_SECONDS', 180);
const HOT_RATE = env('BENCH_HOT_RATE', 50);
const JOURNEYS = env('BENCH_JOURNEYS', 5000);
const GEO_ROUNDS = env('BENCH_GEO_ROUNDS', 5);
const WARMUP = env('BENCH_WARMUP', 1000);
/** The worker's workflow cache (its own default, or WORKER_MAX_CACHED_WORKFLOWS passed on to it); the bare worker keeps as many. */
const CACHED_WORKFLOWS = env('WORKER_MAX_CACHED_WORKFLOWS', 500);
const TEXT = 'The delivery was late again, terrible service, I want a refund';
const LEGAL = 'I will sue you, my lawyer is informed.';

const PATHS = ['bare', 'batch', 'single'] as const;
type Path = (typeof PATHS)[number];
const PATH_NAMES: Record<Path, string> = { bare: 'bare Temporal', batch: 'batch path', single: 'single-request path' };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const pct = (xs: number[], p: number) => {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
};
const median = (xs: number[]) => pct(xs, 50);
const fmt = (x: number, d = 0) => (Number.isFinite(x) ? x.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d }) : 'n/a');
const spread = (xs: number[], d = 0) => (xs.length > 1 ? ` (runs: ${xs.map((x) => fmt(x, d)).join(', ')})` : '');

function procStatus(pid: number | undefined, field: 'VmHWM' | 'VmRSS'): number {
  try {
    const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}

/** CPU seconds (user + system) used so far by the processes whose pid passes `which`. */
function cpuSeconds(which: (pid: number, comm: string) => boolean): number {
  const tick = 100; // USER_HZ on Linux
  let total = 0;
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${d}/stat`, 'utf8');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      if (!which(Number(d), comm)) continue;
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // Own time and that of children it has reaped: Postgres backends that closed (idle pool
      // connections) leave their time with the postmaster instead of taking it out of the sum.
      total += (Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) / tick;
    } catch {
      // the process ended meanwhile
    }
  }
  return total;
}

/** The machine's CPU time so far (/proc/stat): all of it and the part the hypervisor gave to other guests (steal). */
function machineCpu(): { total: number; steal: number } {
  const f = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1, 9).map(Number);
  return { total: f.reduce((a, b) => a + b, 0), steal: f[7] ?? 0 };
}
/** Share of the machine's CPU time stolen since `before`. */
const stolenSince = (before: { total: number; steal: number }) => {
  const now = machineCpu();
  return (now.steal - before.steal) / Math.max(1, now.total - before.total);
};

/** Runs `fn` over `items` with at most `limit` in flight. */
async function pool<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) await fn(items[next++]);
    }),
  );
}

/** BENCH_PROFILE_DIR: the worker and the API write V8 CPU profiles there (for finding where the time goes). */
function startProcess(script: string, vars: Record<string, string>): ChildProcess {
  const profile = process.env.BENCH_PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE_DIR}`] : [];
  // As `npm run worker` starts it (package.json): the heap limit keeps the worker's memory near what it holds.
  const heap = script.startsWith('worker/') ? ['--max-old-space-size=512'] : [];
  return spawn(process.execPath, [...profile, ...heap, '--require', 'tsx/cjs', script], {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: 'warn', ...vars },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

/** One counter's value from a Prometheus text page (summed over its labels). */
async function scrape(url: string, name: string): Promise<number> {
  const text = await fetch(url).then((r) => r.text());
  let sum = 0;
  for (const line of text.split('\n')) if (line.startsWith(`${name} `) || line.startsWith(`${name}{`)) sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  return sum;
}

async function main() {
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const log = (m: string) => console.error(`[bench] ${m}`);
  const server = await startDevServer({ uiPort: null, log });
  const database = await createScratchDatabase(process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres', 'engagement_bench');
  const db = createDb(database.url);
  await migrate(db);
  const port = await freePort();
  const workerMetricsPort = await freePort();
  const base = `http://127.0.0.1:${port}`;
  // The bench's own admin key (it sends upstream scores) and secrets; the per-key limit is off so the
  // figures measure the platform, not the throttle.
  const adminKey = `bench-${randomBytes(24).toString('base64url')}`;
  const authorization = `Bearer ${adminKey}`;
  const vars = {
    DATABASE_URL: database.url,
    TEMPORAL_ADDRESS: server.address,
    PORT: String(port),
    WORKER_METRICS_PORT: String(workerMetricsPort),
    WORKER_SDK_METRICS_PORT: '0',
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
  // The load generator shares the machine with the platform, so its client is node:http over kept-alive
  // sockets: fetch cost about four times the CPU per request here (0.42 against 0.09 ms, client and a
  // trivial server in one process, 5,000 requests at 64 in flight).
  const agent = new http.Agent({ keepAlive: true, maxSockets: 2 * SINGLE_CONCURRENCY });
  const post = (p: string, body: unknown, retried = false): Promise<{ status: number; text: string }> =>
    new Promise((resolve, reject) => {
      const data = JSON.stringify(body);
      const req = http.request(`${base}${p}`, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data), authorization } }, (res) => {
        const parts: Buffer[] = [];
        res.on('data', (c: Buffer) => parts.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(parts).toString() }));
        res.on('error', reject);
      });
      req.on('error', (err: NodeJS.ErrnoException) => {
        // A kept-alive socket the server closed as idle just as this request went out on it: the
        // server never read the request, so it is sent again, once, on a new socket (Node's docs).
        if (req.reusedSocket && err.code === 'ECONNRESET' && !retried) post(p, body, true).then(resolve, reject);
        else reject(err);
      });
      req.end(data);
    });
  const analysed = async () => Number((await db('analyses').count({ n: '*' }).first())!.n);
  // A count over a growing table costs Postgres CPU the platform needs too (1.5 ms a count late in
  // a run), so the wait sleeps a millisecond per signal still to come: the platform is not nearly
  // that fast (at most about 200 signals/s here), so the wait never sleeps past the end. Near the
  // end it polls every 50 ms (the phases last 10 s or more: an error under 1 %), every second while
  // holding many journeys.
  const waitAnalysed = async (target: number, timeoutMs = 600_000, everyMs = 50) => {
    const deadline = Date.now() + timeoutMs;
    for (let done = await analysed(); done < target; done = await analysed()) {
      if (Date.now() > deadline) throw new Error(`only ${done} of ${target} signals analysed`);
      await sleep(Math.max(everyMs, target - done));
    }
  };
  const statements = async () =>
    (await scrape(`${base}/metrics`, 'db_statements_total')) + (await scrape(`http://127.0.0.1:${workerMetricsPort}/metrics`, 'db_statements_total'));
  const processes = {
    'Temporal dev server': (_pid: number, comm: string) => comm === 'temporal',
    worker: (pid: number) => pid === worker.pid,
    API: (pid: number) => pid === api.pid,
    Postgres: (_pid: number, comm: string) => comm.startsWith('postgres'),
    // The load generator; on the bare path also the counting workflow's worker.
    bench: (pid: number) => pid === process.pid,
  };
  const cpuNow = () => Object.fromEntries(Object.entries(processes).map(([k, f]) => [k, cpuSeconds(f)]));
  /** CPU milliseconds per signal (= CPU seconds per 1,000 signals) by process since `before`, over `signals`. */
  const cpuPerSignalSince = (before: Record<string, number>, signals: number) => {
    const after = cpuNow();
    return Object.fromEntries(Object.keys(before).map((k) => [k, ((after[k] - before[k]) * 1000) / signals]));
  };
  const eventsOf = async (customers: string[]) => {
    let events = 0;
    await pool(customers, 16, async (c) => {
      const d = await client.workflow.getHandle(`customer-journey/${c}`).describe();
      events += d.historyLength; // (not `events += await …`: that reads events before the await)
    });
    return events;
  };

  try {
    for (let i = 0; ; i++) {
      const ok = await fetch(`${base}/readyz`).then((r) => r.ok, () => false);
      if (ok) break;
      if (i > 600) throw new Error('API did not become ready');
      await sleep(100);
    }
    for (let i = 0; ; i++) {
      const ok = await fetch(`http://127.0.0.1:${workerMetricsPort}/metrics`).then((r) => r.ok, () => false);
      if (ok) break;
      if (i > 600) throw new Error('worker did not start');
      await sleep(100);
    }
    log('platform ready');
    // 1. Throughput, REPS times: bare Temporal, the batch path and the single-request path, back to back.
    let received = 0;
    const nativeConnection = await NativeConnection.connect({ address: server.address });
    const bare = await Worker.create({
      connection: nativeConnection,
      taskQueue: 'bench-bare',
      workflowsPath: require.resolve('./workflows'),
      sinks: { counter: { received: { fn: () => void received++, callDuringReplay: false } } },
      // As many cached workflows as the platform's worker keeps, so both evict alike.
      maxCachedWorkflows: CACHED_WORKFLOWS,
    });
    const bareRun = bare.run();
    /** The three paths as the repetitions drive them: `n` signals, 5 per customer `${name}-<k>`. */
    const customerOf = (name: string, i: number) => `${name}-${Math.floor(i / SIGNALS_PER_CUSTOMER)}`;
    /** The distinct customers of a run of `signals` signals named `name`. */
    const customersOf = (name: string, signals: number) => Array.from({ length: Math.ceil(signals / SIGNALS_PER_CUSTOMER) }, (_, k) => `${name}-${k}`);
    const feedback = (customerId: string) => ({ customerId, type: 'feedback', text: TEXT, language: 'en' });
    // Bare Temporal: one signalWithStart per signal into a workflow that only counts (what a team
    // writing this by hand would do per event).
    const signalBare = async (workflowId: string) =>
      void (await client.workflow.signalWithStart('countingWorkflow', { workflowId, taskQueue: 'bench-bare', signal: count, signalArgs: [] }));
    const sendBare = (name: string, n: number) => pool(Array.from({ length: n }, (_, i) => customerOf(name, i)), SINGLE_CONCURRENCY, signalBare);
    // Batch path: 500 signals per request.
    const sendBatch = async (name: string, n: number) => {
      for (let i = 0; i < n; i += 500) {
        const r = await post('/v1/signals/batch', { signals: Array.from({ length: Math.min(500, n - i) }, (_, k) => feedback(customerOf(name, i + k))) });
        if (r.status !== 202) throw new Error(`batch ingest: ${r.status}`);
      }
    };
    // Single-request path: one POST /v1/signals per signal, SINGLE_CONCURRENCY in flight, the i-th to `customerAt(i)`.
    const sendSingle = (n: number, customerAt: (i: number) => string) =>
      pool(
        Array.from({ length: n }, (_, i) => i),
        SINGLE_CONCURRENCY,
        async (i) => {
          const r = await post('/v1/signals', feedback(customerAt(i)));
          if (r.status !== 202) throw new Error(`single ingest: ${r.status}`);
        },
      );
    // Warm-up: BENCH_WARMUP signals through each of the three paths, as the repetitions send them.
    // The first journeys pay for bundles, caches and connections, and each process's code runs cold
    // until V8 has compiled it: with 200 signals of warm-up, the first repetition's ratios read
    // 0.74 / 0.69 and the next two 0.89 / 1.03 and 1.01 / 1.33 (2026-12-03 16:15).
    await sendBare('warm-bare', WARMUP);
    while (received < WARMUP) await sleep(5);
    const warming = await analysed();
    await sendBatch('warm-batch', WARMUP);
    await sendSingle(WARMUP, (i) => customerOf('warm-single', i));
    await waitAnalysed(warming + 2 * WARMUP);
    log('warmed up');
    type Run = { bare: number; batchAccept: number; batch: number; singleAccept: number; single: number; events: { batch: number; single: number }; statements: { batch: number; single: number }; cpu: Record<Path, Record<string, number>>; steal: Record<Path, number> };
    const runs: Run[] = [];
    for (let rep = 0; rep < REPS; rep++) {
      const name = (p: Path) => `${p}-${rep}`;
      received = 0;
      let cpu = cpuNow();
      let machine = machineCpu();
      let t0 = performance.now();
      await sendBare(name('bare'), N);
      while (received < N) await sleep(5);
      const bareRate = N / ((performance.now() - t0) / 1000);
      const bareCpu = cpuPerSignalSince(cpu, N);
      const bareSteal = stolenSince(machine);

      // Batch path: accepted → analysed and the rules evaluated.
      let before = await analysed();
      let stmts = await statements();
      cpu = cpuNow();
      machine = machineCpu();
      t0 = performance.now();
      await sendBatch(name('batch'), N);
      const batchAccept = N / ((performance.now() - t0) / 1000);
      await waitAnalysed(before + N);
      const batchRate = N / ((performance.now() - t0) / 1000);
      const batchCpu = cpuPerSignalSince(cpu, N);
      const batchSteal = stolenSince(machine);
      const batchStatements = ((await statements()) - stmts) / N;

      // Single-request path.
      before = await analysed();
      stmts = await statements();
      cpu = cpuNow();
      machine = machineCpu();
      t0 = performance.now();
      await sendSingle(N, (i) => customerOf(name('single'), i));
      const singleAccept = N / ((performance.now() - t0) / 1000);
      await waitAnalysed(before + N);
      const singleRate = N / ((performance.now() - t0) / 1000);
      const singleCpu = cpuPerSignalSince(cpu, N);
      const singleSteal = stolenSince(machine);
      const singleStatements = ((await statements()) - stmts) / N;
      const customers = (p: Path) => customersOf(name(p), N);
      const events = { batch: (await eventsOf(customers('batch'))) / N, single: (await eventsOf(customers('single'))) / N };
      if (process.env.BENCH_SHOW_HISTORY) {
        for (const p of ['batch', 'single'] as const) {
          const history = await client.workflow.getHandle(`customer-journey/${customerOf(name(p), 0)}`).fetchHistory();
          log(`${p} journey history: ${history.events?.map((e) => String(e.eventType).replace('EVENT_TYPE_', '')).join(', ')}`);
        }
      }
      runs.push({ bare: bareRate, batchAccept, batch: batchRate, singleAccept, single: singleRate, events, statements: { batch: batchStatements, single: singleStatements }, cpu: { bare: bareCpu, batch: batchCpu, single: singleCpu }, steal: { bare: bareSteal, batch: batchSteal, single: singleSteal } });
      log(`run ${rep + 1}/${REPS}: bare ${fmt(bareRate)}, batch ${fmt(batchRate)}, single ${fmt(singleRate)} signals/s end to end`);
    }
    // Bare Temporal with one signal per workflow activation, the shape of phase 2b below: a
    // signalWithStart to each counting workflow of a repetition, in repetition order, so each one
    // has left the cache since (the repetitions after it, or the one before here, filled it; at the
    // default sizes, 1,200 workflows against a cache of 500).
    const earlierCustomers = Math.floor(N / SIGNALS_PER_CUSTOMER);
    const bareActivation: { rate: number; cpu: Record<string, number> }[] = [];
    for (let rep = 0; rep < REPS; rep++) {
      received = 0;
      const cpu = cpuNow();
      const t0 = performance.now();
      await pool(customersOf(`bare-${rep}`, N), SINGLE_CONCURRENCY, signalBare);
      while (received < earlierCustomers) await sleep(5);
      bareActivation.push({ rate: earlierCustomers / ((performance.now() - t0) / 1000), cpu: cpuPerSignalSince(cpu, earlierCustomers) });
    }
    bare.shutdown();
    await bareRun;
    await nativeConnection.close();
    const of = (f: (r: Run) => number) => runs.map(f);
    /** A figure per throughput path: medians joined by " / ", then every run's. */
    const perPath = (f: (r: Run, p: Path) => number, show: (x: number) => string) =>
      `${PATHS.map((p) => show(median(of((r) => f(r, p))))).join(' / ')} (runs: ${PATHS.map((p) => runs.map((r) => show(f(r, p))).join(', ')).join(' / ')})`;
    const cpuOf = (r: Run, p: Path) => Object.values(r.cpu[p]).reduce((a, b) => a + b, 0);
    const singleCapacity = median(of((r) => r.single));

    // 2. Signal → legal_threat alert, seen on the alert stream: light load (new customers, 10/s) and
    // half the single-request capacity, in two shapes: one signal to each of many earlier customers,
    // and the capacity run's own shape (5 signals per customer).
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
    /**
     * Sends rate × seconds signals, a legal threat where `legal(i)` (the others plain feedback), and
     * times the threats' alerts; `together` signals at a time, back to back, at that average rate.
     */
    const offer = async (label: string, rate: number, seconds: number, customerFor: (i: number) => string, legal = (_i: number) => true, together = 1) => {
      latencies.length = 0;
      const count = Math.round(rate * seconds);
      const cpu = cpuNow();
      let total = 0;
      let failed = 0;
      const start = performance.now();
      const inflight: Promise<unknown>[] = [];
      for (let i = 0; i < count; i++) {
        const wait = start + (Math.floor(i / together) * together * 1000) / rate - performance.now();
        if (wait > 0) await sleep(wait);
        const id = `${label}-${i}`;
        const threat = legal(i);
        if (threat) {
          sent.set(id, performance.now());
          total++;
        }
        // A request that fails is counted (its threat then is not seen), not fatal to the run.
        inflight.push(post('/v1/signals', { id, customerId: customerFor(i), type: 'feedback', text: threat ? LEGAL : TEXT, language: 'en' }).then((r) => void (r.status === 202 || failed++), () => void failed++));
      }
      await Promise.all(inflight);
      for (let i = 0; i < 300 && latencies.length < total; i++) await sleep(100);
      // From the first request until the last alert was seen.
      const cpuPerSignal = cpuPerSignalSince(cpu, count);
      return { total, seen: latencies.length, failed, p50: pct(latencies, 50), p95: pct(latencies, 95), p99: pct(latencies, 99), cpuPerSignal };
    };
    const halfRate = Math.max(1, Math.floor(singleCapacity / 2));
    /** Threats whose alert was seen, of those sent, per repetition (and requests that failed, if any). */
    const seenOf = (runs: Awaited<ReturnType<typeof offer>>[]) => runs.map((l) => `${l.seen}/${l.total}${l.failed ? ` (${l.failed} requests failed)` : ''}`).join(', ');
    /** p50 / p95 / p99 (medians of the repetitions), each repetition's p99, and what was seen. */
    const underLoad = (runs: Awaited<ReturnType<typeof offer>>[]) =>
      `${fmt(median(runs.map((l) => l.p50)))} / ${fmt(median(runs.map((l) => l.p95)))} / ${fmt(median(runs.map((l) => l.p99)))} ms (p99 per run: ${runs.map((l) => fmt(l.p99)).join(', ')}; seen ${seenOf(runs)})`;
    const light: Awaited<ReturnType<typeof offer>>[] = [];
    const half: Awaited<ReturnType<typeof offer>>[] = [];
    const halfShaped: Awaited<ReturnType<typeof offer>>[] = [];
    const halfTogether: Awaited<ReturnType<typeof offer>>[] = [];
    // Customers of the warm-up and of the batch path's throughput runs, whose journeys have left the
    // cache (those of the single-request runs are 2b's below, legal threats included, and a
    // customer's second threat falls in the first one's cooldown); each signal of a phase to
    // another, the next phase going on where this one stopped.
    const earlier = [...customersOf('warm-batch', WARMUP), ...customersOf('warm-single', WARMUP), ...Array.from({ length: REPS }, (_, r) => customersOf(`batch-${r}`, N)).flat()];
    const halfCount = Math.round(halfRate * LATENCY_SECONDS);
    for (let rep = 0; rep < REPS; rep++) {
      light.push(await offer(`lat-light-${rep}`, 10, 5, (i) => `lat-light-${rep}-${i}`));
      // 5 signals per new customer, the third of each five a legal threat: spread evenly (a
      // customer's signals 1/rate apart), and sent together as the capacity run's 64 requests in
      // flight send them (a customer's five back to back).
      const threat = (i: number) => i % SIGNALS_PER_CUSTOMER === 2;
      const shaped = (i: number) => `lat-shaped-${rep}-${Math.floor(i / SIGNALS_PER_CUSTOMER)}`;
      halfShaped.push(await offer(`lat-shaped-${rep}`, halfRate, LATENCY_SECONDS, shaped, threat));
      const together = (i: number) => `lat-together-${rep}-${Math.floor(i / SIGNALS_PER_CUSTOMER)}`;
      halfTogether.push(await offer(`lat-together-${rep}`, halfRate, LATENCY_SECONDS, together, threat, SIGNALS_PER_CUSTOMER));
      // Each signal to an earlier customer, once each (a legal threat per customer, so every one
      // must raise its own alert); when they run out, to new customers.
      half.push(await offer(`lat-half-${rep}`, halfRate, LATENCY_SECONDS, (i) => earlier[rep * halfCount + i] ?? `lat-half-${rep}-${i}`));
    }
    // 2b. One signal per journey activation is its own capacity: many customers each sending now and
    // then, so each signal reaches a journey the worker's cache no longer holds (replayed first).
    // Measured like the single-request path (closed loop, SINGLE_CONCURRENCY in flight), each signal
    // to another customer of that path's throughput run; then legal threats at half of it.
    const perJourney: { rate: number; cpu: Record<string, number> }[] = [];
    for (let rep = 0; rep < REPS; rep++) {
      const before = await analysed();
      const cpu = cpuNow();
      const t0 = performance.now();
      await sendSingle(earlierCustomers, (k) => `single-${rep}-${k}`);
      await waitAnalysed(before + earlierCustomers);
      const rate = earlierCustomers / ((performance.now() - t0) / 1000);
      perJourney.push({ rate, cpu: cpuPerSignalSince(cpu, earlierCustomers) });
    }
    if (process.env.BENCH_SHOW_HISTORY) {
      for (const id of ['customer-journey/single-0-0', 'bare-0-0']) {
        const history = await client.workflow.getHandle(id).fetchHistory();
        const bytes = temporal.api.history.v1.History.encode(history).finish().length;
        log(`${id} after one signal per activation: ${bytes} bytes; ${history.events?.map((e) => `${temporal.api.enums.v1.EventType[e.eventType ?? 0]?.replace('EVENT_TYPE_', '')}:${temporal.api.history.v1.HistoryEvent.encode(e).finish().length}`).join(', ')}`);
      }
    }
    const perJourneyCapacity = median(perJourney.map((r) => r.rate));
    const perJourneyRatios = perJourney.map((r, rep) => r.rate / bareActivation[rep].rate);
    const halfPerJourneyRate = Math.max(1, Math.floor(perJourneyCapacity / 2));
    const halfPerJourney: Awaited<ReturnType<typeof offer>>[] = [];
    // The repetitions above touched every journey of the throughput runs' single-request path since
    // these: most are out of the cache again.
    for (let rep = 0; rep < REPS; rep++) halfPerJourney.push(await offer(`lat-one-${rep}`, halfPerJourneyRate, LATENCY_SECONDS, (i) => `single-${rep}-${i % earlierCustomers}`));
    stream.abort();
    await streaming;

    // 3. Window rule: a geo cluster completed by its fifth signal.
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

    // 4. A hot customer: one id at HOT_RATE signals/s for HOT_SECONDS, one request each; beside it,
    // bystanders (every tenth request another new customer) whose latency the hot one may hold up.
    const hot = `hot-${Date.now()}`;
    const bystander = (i: number) => `${hot}-bystander-${i}`;
    const hotStart = performance.now();
    const hotTotal = Math.round(HOT_RATE * HOT_SECONDS);
    const hotInflight: Promise<unknown>[] = [];
    let hotErrors = 0;
    // Why requests were refused: status codes and error codes, with their counts.
    const hotErrorKinds = new Map<string, number>();
    const refused = (kind: string) => {
      hotErrors++;
      hotErrorKinds.set(kind, (hotErrorKinds.get(kind) ?? 0) + 1);
    };
    for (let i = 0; i < hotTotal; i++) {
      const wait = hotStart + (i * 1000) / HOT_RATE - performance.now();
      if (wait > 0) await sleep(wait);
      hotInflight.push(
        post('/v1/signals', { customerId: hot, type: 'feedback', text: i % 2 ? TEXT : 'Thanks, the new plan works well', language: 'en' }).then(
          (r) => void (r.status === 202 || refused(`HTTP ${r.status}`)),
          (err: NodeJS.ErrnoException) => refused(err.code ?? err.message),
        ),
      );
      if (i % 10 === 0) hotInflight.push(post('/v1/signals', { customerId: bystander(i), type: 'login' }).catch(() => undefined)); // shows as not analysed
    }
    await Promise.all(hotInflight);
    const hotDeadline = Date.now() + 300_000;
    while (Date.now() < hotDeadline && Number((await db('analyses').where({ customer_id: hot }).count({ n: '*' }).first())!.n) < hotTotal - hotErrors) await sleep(200);
    const { rows: hotMinutes } = await db.raw(
      `SELECT floor(extract(epoch FROM s.received_at - min(s.received_at) OVER ()) / 60)::int AS minute,
              extract(epoch FROM a.created_at - s.received_at) * 1000 AS ms
         FROM signals s JOIN analyses a ON a.signal_id = s.id WHERE s.customer_id = ?`,
      [hot],
    );
    const byMinute = new Map<number, number[]>();
    for (const r of hotMinutes as { minute: number; ms: number }[]) byMinute.set(r.minute, [...(byMinute.get(r.minute) ?? []), Number(r.ms)]);
    const { rows: bystanders } = await db.raw(
      `SELECT extract(epoch FROM a.created_at - s.received_at) * 1000 AS ms
         FROM signals s JOIN analyses a ON a.signal_id = s.id WHERE s.customer_id LIKE ?`,
      [`${hot}-bystander-%`],
    );
    const bystanderMs = (bystanders as { ms: number }[]).map((r) => Number(r.ms));
    const hotRuns = { continued: 0, terminated: 0, other: 0, running: 0 };
    // How long a run grew before it continued as new: in events and in bytes (what a replay reads).
    const hotRunSize = { events: [] as number[], kib: [] as number[] };
    // Workflow tasks the server refused (a signal arrived while the task continued as new): each
    // costs the worker a replay of the run from its start.
    let hotFailedTasks = 0;
    for await (const w of client.workflow.list({ query: `WorkflowId = 'customer-journey/${hot}'` })) {
      const s = w.status.name;
      const { events } = await client.workflow.getHandle(w.workflowId, w.runId).fetchHistory();
      hotFailedTasks += (events ?? []).filter((e) => e.workflowTaskFailedEventAttributes).length;
      if (s === 'CONTINUED_AS_NEW') {
        hotRuns.continued++;
        hotRunSize.events.push(w.historyLength);
        hotRunSize.kib.push((w.historySize ?? NaN) / 1024);
      }
      else if (s === 'TERMINATED') hotRuns.terminated++;
      else if (s === 'RUNNING') hotRuns.running++;
      else hotRuns.other++;
    }
    const hotProcessed = Number((await db('analyses').where({ customer_id: hot }).count({ n: '*' }).first())!.n);

    // 5. Many distinct journeys: the worker's memory must stay bounded by its cache.
    const jBefore = await analysed();
    const jCpu = cpuNow();
    const jStart = performance.now();
    for (let i = 0; i < JOURNEYS; i += 500) {
      const signals = Array.from({ length: Math.min(500, JOURNEYS - i) }, (_, k) => ({ customerId: `many-${i + k}`, type: 'login' }));
      const r = await post('/v1/signals/batch', { signals });
      if (r.status !== 202) throw new Error(`journeys ingest: ${r.status}`);
      // Keep the backlog bounded so the run measures journeys held, not a queue.
      await waitAnalysed(jBefore + Math.max(0, i - 5000), 3_600_000, 1000);
    }
    await waitAnalysed(jBefore + JOURNEYS, 3_600_000, 1000);
    const journeysRate = JOURNEYS / ((performance.now() - jStart) / 1000);
    const cpuPerJourney = Object.entries(cpuPerSignalSince(jCpu, JOURNEYS)).map(([k, ms]) => `${k} ${fmt(ms, 1)}`).join(', ');
    const workerRss = { peak: procStatus(worker.pid, 'VmHWM'), now: procStatus(worker.pid, 'VmRSS') };
    const apiRss = { peak: procStatus(api.pid, 'VmHWM'), now: procStatus(api.pid, 'VmRSS') };

    // The report.
    const { rows: pgVersion } = await db.raw('SHOW server_version');
    const cli = findTemporalCli(() => undefined);
    const cliVersion = cli.path ? spawnSync(cli.path, ['--version'], { encoding: 'utf8' }).stdout.trim() : 'downloaded by the SDK';
    const sdk = (JSON.parse(fs.readFileSync(require.resolve('@temporalio/worker/package.json'), 'utf8')) as { version: string }).version;
    const rows: [string, string][] = [
      [`bare Temporal: signalWithStart per signal → counting workflow (${SINGLE_CONCURRENCY} in flight)`, `${fmt(median(of((r) => r.bare)))} signals/s${spread(of((r) => r.bare))}`],
      ['end to end, batch path (POST /v1/signals/batch, 500 per request → analysed, rules evaluated)', `${fmt(median(of((r) => r.batch)))} signals/s${spread(of((r) => r.batch))}`],
      ['**ratio batch path / bare Temporal**', `**${fmt(median(of((r) => r.batch / r.bare)), 2)}**${spread(of((r) => r.batch / r.bare), 2)}`],
      [`end to end, single-request path (POST /v1/signals, ${SINGLE_CONCURRENCY} in flight → analysed)`, `${fmt(singleCapacity)} signals/s${spread(of((r) => r.single))}`],
      ['**ratio single-request path / bare Temporal**', `**${fmt(median(of((r) => r.single / r.bare)), 2)}**${spread(of((r) => r.single / r.bare), 2)}`],
      ['accepted (202) rate, batch path / single-request path', `${fmt(median(of((r) => r.batchAccept)))} / ${fmt(median(of((r) => r.singleAccept)))} signals/s`],
      ['signal → legal_threat alert at 10/s (new customers): p50 / p95 / p99', `${fmt(median(light.map((l) => l.p50)))} / ${fmt(median(light.map((l) => l.p95)))} / ${fmt(median(light.map((l) => l.p99)))} ms (seen ${seenOf(light)})`],
      [`signal → legal_threat alert at ${halfRate}/s (half the single-request capacity), one signal each to an earlier customer (warm-up and batch runs${REPS * halfCount > earlier.length ? `; ${fmt(REPS * halfCount - earlier.length)} of ${fmt(REPS * halfCount)} to new customers` : ''}): p50 / p95 / p99`, underLoad(half)],
      [`signal → legal_threat alert at ${halfRate}/s, 5 signals per new customer spread evenly (every 5th a threat): p50 / p95 / p99`, underLoad(halfShaped)],
      [`signal → legal_threat alert at ${halfRate}/s, 5 signals per new customer sent together, as in the capacity run (every 5th a threat): p50 / p95 / p99`, underLoad(halfTogether)],
      [
        `CPU milliseconds per signal at ${halfRate}/s, by process: one signal per journey activation / 5 per customer spread / 5 per customer together`,
        Object.keys(processes).map((k) => `${k} ${[half, halfShaped, halfTogether].map((phase) => fmt(median(phase.map((l) => l.cpuPerSignal[k])), 1)).join(' / ')}`).join(', '),
      ],
      [
        `end to end, one signal per journey activation (POST /v1/signals, ${SINGLE_CONCURRENCY} in flight, each to another customer of the single-request run → analysed)`,
        `${fmt(perJourneyCapacity)} signals/s${spread(perJourney.map((r) => r.rate))}`,
      ],
      ['CPU milliseconds per signal, one signal per journey activation, by process', Object.keys(processes).map((k) => `${k} ${fmt(median(perJourney.map((r) => r.cpu[k])), 1)}`).join(', ')],
      [
        `bare Temporal in that shape: signalWithStart to each counting workflow of a throughput repetition, out of the cache (${CACHED_WORKFLOWS}), ${SINGLE_CONCURRENCY} in flight`,
        `${fmt(median(bareActivation.map((r) => r.rate)))} signals/s${spread(bareActivation.map((r) => r.rate))}; CPU ms per signal: ${Object.keys(processes).map((k) => `${k} ${fmt(median(bareActivation.map((r) => r.cpu[k])), 1)}`).join(', ')}`,
      ],
      ['**ratio one signal per journey activation / bare Temporal in that shape**', `**${fmt(median(perJourneyRatios), 2)}**${spread(perJourneyRatios, 2)}`],
      [
        `signal → legal_threat alert at ${halfPerJourneyRate}/s (half that capacity), one signal per journey activation: p50 / p95 / p99`,
        underLoad(halfPerJourney),
      ],
      [`5th signal → geo_concentration alert (${GEO_ROUNDS} rounds): p50 / max`, `${fmt(median(geoLatencies))} / ${fmt(Math.max(...geoLatencies))} ms`],
      [`Temporal history events per signal (${SIGNALS_PER_CUSTOMER} signals per journey), batch / single-request path`, `${fmt(median(of((r) => r.events.batch)), 2)} / ${fmt(median(of((r) => r.events.single)), 2)}`],
      ['database statements per signal (API + worker), batch / single-request path', `${fmt(median(of((r) => r.statements.batch)), 2)} / ${fmt(median(of((r) => r.statements.single)), 2)}`],
      // Throughput here follows CPU per signal, which the hypervisor's steal and the machine's state move between repetitions.
      ['CPU seconds per 1,000 signals, all processes: bare Temporal / batch path / single-request path', perPath(cpuOf, (x) => fmt(x, 2))],
      // Less moved by the machine than the throughput ratios: both paths of a repetition ran on it minutes apart.
      ...(['batch', 'single'] as const).map((p): [string, string] => {
        const ratios = of((r) => cpuOf(r, p) / cpuOf(r, 'bare'));
        return [`CPU per signal, ${PATH_NAMES[p]} / bare Temporal in the same repetition`, `${fmt(median(ratios), 2)}${spread(ratios, 2)}`];
      }),
      ["CPU time stolen by the hypervisor while each path ran (share of the machine's): bare Temporal / batch path / single-request path", perPath((r, p) => 100 * r.steal[p], (x) => `${fmt(x, 1)} %`)],
      ...PATHS.map((p): [string, string] => [`CPU seconds per 1,000 signals, ${PATH_NAMES[p]}, by process`, Object.keys(processes).map((k) => `${k} ${fmt(median(of((r) => r.cpu[p][k])), 2)}`).join(', ')]),
      [
        `hot customer: one id at ${HOT_RATE}/s for ${HOT_SECONDS} s, signal → analysed p50 / p99 per minute`,
        [...byMinute.entries()].sort((a, b) => a[0] - b[0]).map(([m, xs]) => `min ${m + 1}: ${fmt(pct(xs, 50))} / ${fmt(pct(xs, 99))} ms`).join('; '),
      ],
      ['hot customer: processed / accepted, runs continued-as-new, terminated', `${fmt(hotProcessed)} / ${fmt(hotTotal - hotErrors)} (${hotErrors} refused${hotErrors ? `: ${[...hotErrorKinds].map(([k, n]) => `${k} ×${n}`).join(', ')}` : ''}), ${hotRuns.continued} continued-as-new, ${hotRuns.terminated} terminated, ${hotRuns.running} running`],
      [
        `beside it, other customers at ${fmt(HOT_RATE / 10)}/s: signal → analysed p50 / p99 / max`,
        `${fmt(pct(bystanderMs, 50))} / ${fmt(pct(bystanderMs, 99))} / ${fmt(Math.max(...bystanderMs))} ms (${bystanderMs.length} of ${Math.ceil(hotTotal / 10)} analysed)`,
      ],
      ['hot customer: a run continued as new at (median); workflow tasks failed', `${fmt(median(hotRunSize.events))} events, ${fmt(median(hotRunSize.kib))} KiB of history; ${hotFailedTasks} failed`],
      [`${fmt(JOURNEYS)} more distinct journeys (one login each)`, `${fmt(journeysRate)} signals/s`],
      ['CPU milliseconds per new journey, by process', cpuPerJourney],
      [`worker RSS after them: peak / now (cache ${CACHED_WORKFLOWS} workflows)`, `${fmt(workerRss.peak)} / ${fmt(workerRss.now)} MiB`],
      ['API RSS: peak / now', `${fmt(apiRss.peak)} / ${fmt(apiRss.now)} MiB`],
    ];
    const cpu0 = os.cpus()[0];
    console.log(
      `\nengagement platform benchmark — ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC; ${os.cpus().length} cores ${cpu0?.model ?? ''}, ` +
        `${fmt(os.totalmem() / 2 ** 30)} GiB; Node ${process.version}; Temporal CLI ${CLI_VERSION} (${cliVersion.replace(/^temporal version /, '')}); ` +
        `Temporal TypeScript SDK ${sdk}; Postgres ${pgVersion[0].server_version}; ${REPS} repetitions of ${fmt(N)} signals per path after a warm-up of ${fmt(WARMUP)}\n`,
    );
    console.log('| figure | median |\n|---|---|');
    for (const [k, v] of rows) console.log(`| ${k} | ${v} |`);
  } finally {
    worker.kill('SIGTERM');
    api.kill('SIGTERM');
    await Promise.all([worker, api].map((c) => new Promise((r) => (c.exitCode !== null ? r(null) : c.once('exit', r)))));
    await clientConnection.close();
    agent.destroy();
    await db.destroy();
    await database.drop();
    await server.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
