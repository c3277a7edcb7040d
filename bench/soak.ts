// `npm run soak`: the platform as `npm start` runs it (embedded Postgres by default) under a steady
// stream of single signals on loopback, sampled every minute: memory, request latency, errors and
// how long a legal threat takes to become an alert. Bounded: SOAK_MINUTES (default 30) at
// SOAK_RATE signals/s (default 50, about half the single-request capacity `npm run bench` measured).
// SOAK_DATABASE_URL runs it on a Postgres server instead of the embedded default.
import { spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../scripts/temporal-cli';

const ROOT = path.join(__dirname, '..');
const MINUTES = Number(process.env.SOAK_MINUTES ?? 30);
const RATE = Number(process.env.SOAK_RATE ?? 50);
const CUSTOMERS = Number(process.env.SOAK_CUSTOMERS ?? 1000);
const TEXTS = [
  'The app keeps logging me out, please fix it.',
  'Thanks, the delivery arrived on time.',
  'Your hotline kept me waiting for an hour, unacceptable.',
  'Die Rechnung ist falsch, bitte korrigieren.',
  'All good, quick answer, thank you.',
  'Der Zug hatte wieder 40 Minuten Verspätung.',
];
const LEGAL = 'I have instructed my attorney to file a lawsuit against you.';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const pct = (xs: number[], p: number) => (xs.length ? [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil((p / 100) * xs.length) - 1)] : NaN);
const fmt = (x: number, d = 0) => (Number.isFinite(x) ? x.toFixed(d) : 'n/a');
const median = (xs: number[]) => pct(xs, 50);

/** Resident memory of a process and all its descendants (the dev server is one of them), in MiB. */
function treeRssMiB(root: number): number {
  const children = new Map<number, number[]>();
  let kb = 0;
  const rss = new Map<number, number>();
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const status = fs.readFileSync(`/proc/${d}/status`, 'utf8');
      const ppid = Number(/PPid:\s+(\d+)/.exec(status)?.[1]);
      rss.set(Number(d), Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0));
      children.set(ppid, [...(children.get(ppid) ?? []), Number(d)]);
    } catch {
      // the process ended while we looked
    }
  }
  const stack = [root];
  while (stack.length) {
    const pid = stack.pop()!;
    kb += rss.get(pid) ?? 0;
    stack.push(...(children.get(pid) ?? []));
  }
  return kb / 1024;
}

async function main() {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'soak-'));
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const adminKey = `soak-${randomBytes(24).toString('base64url')}`;
  const authorization = `Bearer ${adminKey}`;
  const platform = spawn(process.execPath, ['--require', 'tsx/cjs', 'scripts/start.ts'], {
    cwd: ROOT,
    env: {
      ...process.env,
      DATABASE_URL: process.env.SOAK_DATABASE_URL ?? '',
      DATA_DIR: dataDir,
      PORT: String(port),
      TEMPORAL_UI_PORT: String(await freePort()),
      ADMIN_API_KEY: adminKey,
      RATE_LIMIT_KEY_PER_MINUTE: '0',
      LOG_LEVEL: 'warn',
    },
    stdio: ['pipe', 'ignore', 'pipe'],
  });
  // The platform's own log is kept out of the table; its tail is shown if it dies.
  let stderrTail = '';
  platform.stderr!.on('data', (d) => (stderrTail = (stderrTail + d).slice(-4000)));
  // Interrupted: the platform (and through it the dev server) stops with us.
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => (platform.kill('SIGINT'), process.exit(130)));
  const log = (m: string) => console.error(`[soak] ${m}`);
  let platformExit: string | null = null;
  platform.once('exit', (code, signal) => (platformExit = `exited (${code ?? signal})`));
  const post = (body: unknown) => fetch(`${base}/v1/signals`, { method: 'POST', headers: { 'content-type': 'application/json', authorization }, body: JSON.stringify(body) });
  const get = (p: string) => fetch(`${base}${p}`, { headers: { authorization } });
  try {
    for (let i = 0; !(await get('/readyz').then((r) => r.ok, () => false)); i++) {
      if (platformExit || i > 1200) throw new Error(`the platform did not become ready (${platformExit ?? 'timeout'})`);
      await sleep(100);
    }
    log(`platform ready on ${process.env.SOAK_DATABASE_URL ? 'a Postgres server' : 'the embedded default'}; ${MINUTES} min at ${RATE} signals/s over ${CUSTOMERS} customers`);
    const customers = Array.from({ length: CUSTOMERS }, (_, i) => `soak-${i}`);
    const sentTo = new Map<string, number>();
    const rows: string[][] = [];
    const minuteRss: number[] = [];
    let accepted = 0;
    const t0 = Date.now();
    // The stream keeps its schedule whatever the answers take: each minute's figures are filled in
    // as its requests and its legal threat's alert come back, and printed once all are in.
    const minutes: { sent: number; errors: number; latencies: number[]; alertMs: number; rss: number; backlog: number; settled: Promise<unknown>[] }[] = [];
    // Analysed so far, from the platform's own counters (npm start runs the worker in the API process).
    const analysedSoFar = async () => {
      const text = await get('/metrics').then((r) => r.text(), () => '');
      let n = 0;
      for (const line of text.split('\n')) if (line.startsWith('signals_total{') && line.includes('outcome="analysed"')) n += Number(line.split(' ').at(-1));
      return n;
    };
    for (let minute = 1; minute <= MINUTES && !platformExit; minute++) {
      const m = { sent: 0, errors: 0, latencies: [] as number[], alertMs: NaN, rss: NaN, backlog: NaN, settled: [] as Promise<unknown>[] };
      minutes.push(m);
      const end = t0 + minute * 60_000;
      // One legal threat per minute, from a customer of its own: how long until its alert is listed
      // (given up after 5 minutes).
      const legalCustomer = `soak-legal-${minute}-${randomUUID().slice(0, 8)}`;
      const legalPosted = Date.now();
      m.settled.push(
        (async () => {
          const r = await post({ customerId: legalCustomer, type: 'feedback', text: LEGAL, language: 'en' }).catch(() => null);
          if (r?.status !== 202) return;
          while (Date.now() < legalPosted + 300_000 && !platformExit) {
            const body = await get(`/v1/alerts?customerId=${legalCustomer}&type=legal_threat`).then((x) => x.json() as Promise<{ items?: unknown[] }>, () => null);
            if (body?.items?.length) return void (m.alertMs = Date.now() - legalPosted);
            await sleep(100);
          }
        })(),
      );
      for (let next = Date.now(); next < end && !platformExit; next += 1000 / RATE) {
        const wait = next - Date.now();
        if (wait > 0) await sleep(wait);
        const customerId = customers[Math.floor(Math.random() * customers.length)];
        const started = performance.now();
        m.sent++;
        m.settled.push(
          post({ customerId, type: 'feedback', text: TEXTS[m.sent % TEXTS.length] })
            .then(async (r) => {
              await r.arrayBuffer();
              m.latencies.push(performance.now() - started);
              if (r.status === 202) {
                accepted++;
                sentTo.set(customerId, (sentTo.get(customerId) ?? 0) + 1);
              } else m.errors++;
            })
            .catch(() => void m.errors++),
        );
      }
      m.rss = platformExit ? NaN : treeRssMiB(platform.pid!);
      minuteRss.push(m.rss);
      // Accepted but not yet analysed (the legal threats included).
      m.backlog = accepted + minute - (await analysedSoFar());
      log(`minute ${minute}: sent ${m.sent}, answered ${m.latencies.length}, errors ${m.errors}, POST p50 so far ${fmt(median(m.latencies), 1)} ms, backlog ${m.backlog}, RSS ${fmt(m.rss)} MiB`);
    }
    for (const m of minutes) await Promise.all(m.settled);
    minutes.forEach((m, i) => rows.push([String(i + 1), String(m.sent), String(m.errors), fmt(median(m.latencies), 1), fmt(pct(m.latencies, 99), 1), String(m.backlog), fmt(m.alertMs), fmt(m.rss)]));
    // Drained: every accepted signal processed by its journey, exactly (the profile counts them).
    let processed = 0;
    const deadline = Date.now() + 600_000;
    // First until the counters say the backlog is gone (cheap), then each journey's own count.
    while ((await analysedSoFar()) < accepted && Date.now() < deadline && !platformExit) await sleep(1000);
    const drainedAfterS = Math.round((Date.now() - t0) / 1000 - minutes.length * 60);
    const journeys = [...sentTo];
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        for (let next = journeys.shift(); next; next = journeys.shift()) {
          const [customerId, n] = next;
          for (;;) {
            const body = (await get(`/v1/customers/${customerId}`).then((r) => r.json(), () => null)) as { riskProfile?: { signalsProcessed?: number } } | null;
            const seen = body?.riskProfile?.signalsProcessed ?? 0;
            if (seen >= n || Date.now() > deadline || platformExit) {
              processed += seen;
              break;
            }
            await sleep(200);
          }
        }
      }),
    );
    const half = Math.floor(minuteRss.length / 2);
    const slope = minuteRss.length > 3 ? (minuteRss.at(-1)! - minuteRss[half]) / (minuteRss.length - 1 - half) : NaN;
    console.log(`\nSoak: ${MINUTES} min at ${RATE} signals/s, ${CUSTOMERS} customers, ${process.env.SOAK_DATABASE_URL ? 'Postgres server' : 'embedded Postgres'}; ${os.cpus().length} cores, Node ${process.version}\n`);
    console.log('| minute | sent | errors | POST p50 ms | POST p99 ms | backlog at minute end | legal alert ms (posted at minute start) | RSS MiB (all processes) |');
    console.log('|---|---|---|---|---|---|---|---|');
    for (const r of rows) console.log(`| ${r.join(' | ')} |`);
    console.log(`\nAccepted ${accepted}, processed by their journeys ${processed} (${processed === accepted ? 'all, once' : 'MISMATCH'}), the backlog gone ${drainedAfterS} s after the stream ended; RSS trend over the second half ${fmt(slope, 1)} MiB/min; platform ${platformExit ?? 'alive'}.`);
    if (platformExit) console.error(stderrTail);
    if (platformExit || processed !== accepted) process.exitCode = 1;
  } finally {
    platform.kill('SIGINT');
    await new Promise((r) => (platformExit ? r(null) : platform.once('exit', r)));
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
